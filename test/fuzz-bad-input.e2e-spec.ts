import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Role } from '../src/auth/policy.js';
import { hashTokenKey } from '../src/auth-tokens/token-key.js';
import { loadConfig } from '../src/config/app-config.js';
import {
  bodyArbitrary,
  malformedAuthorization,
  pathIdArbitrary,
  queryArbitrary,
  strayBody,
  type GeneratedBody,
  type GeneratedPathId,
  type GeneratedQuery,
} from './support/fuzz/arbitraries.js';
import { changedTables, tableChecksums, type Checksums } from './support/fuzz/db-checksum.js';
import { routesOf, type OpenApiDocument, type Route } from './support/fuzz/openapi-routes.js';
import { RawHttpClient, type RawRequest, type RawResponse } from './support/fuzz/raw-http.js';
import type { CreatedSubscriber } from './support/factories.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

/**
 * Bad input, property-based: every route the OpenAPI document lists gets generated bodies, query
 * strings, path ids and Authorization headers (see support/fuzz/arbitraries.ts for the classes), sent
 * with a valid staff or gateway token most of the time so they reach validation. For every case:
 * the status is below 500; a 400 names real fields (or `non_field_errors` / `detail`), any other 4xx
 * is `{"detail": ...}`; and the database is unchanged after every GET and every rejected request
 * (md5 of every row of the tables requests can write). Accepted writes may change it; the fuzzer
 * keeps its own credentials out of reach of those (see `forbidden`).
 *
 * FUZZ_RUNS (total cases, default 10,000, spread evenly over the routes) and FUZZ_SEED (base seed;
 * route i uses seed + i) reproduce a run; FUZZ_REPORT=path writes the per-route / per-class counts.
 */
const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const BASE_SEED = Number(process.env.FUZZ_SEED ?? 20_261_125);

interface AuthChoice {
  header?: string;
  tags: string[];
  /** Logout with the sacrificial token: its row is restored after a 204. */
  sacrificial?: boolean;
}

interface FuzzCase {
  auth: AuthChoice;
  query: GeneratedQuery;
  pathId?: GeneratedPathId;
  body: GeneratedBody;
  trailingSlash: boolean;
}

