import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { Role } from '../src/auth/policy.js';
import { epoch } from './support/accounting.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Every route the running app registers × every kind of caller, with the status each must get.
 * The list of routes comes from Nest's router metadata (what Fastify is given), so a new route
 * without a row here fails the first test. Item routes act on a fresh plain subscriber, the
 * "target", of organization TARGET_ORGANIZATION; `user-self` is that subscriber itself, `user-other`
 * another plain subscriber. The "other organization" columns (`admin-other-org`, …) are callers with
 * that role in OTHER_ORGANIZATION: the target does not exist for them (404, left out of lists,
 * an unknown user to authorize; a record for it is quarantined).
 */
const SAME_ORG_CALLERS = ['anonymous', 'user-self', 'user-other', 'moderator', 'admin', 'gateway', 'staff'] as const;
const OTHER_ORG_CALLERS = ['moderator-other-org', 'admin-other-org', 'gateway-other-org'] as const;
const CALLERS = [...SAME_ORG_CALLERS, ...OTHER_ORG_CALLERS] as const;
type SameOrgCaller = (typeof SAME_ORG_CALLERS)[number];
type OtherOrgCaller = (typeof OTHER_ORG_CALLERS)[number];
type Caller = (typeof CALLERS)[number];
type Statuses = Record<Caller, number>;

const TARGET_ORGANIZATION = 'acme_corp';
const OTHER_ORGANIZATION = 'rival_corp';

interface Cell {
  caller: CreatedSubscriber | undefined;
  target: CreatedSubscriber & { password: string };
  /** An accounting session of the target, by id. */
  sessionId: () => Promise<string>;
  /** A refused accounting record (a Stop naming the target), by id. */
  rejectedId: () => Promise<string>;
  /** A voucher batch of the target's organization (that of every caller), by id. */
  voucherBatchId: () => Promise<string>;
}

interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route template as registered, e.g. `/api/v1/user_token/:id`. */
  route: string;
  url: (cell: Cell) => string | Promise<string>;
  body?: (cell: Cell) => unknown;
  expect: Statuses;
}

/**
 * The statuses of the same-organization callers, and of the other-organization ones: by default
 * what the same role gets in its own organization (routes where the target's organization plays no
 * part: public, own records, capability refusals, 405s), else as given.
 */
const row = (same: Record<SameOrgCaller, number>, otherOrg: Partial<Record<OtherOrgCaller, number>> = {}): Statuses => ({
  ...same,
  'moderator-other-org': same.moderator,
  'admin-other-org': same.admin,
  'gateway-other-org': same.gateway,
  ...otherOrg,
});
/** Not found for a caller of another organization, whatever its role. */
const NOT_FOUND_ELSEWHERE = { 'moderator-other-org': 404, 'admin-other-org': 404, 'gateway-other-org': 404 };
/** Public: the same status for everyone. */
const all = (status: number): Statuses => row(Object.fromEntries(SAME_ORG_CALLERS.map((caller) => [caller, status])) as Record<SameOrgCaller, number>);
/** Any valid token: 401 without one. */
const authenticated = (status: number): Statuses => ({ ...all(status), anonymous: 401 });
/** A capability only some roles hold: 403 for the others (in any organization). */
const only = (status: number, holders: SameOrgCaller[], otherOrg: Partial<Record<OtherOrgCaller, number>> = {}): Statuses =>
  row(
    Object.fromEntries(SAME_ORG_CALLERS.map((caller) => [caller, caller === 'anonymous' ? 401 : holders.includes(caller) ? status : 403])) as Record<SameOrgCaller, number>,
    otherOrg,
  );

const SUBSCRIBER_READERS: SameOrgCaller[] = ['moderator', 'admin', 'gateway', 'staff'];

