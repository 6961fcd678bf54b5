import { createHash } from 'node:crypto';
import argon2 from 'argon2';
import { Role } from '../src/auth/policy.js';
import { uniqueUsername } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const PATH = '/api/v1/user_token/';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const USERNAME_MESSAGE =
  'Enter a valid username. This value may contain only lowercase letters, numbers, and @/./+/-/_ characters.';

interface UserRow {
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  password_hash: string | null;
  token_lifetime: number | null;
  is_staff: boolean;
  updated_at: Date;
  organization: string;
  role: string;
  permissions: string[];
  balance_seconds: string;
  profile_updated_at: Date;
}

describe('user_token API: create, replace, update, delete', () => {
  let t: TestApp;
  let staffToken: string;

  beforeAll(async () => {
    t = await createTestApp();
    staffToken = (await t.factories.staff({ tokenLifetime: null })).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function row(id: number): Promise<UserRow | undefined> {
    const rows: UserRow[] = await t.dataSource.query(
      `SELECT u.username, u.email, u.first_name, u.last_name, u.password_hash, u.token_lifetime, u.is_staff, u.updated_at,
              p.organization, p.role, p.permissions, p.balance_seconds, p.updated_at AS profile_updated_at
         FROM users u JOIN aaa_profiles p ON p.user_id = u.id WHERE u.id = $1`,
      [id],
    );
    return rows[0];
  }

  async function usersNamed(username: string): Promise<number> {
    const rows: { count: string }[] = await t.dataSource.query('SELECT count(*) AS count FROM users WHERE username = $1', [username]);
    return Number(rows[0]!.count);
  }

  const validBody = (overrides: Record<string, unknown> = {}) => ({
    username: uniqueUsername('jane'),
    organization: 'tech_solutions',
    email: 'jane@techsolutions.com',
    role: 'user',
    balance_seconds: 7200,
    ...overrides,
  });

  const create = (body: unknown, token = staffToken) => t.api().post(PATH).set(bearer(token)).send(body as object);

  describe('POST /api/v1/user_token/', () => {
    it('creates user, profile and token; answers the seed shape with the key shown once', async () => {
      t.clock.set('2031-01-21T09:15:00.250Z');
      const body = validBody();
      const response = await create(body).expect(201);

      expect(Object.keys(response.body)).toEqual(['id', 'username', 'organization', 'created_at', 'token', 'profile']);
      expect(Object.keys(response.body.profile)).toEqual(['email', 'role', 'permissions', 'max_sessions']);
      expect(response.body).toEqual({
        id: expect.any(Number),
        username: body.username,
        organization: 'tech_solutions',
        created_at: '2031-01-21T09:15:00Z',
        token: expect.stringMatching(/^[0-9a-f]{40}$/),
        profile: { email: 'jane@techsolutions.com', role: 'user', permissions: [], max_sessions: null },
      });

      const id: number = response.body.id;
      const token: string = response.body.token;
      expect(await row(id)).toMatchObject({
        username: body.username,
        first_name: '',
        last_name: '',
        password_hash: null,
        token_lifetime: 3600,
        is_staff: false,
        organization: 'tech_solutions',
        role: 'user',
        permissions: [],
        balance_seconds: '7200',
      });
      const tokens: { key_hash: string }[] = await t.dataSource.query('SELECT key_hash FROM auth_tokens WHERE user_id = $1', [id]);
      expect(tokens).toEqual([{ key_hash: createHash('sha256').update(token).digest('hex') }]);

      // The key works as Bearer and as Token, and is never shown again.
      const own = await t.api().get(`${PATH}${id}/?balance=true`).set(bearer(token)).expect(200);
      expect(own.body).not.toHaveProperty('token');
      expect(own.body.balance_seconds).toBe(7200);
      expect(own.body.created_at).toBe('2031-01-21T09:15:00Z');
      await t.api().get(`${PATH}${id}/`).set({ Authorization: `Token ${token}` }).expect(200);
      const listed = await t.api().get(PATH).query({ username: body.username }).set(bearer(staffToken)).expect(200);
      expect(listed.body.results[0]).not.toHaveProperty('token');
    });

    it('takes the optional fields: password (hashed), names, permissions, token_lifetime null', async () => {
      const body = validBody({
        password: 'correct horse battery',
        first_name: ' Jane ',
        last_name: 'Smith',
        permissions: ['read', 'write', 'read'],
        token_lifetime: null,
        role: 'moderator',
        balance_seconds: 0,
      });
      const response = await create(body).expect(201);
      expect(response.body.profile).toEqual({ email: 'jane@techsolutions.com', role: 'moderator', permissions: ['read', 'write'], max_sessions: null });
      const stored = (await row(response.body.id))!;
      expect(stored).toMatchObject({ first_name: 'Jane', last_name: 'Smith', token_lifetime: null, permissions: ['read', 'write'] });
      expect(stored.password_hash).toMatch(/^\$argon2id\$/);
      expect(await argon2.verify(stored.password_hash!, 'correct horse battery')).toBe(true);
    });

    it('gives a gateway account a key that never expires unless token_lifetime is given', async () => {
      const gateway = await create(validBody({ role: 'gateway', balance_seconds: 0 })).expect(201);
      expect((await row(gateway.body.id))!.token_lifetime).toBeNull();
      const explicit = await create(validBody({ username: uniqueUsername('gw'), role: 'gateway', balance_seconds: 0, token_lifetime: 600 })).expect(201);
      expect((await row(explicit.body.id))!.token_lifetime).toBe(600);
      // The key keeps working long after the default lifetime (TOKEN_LIFETIME_DEFAULT_SECONDS, one hour).
      t.clock.advanceSeconds(86400 * 30);
      await t.api().get(`${PATH}${gateway.body.id}/`).set(bearer(gateway.body.token as string)).expect(200);
    });

    it('rejects a taken username with the Django message and writes nothing', async () => {
      const existing = await t.factories.subscriber();
      const response = await create(validBody({ username: existing.username, email: 'other@example.com' })).expect(400);
      expect(response.body).toEqual({ username: ['A user with that username already exists.'] });
      expect(await usersNamed(existing.username)).toBe(1);
    });

    it('lets only one of two concurrent creates with the same username succeed', async () => {
      const body = validBody();
      const responses = await Promise.all([create(body), create(body), create(body)]);
      expect(responses.map((response) => response.status).sort((a, b) => a - b)).toEqual([201, 400, 400]);
      for (const response of responses.filter((r) => r.status === 400)) {
        expect(response.body).toEqual({ username: ['A user with that username already exists.'] });
      }
      expect(await usersNamed(body.username)).toBe(1);
    });

    it('names every missing required field', async () => {
      const response = await create({}).expect(400);
      expect(response.body).toEqual({
        username: ['This field is required.'],
        organization: ['This field is required.'],
        email: ['This field is required.'],
        role: ['This field is required.'],
        balance_seconds: ['This field is required.'],
      });
    });

    const invalid: [string, Record<string, unknown>, Record<string, string[]>][] = [
      ['a string for an integer', { balance_seconds: '7200' }, { balance_seconds: ['A valid integer is required.'] }],
      ['a float balance', { balance_seconds: 1.5 }, { balance_seconds: ['A valid integer is required.'] }],
      ['a boolean balance', { balance_seconds: true }, { balance_seconds: ['A valid integer is required.'] }],
      ['a negative balance', { balance_seconds: -1 }, { balance_seconds: ['Ensure this value is greater than or equal to 0.'] }],
      [
        'a balance over 100 years',
        { balance_seconds: 3_153_600_001 },
        { balance_seconds: ['Ensure this value is less than or equal to 3153600000 (100 years of seconds).'] },
      ],
      ['a null balance', { balance_seconds: null }, { balance_seconds: ['This field may not be null.'] }],
      ['an unknown role', { role: 'superuser' }, { role: ['"superuser" is not a valid choice.'] }],
      ['an invalid email', { email: 'not-an-email' }, { email: ['Enter a valid email address.'] }],
      ['a too long email', { email: `${'a'.repeat(250)}@x.io` }, { email: ['Ensure this field has no more than 254 characters.'] }],
      ['a blank organization', { organization: '  ' }, { organization: ['This field may not be blank.'] }],
      ['a numeric organization', { organization: 5 }, { organization: ['Not a valid string.'] }],
      ['an invalid username', { username: 'Bad Name' }, { username: [USERNAME_MESSAGE] }],
      ['a too long username', { username: 'a'.repeat(129) }, { username: ['Ensure this field has no more than 128 characters.'] }],
      ['a null username', { username: null }, { username: ['This field may not be null.'] }],
      ['an unknown field', { is_staff: true }, { is_staff: ['Unknown field.'] }],
      ['a short password', { password: 'short' }, { password: ['Ensure this field has at least 8 characters.'] }],
      ['a null first_name', { first_name: null }, { first_name: ['This field may not be null.'] }],
      ['a too long last_name', { last_name: 'x'.repeat(151) }, { last_name: ['Ensure this field has no more than 150 characters.'] }],
      ['permissions as a string', { permissions: 'read' }, { permissions: ['Expected a list of items but got type "str".'] }],
      [
        'an invalid permission',
        { permissions: ['read', 'Bad Perm'] },
        {
          permissions: [
            '"Bad Perm" is not a valid permission: use 1 to 64 characters, a lowercase letter followed by lowercase letters, digits or any of _ . : -',
          ],
        },
      ],
      [
        'too many permissions',
        { permissions: Array.from({ length: 33 }, (_, index) => `p${index}`) },
        { permissions: ['Ensure this field has no more than 32 elements.'] },
      ],
      ['a too short token_lifetime', { token_lifetime: 59 }, { token_lifetime: ['Ensure this value is greater than or equal to 60.'] }],
      ['a string token_lifetime', { token_lifetime: '3600' }, { token_lifetime: ['A valid integer is required.'] }],
      [
        'a too long token_lifetime',
        { token_lifetime: 315_360_001 },
        { token_lifetime: ['Ensure this value is less than or equal to 315360000 (10 years of seconds).'] },
      ],
    ];
    it.each(invalid)('rejects %s with a 400 naming the field and writes nothing', async (_case, overrides, errors) => {
      const body = validBody(overrides);
      const response = await create(body).expect(400);
      expect(response.body).toEqual(errors);
      if (typeof body.username === 'string') expect(await usersNamed(body.username)).toBe(0);
    });

    it('rejects a body that is not a JSON object', async () => {
      const list = await create([]).expect(400);
      expect(list.body).toEqual({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
      const text = await t.api().post(PATH).set(bearer(staffToken)).set('Content-Type', 'application/json').send('"x"').expect(400);
      expect(text.body).toEqual({ non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] });
      const malformed = await t.api().post(PATH).set(bearer(staffToken)).set('Content-Type', 'application/json').send('{"username":').expect(400);
      // The wording of parse errors belongs to the common exception filter; here: a 400 with a detail.
      expect(malformed.body).toEqual({ detail: expect.any(String) });
    });

    it('needs credentials', async () => {
      const body = validBody();
      await t.api().post(PATH).send(body).expect(401);
      expect(await usersNamed(body.username)).toBe(0);
    });
  });

  describe('PUT /api/v1/user_token/{id}/', () => {
    it('replaces every field, resets omitted optional ones, keeps the password, and answers the seed shape', async () => {
      const subscriber = await t.factories.subscriber({
        firstName: 'Old',
        lastName: 'Name',
        permissions: ['read'],
        tokenLifetime: 86400,
        password: 'old password 123',
        balanceSeconds: 50,
      });
      const before = (await row(subscriber.id))!;
      t.clock.set('2031-01-21T12:00:00Z');
      const body = {
        username: uniqueUsername('jane_updated'),
        organization: 'tech_solutions',
        email: 'jane.smith@techsolutions.com',
        role: 'admin',
        balance_seconds: 10800,
      };
      const response = await t.api().put(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send(body).expect(200);

      expect(Object.keys(response.body)).toEqual(['id', 'username', 'organization', 'updated_at', 'profile']);
      expect(response.body).toEqual({
        id: subscriber.id,
        username: body.username,
        organization: 'tech_solutions',
        updated_at: '2031-01-21T12:00:00Z',
        profile: { email: 'jane.smith@techsolutions.com', role: 'admin', permissions: [], max_sessions: null },
      });
      const after = (await row(subscriber.id))!;
      expect(after).toMatchObject({
        username: body.username,
        email: body.email,
        first_name: '',
        last_name: '',
        permissions: [],
        token_lifetime: 3600,
        role: 'admin',
        balance_seconds: '10800',
        password_hash: before.password_hash,
      });
      expect(after.updated_at.toISOString()).toBe('2031-01-21T12:00:00.000Z');
      expect(after.profile_updated_at.toISOString()).toBe('2031-01-21T12:00:00.000Z');
    });

    it('changes the password only when given', async () => {
      const subscriber = await t.factories.subscriber({ password: 'old password 123' });
      await t.api()
        .put(`${PATH}${subscriber.id}/`)
        .set(bearer(staffToken))
        .send(validBody({ username: subscriber.username, password: 'new password 456' }))
        .expect(200);
      const stored = (await row(subscriber.id))!;
      expect(await argon2.verify(stored.password_hash!, 'new password 456')).toBe(true);
    });

    it('requires every required field and writes nothing', async () => {
      const subscriber = await t.factories.subscriber({ email: 'keep@example.com' });
      const before = await row(subscriber.id);
      const response = await t.api()
        .put(`${PATH}${subscriber.id}/`)
        .set(bearer(staffToken))
        .send({ username: subscriber.username, email: 'changed@example.com' })
        .expect(400);
      expect(response.body).toEqual({
        organization: ['This field is required.'],
        role: ['This field is required.'],
        balance_seconds: ['This field is required.'],
      });
      expect(await row(subscriber.id)).toEqual(before);
    });

    it('rejects a username taken by someone else, accepts its own', async () => {
      const subscriber = await t.factories.subscriber();
      const other = await t.factories.subscriber();
      const taken = await t.api()
        .put(`${PATH}${subscriber.id}/`)
        .set(bearer(staffToken))
        .send(validBody({ username: other.username }))
        .expect(400);
      expect(taken.body).toEqual({ username: ['A user with that username already exists.'] });
      expect((await row(subscriber.id))!.username).toBe(subscriber.username);
      await t.api().put(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send(validBody({ username: subscriber.username })).expect(200);
    });

    it('answers 404 for an unknown or invalid id', async () => {
      await t.api().put(`${PATH}2147483647/`).set(bearer(staffToken)).send(validBody()).expect(404);
      await t.api().put(`${PATH}abc/`).set(bearer(staffToken)).send(validBody()).expect(404);
    });
  });

  describe('PATCH /api/v1/user_token/{id}/', () => {
    it('changes only the given fields', async () => {
      const subscriber = await t.factories.subscriber({ organization: 'acme_corp', firstName: 'Keep', permissions: ['read'], balanceSeconds: 10 });
      t.clock.set('2031-02-01T00:00:00Z');
      const response = await t.api()
        .patch(`${PATH}${subscriber.id}/`)
        .set(bearer(staffToken))
        .send({ role: 'moderator', balance_seconds: 14400 })
        .expect(200);
      expect(Object.keys(response.body)).toEqual(['id', 'username', 'organization', 'updated_at', 'profile']);
      expect(response.body).toEqual({
        id: subscriber.id,
        username: subscriber.username,
        organization: 'acme_corp',
        updated_at: '2031-02-01T00:00:00Z',
        profile: { email: subscriber.email, role: 'moderator', permissions: ['read'], max_sessions: null },
      });
      expect(await row(subscriber.id)).toMatchObject({
        first_name: 'Keep',
        organization: 'acme_corp',
        permissions: ['read'],
        role: 'moderator',
        balance_seconds: '14400',
        token_lifetime: 86400,
      });
      const retrieved = await t.api().get(`${PATH}${subscriber.id}/?balance=true`).set(bearer(staffToken)).expect(200);
      expect(retrieved.body.balance_seconds).toBe(14400);
    });

    it('accepts an empty body (nothing changes) and token_lifetime null', async () => {
      const subscriber = await t.factories.subscriber();
      await t.api().patch(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send({}).expect(200);
      await t.api().patch(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send({ token_lifetime: null }).expect(200);
      expect((await row(subscriber.id))!.token_lifetime).toBeNull();
    });

    it('validates given fields as PUT does and writes nothing on failure', async () => {
      const subscriber = await t.factories.subscriber({ balanceSeconds: 5 });
      const before = await row(subscriber.id);
      const cases: [Record<string, unknown>, Record<string, string[]>][] = [
        [{ balance_seconds: -5 }, { balance_seconds: ['Ensure this value is greater than or equal to 0.'] }],
        [{ balance_seconds: '100' }, { balance_seconds: ['A valid integer is required.'] }],
        [{ username: null }, { username: ['This field may not be null.'] }],
        [{ email: 'x', role: 'boss' }, { email: ['Enter a valid email address.'], role: ['"boss" is not a valid choice.'] }],
        [{ organization: 'new_org', nickname: 'x' }, { nickname: ['Unknown field.'] }],
      ];
      for (const [body, errors] of cases) {
        const response = await t.api().patch(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send(body).expect(400);
        expect(response.body).toEqual(errors);
      }
      const list = await t.api().patch(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send([]).expect(400);
      expect(list.body).toEqual({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
      expect(await row(subscriber.id)).toEqual(before);
    });

    it('rejects a taken username', async () => {
      const subscriber = await t.factories.subscriber();
      const other = await t.factories.subscriber();
      const response = await t.api().patch(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send({ username: other.username }).expect(400);
      expect(response.body).toEqual({ username: ['A user with that username already exists.'] });
      await t.api().patch(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send({ username: subscriber.username }).expect(200);
    });

    it('keeps the token working after a rename', async () => {
      const subscriber = await t.factories.subscriber();
      const renamed = uniqueUsername('renamed');
      await t.api().patch(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).send({ username: renamed }).expect(200);
      const own = await t.api().get(`${PATH}${subscriber.id}/`).set(bearer(subscriber.token)).expect(200);
      expect(own.body.username).toBe(renamed);
    });

    it('answers 404 for an unknown id and 401 without credentials', async () => {
      await t.api().patch(`${PATH}2147483647/`).set(bearer(staffToken)).send({}).expect(404);
      const subscriber = await t.factories.subscriber();
      await t.api().patch(`${PATH}${subscriber.id}/`).send({ balance_seconds: 1 }).expect(401);
    });
  });

  describe('DELETE /api/v1/user_token/{id}/', () => {
    it('removes the user, its profile and token permanently; the key stops working', async () => {
      const subscriber = await t.factories.subscriber({ role: Role.User });
      const response = await t.api().delete(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).expect(204);
      expect(response.text).toBe('');

      for (const table of ['users WHERE id = $1', 'aaa_profiles WHERE user_id = $1', 'auth_tokens WHERE user_id = $1']) {
        const rows: unknown[] = await t.dataSource.query(`SELECT 1 FROM ${table}`, [subscriber.id]);
        expect(rows).toHaveLength(0);
      }
      await t.api().get(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).expect(404);
      const again = await t.api().delete(`${PATH}${subscriber.id}/`).set(bearer(staffToken)).expect(404);
      expect(again.body).toEqual({ detail: 'Not found.' });
      const deletedKey = await t.api().get(PATH).set(bearer(subscriber.token)).expect(401);
      expect(deletedKey.body).toEqual({ detail: 'Invalid token.' });
    });

    it('answers 404 for an invalid id and 401 without credentials', async () => {
      await t.api().delete(`${PATH}abc/`).set(bearer(staffToken)).expect(404);
      const subscriber = await t.factories.subscriber();
      await t.api().delete(`${PATH}${subscriber.id}/`).expect(401);
      expect(await row(subscriber.id)).toBeDefined();
    });
  });
});
