import { Role } from '../src/auth/policy.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';
import type { CreatedSubscriber } from './support/factories.js';

const BASE = `${TEST_PUBLIC_URL}/api/auth-tokens/`;
const ITEM_FIELDS = [
  'url',
  'created',
  'user',
  'user_first_name',
  'user_last_name',
  'user_username',
  'user_is_active',
  'user_token_lifetime',
];
const NOT_FOUND = { detail: 'Not found.' };
const INVALID_PAGE = { detail: 'Invalid page.' };
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };
const token = (key: string) => `Token ${key}`;

describe('GET /api/auth-tokens/ (list, pagination)', () => {
  // A dedicated database: every test here only reads, so the counts below are exact.
  let t: TestApp;
  let staff: CreatedSubscriber;
  let liveIds: number[];
  let expiredIds: number[];
  let withoutTokenId: number;
  let named: CreatedSubscriber;
  let inactive: CreatedSubscriber;
  let neverExpires: CreatedSubscriber;

  const list = (query = '') => t.api().get(`/api/auth-tokens/${query}`).set('Authorization', token(staff.token));

  beforeAll(async () => {
    t = await createTestApp();
    const expired = [await t.factories.subscriber({ tokenLifetime: 60 }), await t.factories.subscriber({ tokenLifetime: 60 })];
    expiredIds = expired.map((user) => user.id);
    t.clock.advanceSeconds(120);
    staff = await t.factories.staff();
    named = await t.factories.subscriber({ firstName: 'John', lastName: 'Doe', tokenLifetime: 3600 });
    inactive = await t.factories.subscriber({ isActive: false });
    neverExpires = await t.factories.subscriber({ tokenLifetime: null });
    withoutTokenId = (await t.factories.subscriber({ withToken: false })).id;
    const others: number[] = [];
    for (let i = 0; i < 21; i += 1) others.push((await t.factories.subscriber()).id);
    liveIds = [staff.id, named.id, inactive.id, neverExpires.id, ...others].sort((a, b) => a - b);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists only live tokens, ordered by user id, as a bare array with the count header', async () => {
    const response = await list('?page_size=300').expect(200);
    expect(Array.isArray(response.body)).toBe(true);
    const ids = response.body.map((item: { url: string }) => Number(item.url.slice(BASE.length, -1)));
    expect(ids).toEqual(liveIds);
    expect(liveIds).toHaveLength(25);
    for (const id of [...expiredIds, withoutTokenId]) expect(ids).not.toContain(id);
    expect(response.headers['x-result-count']).toBe('25');
    expect(response.headers.link).toBe(`<${BASE}?page_size=300>; rel="first", <${BASE}?page_size=300>; rel="last"`);
  });

  it('serializes each token with the documented fields, in order, with their types', async () => {
    const response = await list('?page_size=300').expect(200);
    const byUrl = new Map<string, Record<string, unknown>>(response.body.map((item: { url: string }) => [item.url, item]));
    for (const item of byUrl.values()) expect(Object.keys(item)).toEqual(ITEM_FIELDS);

    expect(byUrl.get(`${BASE}${named.id}/`)).toEqual({
      url: `${BASE}${named.id}/`,
      created: '2030-01-01T00:02:00Z',
      user: `${TEST_PUBLIC_URL}/api/users/${named.uuid.replaceAll('-', '')}/`,
      user_first_name: 'John',
      user_last_name: 'Doe',
      user_username: named.username,
      user_is_active: true,
      user_token_lifetime: 3600,
    });
    expect(byUrl.get(`${BASE}${named.id}/`)!.user).toMatch(/\/api\/users\/[0-9a-f]{32}\/$/);
    expect(byUrl.get(`${BASE}${inactive.id}/`)!.user_is_active).toBe(false);
    expect(byUrl.get(`${BASE}${neverExpires.id}/`)!.user_token_lifetime).toBeNull();
    expect(byUrl.get(`${BASE}${staff.id}/`)).toMatchObject({ user_first_name: '', user_last_name: '', user_token_lifetime: 86400 });
  });

  it('serves page 1 by default with first, next and last links', async () => {
    const response = await list().expect(200);
    expect(response.body).toHaveLength(10);
    expect(response.body.map((item: { url: string }) => item.url)).toEqual(liveIds.slice(0, 10).map((id) => `${BASE}${id}/`));
    expect(response.headers['x-result-count']).toBe('25');
    expect(response.headers.link).toBe(`<${BASE}>; rel="first", <${BASE}?page=2>; rel="next", <${BASE}?page=3>; rel="last"`);
  });

  it('links a middle page to first and prev (both without page), next and last', async () => {
    const response = await list('?page=2').expect(200);
    expect(response.body.map((item: { url: string }) => item.url)).toEqual(liveIds.slice(10, 20).map((id) => `${BASE}${id}/`));
    expect(response.headers.link).toBe(
      `<${BASE}>; rel="first", <${BASE}>; rel="prev", <${BASE}?page=3>; rel="next", <${BASE}?page=3>; rel="last"`,
    );
  });

  it('serves the last page, also as page=last, with first, prev and last links', async () => {
    const numbered = await list('?page=3').expect(200);
    const last = await list('?page=last').expect(200);
    expect(numbered.body).toHaveLength(5);
    expect(last.body).toEqual(numbered.body);
    expect(numbered.headers['x-result-count']).toBe('25');
    const expected = `<${BASE}>; rel="first", <${BASE}?page=2>; rel="prev", <${BASE}?page=3>; rel="last"`;
    expect(numbered.headers.link).toBe(expected);
    expect(last.headers.link).toBe(expected);
  });

  it.each(['?page=4', '?page=0', '?page=-1', '?page=abc', '?page=1.5', '?page=99999999999999999999'])(
    'answers %s with 404 Invalid page.',
    async (query) => {
      const response = await list(query).expect(404);
      expect(response.body).toEqual(INVALID_PAGE);
    },
  );

  it('keeps page_size and every other query parameter in the links, sorted', async () => {
    const response = await list('?page_size=7&page=2&foo=bar').expect(200);
    expect(response.body).toHaveLength(7);
    expect(response.body[0].url).toBe(`${BASE}${liveIds[7]}/`);
    expect(response.headers.link).toBe(
      `<${BASE}?foo=bar&page_size=7>; rel="first", <${BASE}?foo=bar&page_size=7>; rel="prev", ` +
        `<${BASE}?foo=bar&page=3&page_size=7>; rel="next", <${BASE}?foo=bar&page=4&page_size=7>; rel="last"`,
    );
    const end = await list('?page_size=7&page=4').expect(200);
    expect(end.body).toHaveLength(4);
    await list('?page_size=7&page=5').expect(404);
  });

  it.each(['0', '-3', 'abc', '1.5', ''])('falls back to 10 per page for page_size=%p', async (pageSize) => {
    const response = await list(`?page_size=${pageSize}`).expect(200);
    expect(response.body).toHaveLength(10);
    expect(response.headers['x-result-count']).toBe('25');
  });

  it('caps a huge page_size at 300 (one page: first and last only)', async () => {
    const response = await list('?page_size=100000').expect(200);
    expect(response.body).toHaveLength(25);
    expect(response.headers.link).toBe(`<${BASE}?page_size=100000>; rel="first", <${BASE}?page_size=100000>; rel="last"`);
  });

  it("sends first and last (both without page) on a single page that holds everything, as Waldur's LinkHeaderPagination", async () => {
    const response = await list('?page_size=25&page=last').expect(200);
    expect(response.body).toHaveLength(25);
    expect(response.headers.link).toBe(`<${BASE}?page_size=25>; rel="first", <${BASE}?page_size=25>; rel="last"`);
  });

  it('hides the key (and its hash) from every item', async () => {
    const response = await list('?page_size=300').expect(200);
    const text = JSON.stringify(response.body);
    expect(text).not.toContain(staff.token);
    expect(text).not.toMatch(/key|hash|password/i);
  });
});

