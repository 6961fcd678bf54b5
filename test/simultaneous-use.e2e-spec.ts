import { Role } from '../src/auth/policy.js';
import type { AppConfig } from '../src/config/app-config.js';
import { APP_CONFIG } from '../src/config/config.module.js';
import { Gateway, sessionIdentity } from './support/accounting.js';
import { runCli } from './support/cli.js';
import { counterValue, radclient, radiusPorts, radiusTestConfig, requireRadclient } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const PASSWORD = 'correct horse battery';
const SECRET = 'simultaneous-use-secret';
const TOO_MANY = { result: 'reject', reason: 'too_many_sessions', message: 'Too many sessions open for this account: end one first.' };

/**
 * Simultaneous-use: `max_sessions` on the AAA profile, set through user_token and the CLI, checked
 * by every authorize path (HTTP, rlm_rest, RADIUS) against the subscriber's live open sessions.
 */
describe('Simultaneous-use (max_sessions)', () => {
  let t: TestApp;
  let staffToken: string;
  let gateway: Gateway;

  beforeAll(async () => {
    requireRadclient();
    t = await createTestApp(radiusTestConfig());
    staffToken = (await t.factories.staff()).token;
    const gatewayAccount = await t.factories.subscriber({ role: Role.Gateway });
    gateway = new Gateway(t, gatewayAccount.token);
    const nas = await t.api().post('/api/v1/nas/').set('Authorization', `Token ${staffToken}`).send({ name: 'simuse', ip_address: '127.0.0.1', secret: SECRET });
    if (nas.status !== 201) throw new Error(`NAS client not created: ${nas.status} ${JSON.stringify(nas.body)}`);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function limited(maxSessions: number | null, balanceSeconds = 3600) {
    const user = await t.factories.subscriber({ balanceSeconds, password: PASSWORD });
    await t.dataSource.query('UPDATE aaa_profiles SET max_sessions = $2 WHERE user_id = $1', [user.id, maxSessions]);
    return user;
  }

  /** Without a password (`null`) the gateway asks about the subscriber only: no attempt is counted against the rate limits. */
  function authorize(username: string, password: string | null = PASSWORD) {
    return t.api().post('/api/v1/authorize/').set('Authorization', `Token ${staffToken}`).send(password === null ? { username } : { username, password });
  }

  describe('through /api/v1/user_token/', () => {
    it('is set on create, shown in the profile, changed by PATCH, reset by PUT without it, and validated naming the field', async () => {
      const auth = { Authorization: `Token ${staffToken}` };
      const body = { username: `simuse_${Date.now()}`, organization: 'acme', email: 'simuse@example.com', role: 'user', balance_seconds: 0, max_sessions: 2 };
      const created = await t.api().post('/api/v1/user_token/').set(auth).send(body).expect(201);
      expect(created.body.profile.max_sessions).toBe(2);
      const id = created.body.id as number;
      expect((await t.api().get(`/api/v1/user_token/${id}/`).set(auth).expect(200)).body.profile.max_sessions).toBe(2);

      for (const [value, message] of [
        [0, 'Ensure this value is greater than or equal to 1.'],
        [1001, 'Ensure this value is less than or equal to 1000.'],
        ['2', 'A valid integer is required.'],
        [1.5, 'A valid integer is required.'],
      ] as const) {
        const refused = await t.api().patch(`/api/v1/user_token/${id}/`).set(auth).send({ max_sessions: value }).expect(400);
        expect(refused.body).toEqual({ max_sessions: [message] });
      }
      expect((await t.api().get(`/api/v1/user_token/${id}/`).set(auth).expect(200)).body.profile.max_sessions).toBe(2);

      expect((await t.api().patch(`/api/v1/user_token/${id}/`).set(auth).send({ max_sessions: 1 }).expect(200)).body.profile.max_sessions).toBe(1);
      expect((await t.api().patch(`/api/v1/user_token/${id}/`).set(auth).send({ max_sessions: null }).expect(200)).body.profile.max_sessions).toBeNull();
      await t.api().patch(`/api/v1/user_token/${id}/`).set(auth).send({ max_sessions: 3 }).expect(200);
      const { max_sessions: _omitted, ...withoutLimit } = body;
      expect((await t.api().put(`/api/v1/user_token/${id}/`).set(auth).send(withoutLimit).expect(200)).body.profile.max_sessions).toBeNull();
    });

    it('needs subscribers:write: a moderator (balances:write only) may not change it', async () => {
      const moderator = await t.factories.subscriber({ role: Role.Moderator });
      const user = await limited(null);
      await t.api().patch(`/api/v1/user_token/${user.id}/`).set('Authorization', `Token ${moderator.token}`).send({ max_sessions: 1 }).expect(403);
    });
  });

  describe('authorize', () => {
    it('rejects with too_many_sessions once max_sessions sessions are open, and accepts again when one stops', async () => {
      const user = await limited(2);
      const first = sessionIdentity(user.username);
      await gateway.start(first);
      expect((await authorize(user.username).expect(200)).body).toMatchObject({ result: 'accept' });
      await gateway.start(sessionIdentity(user.username));
      const before = await counterValue('timegate_authorize_decisions_total', { source: 'http', result: 'reject', reason: 'too_many_sessions' });
      expect((await authorize(user.username).expect(200)).body).toEqual({ ...TOO_MANY, username: user.username });
      expect(await counterValue('timegate_authorize_decisions_total', { source: 'http', result: 'reject', reason: 'too_many_sessions' })).toBe(before + 1);
      // A wrong password is still invalid_credentials: the limit is told only once the credential checked out.
      expect((await authorize(user.username, 'wrong password').expect(200)).body.reason).toBe('invalid_credentials');

      t.clock.advanceSeconds(30);
      await gateway.stop(first, 30);
      expect((await authorize(user.username).expect(200)).body).toMatchObject({ result: 'accept' });
    });

    it('null is no limit', async () => {
      const user = await limited(null);
      for (let i = 0; i < 5; i += 1) await gateway.start(sessionIdentity(user.username));
      expect((await authorize(user.username).expect(200)).body).toMatchObject({ result: 'accept' });
    });

    it('a stale session frees its slot before any run closes it', async () => {
      const user = await limited(1);
      await gateway.start(sessionIdentity(user.username));
      expect((await authorize(user.username).expect(200)).body.reason).toBe('too_many_sessions');
      t.clock.advanceSeconds(t.app.get<AppConfig>(APP_CONFIG).accounting.staleAfterSeconds + 1);
      expect((await authorize(user.username).expect(200)).body).toMatchObject({ result: 'accept' });
    });

    it('a NAS reboot (Accounting-On) frees the slots of the sessions it closed', async () => {
      const user = await limited(1);
      const nas = `nas-reboot-${Date.now()}`;
      await gateway.start(sessionIdentity(user.username, nas));
      expect((await authorize(user.username).expect(200)).body.reason).toBe('too_many_sessions');
      expect(await gateway.send({ 'Acct-Status-Type': 'Accounting-On', 'NAS-Identifier': nas })).toMatchObject({ result: 'nas_reboot', sessions_closed: 1 });
      expect((await authorize(user.username).expect(200)).body).toMatchObject({ result: 'accept' });
    });

    /**
     * The race, decided: authorize creates no session, so it counts open sessions. 30 logins at once
     * for a max_sessions=1 subscriber with a session open are all refused; with none open all are
     * accepted (as FreeRADIUS's Simultaneous-Use: the count is as of the Access-Request). Asked
     * without a password, so the per-username attempt limit does not answer first.
     */
    it('30 parallel authorize calls: all too_many_sessions with a session open, all accepted with none (no 500)', async () => {
      const busy = await limited(1);
      await gateway.start(sessionIdentity(busy.username));
      const refused = await Promise.all(Array.from({ length: 30 }, () => authorize(busy.username, null)));
      expect(refused.map((response) => `${response.status} ${response.body.reason}`)).toEqual(Array(30).fill('200 too_many_sessions'));

      const idle = await limited(1);
      const accepted = await Promise.all(Array.from({ length: 30 }, () => authorize(idle.username, null)));
      expect(accepted.map((response) => `${response.status} ${response.body.result}`)).toEqual(Array(30).fill('200 accept'));
    });

    it('rlm_rest (/api/v1/freeradius/authorize/) rejects with the Reply-Message', async () => {
      const user = await limited(1);
      await gateway.start(sessionIdentity(user.username));
      const reply = await t.api().post('/api/v1/freeradius/authorize/').set('Authorization', `Bearer ${gateway.token}`).send({ 'User-Name': user.username, 'User-Password': PASSWORD });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ 'control:Auth-Type': 'Reject', 'reply:Reply-Message': TOO_MANY.message });
    });

    it('RADIUS Access-Request (radclient) is rejected with the Reply-Message', async () => {
      const user = await limited(1);
      const port = radiusPorts(t).auth;
      const attributes = { 'User-Name': user.username, 'User-Password': PASSWORD, 'NAS-IP-Address': '127.0.0.1', 'Message-Authenticator': '0x00' };
      expect((await radclient(port, 'auth', SECRET, attributes)).reply).toBe('Access-Accept');
      await gateway.start(sessionIdentity(user.username));
      const rejected = await radclient(port, 'auth', SECRET, attributes);
      expect(rejected.reply).toBe('Access-Reject');
      expect(rejected.attributes['Reply-Message']).toBe(TOO_MANY.message);
    });
  });

  it('CLI: subscribers:max-sessions sets and clears the limit; a bad value is a usage error', async () => {
    const user = await limited(null);
    const set = await runCli(['subscribers:max-sessions', '--username', user.username, '--max-sessions', '1'], { DATABASE_URL: t.databaseUrl });
    expect(set).toMatchObject({ code: 0, stdout: `user: ${user.username} (id ${user.id})\nmax_sessions: 1\n` });
    expect((await t.dataSource.query('SELECT max_sessions FROM aaa_profiles WHERE user_id = $1', [user.id]))[0].max_sessions).toBe(1);
    const cleared = await runCli(['subscribers:max-sessions', '--username', user.username, '--max-sessions', 'none'], { DATABASE_URL: t.databaseUrl });
    expect(cleared.code).toBe(0);
    expect((await t.dataSource.query('SELECT max_sessions FROM aaa_profiles WHERE user_id = $1', [user.id]))[0].max_sessions).toBeNull();
    const bad = await runCli(['subscribers:max-sessions', '--username', user.username, '--max-sessions', '0'], { DATABASE_URL: t.databaseUrl });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-sessions must be a whole number from 1 to 1000, or none (got "0")');
    const unknown = await runCli(['subscribers:max-sessions', '--username', 'nobody_here_at_all', '--max-sessions', '2'], { DATABASE_URL: t.databaseUrl });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No subscriber named "nobody_here_at_all".');
  });
});
