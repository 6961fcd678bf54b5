import { randomBytes } from 'node:crypto';
import { Role } from '../src/auth/policy.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

const PATH = '/api/v1/user_token/';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const uniqueOrg = () => `org_${randomBytes(5).toString('hex')}`;
const ITEM_KEYS = ['id', 'username', 'organization', 'created_at', 'last_login', 'profile'];
const ITEM_KEYS_WITH_BALANCE = ['id', 'username', 'organization', 'created_at', 'last_login', 'balance_seconds', 'profile'];

describe('user_token API: list and retrieve', () => {
  let t: TestApp;
  let staffToken: string;

  beforeAll(async () => {
    t = await createTestApp();
    staffToken = (await t.factories.staff()).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  const list = (query: Record<string, string | number>, token = staffToken) =>
    t.api().get(PATH).query(query).set(bearer(token));

  /** `count` subscribers in a fresh organization, in id order. */
  async function subscribersIn(organization: string, count: number) {
    const created = [];
    for (let index = 0; index < count; index += 1) {
      created.push(await t.factories.subscriber({ organization, balanceSeconds: 100 * (index + 1) }));
    }
    return created;
  }

  describe('GET /api/v1/user_token/', () => {
    it('lists subscribers with the seed item shape, keys in order, ordered by id', async () => {
      const organization = uniqueOrg();
      const [first, second] = await subscribersIn(organization, 2);
      await t.dataSource.query('UPDATE users SET last_login = $2 WHERE id = $1', [second!.id, new Date('2030-01-02T03:04:05.678Z')]);
      await t.dataSource.query("UPDATE aaa_profiles SET permissions = '{read,write}' WHERE user_id = $1", [first!.id]);

      const response = await list({ organization }).expect(200);

      expect(Object.keys(response.body)).toEqual(['count', 'next', 'previous', 'results']);
      expect(response.body).toMatchObject({ count: 2, next: null, previous: null });
      const [a, b] = response.body.results;
      expect(Object.keys(a)).toEqual(ITEM_KEYS);
      expect(Object.keys(a.profile)).toEqual(['email', 'role', 'permissions', 'max_sessions']);
      expect(a).toEqual({
        id: first!.id,
        username: first!.username,
        organization,
        created_at: '2030-01-01T00:00:00Z',
        last_login: null,
        profile: { email: first!.email, role: 'user', permissions: ['read', 'write'], max_sessions: null },
      });
      expect(b.id).toBe(second!.id);
      expect(b.last_login).toBe('2030-01-02T03:04:05Z');
      expect(b.profile.permissions).toEqual([]);
    });

    it('returns an empty page for a filter that matches nothing', async () => {
      const response = await list({ organization: uniqueOrg() }).expect(200);
      expect(response.body).toEqual({ count: 0, next: null, previous: null, results: [] });
    });

    it('filters by exact username and exact organization', async () => {
      const organization = uniqueOrg();
      const alice = await t.factories.subscriber({ organization, username: `alice_${randomBytes(3).toString('hex')}` });
      await t.factories.subscriber({ organization, username: `${alice.username}x` });
      await t.factories.subscriber({ organization: organization.toUpperCase() });
      await t.factories.subscriber({ organization: `${organization}_other`, username: `${alice.username}_y` });

      const byUsername = await list({ username: alice.username }).expect(200);
      expect(byUsername.body.results.map((item: { id: number }) => item.id)).toEqual([alice.id]);

      const byOrganization = await list({ organization }).expect(200);
      expect(byOrganization.body.count).toBe(2);
      expect(byOrganization.body.results.every((item: { organization: string }) => item.organization === organization)).toBe(true);

      const both = await list({ organization, username: alice.username }).expect(200);
      expect(both.body.count).toBe(1);
      const mismatch = await list({ organization: `${organization}_other`, username: alice.username }).expect(200);
      expect(mismatch.body.count).toBe(0);
    });

    it('treats an empty filter value as no filter', async () => {
      const organization = uniqueOrg();
      await subscribersIn(organization, 1);
      const response = await list({ organization, username: '' }).expect(200);
      expect(response.body.count).toBe(1);
    });

    it('paginates with limit/offset and absolute next/previous links that keep the filters', async () => {
      const organization = uniqueOrg();
      const created = await subscribersIn(organization, 5);
      const ids = created.map((subscriber) => subscriber.id);
      const base = `${TEST_PUBLIC_URL}${PATH}`;

      const first = await list({ organization, limit: 2 }).expect(200);
      expect(first.body.count).toBe(5);
      expect(first.body.results.map((item: { id: number }) => item.id)).toEqual(ids.slice(0, 2));
      expect(first.body.next).toBe(`${base}?limit=2&offset=2&organization=${organization}`);
      expect(first.body.previous).toBeNull();

      const middle = await list({ organization, limit: 2, offset: 2 }).expect(200);
      expect(middle.body.results.map((item: { id: number }) => item.id)).toEqual(ids.slice(2, 4));
      expect(middle.body.next).toBe(`${base}?limit=2&offset=4&organization=${organization}`);
      expect(middle.body.previous).toBe(`${base}?limit=2&organization=${organization}`);

      const last = await list({ organization, limit: 2, offset: 4 }).expect(200);
      expect(last.body.results.map((item: { id: number }) => item.id)).toEqual(ids.slice(4));
      expect(last.body.next).toBeNull();
      expect(last.body.previous).toBe(`${base}?limit=2&offset=2&organization=${organization}`);

      const pastTheEnd = await list({ organization, limit: 2, offset: 10 }).expect(200);
      expect(pastTheEnd.body).toEqual({
        count: 5,
        next: null,
        previous: `${base}?limit=2&offset=8&organization=${organization}`,
        results: [],
      });
    });

    it('keeps every query parameter (balance, username, unknown ones) in the links', async () => {
      const organization = uniqueOrg();
      await subscribersIn(organization, 3);
      const response = await list({ organization, balance: 'true', limit: 1, offset: 1, extra: 'x y' }).expect(200);
      const base = `${TEST_PUBLIC_URL}${PATH}`;
      expect(response.body.next).toBe(`${base}?balance=true&extra=x+y&limit=1&offset=2&organization=${organization}`);
      expect(response.body.previous).toBe(`${base}?balance=true&extra=x+y&limit=1&organization=${organization}`);
    });

    it('treats limit 0 or garbage as the default (10), caps a huge limit at 1000 and ignores a bad offset', async () => {
      const organization = uniqueOrg();
      await subscribersIn(organization, 11);
      const zero = await list({ organization, limit: 0 }).expect(200);
      expect(zero.body.results).toHaveLength(10);
      expect(zero.body.next).toBe(`${TEST_PUBLIC_URL}${PATH}?limit=10&offset=10&organization=${organization}`);

      const garbage = await list({ organization, limit: 'abc', offset: 'x' }).expect(200);
      expect(garbage.body.results).toHaveLength(10);

      const huge = await list({ organization, limit: 99999999 }).expect(200);
      expect(huge.body.results).toHaveLength(11);
      expect(huge.body.next).toBeNull();
      const hugePastTheEnd = await list({ organization, limit: 99999999, offset: 2500 }).expect(200);
      expect(hugePastTheEnd.body.previous).toBe(`${TEST_PUBLIC_URL}${PATH}?limit=1000&offset=1500&organization=${organization}`);
    });

    it('adds balance_seconds only with balance=true (any case, or 1); without it the key is absent', async () => {
      const organization = uniqueOrg();
      const [first, second] = await subscribersIn(organization, 2);

      for (const balance of ['true', 'TRUE', 'True', '1']) {
        const response = await list({ organization, balance }).expect(200);
        expect(response.body.results.map((item: { balance_seconds: number }) => item.balance_seconds)).toEqual([100, 200]);
        expect(Object.keys(response.body.results[0])).toEqual(ITEM_KEYS_WITH_BALANCE);
      }
      for (const balance of ['false', 'False', 'FALSE', '0']) {
        const response = await list({ organization, balance }).expect(200);
        expect(Object.keys(response.body.results[0])).toEqual(ITEM_KEYS);
      }
      const without = await list({ organization }).expect(200);
      expect(without.body.results[0]).not.toHaveProperty('balance_seconds');
      expect([first!.id, second!.id]).toEqual(without.body.results.map((item: { id: number }) => item.id));
    });

    it('rejects any other balance value with a 400 naming the parameter', async () => {
      for (const balance of ['yes', '2', '', 'truee']) {
        const response = await list({ balance }).expect(400);
        expect(response.body).toEqual({ balance: ['Must be a valid boolean.'] });
      }
    });

    it('needs credentials: 401 with the DRF detail and a Bearer challenge', async () => {
      const missing = await t.api().get(PATH).expect(401);
      expect(missing.body).toEqual({ detail: 'Authentication credentials were not provided.' });
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');
      const invalid = await t.api().get(PATH).set(bearer('0'.repeat(40))).expect(401);
      expect(invalid.body).toEqual({ detail: 'Invalid token.' });
    });

    it('accepts the key as Bearer or Token', async () => {
      await t.api().get(PATH).set({ Authorization: `Token ${staffToken}` }).expect(200);
      await t.api().get(PATH).set({ Authorization: `bearer ${staffToken}` }).expect(200);
    });

    it('is forbidden to a plain subscriber, allowed with a subscribers:read permission', async () => {
      const plain = await t.factories.subscriber();
      const response = await list({}, plain.token).expect(403);
      expect(response.body).toEqual({ detail: 'You do not have permission to perform this action.' });
      const reader = await t.factories.subscriber({ role: Role.User, permissions: ['subscribers:read'] });
      await list({}, reader.token).expect(200);
    });
  });

  describe('GET /api/v1/user_token/{id}/', () => {
    it('retrieves a subscriber with the seed shape; balance only on request', async () => {
      const subscriber = await t.factories.subscriber({ organization: 'tech_solutions', balanceSeconds: 6840, permissions: ['read', 'write'] });
      const plain = await t.api().get(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).expect(200);
      expect(Object.keys(plain.body)).toEqual(ITEM_KEYS);
      expect(plain.body).toEqual({
        id: subscriber.id,
        username: subscriber.username,
        organization: 'tech_solutions',
        created_at: '2030-01-01T00:00:00Z',
        last_login: null,
        profile: { email: subscriber.email, role: 'user', permissions: ['read', 'write'], max_sessions: null },
      });

      const withBalance = await t.api().get(`${PATH}${subscriber.id}/?balance=true`).set(bearer(staffToken)).expect(200);
      expect(Object.keys(withBalance.body)).toEqual(ITEM_KEYS_WITH_BALANCE);
      expect(withBalance.body.balance_seconds).toBe(6840);

      const withoutBalance = await t.api().get(`${PATH}${subscriber.id}/?balance=0`).set(bearer(staffToken)).expect(200);
      expect(withoutBalance.body).not.toHaveProperty('balance_seconds');

      const bad = await t.api().get(`${PATH}${subscriber.id}/?balance=maybe`).set(bearer(staffToken)).expect(400);
      expect(bad.body).toEqual({ balance: ['Must be a valid boolean.'] });
    });

    it('works without the trailing slash', async () => {
      const subscriber = await t.factories.subscriber();
      await t.api().get(`${PATH}${subscriber.id}`).set(bearer(staffToken)).expect(200);
    });

    it('lets a plain subscriber read its own record and balance, with Bearer or Token', async () => {
      const own = await t.factories.subscriber({ balanceSeconds: 42 });
      const response = await t.api().get(`${PATH}${own.id}/?balance=true`).set(bearer(own.token)).expect(200);
      expect(response.body.balance_seconds).toBe(42);
      await t.api().get(`${PATH}${own.id}/`).set({ Authorization: `Token ${own.token}` }).expect(200);
    });

    it('authenticates 30 subscribers reading their own records at once (their credential reads shared), each as itself', async () => {
      const subscribers: { id: number; token: string }[] = [];
      for (let i = 0; i < 30; i += 1) subscribers.push(await t.factories.subscriber({ balanceSeconds: 200 + i }));
      // Each asks for its own record, then for its neighbour's (hidden from it: 404), all in flight at once.
      const requests = subscribers.flatMap((own, i) => [
        { key: own.token, id: own.id, expected: 200 + i },
        { key: own.token, id: subscribers[(i + 1) % subscribers.length]!.id, expected: null },
      ]);
      const answers = await Promise.all(requests.map(({ key, id }) => t.api().get(`${PATH}${id}/?balance=true`).set(bearer(key))));
      for (const [index, { id, expected }] of requests.entries()) {
        const answer = answers[index]!;
        if (expected === null) expect({ status: answer.status, body: answer.body }).toEqual({ status: 404, body: { detail: 'Not found.' } });
        else expect({ status: answer.status, id: answer.body.id, balance: answer.body.balance_seconds }).toEqual({ status: 200, id, balance: expected });
      }
    });

    it("hides other subscribers' records from a plain subscriber (404, not 403)", async () => {
      const own = await t.factories.subscriber();
      const other = await t.factories.subscriber();
      const response = await t.api().get(`${PATH}${other.id}/`).set(bearer(own.token)).expect(404);
      expect(response.body).toEqual({ detail: 'Not found.' });
    });

    it('answers 404 for an unknown, non-integer or out-of-range id', async () => {
      for (const id of ['2147483647', 'abc', '1.5', '-1', '0', '1e3', '2147483648', '99999999999999999999', '%20']) {
        const response = await t.api().get(`${PATH}${id}/`).set(bearer(staffToken)).expect(404);
        expect(response.body).toEqual({ detail: 'Not found.' });
      }
    });

    it('needs credentials (401 before 404)', async () => {
      const response = await t.api().get(`${PATH}abc/`).expect(401);
      expect(response.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    });
  });

  describe('methods the routes do not have', () => {
    it('answers 405 with the DRF detail after authentication', async () => {
      const subscriber = await t.factories.subscriber();
      const cases = [
        ['PUT', t.api().put(PATH)],
        ['PATCH', t.api().patch(PATH)],
        ['DELETE', t.api().delete(PATH)],
        ['POST', t.api().post(`${PATH}${subscriber.id}/`)],
      ] as const;
      for (const [method, request] of cases) {
        const response = await request.set(bearer(staffToken)).send({}).expect(405);
        expect(response.body).toEqual({ detail: `Method "${method}" not allowed.` });
      }
      await t.api().delete(PATH).expect(401);
      await t.api().post(`${PATH}${subscriber.id}/`).send({}).expect(401);
    });
  });

  describe('OpenAPI', () => {
    it('documents every operation with ids, security, parameters and response types', async () => {
      const schema = (await t.api().get('/api/schema/').expect(200)).body;
      const collection = schema.paths['/api/v1/user_token/'];
      const item = schema.paths['/api/v1/user_token/{id}/'];
      expect(collection.get.operationId).toBe('user_token_list');
      expect(collection.post.operationId).toBe('user_token_create');
      expect(item.get.operationId).toBe('user_token_retrieve');
      expect(item.put.operationId).toBe('user_token_update');
      expect(item.patch.operationId).toBe('user_token_partial_update');
      expect(item.delete.operationId).toBe('user_token_destroy');
      expect(collection.put).toBeUndefined();
      expect(collection.get.security).toEqual([{ tokenAuth: [] }]);
      expect(collection.get.tags).toEqual(['user_token']);

      const listParams = Object.fromEntries(collection.get.parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema]));
      expect(listParams).toMatchObject({
        username: { type: 'string' },
        organization: { type: 'string' },
        limit: { type: 'integer' },
        offset: { type: 'integer' },
        balance: { type: 'boolean' },
      });
      const idParam = item.get.parameters.find((p: { name: string }) => p.name === 'id');
      expect(idParam).toMatchObject({ in: 'path', required: true, schema: { type: 'integer' } });

      expect(Object.keys(collection.get.responses).sort()).toEqual(['200', '400', '401', '403']);
      expect(Object.keys(collection.post.responses).sort()).toEqual(['201', '400', '401', '403']);
      expect(Object.keys(item.delete.responses).sort()).toEqual(['204', '400', '401', '403', '404']);
      expect(Object.keys(item.patch.responses).sort()).toEqual(['200', '400', '401', '403', '404']);

      const dto = schema.components.schemas.UserTokenDto;
      expect(Object.keys(dto.properties)).toEqual(ITEM_KEYS_WITH_BALANCE);
      expect(dto.properties.balance_seconds.type).toBe('integer');
      expect(dto.required).not.toContain('balance_seconds');
      expect(schema.components.schemas.UserTokenListDto.required).toEqual(['count', 'next', 'previous', 'results']);
      expect(schema.components.schemas.CreateUserTokenDto.required).toEqual(['username', 'organization', 'email', 'role', 'balance_seconds']);
      expect(schema.components.schemas.PatchUserTokenDto.required ?? []).toEqual([]);
    });
  });
});