describe('/api/auth-tokens/ (access, retrieve, delete, methods)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string, key?: string) => {
    const req = t.api().get(path);
    return key ? req.set('Authorization', token(key)) : req;
  };
  const del = (path: string, key?: string) => {
    const req = t.api().delete(path);
    return key ? req.set('Authorization', token(key)) : req;
  };
  const lastUsedAt = async (userId: number): Promise<string | undefined> => {
    const rows: { last_used_at: Date }[] = await t.dataSource.query('SELECT last_used_at FROM auth_tokens WHERE user_id = $1', [userId]);
    return rows[0]?.last_used_at.toISOString();
  };

  describe('list permissions', () => {
    it('is staff only: 403 for a subscriber and for a non-staff admin', async () => {
      const user = await t.factories.subscriber();
      const admin = await t.factories.subscriber({ role: Role.Admin });
      for (const caller of [user, admin]) {
        const response = await get('/api/auth-tokens/', caller.token).expect(403);
        expect(response.body).toEqual(FORBIDDEN);
      }
    });

    it('is open to a non-staff holder of the tokens:read_all permission', async () => {
      const reader = await t.factories.subscriber({ permissions: ['tokens:read_all'] });
      const response = await get('/api/auth-tokens/', reader.token).expect(200);
      expect(Array.isArray(response.body)).toBe(true);
    });

    it('checks authentication before the page (anonymous + bad page → 401)', async () => {
      const response = await get('/api/auth-tokens/?page=999').expect(401);
      expect(response.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    });

    it('checks permission before the page (subscriber + bad page → 403)', async () => {
      const user = await t.factories.subscriber();
      await get('/api/auth-tokens/?page=abc', user.token).expect(403);
    });

    it('shows a newly created token in the count', async () => {
      const staff = await t.factories.staff();
      const before = Number((await get('/api/auth-tokens/', staff.token).expect(200)).headers['x-result-count']);
      await t.factories.subscriber();
      await t.factories.subscriber({ withToken: false });
      const after = Number((await get('/api/auth-tokens/', staff.token).expect(200)).headers['x-result-count']);
      expect(after - before).toBe(1);
    });
  });

  describe('authentication (401)', () => {
    const expect401 = async (authorization: string | undefined, detail: string) => {
      const req = t.api().get('/api/auth-tokens/1/');
      const response = await (authorization === undefined ? req : req.set('Authorization', authorization)).expect(401);
      expect(response.body).toEqual({ detail });
      expect(response.headers['www-authenticate']).toBe('Token');
    };

    it('without a header', () => expect401(undefined, 'Authentication credentials were not provided.'));
    it('with another scheme', () => expect401('Basic dXNlcjpwYXNz', 'Authentication credentials were not provided.'));
    it('with the scheme alone', () => expect401('Token', 'Invalid token header. No credentials provided.'));
    it('with spaces in the key', () => expect401('Token abc def', 'Invalid token header. Token string should not contain spaces.'));
    it('with an unknown key', () => expect401(token('0'.repeat(40)), 'Invalid token.'));
    it('with a malformed key', () => expect401(token('not-a-key'), 'Invalid token.'));

    it('for an inactive user', async () => {
      const user = await t.factories.subscriber({ isActive: false });
      await expect401(token(user.token), 'User inactive or deleted.');
    });

    it('for an expired token', async () => {
      const user = await t.factories.subscriber({ tokenLifetime: 60 });
      t.clock.advanceSeconds(60);
      await expect401(token(user.token), 'Token has expired.');
    });

    it('accepts both schemes, case-insensitively', async () => {
      const user = await t.factories.subscriber();
      for (const scheme of ['Token', 'Bearer', 'token', 'bearer']) {
        await t.api().get(`/api/auth-tokens/${user.id}/`).set('Authorization', `${scheme} ${user.token}`).expect(200);
      }
    });
  });

  describe('sliding expiry', () => {
    it('extends the lifetime on use, writing at most once per tenth of the lifetime', async () => {
      const user = await t.factories.subscriber({ tokenLifetime: 60 });
      const t0 = t.clock.now().getTime();
      const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
      expect(await lastUsedAt(user.id)).toBe(at(0));

      t.clock.advanceSeconds(50);
      await get(`/api/auth-tokens/${user.id}/`, user.token).expect(200);
      expect(await lastUsedAt(user.id)).toBe(at(50));

      t.clock.advanceSeconds(50); // t0+100: past the original 60 s, alive thanks to the use at t0+50
      await get(`/api/auth-tokens/${user.id}/`, user.token).expect(200);
      expect(await lastUsedAt(user.id)).toBe(at(100));

      t.clock.advanceSeconds(5); // within the 6 s touch interval: no write
      await get(`/api/auth-tokens/${user.id}/`, user.token).expect(200);
      expect(await lastUsedAt(user.id)).toBe(at(100));

      t.clock.advanceSeconds(55); // t0+160: 60 s after the last recorded use
      const response = await get(`/api/auth-tokens/${user.id}/`, user.token).expect(401);
      expect(response.body).toEqual({ detail: 'Token has expired.' });
    });

    it("counts the subscriber's open session as use: the key stays live (and listed) while it is open", async () => {
      const gateway = await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null });
      const staff = await t.factories.staff({ tokenLifetime: null });
      const user = await t.factories.subscriber({ tokenLifetime: 60 });
      const session = { 'User-Name': user.username, 'Acct-Session-Id': `s-${user.id}`, 'NAS-Identifier': 'nas-tokens' };
      const accounting = (body: object) => t.api().post('/api/v1/accounting/').set('Authorization', token(gateway.token)).send(body).expect(200);
      await accounting({ 'Acct-Status-Type': 'Start', ...session });
      t.clock.advanceSeconds(120);
      // Past its own 60 s, but the session is open: listed for staff, readable, usable (which also stamps it).
      await get(`/api/auth-tokens/${user.id}/`, staff.token).expect(200);
      await get(`/api/auth-tokens/${user.id}/`, user.token).expect(200);
      expect(await lastUsedAt(user.id)).toBe(t.clock.now().toISOString());
      t.clock.advanceSeconds(30);
      await accounting({ 'Acct-Status-Type': 'Stop', ...session, 'Acct-Session-Time': 150 });
      t.clock.advanceSeconds(59);
      await get(`/api/auth-tokens/${user.id}/`, staff.token).expect(200);
      t.clock.advanceSeconds(1);
      // 60 s after the session's end (its last activity) and the last use: gone.
      await get(`/api/auth-tokens/${user.id}/`, staff.token).expect(404);
      await get(`/api/auth-tokens/${user.id}/`, user.token).expect(401, { detail: 'Token has expired.' });
    });

    it('never expires a token with a null lifetime', async () => {
      const user = await t.factories.subscriber({ tokenLifetime: null });
      t.clock.advanceSeconds(10 * 365 * 86400);
      const response = await get(`/api/auth-tokens/${user.id}/`, user.token).expect(200);
      expect(response.body.user_token_lifetime).toBeNull();
    });
  });

  describe('GET /api/auth-tokens/{user_id}/', () => {
    it("returns the caller's own token with the documented fields in order", async () => {
      const user = await t.factories.subscriber({ firstName: 'Ann', lastName: 'Lee', tokenLifetime: 7200 });
      const response = await get(`/api/auth-tokens/${user.id}/`, user.token).expect(200);
      expect(Object.keys(response.body)).toEqual(ITEM_FIELDS);
      expect(response.body).toEqual({
        url: `${BASE}${user.id}/`,
        created: t.clock.now().toISOString().replace('.000Z', 'Z'),
        user: `${TEST_PUBLIC_URL}/api/users/${user.uuid.replaceAll('-', '')}/`,
        user_first_name: 'Ann',
        user_last_name: 'Lee',
        user_username: user.username,
        user_is_active: true,
        user_token_lifetime: 7200,
      });
      expect(response.headers['content-type']).toMatch(/^application\/json/);
    });

    it("hides other users' tokens from a subscriber (404, not 403)", async () => {
      const [user, other] = [await t.factories.subscriber(), await t.factories.subscriber()];
      const response = await get(`/api/auth-tokens/${other.id}/`, user.token).expect(404);
      expect(response.body).toEqual(NOT_FOUND);
    });

    it("shows anyone's token to staff, token managers (admin role) and tokens:read_all holders", async () => {
      const owner = await t.factories.subscriber();
      const callers = [
        await t.factories.staff(),
        await t.factories.subscriber({ role: Role.Admin }),
        await t.factories.subscriber({ permissions: ['tokens:read_all'] }),
        await t.factories.subscriber({ permissions: ['tokens:manage'] }),
      ];
      for (const caller of callers) {
        const response = await get(`/api/auth-tokens/${owner.id}/`, caller.token).expect(200);
        expect(response.body.user_username).toBe(owner.username);
      }
    });

    it('is 404 for an expired token, a user without a token and an unknown id, even for staff', async () => {
      const staff = await t.factories.staff();
      const expiring = await t.factories.subscriber({ tokenLifetime: 60 });
      const tokenless = await t.factories.subscriber({ withToken: false });
      t.clock.advanceSeconds(60);
      for (const id of [expiring.id, tokenless.id, 2147483647]) {
        const response = await get(`/api/auth-tokens/${id}/`, staff.token).expect(404);
        expect(response.body).toEqual(NOT_FOUND);
      }
    });

    it.each(['abc', '1.5', '-1', '0', '2147483648', '99999999999999999999', '1e3', '%20'])('is 404 for user_id %p', async (id) => {
      const staff = await t.factories.staff();
      const response = await get(`/api/auth-tokens/${id}/`, staff.token).expect(404);
      expect(response.body).toEqual(NOT_FOUND);
    });

    it('works without the trailing slash too', async () => {
      const user = await t.factories.subscriber();
      await get(`/api/auth-tokens/${user.id}`, user.token).expect(200);
    });

    it('does not leak the key', async () => {
      const user = await t.factories.subscriber();
      const response = await get(`/api/auth-tokens/${user.id}/`, user.token).expect(200);
      expect(response.text).not.toContain(user.token);
    });
  });

  describe('DELETE /api/auth-tokens/{user_id}/', () => {
    it('revokes the own token: 204 with no body, the key stops working, the user can log in again', async () => {
      const user = await t.factories.subscriber({ password: 'correct horse' });
      const response = await del(`/api/auth-tokens/${user.id}/`, user.token).expect(204);
      expect(response.text).toBe('');
      const rejected = await get(`/api/auth-tokens/${user.id}/`, user.token).expect(401);
      expect(rejected.body).toEqual({ detail: 'Invalid token.' });
      const users: { count: string }[] = await t.dataSource.query('SELECT count(*) FROM users WHERE id = $1', [user.id]);
      expect(users[0]!.count).toBe('1');
      const login = await t.api().post('/api/auth/login/').send({ username: user.username, password: 'correct horse' }).expect(200);
      await get(`/api/auth-tokens/${user.id}/`, login.body.token).expect(200);
    });

    it("cannot revoke another user's token without tokens:manage (404; the token still works)", async () => {
      const owner = await t.factories.subscriber();
      const callers = [await t.factories.subscriber(), await t.factories.subscriber({ permissions: ['tokens:read_all'] })];
      for (const caller of callers) {
        const response = await del(`/api/auth-tokens/${owner.id}/`, caller.token).expect(404);
        expect(response.body).toEqual(NOT_FOUND);
      }
      await get(`/api/auth-tokens/${owner.id}/`, owner.token).expect(200);
    });

    it("revokes anyone's token for staff, the admin role and tokens:manage holders", async () => {
      const callers = [
        await t.factories.staff(),
        await t.factories.subscriber({ role: Role.Admin }),
        await t.factories.subscriber({ permissions: ['tokens:manage'] }),
      ];
      for (const caller of callers) {
        const owner = await t.factories.subscriber();
        await del(`/api/auth-tokens/${owner.id}/`, caller.token).expect(204);
        await get(`/api/auth-tokens/${owner.id}/`, owner.token).expect(401);
        await get(`/api/auth-tokens/${caller.id}/`, caller.token).expect(200);
      }
    });

    it('is 404 the second time, for an expired token and for a malformed id', async () => {
      const staff = await t.factories.staff({ tokenLifetime: null });
      const owner = await t.factories.subscriber();
      await del(`/api/auth-tokens/${owner.id}/`, staff.token).expect(204);
      await del(`/api/auth-tokens/${owner.id}/`, staff.token).expect(404);
      const expiring = await t.factories.subscriber({ tokenLifetime: 60 });
      t.clock.advanceSeconds(60);
      await del(`/api/auth-tokens/${expiring.id}/`, staff.token).expect(404);
      for (const id of ['abc', '1.5', '-1', '99999999999']) {
        const response = await del(`/api/auth-tokens/${id}/`, staff.token).expect(404);
        expect(response.body).toEqual(NOT_FOUND);
      }
    });

    it('needs authentication', async () => {
      const owner = await t.factories.subscriber();
      const response = await del(`/api/auth-tokens/${owner.id}/`).expect(401);
      expect(response.headers['www-authenticate']).toBe('Token');
      await get(`/api/auth-tokens/${owner.id}/`, owner.token).expect(200);
    });
  });

  describe('methods the API does not offer', () => {
    it('POST on the collection: 401 anonymous, 403 non-staff, 405 staff', async () => {
      await t.api().post('/api/auth-tokens/').send({}).expect(401);
      const user = await t.factories.subscriber();
      const forbidden = await t.api().post('/api/auth-tokens/').set('Authorization', token(user.token)).send({}).expect(403);
      expect(forbidden.body).toEqual(FORBIDDEN);
      const staff = await t.factories.staff();
      const response = await t.api().post('/api/auth-tokens/').set('Authorization', token(staff.token)).send({ user: 1 }).expect(405);
      expect(response.body).toEqual({ detail: 'Method "POST" not allowed.' });
      expect(response.headers.allow).toBe('GET, HEAD');
    });

    it.each(['put', 'patch', 'delete'] as const)('%s on the collection is 405 for staff', async (method) => {
      const staff = await t.factories.staff();
      const response = await t.api()[method]('/api/auth-tokens/').set('Authorization', token(staff.token)).expect(405);
      expect(response.body).toEqual({ detail: `Method "${method.toUpperCase()}" not allowed.` });
    });

    it.each(['put', 'patch', 'post'] as const)('%s on an item: 401 anonymous, 405 for any authenticated caller', async (method) => {
      const user = await t.factories.subscriber();
      const other = await t.factories.subscriber();
      await t.api()[method](`/api/auth-tokens/${user.id}/`).send({}).expect(401);
      for (const id of [user.id, other.id, 'abc']) {
        const response = await t.api()[method](`/api/auth-tokens/${id}/`).set('Authorization', token(user.token)).send({ user_first_name: 'x' }).expect(405);
        expect(response.body).toEqual({ detail: `Method "${method.toUpperCase()}" not allowed.` });
        expect(response.headers.allow).toBe('GET, DELETE, HEAD');
      }
      await get(`/api/auth-tokens/${user.id}/`, user.token).expect(200);
    });
  });

  describe('OpenAPI', () => {
    it("documents Waldur's operations with their parameters, responses and security", async () => {
      const schema = (await t.api().get('/api/schema').expect(200)).body;
      const paths = Object.fromEntries(Object.entries(schema.paths).map(([path, item]) => [path.replace(/\/$/, ''), item])) as Record<
        string,
        Record<string, { operationId: string; responses: Record<string, unknown>; parameters?: { name: string }[]; security?: unknown[] }>
      >;
      const collection = paths['/api/auth-tokens']!;
      const item = paths['/api/auth-tokens/{user_id}']!;
      expect(Object.keys(collection)).toEqual(['get']);
      expect(Object.keys(item).sort()).toEqual(['delete', 'get']);
      expect(collection.get!.operationId).toBe('auth_tokens_list');
      expect(item.get!.operationId).toBe('auth_tokens_retrieve');
      expect(item.delete!.operationId).toBe('auth_tokens_destroy');
      expect(collection.get!.parameters!.map((p) => p.name).sort()).toEqual(['page', 'page_size']);
      expect(Object.keys(collection.get!.responses).sort()).toEqual(['200', '401', '403', '404']);
      expect(Object.keys(item.get!.responses).sort()).toEqual(['200', '401', '404']);
      expect(Object.keys(item.delete!.responses).sort()).toEqual(['204', '401', '404']);
      expect(collection.get!.responses['200']).toMatchObject({ headers: { 'X-Result-Count': {}, Link: {} } });
      expect(item.get!.parameters).toEqual([expect.objectContaining({ name: 'user_id', in: 'path', schema: expect.objectContaining({ type: 'integer' }) })]);
      expect(collection.get!.security).toEqual([{ tokenAuth: [] }]);
      const dto = schema.components.schemas.AuthTokenDto;
      expect(Object.keys(dto.properties)).toEqual(ITEM_FIELDS);
      expect(dto.properties.url.format).toBe('uri');
      expect(dto.properties.created.format).toBe('date-time');
      expect(dto.properties.user_token_lifetime).toMatchObject({ type: 'integer', nullable: true });
    });
  });
});
