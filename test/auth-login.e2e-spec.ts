import { createTestApp, type TestApp } from './support/test-app.js';

const BAD_CREDENTIALS = { non_field_errors: ['Unable to log in with provided credentials.'] };
const PASSWORD = 'correct horse battery staple';

describe('POST /api/auth/login/ and /api/auth/logout/', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const login = (body: unknown) => t.api().post('/api/auth/login/').send(body as object);
  const ownToken = (userId: number, key: string, scheme = 'Token') =>
    t.api().get(`/api/auth-tokens/${userId}/`).set('Authorization', `${scheme} ${key}`);
  const lastLogin = async (userId: number): Promise<Date | null> => {
    const rows: { last_login: Date | null }[] = await t.dataSource.query('SELECT last_login FROM users WHERE id = $1', [userId]);
    return rows[0]!.last_login;
  };
  const tokenRow = async (userId: number) => {
    const rows: { key_hash: string; created: Date }[] = await t.dataSource.query(
      'SELECT key_hash, created FROM auth_tokens WHERE user_id = $1',
      [userId],
    );
    return rows[0];
  };

  describe('login', () => {
    it('returns a fresh 40-hex key that works with both schemes, and records last_login', async () => {
      const user = await t.factories.subscriber({ password: PASSWORD, withToken: false });
      t.clock.advanceSeconds(30);
      const response = await login({ username: user.username, password: PASSWORD }).expect(200);
      expect(Object.keys(response.body)).toEqual(['token']);
      expect(response.body.token).toMatch(/^[0-9a-f]{40}$/);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect((await lastLogin(user.id))?.toISOString()).toBe(t.clock.now().toISOString());

      const row = await tokenRow(user.id);
      expect(row?.created.toISOString()).toBe(t.clock.now().toISOString());
      expect(row?.key_hash).not.toContain(response.body.token);
      const mine = await ownToken(user.id, response.body.token).expect(200);
      expect(mine.body.created).toBe(t.clock.now().toISOString().replace('.000Z', 'Z'));
      await ownToken(user.id, response.body.token, 'Bearer').expect(200);
    });

    it('replaces the existing key: the old one is rejected at once', async () => {
      const user = await t.factories.subscriber({ password: PASSWORD });
      await ownToken(user.id, user.token).expect(200);
      const first = (await login({ username: user.username, password: PASSWORD }).expect(200)).body.token as string;
      expect(first).not.toBe(user.token);
      const rejected = await ownToken(user.id, user.token).expect(401);
      expect(rejected.body).toEqual({ detail: 'Invalid token.' });

      const second = (await login({ username: user.username, password: PASSWORD }).expect(200)).body.token as string;
      expect(second).not.toBe(first);
      await ownToken(user.id, first).expect(401);
      await ownToken(user.id, second).expect(200);
    });

    it('restarts the lifetime of an expired token', async () => {
      const user = await t.factories.subscriber({ password: PASSWORD, tokenLifetime: 60 });
      t.clock.advanceSeconds(61);
      await ownToken(user.id, user.token).expect(401);
      const key = (await login({ username: user.username, password: PASSWORD }).expect(200)).body.token as string;
      await ownToken(user.id, key).expect(200);
    });

    it('needs no credentials and ignores an Authorization header', async () => {
      const user = await t.factories.subscriber({ password: PASSWORD });
      await login({ username: user.username, password: PASSWORD }).expect(200);
      await t.api().post('/api/auth/login/').set('Authorization', 'Token nonsense').send({ username: user.username, password: PASSWORD }).expect(200);
    });

    describe('fails with one message, writes nothing and keeps the old key', () => {
      const expectRejected = async (userId: number, oldKey: string, body: unknown) => {
        const response = await login(body).expect(400);
        expect(response.body).toEqual(BAD_CREDENTIALS);
        expect(await lastLogin(userId)).toBeNull();
        if (oldKey) await ownToken(userId, oldKey).expect(200);
      };

      it('for a wrong password', async () => {
        const user = await t.factories.subscriber({ password: PASSWORD });
        await expectRejected(user.id, user.token, { username: user.username, password: 'wrong password' });
      });

      it('for an unknown username', async () => {
        const user = await t.factories.subscriber({ password: PASSWORD });
        await expectRejected(user.id, user.token, { username: `${user.username}_nobody`, password: PASSWORD });
      });

      it('for a username in another case (usernames are exact)', async () => {
        const user = await t.factories.subscriber({ password: PASSWORD });
        await expectRejected(user.id, user.token, { username: user.username.toUpperCase(), password: PASSWORD });
      });

      it('for an inactive user with the right password', async () => {
        const user = await t.factories.subscriber({ password: PASSWORD, isActive: false });
        const response = await login({ username: user.username, password: PASSWORD }).expect(400);
        expect(response.body).toEqual(BAD_CREDENTIALS);
        expect(await lastLogin(user.id)).toBeNull();
        expect((await tokenRow(user.id))?.key_hash).toBeDefined();
      });

      it('for an account without a password', async () => {
        const user = await t.factories.subscriber();
        await expectRejected(user.id, user.token, { username: user.username, password: PASSWORD });
        await expectRejected(user.id, user.token, { username: user.username, password: 'x' });
      });
    });

    describe('validates the body like a DRF serializer', () => {
      it.each([
        [{ username: 'john_doe' }, { password: ['This field is required.'] }],
        [{}, { username: ['This field is required.'], password: ['This field is required.'] }],
        [{ username: '', password: 'x' }, { username: ['This field may not be blank.'] }],
        [{ username: 'john_doe', password: null }, { password: ['This field may not be null.'] }],
        [{ username: 42, password: 'x' }, { username: ['Not a valid string.'] }],
        [{ username: 'john_doe', password: 'x', remember: true }, { remember: ['Unknown field.'] }],
      ])('%j → %j', async (body, errors) => {
        const response = await login(body).expect(400);
        expect(response.body).toEqual(errors);
      });

      it('rejects a body that is not an object', async () => {
        const response = await t.api().post('/api/auth/login/').set('Content-Type', 'application/json').send('["a"]').expect(400);
        expect(response.body).toEqual({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
      });
    });

    it('is not served for other methods', async () => {
      await t.api().get('/api/auth/login/').expect(404);
    });
  });

  describe('logout', () => {
    it('revokes the caller\'s key (204, no body); logging in again works', async () => {
      const user = await t.factories.subscriber({ password: PASSWORD });
      const response = await t.api().post('/api/auth/logout/').set('Authorization', `Token ${user.token}`).expect(204);
      expect(response.text).toBe('');
      const rejected = await ownToken(user.id, user.token).expect(401);
      expect(rejected.body).toEqual({ detail: 'Invalid token.' });
      expect(await tokenRow(user.id)).toBeUndefined();
      const key = (await login({ username: user.username, password: PASSWORD }).expect(200)).body.token as string;
      await ownToken(user.id, key).expect(200);
    });

    it('works with the Bearer scheme and leaves other users alone', async () => {
      const [user, other] = [await t.factories.subscriber(), await t.factories.subscriber()];
      await t.api().post('/api/auth/logout/').set('Authorization', `Bearer ${user.token}`).expect(204);
      await ownToken(user.id, user.token).expect(401);
      await ownToken(other.id, other.token).expect(200);
    });

    it('needs authentication (401 with WWW-Authenticate), also after logging out', async () => {
      const anonymous = await t.api().post('/api/auth/logout/').expect(401);
      expect(anonymous.body).toEqual({ detail: 'Authentication credentials were not provided.' });
      expect(anonymous.headers['www-authenticate']).toBe('Token');
      const user = await t.factories.subscriber();
      await t.api().post('/api/auth/logout/').set('Authorization', `Token ${user.token}`).expect(204);
      const again = await t.api().post('/api/auth/logout/').set('Authorization', `Token ${user.token}`).expect(401);
      expect(again.body).toEqual({ detail: 'Invalid token.' });
    });

    it('is refused for an expired token', async () => {
      const user = await t.factories.subscriber({ tokenLifetime: 60 });
      t.clock.advanceSeconds(60);
      const response = await t.api().post('/api/auth/logout/').set('Authorization', `Token ${user.token}`).expect(401);
      expect(response.body).toEqual({ detail: 'Token has expired.' });
    });
  });
});