const ROUTES: RouteCase[] = [
  // ---- auth
  {
    method: 'POST', route: '/api/auth/login', url: () => '/api/auth/login/',
    body: ({ target }) => ({ username: target.username, password: target.password }),
    expect: all(200),
  },
  { method: 'POST', route: '/api/auth/logout', url: () => '/api/auth/logout/', expect: authenticated(204) },
  // ---- auth-tokens (Waldur): the list is staff-only, an item is yours or a token manager's (admin)
  { method: 'GET', route: '/api/auth-tokens', url: () => '/api/auth-tokens/', expect: only(200, ['staff']) },
  { method: 'POST', route: '/api/auth-tokens', url: () => '/api/auth-tokens/', expect: only(405, ['staff']) },
  { method: 'PUT', route: '/api/auth-tokens', url: () => '/api/auth-tokens/', expect: only(405, ['staff']) },
  { method: 'PATCH', route: '/api/auth-tokens', url: () => '/api/auth-tokens/', expect: only(405, ['staff']) },
  { method: 'DELETE', route: '/api/auth-tokens', url: () => '/api/auth-tokens/', expect: only(405, ['staff']) },
  {
    method: 'GET', route: '/api/auth-tokens/:user_id', url: ({ target }) => `/api/auth-tokens/${target.id}/`,
    expect: row({ anonymous: 401, 'user-self': 200, 'user-other': 404, moderator: 404, admin: 200, gateway: 404, staff: 200 }, NOT_FOUND_ELSEWHERE),
  },
  {
    method: 'DELETE', route: '/api/auth-tokens/:user_id', url: ({ target }) => `/api/auth-tokens/${target.id}/`,
    expect: row({ anonymous: 401, 'user-self': 204, 'user-other': 404, moderator: 404, admin: 204, gateway: 404, staff: 204 }, NOT_FOUND_ELSEWHERE),
  },
  { method: 'POST', route: '/api/auth-tokens/:user_id', url: ({ target }) => `/api/auth-tokens/${target.id}/`, expect: authenticated(405) },
  { method: 'PUT', route: '/api/auth-tokens/:user_id', url: ({ target }) => `/api/auth-tokens/${target.id}/`, expect: authenticated(405) },
  { method: 'PATCH', route: '/api/auth-tokens/:user_id', url: ({ target }) => `/api/auth-tokens/${target.id}/`, expect: authenticated(405) },
  // ---- users (Waldur): staff manage everyone; a user reads and edits their own record
  { method: 'GET', route: '/api/users', url: () => '/api/users/', expect: only(200, ['staff']) },
  {
    method: 'POST', route: '/api/users', url: () => '/api/users/',
    body: () => ({ username: uniqueUsername('made') }),
    expect: only(201, ['staff']),
  },
  { method: 'GET', route: '/api/users/me', url: () => '/api/users/me/', expect: authenticated(200) },
  {
    method: 'GET', route: '/api/users/:uuid', url: ({ target }) => `/api/users/${target.uuid}/`,
    expect: row({ anonymous: 401, 'user-self': 200, 'user-other': 404, moderator: 404, admin: 404, gateway: 404, staff: 200 }),
  },
  {
    method: 'PATCH', route: '/api/users/:uuid', url: ({ target }) => `/api/users/${target.uuid}/`,
    body: () => ({ first_name: 'Renamed' }),
    expect: row({ anonymous: 401, 'user-self': 200, 'user-other': 404, moderator: 404, admin: 404, gateway: 404, staff: 200 }),
  },
  { method: 'PUT', route: '/api/users/:uuid', url: ({ target }) => `/api/users/${target.uuid}/`, expect: authenticated(405) },
  { method: 'DELETE', route: '/api/users/:uuid', url: ({ target }) => `/api/users/${target.uuid}/`, expect: only(204, ['staff']) },
  // ---- user_token (subscribers, balances)
  // Other organizations' callers get the list without the target (checked for every GET answered 200).
  { method: 'GET', route: '/api/v1/user_token', url: () => '/api/v1/user_token/', expect: only(200, SUBSCRIBER_READERS) },
  {
    // Into the target's organization: an admin of another one may not (400 naming `organization`).
    method: 'POST', route: '/api/v1/user_token', url: () => '/api/v1/user_token/',
    body: () => ({ username: uniqueUsername('sub'), organization: TARGET_ORGANIZATION, email: 'sub@example.com', role: 'user', balance_seconds: 0 }),
    expect: only(201, ['admin', 'staff'], { 'admin-other-org': 400 }),
  },
  { method: 'PUT', route: '/api/v1/user_token', url: () => '/api/v1/user_token/', expect: authenticated(405) },
  { method: 'PATCH', route: '/api/v1/user_token', url: () => '/api/v1/user_token/', expect: authenticated(405) },
  { method: 'DELETE', route: '/api/v1/user_token', url: () => '/api/v1/user_token/', expect: authenticated(405) },
  {
    method: 'GET', route: '/api/v1/user_token/:id', url: ({ target }) => `/api/v1/user_token/${target.id}/`,
    expect: row({ anonymous: 401, 'user-self': 200, 'user-other': 404, moderator: 200, admin: 200, gateway: 200, staff: 200 }, NOT_FOUND_ELSEWHERE),
  },
  {
    // A change of names needs subscribers:write (moving to another organization: organizations.e2e-spec.ts).
    // A gateway is refused before the target is read (it can never write), so it learns nothing (403).
    method: 'PUT', route: '/api/v1/user_token/:id', url: ({ target }) => `/api/v1/user_token/${target.id}/`,
    body: ({ target }) => ({ username: target.username, organization: target.organization, email: target.email, role: 'user', balance_seconds: 0, first_name: 'Renamed' }),
    expect: row(
      { anonymous: 401, 'user-self': 403, 'user-other': 404, moderator: 403, admin: 200, gateway: 403, staff: 200 },
      { 'moderator-other-org': 404, 'admin-other-org': 404 },
    ),
  },
  {
    // A top-up needs balances:write.
    method: 'PATCH', route: '/api/v1/user_token/:id', url: ({ target }) => `/api/v1/user_token/${target.id}/`,
    body: () => ({ balance_seconds: 7200 }),
    expect: row(
      { anonymous: 401, 'user-self': 403, 'user-other': 404, moderator: 200, admin: 200, gateway: 403, staff: 200 },
      { 'moderator-other-org': 404, 'admin-other-org': 404 },
    ),
  },
  {
    method: 'DELETE', route: '/api/v1/user_token/:id', url: ({ target }) => `/api/v1/user_token/${target.id}/`,
    expect: row({ anonymous: 401, 'user-self': 403, 'user-other': 404, moderator: 403, admin: 204, gateway: 403, staff: 204 }, NOT_FOUND_ELSEWHERE),
  },
  { method: 'POST', route: '/api/v1/user_token/:id', url: ({ target }) => `/api/v1/user_token/${target.id}/`, expect: authenticated(405) },
  // ---- accounting: gateways post records; everyone sees their own sessions and ledger; runs are staff's
  {
    method: 'POST', route: '/api/v1/accounting', url: () => '/api/v1/accounting/',
    // Another organization's gateway: 200, the record quarantined (organizations.e2e-spec.ts checks it charges nobody).
    body: ({ target }) => ({ 'Acct-Status-Type': 'Start', 'User-Name': target.username, 'Acct-Session-Id': `m-${target.id}`, 'NAS-Identifier': 'nas-matrix' }),
    expect: only(200, ['gateway', 'staff']),
  },
  {
    // The target has a session: other organizations' callers get the list without it.
    method: 'GET', route: '/api/v1/accounting/sessions',
    url: async ({ sessionId }) => {
      await sessionId();
      return '/api/v1/accounting/sessions/';
    },
    expect: authenticated(200),
  },
  {
    method: 'GET', route: '/api/v1/accounting/sessions/:id', url: async ({ sessionId }) => `/api/v1/accounting/sessions/${await sessionId()}/`,
    expect: row({ anonymous: 401, 'user-self': 200, 'user-other': 404, moderator: 200, admin: 200, gateway: 404, staff: 200 }, NOT_FOUND_ELSEWHERE),
  },
  // An admin (of the session's organization) or staff may cut a session off; this one is bound to no NAS client: 409.
  // Another organization's admin does not see the session: 404.
  {
    method: 'POST', route: '/api/v1/accounting/sessions/:id/disconnect', url: async ({ sessionId }) => `/api/v1/accounting/sessions/${await sessionId()}/disconnect/`,
    expect: only(409, ['admin', 'staff'], { 'admin-other-org': 404 }),
  },
  { method: 'GET', route: '/api/v1/accounting/ledger', url: () => '/api/v1/accounting/ledger/', expect: authenticated(200) },
  { method: 'GET', route: '/api/v1/accounting/runs', url: () => '/api/v1/accounting/runs/', expect: only(200, ['staff']) },
  { method: 'GET', route: '/api/v1/accounting/rejected', url: () => '/api/v1/accounting/rejected/', expect: only(200, ['staff']) },
  {
    method: 'POST', route: '/api/v1/accounting/rejected/:id/replay', url: async ({ rejectedId }) => `/api/v1/accounting/rejected/${await rejectedId()}/replay/`,
    expect: only(200, ['staff']),
  },
  {
    method: 'POST', route: '/api/v1/accounting/runs', url: () => '/api/v1/accounting/runs/',
    body: () => ({ dry_run: true }),
    expect: only(200, ['staff']),
  },
  {
    // Another organization's gateway: 200 with the unknown user's reject (organizations.e2e-spec.ts compares them).
    method: 'POST', route: '/api/v1/authorize', url: () => '/api/v1/authorize/',
    body: ({ target }) => ({ username: target.username }),
    expect: only(200, ['gateway', 'staff']),
  },
  // ---- FreeRADIUS rlm_rest (gateways): the target's key as its PAP password is accepted (200);
  // another organization's gateway gets rlm_rest's reject (401 with a Reply-Message), as for an unknown user.
  ...(['authorize', 'authenticate'] as const).map((path): RouteCase => ({
    method: 'POST', route: `/api/v1/freeradius/${path}`, url: () => `/api/v1/freeradius/${path}/`,
    body: ({ target }) => ({ 'User-Name': { type: 'string', value: [target.username] }, 'User-Password': { type: 'string', value: [target.token] } }),
    expect: only(200, ['gateway', 'staff'], { 'gateway-other-org': 401 }),
  })),
  {
    method: 'POST', route: '/api/v1/freeradius/accounting', url: () => '/api/v1/freeradius/accounting/',
    body: ({ target }) => ({
      'Acct-Status-Type': { type: 'integer', value: ['Start'] },
      'User-Name': { type: 'string', value: [target.username] },
      'Acct-Session-Id': { type: 'string', value: [`fr-${target.id}`] },
      'NAS-Identifier': { type: 'string', value: ['nas-matrix'] },
    }),
    expect: only(204, ['gateway', 'staff']),
  },
  // The captive-portal poll authenticates inside its one query: the caller's own balance.
  { method: 'GET', route: '/api/v1/balance', url: () => '/api/v1/balance/', expect: authenticated(200) },
  // ---- RADIUS NAS clients (staff). Staff pass authorization and meet validation (400) or a missing id (404).
  { method: 'GET', route: '/api/v1/nas', url: () => '/api/v1/nas/', expect: only(200, ['staff']) },
  { method: 'POST', route: '/api/v1/nas', url: () => '/api/v1/nas/', body: () => ({}), expect: only(400, ['staff']) },
  { method: 'GET', route: '/api/v1/nas/:id', url: () => '/api/v1/nas/999999999/', expect: only(404, ['staff']) },
  { method: 'PUT', route: '/api/v1/nas/:id', url: () => '/api/v1/nas/999999999/', body: () => ({}), expect: only(400, ['staff']) },
  { method: 'PATCH', route: '/api/v1/nas/:id', url: () => '/api/v1/nas/999999999/', body: () => ({}), expect: only(404, ['staff']) },
  { method: 'DELETE', route: '/api/v1/nas/:id', url: () => '/api/v1/nas/999999999/', expect: only(404, ['staff']) },
  // ---- vouchers: admins of the batch's organization and staff; another organization's admin may
  // not create them there (400 naming organization) nor see the batch (404)
  {
    method: 'POST', route: '/api/v1/vouchers', url: () => '/api/v1/vouchers/',
    body: ({ target }) => ({ count: 1, balance_seconds: 60, organization: target.organization }),
    expect: only(201, ['admin', 'staff'], { 'admin-other-org': 400 }),
  },
  {
    method: 'GET', route: '/api/v1/vouchers/:batch', url: async ({ voucherBatchId }) => `/api/v1/vouchers/${await voucherBatchId()}/`,
    expect: only(200, ['admin', 'staff'], { 'admin-other-org': 404 }),
  },
  // ---- operations: public
  { method: 'GET', route: '/health/live', url: () => '/health/live', expect: all(200) },
  { method: 'GET', route: '/health/ready', url: () => '/health/ready', expect: all(200) },
  { method: 'GET', route: '/metrics', url: () => '/metrics', expect: all(200) },
];

