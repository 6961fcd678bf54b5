import { Role } from '../src/auth/policy.js';
import { isoUtc } from '../src/common/http/iso-date.js';
import { DomainError } from '../src/common/errors/domain-error.js';
import { USERNAME_MESSAGE, USERNAME_TAKEN_MESSAGE } from '../src/users/user-rules.js';
import { UsersService } from '../src/users/users.service.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

const FIELDS = [
  'url', 'uuid', 'username', 'email', 'first_name', 'last_name', 'full_name',
  'is_active', 'is_staff', 'token_lifetime', 'date_joined', 'last_login',
];
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };
const NOT_FOUND = { detail: 'Not found.' };

const token = (key: string) => ({ Authorization: `Token ${key}` });
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const hex = (uuid: string) => uuid.replaceAll('-', '');

describe('/api/users/', () => {
  let t: TestApp;
  let staff: CreatedSubscriber;
  let member: CreatedSubscriber;

  beforeAll(async () => {
    t = await createTestApp();
    staff = await t.factories.staff();
    member = await t.factories.subscriber({ firstName: 'Mia', lastName: 'Member' });
  });
  afterAll(async () => {
    await t?.close();
  });

  interface UserRow {
    username: string;
    email: string;
    first_name: string;
    last_name: string;
    password_hash: string | null;
    is_active: boolean;
    is_staff: boolean;
    token_lifetime: number | null;
    updated_at: Date;
  }
  const row = async (id: number): Promise<UserRow | undefined> =>
    (await t.dataSource.query('SELECT * FROM users WHERE id = $1', [id]))[0];
  const userCount = async (): Promise<number> => Number((await t.dataSource.query('SELECT count(*) AS n FROM users'))[0].n);

  describe('authentication and permissions', () => {
    it('needs a token on every route (401 with WWW-Authenticate)', async () => {
      for (const call of [
        t.api().get('/api/users/'),
        t.api().post('/api/users/').send({ username: uniqueUsername() }),
        t.api().get(`/api/users/${hex(member.uuid)}/`),
        t.api().patch(`/api/users/${hex(member.uuid)}/`).send({ first_name: 'x' }),
        t.api().put(`/api/users/${hex(member.uuid)}/`).send({}),
        t.api().delete(`/api/users/${hex(member.uuid)}/`),
      ]) {
        const response = await call.expect(401);
        expect(response.body).toEqual({ detail: 'Authentication credentials were not provided.' });
        expect(response.headers['www-authenticate']).toBe('Token');
      }
      await t.api().get('/api/users/').set(token('0'.repeat(40))).expect(401, { detail: 'Invalid token.' });
    });

    it('keeps list, create and delete for staff (403 for others)', async () => {
      const before = await userCount();
      await t.api().get('/api/users/').set(token(member.token)).expect(403, FORBIDDEN);
      await t.api().post('/api/users/').set(token(member.token)).send({ username: uniqueUsername() }).expect(403, FORBIDDEN);
      await t.api().delete(`/api/users/${hex(staff.uuid)}/`).set(token(member.token)).expect(403, FORBIDDEN);
      expect(await userCount()).toBe(before);
      expect(await row(staff.id)).toBeDefined();
    });

    it('does not let an admin-role profile without is_staff manage users', async () => {
      const admin = await t.factories.subscriber({ role: Role.Admin });
      await t.api().get('/api/users/').set(token(admin.token)).expect(403, FORBIDDEN);
    });

    it('answers PUT with 405 after authentication', async () => {
      await t.api().put(`/api/users/${hex(member.uuid)}/`).set(token(staff.token)).send({ first_name: 'x' }).expect(405, { detail: 'Method "PUT" not allowed.' });
      await t.api().put(`/api/users/${hex(member.uuid)}/`).set(token(member.token)).send({ first_name: 'x' }).expect(405);
      expect((await row(member.id))?.first_name).toBe('Mia');
    });
  });

  describe('GET /api/users/', () => {
    it('returns a bare array by id with the documented fields and X-Result-Count', async () => {
      const response = await t.api().get('/api/users/?page_size=300').set(token(staff.token)).expect(200);
      expect(Array.isArray(response.body)).toBe(true);
      expect(response.headers['x-result-count']).toBe(String(await userCount()));
      const ids: { id: number; uuid: string }[] = await t.dataSource.query('SELECT id, uuid FROM users ORDER BY id');
      expect(response.body.map((user: { uuid: string }) => user.uuid)).toEqual(ids.map((user) => hex(user.uuid)));
      for (const user of response.body) expect(Object.keys(user)).toEqual(FIELDS);
      const mine = response.body.find((user: { uuid: string }) => user.uuid === hex(member.uuid));
      expect(mine).toMatchObject({
        url: `${TEST_PUBLIC_URL}/api/users/${hex(member.uuid)}/`,
        username: member.username,
        full_name: 'Mia Member',
        is_staff: false,
        is_active: true,
        last_login: null,
      });
      expect(JSON.stringify(response.body)).not.toMatch(/password|argon2/);
    });

    it('accepts a Bearer token too', async () => {
      await t.api().get('/api/users/').set(bearer(staff.token)).expect(200);
    });

    it('paginates with page / page_size and Link headers that keep the filters', async () => {
      for (let i = 0; i < 3; i += 1) await t.factories.subscriber({ isActive: true });
      const total = Number((await t.dataSource.query('SELECT count(*) AS n FROM users WHERE is_active AND NOT is_staff'))[0].n);
      const pages = Math.ceil(total / 2);
      const first = await t.api().get('/api/users/?is_active=true&is_staff=false&page_size=2').set(token(staff.token)).expect(200);
      expect(first.body).toHaveLength(2);
      expect(first.headers['x-result-count']).toBe(String(total));
      const base = `${TEST_PUBLIC_URL}/api/users/`;
      expect(first.headers.link).toBe(
        `<${base}?is_active=true&is_staff=false&page_size=2>; rel="first", ` +
          `<${base}?is_active=true&is_staff=false&page=2&page_size=2>; rel="next", ` +
          `<${base}?is_active=true&is_staff=false&page=${pages}&page_size=2>; rel="last"`,
      );
      const second = await t.api().get('/api/users/?is_active=true&is_staff=false&page_size=2&page=2').set(token(staff.token)).expect(200);
      expect(second.headers.link).toContain(`<${base}?is_active=true&is_staff=false&page_size=2>; rel="first"`);
      expect(second.headers.link).toContain(`<${base}?is_active=true&is_staff=false&page_size=2>; rel="prev"`);
      const ids = [...first.body, ...second.body].map((user: { uuid: string }) => user.uuid);
      expect(new Set(ids).size).toBe(4);
      const last = await t.api().get('/api/users/?is_active=true&is_staff=false&page_size=2&page=last').set(token(staff.token)).expect(200);
      expect(last.body).toHaveLength(total - (pages - 1) * 2);
      expect(last.headers.link).not.toContain('rel="next"');
      await t.api().get(`/api/users/?page_size=2&page=${pages + 100}`).set(token(staff.token)).expect(404, { detail: 'Invalid page.' });
      await t.api().get('/api/users/?page=abc').set(token(staff.token)).expect(404, { detail: 'Invalid page.' });
    });

    it('filters by exact username, is_active and is_staff', async () => {
      const inactive = await t.factories.subscriber({ isActive: false, withToken: false });
      const byName = await t.api().get(`/api/users/?username=${member.username}`).set(token(staff.token)).expect(200);
      expect(byName.body.map((user: { username: string }) => user.username)).toEqual([member.username]);
      expect(byName.headers['x-result-count']).toBe('1');
      expect(byName.headers.link).toBe(
        `<${TEST_PUBLIC_URL}/api/users/?username=${member.username}>; rel="first", <${TEST_PUBLIC_URL}/api/users/?username=${member.username}>; rel="last"`,
      );
      const prefix = await t.api().get(`/api/users/?username=${member.username.slice(0, 6)}`).set(token(staff.token)).expect(200);
      expect(prefix.body).toEqual([]);
      expect(prefix.headers['x-result-count']).toBe('0');

      const inactiveList = await t.api().get('/api/users/?is_active=false&page_size=300').set(token(staff.token)).expect(200);
      expect(inactiveList.body.map((user: { username: string }) => user.username)).toContain(inactive.username);
      expect(inactiveList.body.every((user: { is_active: boolean }) => !user.is_active)).toBe(true);

      const staffList = await t.api().get('/api/users/?is_staff=true&page_size=300').set(token(staff.token)).expect(200);
      expect(staffList.body.map((user: { username: string }) => user.username)).toContain(staff.username);
      expect(staffList.body.every((user: { is_staff: boolean }) => user.is_staff)).toBe(true);

      const combined = await t.api().get(`/api/users/?username=${inactive.username}&is_active=true`).set(token(staff.token)).expect(200);
      expect(combined.body).toEqual([]);
    });

    it('rejects a filter value that is not a boolean, naming the parameter', async () => {
      await t.api().get('/api/users/?is_active=maybe').set(token(staff.token)).expect(400, { is_active: ['Must be a valid boolean.'] });
      await t.api().get('/api/users/?is_staff=yes').set(token(staff.token)).expect(400, { is_staff: ['Must be a valid boolean.'] });
    });
  });

  describe('POST /api/users/', () => {
    it('creates a user with the defaults and the default AAA profile (201)', async () => {
      const username = uniqueUsername('new');
      const response = await t.api().post('/api/users/').set(token(staff.token)).send({ username }).expect(201);
      expect(Object.keys(response.body)).toEqual(FIELDS);
      expect(response.body).toMatchObject({
        username,
        email: '',
        first_name: '',
        last_name: '',
        full_name: '',
        is_active: true,
        is_staff: false,
        token_lifetime: 3600,
        date_joined: isoUtc(t.clock.now()),
        last_login: null,
      });
      expect(response.body.uuid).toMatch(/^[0-9a-f]{32}$/);
      expect(response.body.url).toBe(`${TEST_PUBLIC_URL}/api/users/${response.body.uuid}/`);
      const [created] = await t.dataSource.query(
        `SELECT u.password_hash, p.role, p.organization, p.permissions, p.balance_seconds
           FROM users u JOIN aaa_profiles p ON p.user_id = u.id WHERE u.username = $1`,
        [username],
      );
      expect(created).toEqual({ password_hash: null, role: 'user', organization: '', permissions: [], balance_seconds: '0' });
      const fetched = await t.api().get(`/api/users/${response.body.uuid}/`).set(token(staff.token)).expect(200);
      expect(fetched.body).toEqual(response.body);
    });

    it('takes every field, hashes the password with argon2id and never returns it', async () => {
      const username = uniqueUsername('full');
      const response = await t
        .api()
        .post('/api/users/')
        .set(token(staff.token))
        .send({
          username,
          email: 'full@example.com',
          first_name: 'Ada',
          last_name: 'Lovelace',
          password: 'correct horse battery',
          is_active: false,
          is_staff: true,
          token_lifetime: null,
        })
        .expect(201);
      expect(response.body).toMatchObject({
        email: 'full@example.com',
        full_name: 'Ada Lovelace',
        is_active: false,
        is_staff: true,
        token_lifetime: null,
      });
      expect(JSON.stringify(response.body)).not.toMatch(/password|argon2|correct horse/);
      const [created] = await t.dataSource.query('SELECT password_hash FROM users WHERE username = $1', [username]);
      expect(created.password_hash).toMatch(/^\$argon2id\$/);
    });

    it('sets a password that works for POST /api/auth/login/ (when that route exists)', async () => {
      const username = uniqueUsername('login');
      await t.api().post('/api/users/').set(token(staff.token)).send({ username, password: 's3cret-passw0rd' }).expect(201);
      const login = await t.api().post('/api/auth/login/').send({ username, password: 's3cret-passw0rd' });
      if (login.status === 404) return; // the login route is not there yet
      expect(login.status).toBe(200);
      const key = login.body.token as string;
      expect(key).toMatch(/^[0-9a-f]{40}$/);
      const me = await t.api().get('/api/users/?username=' + username).set(token(staff.token)).expect(200);
      await t.api().get(`/api/users/${me.body[0].uuid}/`).set(token(key)).expect(200);
      await t.api().post('/api/auth/login/').send({ username, password: 'wrong-password' }).expect(400);
    });

    it('accepts token_lifetime at its bounds', async () => {
      for (const lifetime of [60, 315_360_000]) {
        const response = await t.api().post('/api/users/').set(token(staff.token)).send({ username: uniqueUsername(), token_lifetime: lifetime }).expect(201);
        expect(response.body.token_lifetime).toBe(lifetime);
      }
    });

    it('rejects a taken username with 400', async () => {
      const before = await userCount();
      await t.api().post('/api/users/').set(token(staff.token)).send({ username: member.username, email: 'other@example.com' }).expect(400, { username: [USERNAME_TAKEN_MESSAGE] });
      expect(await userCount()).toBe(before);
    });

    it.each([
      ['no username', {}, { username: ['This field is required.'] }],
      ['a null username', { username: null }, { username: ['This field may not be null.'] }],
      ['a blank username', { username: '' }, { username: ['This field may not be blank.'] }],
      ['an upper-case username', { username: 'Jane' }, { username: [USERNAME_MESSAGE] }],
      ['a username with a space', { username: 'jane doe' }, { username: [USERNAME_MESSAGE] }],
      ['a 129-character username', { username: 'a'.repeat(129) }, { username: ['Ensure this field has no more than 128 characters.'] }],
      ['a bad email', { email: 'not-an-email' }, { email: ['Enter a valid email address.'] }],
      ['a null email', { email: null }, { email: ['This field may not be null.'] }],
      ['a 151-character first name', { first_name: 'x'.repeat(151) }, { first_name: ['Ensure this field has no more than 150 characters.'] }],
      ['a 151-character last name', { last_name: 'x'.repeat(151) }, { last_name: ['Ensure this field has no more than 150 characters.'] }],
      ['a short password', { password: 'short' }, { password: ['Ensure this field has at least 8 characters.'] }],
      ['a 257-character password', { password: 'p'.repeat(257) }, { password: ['Ensure this field has no more than 256 characters.'] }],
      ['a string is_active', { is_active: 'yes' }, { is_active: ['Must be a valid boolean.'] }],
      ['a numeric is_staff', { is_staff: 1 }, { is_staff: ['Must be a valid boolean.'] }],
      ['a token_lifetime below 60', { token_lifetime: 59 }, { token_lifetime: ['Ensure this value is greater than or equal to 60.'] }],
      ['a token_lifetime over ten years', { token_lifetime: 315_360_001 }, { token_lifetime: ['Ensure this value is less than or equal to 315360000 (10 years of seconds).'] }],
      ['a fractional token_lifetime', { token_lifetime: 60.5 }, { token_lifetime: ['A valid integer is required.'] }],
      ['a string token_lifetime', { token_lifetime: '3600' }, { token_lifetime: ['A valid integer is required.'] }],
      ['an unknown field', { role: 'admin' }, { role: ['Unknown field.'] }],
    ])('rejects %s with 400 naming the field, writing nothing', async (_case, fields, errors) => {
      const before = await userCount();
      const body = 'username' in fields || Object.keys(fields).length === 0 ? fields : { username: uniqueUsername('bad'), ...fields };
      const response = await t.api().post('/api/users/').set(token(staff.token)).send(body).expect(400);
      expect(response.body).toEqual(errors);
      expect(await userCount()).toBe(before);
    });

    it('rejects a body that is not a JSON object', async () => {
      await t
        .api()
        .post('/api/users/')
        .set(token(staff.token))
        .set('Content-Type', 'application/json')
        .send('["x"]')
        .expect(400, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    });
  });

  describe('GET /api/users/me/ (Waldur)', () => {
    it("answers the caller's own record, the same as /api/users/{uuid}/, with Token or Bearer", async () => {
      const own = await t.api().get(`/api/users/${hex(member.uuid)}/`).set(token(member.token)).expect(200);
      const me = await t.api().get('/api/users/me/').set(token(member.token)).expect(200);
      expect(Object.keys(me.body)).toEqual(FIELDS);
      expect(me.body).toEqual(own.body);
      await t.api().get('/api/users/me').set(bearer(member.token)).expect(200, own.body);
      const staffMe = await t.api().get('/api/users/me/').set(token(staff.token)).expect(200);
      expect(staffMe.body).toMatchObject({ uuid: hex(staff.uuid), username: staff.username, is_staff: true });
    });

    it('needs a token (401), and only GET is routed to it (other methods treat "me" as a uuid: 404)', async () => {
      await t.api().get('/api/users/me/').expect(401, { detail: 'Authentication credentials were not provided.' });
      await t.api().patch('/api/users/me/').set(token(member.token)).send({ first_name: 'x' }).expect(404, NOT_FOUND);
    });
  });

  describe('GET /api/users/{uuid}/', () => {
    it('shows users their own account, by the 32-hex or hyphenated uuid, in any case', async () => {
      for (const form of [hex(member.uuid), member.uuid, hex(member.uuid).toUpperCase()]) {
        const response = await t.api().get(`/api/users/${form}/`).set(token(member.token)).expect(200);
        expect(Object.keys(response.body)).toEqual(FIELDS);
        expect(response.body).toMatchObject({ uuid: hex(member.uuid), username: member.username, email: member.email });
      }
      await t.api().get(`/api/users/${hex(member.uuid)}`).set(token(member.token)).expect(200);
    });

    it('shows staff any account', async () => {
      const response = await t.api().get(`/api/users/${hex(member.uuid)}/`).set(token(staff.token)).expect(200);
      expect(response.body.username).toBe(member.username);
    });

    it("hides other users' accounts from non-staff (404)", async () => {
      const other = await t.factories.subscriber();
      await t.api().get(`/api/users/${hex(other.uuid)}/`).set(token(member.token)).expect(404, NOT_FOUND);
      await t.api().get(`/api/users/${hex(staff.uuid)}/`).set(token(member.token)).expect(404, NOT_FOUND);
    });

    it('answers 404 for malformed and unknown uuids', async () => {
      for (const raw of ['not-a-uuid', '12345', `${hex(member.uuid)}00`, '00000000000000000000000000000000', '00000000-0000-0000-0000-000000000000']) {
        await t.api().get(`/api/users/${raw}/`).set(token(staff.token)).expect(404, NOT_FOUND);
      }
    });
  });

  describe('PATCH /api/users/{uuid}/', () => {
    it('lets users change their names, email and password, keeps their key working, and stamps updated_at', async () => {
      const self = await t.factories.subscriber({ password: 'old-password-1' });
      const before = await row(self.id);
      t.clock.advanceSeconds(120);
      const response = await t
        .api()
        .patch(`/api/users/${hex(self.uuid)}/`)
        .set(token(self.token))
        .send({ first_name: 'Neo', last_name: 'Anderson', email: 'neo@example.com', password: 'new-password-2' })
        .expect(200);
      expect(Object.keys(response.body)).toEqual(FIELDS);
      expect(response.body).toMatchObject({ first_name: 'Neo', last_name: 'Anderson', full_name: 'Neo Anderson', email: 'neo@example.com' });
      const after = await row(self.id);
      expect(after?.password_hash).toMatch(/^\$argon2id\$/);
      expect(after?.password_hash).not.toBe(before?.password_hash);
      expect(after?.updated_at.getTime()).toBe(t.clock.now().getTime());
      expect(after?.updated_at.getTime()).toBeGreaterThan(before!.updated_at.getTime());
      // Their own password change keeps the key they are using (their one key).
      await t.api().get(`/api/users/${hex(self.uuid)}/`).set(token(self.token)).expect(200);
    });

    it.each([
      ['is_staff', { is_staff: true }],
      ['is_active', { is_active: false }],
      ['username', { username: 'renamed_by_self' }],
      ['token_lifetime', { token_lifetime: null }],
    ])('forbids users to change their own %s (403, nothing written)', async (_field, change) => {
      const self = await t.factories.subscriber({ firstName: 'Before' });
      const before = await row(self.id);
      await t
        .api()
        .patch(`/api/users/${hex(self.uuid)}/`)
        .set(token(self.token))
        .send({ first_name: 'After', ...change })
        .expect(403, FORBIDDEN);
      expect(await row(self.id)).toEqual(before);
    });

    it('lets users send their own is_staff / is_active / username unchanged', async () => {
      const self = await t.factories.subscriber();
      await t
        .api()
        .patch(`/api/users/${hex(self.uuid)}/`)
        .set(token(self.token))
        .send({ username: self.username, is_staff: false, is_active: true, first_name: 'Same' })
        .expect(200);
      expect((await row(self.id))?.first_name).toBe('Same');
    });

    it("hides other users' accounts from non-staff (404, nothing written)", async () => {
      const other = await t.factories.subscriber({ firstName: 'Other' });
      await t.api().patch(`/api/users/${hex(other.uuid)}/`).set(token(member.token)).send({ first_name: 'Hacked' }).expect(404, NOT_FOUND);
      await t.api().patch(`/api/users/${hex(staff.uuid)}/`).set(token(member.token)).send({ is_staff: false }).expect(404, NOT_FOUND);
      expect((await row(other.id))?.first_name).toBe('Other');
      expect((await row(staff.id))?.is_staff).toBe(true);
    });

    it('lets staff change any field, including username, is_active and is_staff', async () => {
      const target = await t.factories.subscriber();
      const username = uniqueUsername('renamed');
      const response = await t
        .api()
        .patch(`/api/users/${hex(target.uuid)}/`)
        .set(token(staff.token))
        .send({ username, is_staff: true, is_active: false, email: '', first_name: 'Tina' })
        .expect(200);
      expect(response.body).toMatchObject({ username, is_staff: true, is_active: false, email: '', full_name: 'Tina' });
      expect(await row(target.id)).toMatchObject({ username, is_staff: true, is_active: false });
      // Deactivated: the account's token stops working.
      await t.api().get(`/api/users/${hex(target.uuid)}/`).set(token(target.token)).expect(401);
    });

    it('rejects a taken username (400) and invalid fields (400) without writing anything', async () => {
      const target = await t.factories.subscriber();
      const before = await row(target.id);
      await t.api().patch(`/api/users/${hex(target.uuid)}/`).set(token(staff.token)).send({ username: member.username }).expect(400, { username: [USERNAME_TAKEN_MESSAGE] });
      await t.api().patch(`/api/users/${hex(target.uuid)}/`).set(token(staff.token)).send({ first_name: 'Ok', email: 'bad' }).expect(400, { email: ['Enter a valid email address.'] });
      await t.api().patch(`/api/users/${hex(target.uuid)}/`).set(token(target.token)).send({ password: 'short' }).expect(400, { password: ['Ensure this field has at least 8 characters.'] });
      await t.api().patch(`/api/users/${hex(target.uuid)}/`).set(token(target.token)).send({ is_superuser: true }).expect(400, { is_superuser: ['Unknown field.'] });
      await t.api().patch(`/api/users/${hex(target.uuid)}/`).set(token(staff.token)).send({ username: null }).expect(400, { username: ['This field may not be null.'] });
      expect(await row(target.id)).toEqual(before);
    });

    it('answers 404 for malformed and unknown uuids', async () => {
      await t.api().patch('/api/users/nope/').set(token(staff.token)).send({ first_name: 'x' }).expect(404, NOT_FOUND);
      await t.api().patch(`/api/users/${'f'.repeat(32)}/`).set(token(staff.token)).send({ first_name: 'x' }).expect(404, NOT_FOUND);
    });
  });

  describe('DELETE /api/users/{uuid}/', () => {
    it('deletes the account with its profile and token (204)', async () => {
      const doomed = await t.factories.subscriber();
      await t.api().delete(`/api/users/${hex(doomed.uuid)}/`).set(token(staff.token)).expect(204, '');
      expect(await row(doomed.id)).toBeUndefined();
      expect(await t.dataSource.query('SELECT 1 FROM aaa_profiles WHERE user_id = $1', [doomed.id])).toEqual([]);
      expect(await t.dataSource.query('SELECT 1 FROM auth_tokens WHERE user_id = $1', [doomed.id])).toEqual([]);
      await t.api().get(`/api/users/${hex(doomed.uuid)}/`).set(token(staff.token)).expect(404, NOT_FOUND);
      await t.api().get('/api/users/').set(token(doomed.token)).expect(401);
      await t.api().delete(`/api/users/${doomed.uuid}/`).set(token(staff.token)).expect(404, NOT_FOUND);
    });

    it('refuses to delete your own account (400)', async () => {
      await t
        .api()
        .delete(`/api/users/${hex(staff.uuid)}/`)
        .set(token(staff.token))
        .expect(400, { non_field_errors: ['You cannot delete your own account.'] });
      expect(await row(staff.id)).toBeDefined();
    });

    it('answers 404 for malformed and unknown uuids', async () => {
      await t.api().delete('/api/users/nope/').set(token(staff.token)).expect(404, NOT_FOUND);
      await t.api().delete(`/api/users/${'e'.repeat(32)}/`).set(token(staff.token)).expect(404, NOT_FOUND);
    });
  });

  describe('UsersService.ensureStaffWithFreshToken (the CLI bootstrap)', () => {
    const service = () => t.app.get(UsersService);
    const profileRole = async (id: number): Promise<string> =>
      (await t.dataSource.query('SELECT role FROM aaa_profiles WHERE user_id = $1', [id]))[0].role;

    it('creates an active staff account with the admin role and a token that works', async () => {
      const username = uniqueUsername('boot');
      const result = await service().ensureStaffWithFreshToken(username, { email: `${username}@example.com`, password: 'bootstrap-pass' });
      expect(result.created).toBe(true);
      expect(result.user).toMatchObject({ username, isStaff: true, isActive: true, email: `${username}@example.com`, tokenLifetime: 3600 });
      expect(result.user.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await profileRole(result.user.id)).toBe('admin');
      await t.api().get('/api/users/').set(token(result.token)).expect(200);
    });

    it('promotes an existing account, keeps its profile, and replaces its token', async () => {
      const existing = await t.factories.subscriber({ isActive: false, email: 'keep@example.com' });
      const result = await service().ensureStaffWithFreshToken(existing.username);
      expect(result.created).toBe(false);
      expect(result.user).toMatchObject({ id: existing.id, isStaff: true, isActive: true, email: 'keep@example.com' });
      expect(await profileRole(existing.id)).toBe('user');
      expect(result.token).not.toBe(existing.token);
      await t.api().get('/api/users/').set(token(existing.token)).expect(401);
      await t.api().get('/api/users/').set(token(result.token)).expect(200);
    });

    it('survives two runs racing to create the same account: one creates, one finds it', async () => {
      const username = uniqueUsername('race');
      const results = await Promise.all([service().ensureStaffWithFreshToken(username), service().ensureStaffWithFreshToken(username)]);
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(results[0].user.id).toBe(results[1].user.id);
      const live = await Promise.all(results.map((result) => t.api().get('/api/users/').set(token(result.token))));
      expect(live.map((response) => response.status).sort((a, b) => a - b)).toEqual([200, 401]);
    });

    it('rejects invalid input with field errors and writes nothing', async () => {
      const before = await userCount();
      const error = await service().ensureStaffWithFreshToken('Bad Name', { email: 'x', password: 'short' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).fieldErrors).toEqual({
        username: [USERNAME_MESSAGE],
        email: ['Enter a valid email address.'],
        password: ['Ensure this field has at least 8 characters.'],
      });
      expect(await userCount()).toBe(before);
    });
  });

  describe('OpenAPI', () => {
    it('documents every operation with its security, parameters and responses', async () => {
      const schema = (await t.api().get('/api/schema/').expect(200)).body;
      const list = schema.paths['/api/users'] ?? schema.paths['/api/users/'];
      const detail = schema.paths['/api/users/{uuid}'] ?? schema.paths['/api/users/{uuid}/'];
      const me = schema.paths['/api/users/me/'];
      expect(me.get).toMatchObject({ operationId: 'users_me_retrieve', security: [{ tokenAuth: [] }] });
      expect(me.get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/UserResponseDto' });
      expect(list.get.operationId).toBe('users_list');
      expect(list.post.operationId).toBe('users_create');
      expect(detail.get.operationId).toBe('users_retrieve');
      expect(detail.patch.operationId).toBe('users_partial_update');
      expect(detail.delete.operationId).toBe('users_destroy');
      expect(detail.put).toBeUndefined();
      for (const operation of [list.get, list.post, detail.get, detail.patch, detail.delete]) {
        expect(operation.tags).toEqual(['users']);
        expect(operation.security).toEqual([{ tokenAuth: [] }]);
        expect(operation.responses['401']).toBeDefined();
      }
      expect(Object.keys(list.get.responses).sort()).toEqual(['200', '400', '401', '403', '404']);
      expect(list.get.responses['200'].headers).toHaveProperty('X-Result-Count');
      expect(list.get.responses['200'].headers).toHaveProperty('Link');
      expect(list.get.parameters.map((parameter: { name: string }) => parameter.name).sort()).toEqual(['is_active', 'is_staff', 'page', 'page_size', 'username']);
      expect(Object.keys(list.post.responses).sort()).toEqual(['201', '400', '401', '403']);
      expect(Object.keys(detail.patch.responses).sort()).toEqual(['200', '400', '401', '403', '404']);
      expect(Object.keys(detail.delete.responses).sort()).toEqual(['204', '400', '401', '403', '404']);
      expect(detail.get.parameters).toEqual([expect.objectContaining({ name: 'uuid', in: 'path', required: true })]);
      const user = schema.components.schemas.UserResponseDto;
      expect(Object.keys(user.properties)).toEqual(FIELDS);
      expect(user.properties.token_lifetime).toMatchObject({ type: 'integer', nullable: true });
      const create = schema.components.schemas.CreateUserDto;
      expect(create.required).toEqual(['username']);
      expect(create.properties.password).toMatchObject({ writeOnly: true, minLength: 8 });
    });
  });
});