class Counter {
  readonly counts = new Map<string, number>();
  add(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }
  sorted(): [string, number][] {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The field names a body sent (JSON object keys, or form keys: Fastify also parses urlencoded bodies). */
function bodyKeys(text: string | undefined, contentType: string | undefined): string[] {
  if (text === undefined) return [];
  if (contentType?.startsWith('application/x-www-form-urlencoded')) return [...new URLSearchParams(text).keys()];
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? Object.keys(parsed) : [];
  } catch {
    return [];
  }
}

function describeRequest(request: RawRequest, response: RawResponse): string {
  const body = request.body === undefined ? '(none)' : String(request.body).slice(0, 400);
  return `${request.method} ${request.path.slice(0, 400)}\n  headers: ${JSON.stringify(request.headers).slice(0, 300)}\n  body: ${body}\n  → ${response.status} ${response.text.slice(0, 400)}`;
}

describe('bad input: never a 500, the field named, nothing written', () => {
  let t: TestApp;
  let client: RawHttpClient;
  let routes: Route[];
  let staff: CreatedSubscriber;
  let gateway: CreatedSubscriber;
  let logoutUser: CreatedSubscriber;
  const validIds: Record<string, string[]> = {};
  const callerIds = new Set<number>();
  const perRoute = new Counter();
  const perClass = new Counter();
  const perStatus = new Counter();

  beforeAll(async () => {
    // Rate limits off: thousands of deliberate 401s from one client would otherwise turn the rest of the
    // run into 429s that never reach validation (the limits have their own tests).
    t = await createTestApp(
      loadConfig({
        PUBLIC_URL: TEST_PUBLIC_URL,
        LOG_LEVEL: 'error',
        ACCOUNTING_SCHEDULE_ENABLED: 'false',
        LOGIN_RATE_LIMIT_PER_IP: '0',
        LOGIN_RATE_LIMIT_PER_USERNAME: '0',
        AUTH_FAILURE_RATE_LIMIT_PER_IP: '0',
      }),
    );
    await t.app.listen(0, '127.0.0.1');
    client = new RawHttpClient('127.0.0.1', (t.app.getHttpServer().address() as AddressInfo).port);
    const schema = await client.send({ method: 'GET', path: '/api/schema/' });
    routes = routesOf(schema.json as OpenApiDocument);

    staff = await t.factories.staff();
    gateway = await t.factories.subscriber({ role: Role.Gateway });
    logoutUser = await t.factories.subscriber();
    for (const caller of [staff, gateway, logoutUser]) callerIds.add(caller.id);
    // Victims: real subscribers with balances, sessions and ledger rows, so ids and bodies reach the database.
    const victims: CreatedSubscriber[] = [];
    for (let i = 0; i < 16; i += 1) victims.push(await t.factories.subscriber({ balanceSeconds: 3600 + i, organization: `org_${i % 3}` }));
    for (const [index, victim] of victims.entries()) {
      const start = { 'Acct-Status-Type': 'Start', 'User-Name': victim.username, 'Acct-Session-Id': `fz${index}`, 'NAS-Identifier': 'fuzz-nas' };
      // Staff account for every organization (a gateway only for its own).
      const response = await client.send({
        method: 'POST',
        path: '/api/v1/accounting/',
        headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(start),
      });
      if (response.status !== 200) throw new Error(`fixture Start → ${response.status} ${response.text}`);
    }
    const sessions: { id: string }[] = await t.dataSource.query('SELECT id::text AS id FROM accounting_sessions ORDER BY id');
    validIds.subscriber = victims.map((victim) => String(victim.id));
    validIds.uuid = victims.flatMap((victim) => [victim.uuid.replaceAll('-', ''), victim.uuid]);
    validIds.session = sessions.map((session) => session.id);
  });

  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  function authArbitrary(route: Route): fc.Arbitrary<AuthChoice> {
    const scheme = fc.constantFrom('Token', 'Bearer', 'token', 'BEARER');
    const isLogout = route.template === '/api/auth/logout';
    const valid = (user: CreatedSubscriber, name: string) =>
      scheme.map((s): AuthChoice => ({ header: `${s} ${user.token}`, tags: [name], sacrificial: isLogout }));
    return fc.oneof(
      { weight: 5, arbitrary: isLogout ? valid(logoutUser, 'auth-valid-token') : valid(staff, 'auth-valid-staff') },
      { weight: 2, arbitrary: isLogout ? valid(logoutUser, 'auth-valid-token') : valid(gateway, 'auth-valid-gateway') },
      { weight: 1, arbitrary: fc.constant<AuthChoice>({ tags: ['auth-none'] }) },
      { weight: 2, arbitrary: malformedAuthorization(staff.token).map((header): AuthChoice => ({ header, tags: ['auth-malformed'] })) },
    );
  }

  function caseArbitrary(route: Route): fc.Arbitrary<FuzzCase> {
    const param = route.pathParam;
    const valid = !param ? [] : param === 'uuid' ? validIds.uuid! : route.template.includes('/sessions/') ? validIds.session! : validIds.subscriber!;
    // Never address the callers' own accounts: a valid DELETE or PATCH there would end the run's credentials.
    const forbidden = (segment: string) => /^\d+$/.test(segment) && callerIds.has(Number(segment));
    return fc.record({
      auth: authArbitrary(route),
      query: queryArbitrary(route),
      pathId: param ? pathIdArbitrary(param, valid, forbidden) : fc.constant(undefined),
      body: route.body ? bodyArbitrary(route) : strayBody,
      trailingSlash: fc.boolean(),
    });
  }

  function toRequest(route: Route, c: FuzzCase): RawRequest {
    let path = route.pathParam && c.pathId ? route.template.replace(`{${route.pathParam}}`, c.pathId.segment) : route.template;
    if (c.trailingSlash) path += '/';
    const headers: Record<string, string> = {};
    if (c.auth.header !== undefined) headers.authorization = c.auth.header;
    if (c.body.contentType !== undefined) headers['content-type'] = c.body.contentType;
    return { method: route.method, path: `${path}${c.query.text}`, headers, body: c.body.text };
  }

  /** What is wrong with an error response, or undefined. */
  function errorShapeProblem(route: Route, request: RawRequest, response: RawResponse): string | undefined {
    const body = response.json;
    if (!isObject(body)) return 'the error body is not a JSON object';
    if ('detail' in body) {
      return typeof body.detail === 'string' && Object.keys(body).length === 1 ? undefined : 'a `detail` error must be {"detail": "<string>"}';
    }
    if (response.status !== 400) return `a ${response.status} must be {"detail": ...}`;
    const allowed = new Set([
      'non_field_errors',
      ...(route.body ?? []).map((property) => property.name),
      ...route.queryParams,
      ...bodyKeys(typeof request.body === 'string' ? request.body : undefined, request.headers?.['content-type']),
      // A parameter the route reads but does not document (none should) would still be named as sent.
      ...new URLSearchParams(request.path.split('?')[1] ?? '').keys(),
    ]);
    const keys = Object.keys(body);
    if (keys.length === 0) return 'an empty field-error map';
    for (const key of keys) {
      if (!allowed.has(key)) return `error names "${key}", which is neither a field of this route nor one that was sent`;
      const messages = body[key];
      if (!Array.isArray(messages) || messages.length === 0 || !messages.every((message) => typeof message === 'string' && message.length > 0)) {
        return `"${key}" must map to a list of messages`;
      }
    }
    return undefined;
  }

  // The fuzzer's finds, pinned: each was a 500 (or an unknown field silently accepted) before the fix.
  it.each([
    ['GET', '/api/v1/user_token/?username=a%00b', undefined, { username: ['Null characters are not allowed.'] }],
    ['GET', '/api/users/?username=%00', undefined, { username: ['Null characters are not allowed.'] }],
    ['GET', '/api/v1/accounting/sessions/?nas_identifier=%00', undefined, { nas_identifier: ['Null characters are not allowed.'] }],
    ['GET', '/api/v1/accounting/ledger/?username=%00', undefined, { username: ['Null characters are not allowed.'] }],
    ['POST', '/api/v1/user_token/', { username: 'nul_org', organization: 'a\u0000b', email: 'a@example.com', role: 'user', balance_seconds: 1 }, { organization: ['Null characters are not allowed.'] }],
    ['POST', '/api/users/', { username: 'nul_name', first_name: 'a\u0000' }, { first_name: ['Null characters are not allowed.'] }],
    ['POST', '/api/auth/login/', { username: '\u0000', password: 'x' }, { username: ['Null characters are not allowed.'] }],
    ['POST', '/api/v1/authorize/', { username: 'a\u0000' }, { username: ['Null characters are not allowed.'] }],
    ['POST', '/api/v1/user_token/', `{"username":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`, { username: ['Nested more than 32 levels deep.'] }],
    ['POST', '/api/v1/accounting/runs/', { constructor: 1 }, { constructor: ['Unknown field.'] }],
    ['POST', '/api/v1/authorize/', { username: 'x', valueOf: 1 }, { valueOf: ['Unknown field.'] }],
  ])('%s %s → 400 naming the field, nothing written', async (method, path, body, expected) => {
    const before = await tableChecksums(t.dataSource);
    const response = await client.send({
      method,
      path,
      headers: { authorization: `Token ${staff.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect({ status: response.status, body: response.json }).toEqual({ status: 400, body: expected });
    expect(changedTables(before, await tableChecksums(t.dataSource))).toEqual([]);
  });

  it('sends at least the configured number of generated requests to every documented route', async () => {
    expect(routes.length).toBeGreaterThan(0);
    const runsPerRoute = Math.ceil(TOTAL_RUNS / routes.length);
    let baseline: Checksums = await tableChecksums(t.dataSource);
    const failures: string[] = [];
    const elapsed = new Map<string, number>();

    for (const [index, route] of routes.entries()) {
      const seed = BASE_SEED + index;
      let lastProblem = '';
      const startedAt = Date.now();
      const property = fc.asyncProperty(caseArbitrary(route), async (c) => {
        const request = toRequest(route, c);
        const response = await client.send(request);
        const tags = new Set([...c.auth.tags, ...c.query.tags, ...(c.pathId?.tags ?? []), ...c.body.tags]);
        perRoute.add(route.key);
        tags.forEach((name) => perClass.add(name));
        perStatus.add(`${route.key} ${response.status}`);
        const problems: string[] = [];
        if (response.status >= 500 || response.status < 100) problems.push(`status ${response.status}`);
        const rejected = response.status >= 400;
        if (rejected && response.status < 500) {
          const problem = errorShapeProblem(route, request, response);
          if (problem) problems.push(problem);
        }
        // Unknown fields are rejected (DRF): an accepted write must not have taken a body key the schema
        // lacks. The accounting body is the exception by design (a NAS sends attributes we ignore).
        if (!rejected && route.method !== 'GET' && route.body && route.template !== '/api/v1/accounting') {
          const known = new Set(route.body.map((property) => property.name));
          const unknown = bodyKeys(typeof request.body === 'string' ? request.body : undefined, request.headers?.['content-type']).filter((key) => !known.has(key));
          if (unknown.length > 0) problems.push(`accepted unknown field(s) ${unknown.join(', ')}`);
        }
        if (c.auth.sacrificial && response.status === 204) {
          // The logout worked: give the sacrificial account its key back (an accepted write).
          await t.dataSource.query(
            `INSERT INTO auth_tokens (user_id, key_hash, created, last_used_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (user_id) DO UPDATE SET key_hash = EXCLUDED.key_hash`,
            [logoutUser.id, hashTokenKey(logoutUser.token), t.clock.now()],
          );
        }
        const after = await tableChecksums(t.dataSource);
        if (rejected || route.method === 'GET') {
          const changed = changedTables(baseline, after);
          if (changed.length > 0) problems.push(`${rejected ? 'rejected request' : 'GET'} changed ${changed.join(', ')}`);
        }
        baseline = after;
        if (problems.length > 0) {
          lastProblem = `${problems.join('; ')}\n${describeRequest(request, response)}`;
          throw new Error(lastProblem);
        }
      });
      try {
        await fc.assert(property, { numRuns: runsPerRoute, seed, endOnFailure: process.env.FUZZ_SHRINK !== '1' });
      } catch (error) {
        // fast-check's message repeats the whole counterexample (bodies up to 1 MB): keep its first line (seed, path).
        const message = error instanceof Error ? error.message : String(error);
        const replay = /\{ seed: .*\}/.exec(message)?.[0] ?? message.split('\n')[0];
        failures.push(`${route.key} — replay with FUZZ_SEED=${BASE_SEED} (${replay}):\n${lastProblem || message.slice(0, 2000)}`);
      }
      elapsed.set(route.key, Date.now() - startedAt);
    }

    const lines = [
      `fuzz: ${[...perRoute.counts.values()].reduce((a, b) => a + b, 0)} cases, base seed ${BASE_SEED}`,
      '',
      '| route | cases | seconds | statuses |',
      '| --- | --- | --- | --- |',
      ...routes.map((route) => {
        const statuses = perStatus.sorted().filter(([key]) => key.startsWith(`${route.key} `)).map(([key, count]) => `${key.slice(route.key.length + 1)}×${count}`);
        const seconds = ((elapsed.get(route.key) ?? 0) / 1000).toFixed(1);
        return `| ${route.key} | ${perRoute.counts.get(route.key) ?? 0} | ${seconds} | ${statuses.join(' ')} |`;
      }),
      '',
      '| input class | cases |',
      '| --- | --- |',
      ...perClass.sorted().map(([name, count]) => `| ${name} | ${count} |`),
    ];
    console.log(lines.join('\n'));
    if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, `${lines.join('\n')}\n`);

    expect(failures).toEqual([]);
    // Every documented route was exercised, and nothing else was counted as a route.
    expect(new Set(perRoute.counts.keys())).toEqual(new Set(routes.map((route) => route.key)));
    for (const route of routes) expect(perRoute.counts.get(route.key)).toBeGreaterThanOrEqual(runsPerRoute);
  }, 600_000);
});