/** Method + route template of every handler Nest registered with Fastify. */
function registeredRoutes(t: TestApp): string[] {
  const routes: string[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype: Record<string, unknown> } | undefined;
      if (!controller) continue;
      const bases = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (paths === undefined || method === undefined) continue;
        for (const base of bases) {
          for (const path of [paths].flat()) {
            const full = `/${[base, path].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
            routes.push(`${RequestMethod[method]} ${full}`);
          }
        }
      }
    }
  }
  return routes.sort();
}

describe('role matrix: every route × every kind of caller', () => {
  let t: TestApp;
  let gatewayToken: string;

  beforeAll(async () => {
    t = await createTestApp();
    gatewayToken = (await t.factories.subscriber({ role: Role.Gateway })).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('covers exactly the routes the app registers (a new route needs a row here)', () => {
    const tested = ROUTES.map((route) => `${route.method} ${route.route}`).sort();
    expect(new Set(tested).size).toBe(tested.length);
    expect(tested).toEqual(registeredRoutes(t));
  });

  it('covers every operation of the OpenAPI document', async () => {
    const schema = await t.api().get('/api/schema/').expect(200);
    const documented = Object.entries(schema.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      // The document lists DRF paths (trailing slash); Nest registers them without it.
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1').replace(/(.)\/$/, '$1')}`),
    );
    const tested = new Set(ROUTES.map((route) => `${route.method} ${route.route}`));
    expect(documented.filter((operation) => !tested.has(operation))).toEqual([]);
  });

  it("documents each route's rule as its OpenAPI security: no credentials needed exactly where anonymous callers get in", async () => {
    const schema = await t.api().get('/api/schema/').expect(200);
    const rows = new Map(ROUTES.map((route) => [`${route.method} ${route.route}`, route]));
    const mismatches: string[] = [];
    for (const [path, operations] of Object.entries(schema.body.paths as Record<string, Record<string, { security?: Record<string, string[]>[] }>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const key = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1').replace(/(.)\/$/, '$1')}`;
        const security = operation.security ?? [];
        const optional = security.length === 0 || security.some((requirement) => Object.keys(requirement).length === 0);
        if (optional !== (rows.get(key)?.expect.anonymous !== 401)) mismatches.push(`${key}: ${JSON.stringify(security)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  async function makeCaller(kind: Caller, target: CreatedSubscriber): Promise<CreatedSubscriber | undefined> {
    switch (kind) {
      case 'anonymous':
        return undefined;
      case 'user-self':
        return target;
      case 'user-other':
        return t.factories.subscriber({ role: Role.User });
      case 'moderator':
        return t.factories.subscriber({ role: Role.Moderator });
      case 'admin':
        return t.factories.subscriber({ role: Role.Admin });
      case 'gateway':
        return t.factories.subscriber({ role: Role.Gateway });
      case 'staff':
        return t.factories.staff();
      case 'moderator-other-org':
        return t.factories.subscriber({ role: Role.Moderator, organization: OTHER_ORGANIZATION });
      case 'admin-other-org':
        return t.factories.subscriber({ role: Role.Admin, organization: OTHER_ORGANIZATION });
      case 'gateway-other-org':
        return t.factories.subscriber({ role: Role.Gateway, organization: OTHER_ORGANIZATION });
    }
  }

  const cells = ROUTES.flatMap((route) => CALLERS.map((caller) => [`${route.method} ${route.route}`, caller, route.expect[caller], route] as const));

  it.each(cells)('%s as %s → %i', async (_, callerKind, expected, route) => {
    const needsPassword = route.route === '/api/auth/login';
    const password = 'matrix-password-1';
    const target = {
      ...(await t.factories.subscriber({ role: Role.User, organization: TARGET_ORGANIZATION, balanceSeconds: 3600, ...(needsPassword ? { password } : {}) })),
      password,
    };
    const caller = await makeCaller(callerKind, target);
    const sessionId = async () => {
      const started = await t.api()
        .post('/api/v1/accounting/')
        .set('Authorization', `Bearer ${gatewayToken}`)
        .send({ 'Acct-Status-Type': 'Start', 'User-Name': target.username, 'Acct-Session-Id': `s-${target.id}`, 'NAS-Identifier': 'nas-matrix', 'Event-Timestamp': epoch(t.clock.now()) })
        .expect(200);
      const [row] = await t.dataSource.query('SELECT id FROM accounting_sessions WHERE acct_unique_id = $1', [started.body.acct_unique_id]);
      return String(row.id);
    };
    const rejectedId = async () => {
      const body = { 'Acct-Status-Type': 'Stop', 'User-Name': target.username, 'Acct-Session-Id': `r-${target.id}`, 'NAS-Identifier': 'nas-matrix', 'Acct-Session-Time': 'x' };
      const [row] = await t.dataSource.query(
        `INSERT INTO accounting_rejected (received_at, source, source_detail, body, reason) VALUES (now(), 'http', 'matrix', $1::jsonb, 'invalid_attributes') RETURNING id::text AS id`,
        [JSON.stringify(body)],
      );
      return String(row.id);
    };
    const voucherBatchId = async () => {
      const [row] = await t.dataSource.query(
        `INSERT INTO voucher_batches (organization, count, balance_seconds, created_at) VALUES ($1, 1, 60, now()) RETURNING id::text AS id`,
        [target.organization],
      );
      return String(row.id);
    };
    const cell: Cell = { caller, target, sessionId, rejectedId, voucherBatchId };
    const request = t.api()[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](await route.url(cell));
    if (caller) request.set('Authorization', `Token ${caller.token}`);
    const body = route.body?.(cell);
    const response = body === undefined ? await request : await request.send(body as object);
    if (response.status !== expected) {
      throw new Error(`${route.method} ${route.route} as ${callerKind}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body)}`);
    }
    if (expected === 401 && callerKind === 'anonymous') expect(response.headers['www-authenticate']).toBeDefined();
    if (expected === 403) expect(response.body).toEqual({ detail: 'You do not have permission to perform this action.' });
    // Lists leave other organizations' objects out.
    if ((OTHER_ORG_CALLERS as readonly string[]).includes(callerKind) && route.method === 'GET' && expected === 200) {
      expect(JSON.stringify(response.body)).not.toContain(target.username);
    }
  });
});

/**
 * The same item routes with a staff account as the target: a staff account is handled only by staff,
 * whatever capabilities the caller holds. `staff-self` is the target itself, `staff-other` another
 * staff account, and `manager` a non-staff account holding every capability a non-staff account can
 * hold (users:manage, tokens:read_all, tokens:manage, subscribers:write, balances:write). Every
 * refused cell also leaves the target (user row, profile, token) exactly as it was.
 */
const STAFF_TARGET_CALLERS = ['anonymous', 'staff-self', 'user', 'moderator', 'admin', 'gateway', 'manager', 'staff-other'] as const;
type StaffTargetCaller = (typeof STAFF_TARGET_CALLERS)[number];

interface StaffTargetCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: (target: CreatedSubscriber) => string;
  body?: (target: CreatedSubscriber) => unknown;
  expect: Record<StaffTargetCaller, number>;
}

/** Statuses in STAFF_TARGET_CALLERS order. */
const statuses = (...codes: number[]): Record<StaffTargetCaller, number> =>
  Object.fromEntries(STAFF_TARGET_CALLERS.map((caller, index) => [caller, codes[index]])) as Record<StaffTargetCaller, number>;

const STAFF_TARGET_CASES: StaffTargetCase[] = [
  { name: 'GET /api/auth-tokens/{staff}/', method: 'GET', url: (s) => `/api/auth-tokens/${s.id}/`, expect: statuses(401, 200, 404, 404, 404, 404, 404, 200) },
  { name: 'DELETE /api/auth-tokens/{staff}/', method: 'DELETE', url: (s) => `/api/auth-tokens/${s.id}/`, expect: statuses(401, 204, 404, 404, 404, 404, 404, 204) },
  { name: 'GET /api/users/{staff}/', method: 'GET', url: (s) => `/api/users/${s.uuid}/`, expect: statuses(401, 200, 404, 404, 404, 404, 200, 200) },
  {
    name: 'PATCH /api/users/{staff}/ first_name', method: 'PATCH', url: (s) => `/api/users/${s.uuid}/`, body: () => ({ first_name: 'Renamed' }),
    expect: statuses(401, 200, 404, 404, 404, 404, 403, 200),
  },
  {
    name: 'PATCH /api/users/{staff}/ password', method: 'PATCH', url: (s) => `/api/users/${s.uuid}/`, body: () => ({ password: 'taken-over-1' }),
    expect: statuses(401, 200, 404, 404, 404, 404, 403, 200),
  },
  {
    name: 'PATCH /api/users/{staff}/ is_active=false', method: 'PATCH', url: (s) => `/api/users/${s.uuid}/`, body: () => ({ is_active: false }),
    expect: statuses(401, 200, 404, 404, 404, 404, 403, 200),
  },
  {
    name: 'PATCH /api/users/{staff}/ is_staff=false', method: 'PATCH', url: (s) => `/api/users/${s.uuid}/`, body: () => ({ is_staff: false }),
    expect: statuses(401, 200, 404, 404, 404, 404, 403, 200),
  },
  { name: 'DELETE /api/users/{staff}/', method: 'DELETE', url: (s) => `/api/users/${s.uuid}/`, expect: statuses(401, 400, 403, 403, 403, 403, 403, 204) },
  {
    name: 'POST /api/users/ is_staff=true', method: 'POST', url: () => '/api/users/', body: () => ({ username: uniqueUsername('made'), is_staff: true }),
    expect: statuses(401, 201, 403, 403, 403, 403, 403, 201),
  },
  { name: 'GET /api/v1/user_token/{staff}/', method: 'GET', url: (s) => `/api/v1/user_token/${s.id}/`, expect: statuses(401, 200, 404, 200, 200, 200, 200, 200) },
  {
    name: 'PUT /api/v1/user_token/{staff}/', method: 'PUT', url: (s) => `/api/v1/user_token/${s.id}/`,
    body: (s) => ({ username: s.username, organization: 'moved_corp', email: s.email, role: 'admin', balance_seconds: 0 }),
    expect: statuses(401, 200, 404, 403, 403, 403, 403, 200),
  },
  {
    name: 'PATCH /api/v1/user_token/{staff}/ balance', method: 'PATCH', url: (s) => `/api/v1/user_token/${s.id}/`, body: () => ({ balance_seconds: 7200 }),
    expect: statuses(401, 200, 404, 403, 403, 403, 403, 200),
  },
  {
    name: 'PATCH /api/v1/user_token/{staff}/ password', method: 'PATCH', url: (s) => `/api/v1/user_token/${s.id}/`, body: () => ({ password: 'taken-over-1' }),
    expect: statuses(401, 200, 404, 403, 403, 403, 403, 200),
  },
  { name: 'DELETE /api/v1/user_token/{staff}/', method: 'DELETE', url: (s) => `/api/v1/user_token/${s.id}/`, expect: statuses(401, 204, 404, 403, 403, 403, 403, 204) },
];

describe('role matrix: staff accounts as the target', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function makeCaller(kind: StaffTargetCaller, target: CreatedSubscriber): Promise<CreatedSubscriber | undefined> {
    switch (kind) {
      case 'anonymous':
        return undefined;
      case 'staff-self':
        return target;
      case 'user':
        return t.factories.subscriber({ role: Role.User });
      case 'moderator':
        return t.factories.subscriber({ role: Role.Moderator });
      case 'admin':
        return t.factories.subscriber({ role: Role.Admin });
      case 'gateway':
        return t.factories.subscriber({ role: Role.Gateway });
      case 'manager':
        return t.factories.subscriber({ role: Role.Admin, permissions: ['users:manage', 'tokens:read_all', 'tokens:manage', 'subscribers:write', 'balances:write'] });
      case 'staff-other':
        return t.factories.staff();
    }
  }

  async function snapshot(userId: number) {
    const [row] = await t.dataSource.query(
      `SELECT u.*, p.role, p.permissions, p.balance_seconds, p.organization, p.updated_at AS profile_updated_at, k.key_hash
         FROM users u JOIN aaa_profiles p ON p.user_id = u.id LEFT JOIN auth_tokens k ON k.user_id = u.id WHERE u.id = $1`,
      [userId],
    );
    return row;
  }

  const cells = STAFF_TARGET_CASES.flatMap((route) => STAFF_TARGET_CALLERS.map((caller) => [route.name, caller, route.expect[caller], route] as const));

  it.each(cells)('%s as %s → %i', async (_, callerKind, expected, route) => {
    const target = await t.factories.staff({ balanceSeconds: 3600 });
    const caller = await makeCaller(callerKind, target);
    const before = await snapshot(target.id);
    const request = t.api()[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](route.url(target));
    if (caller) request.set('Authorization', `Token ${caller.token}`);
    const body = route.body?.(target);
    const response = body === undefined ? await request : await request.send(body as object);
    if (response.status !== expected) {
      throw new Error(`${route.name} as ${callerKind}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body)}`);
    }
    if (expected === 403) expect(response.body).toEqual({ detail: 'You do not have permission to perform this action.' });
    if (expected >= 400) expect(await snapshot(target.id)).toEqual(before);
  });
});

describe('privilege escalation attempts fail with 403 and change nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Everything about an account that an escalation could change. */
  async function snapshot(userId: number) {
    const [row] = await t.dataSource.query(
      `SELECT u.username, u.is_staff, u.is_active, u.token_lifetime, u.password_hash, u.updated_at,
              p.role, p.permissions, p.balance_seconds, p.organization, p.updated_at AS profile_updated_at
         FROM users u JOIN aaa_profiles p ON p.user_id = u.id WHERE u.id = $1`,
      [userId],
    );
    const [ledger] = await t.dataSource.query('SELECT count(*)::int AS n FROM balance_ledger WHERE user_id = $1', [userId]);
    return { ...row, ledger: ledger.n };
  }

  const cases: [string, Role, 'user_token' | 'users', Record<string, unknown>][] = [
    ['a subscriber making itself admin', Role.User, 'user_token', { role: 'admin' }],
    ['a subscriber topping up its own balance', Role.User, 'user_token', { balance_seconds: 999999 }],
    ['a subscriber granting itself balances:write', Role.User, 'user_token', { permissions: ['balances:write'] }],
    ['a subscriber replacing its password through user_token', Role.User, 'user_token', { password: 'new-password-1' }],
    ['a subscriber making itself staff', Role.User, 'users', { is_staff: true }],
    ['a subscriber renaming itself', Role.User, 'users', { username: uniqueUsername('renamed') }],
    ['a subscriber re-activating itself', Role.User, 'users', { is_active: true, is_staff: true }],
    ['a subscriber giving its own token an unlimited lifetime', Role.User, 'users', { token_lifetime: null }],
    ['a moderator making itself admin', Role.Moderator, 'user_token', { role: 'admin' }],
    ['a moderator granting itself subscribers:write', Role.Moderator, 'user_token', { permissions: ['subscribers:write'] }],
    ['a gateway topping up its own balance', Role.Gateway, 'user_token', { balance_seconds: 999999 }],
    ['an admin making itself staff', Role.Admin, 'users', { is_staff: true }],
    ['an admin granting itself users:manage', Role.Admin, 'user_token', { permissions: ['users:manage'] }],
  ];

  it.each(cases)('%s', async (_, role, api, body) => {
    const self = await t.factories.subscriber({ role, balanceSeconds: 60 });
    const before = await snapshot(self.id);
    const url = api === 'user_token' ? `/api/v1/user_token/${self.id}/` : `/api/users/${self.uuid}/`;
    const response = await t.api().patch(url).set('Authorization', `Token ${self.token}`).send(body).expect(403);
    expect(response.body).toEqual({ detail: 'You do not have permission to perform this action.' });
    expect(await snapshot(self.id)).toEqual(before);
  });

  it('an admin cannot change a staff account (balance, role) and a moderator cannot delete anyone', async () => {
    const admin = await t.factories.subscriber({ role: Role.Admin });
    const moderator = await t.factories.subscriber({ role: Role.Moderator });
    const staff = await t.factories.staff({ balanceSeconds: 10 });
    const before = await snapshot(staff.id);
    await t.api().patch(`/api/v1/user_token/${staff.id}/`).set('Authorization', `Token ${admin.token}`).send({ balance_seconds: 5 }).expect(403);
    await t.api().patch(`/api/v1/user_token/${staff.id}/`).set('Authorization', `Token ${admin.token}`).send({ role: 'user' }).expect(403);
    await t.api().delete(`/api/v1/user_token/${staff.id}/`).set('Authorization', `Token ${moderator.token}`).expect(403);
    expect(await snapshot(staff.id)).toEqual(before);
  });
});
