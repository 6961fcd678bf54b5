import { Role } from '../src/auth/policy.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { radclient, radiusPorts, radiusTestConfig, requireRadclient } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const AUTHORIZE = '/api/v1/authorize/';
const SECRET = 'attack-radius-secret';
const PASSWORD = 'correct horse battery staple';
/** Every test here makes argon2 verifications (a dozen one after the other in some: seconds each on a loaded 2-core machine). */
const SLOW_TEST_MS = 90_000;
const TOO_MANY = /^Too many failed attempts; retry in (\d+) s\.$/;

/**
 * Attacks on the credential checks, replayed (defaults: 5 failed checks per username and 10 per
 * client IP / calling station per minute). Each failed before the counters moved to PostgreSQL and
 * were reserved before the check: parallel logins all got checked, authorize and RADIUS were never
 * limited, and every replica had a budget of its own.
 */
describe('attacks on credential checks', () => {
  let t: TestApp;
  let gateway: CreatedSubscriber;
  beforeAll(async () => {
    requireRadclient();
    t = await createTestApp(radiusTestConfig());
    gateway = await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null });
    const staff = await t.factories.staff();
    const created = await t.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`).send({ name: 'attack-nas', ip_address: '127.0.0.1', secret: SECRET });
    if (created.status !== 201) throw new Error(`NAS client not created: ${created.status} ${JSON.stringify(created.body)}`);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => t.dataSource.query('DELETE FROM auth_throttle'));

  const login = (app: TestApp, username: string, password: string) => app.api().post('/api/auth/login/').send({ username, password });
  const authorize = (body: object) => t.api().post(AUTHORIZE).set('Authorization', `Bearer ${gateway.token}`).send(body);
  const access = (attributes: Record<string, string>) => radclient(radiusPorts(t).auth, 'auth', SECRET, { 'NAS-IP-Address': '127.0.0.1', 'Message-Authenticator': '0x00', ...attributes });

  it('30 parallel logins for one username: at most 5 are checked, the other 25 get 429', async () => {
    const user = await t.factories.subscriber({ password: PASSWORD });
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => login(t, user.username, `guess-${i}`)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 400)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(25);
    // The budget is spent: the right password is refused too until the window ends.
    expect((await login(t, user.username, PASSWORD)).status).toBe(429);
  }, SLOW_TEST_MS);

  it('parallel logins with the right password among them: successes give their reservation back', async () => {
    const user = await t.factories.subscriber({ password: PASSWORD });
    const responses = await Promise.all(Array.from({ length: 5 }, () => login(t, user.username, PASSWORD)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    for (let i = 0; i < 5; i += 1) await login(t, user.username, `wrong-${i}`).expect(400);
    expect((await login(t, user.username, PASSWORD)).status).toBe(429);
  }, SLOW_TEST_MS);

  it('12 wrong passwords at /api/v1/authorize/, then the right one: too_many_attempts, and login is locked too', async () => {
    const user = await t.factories.subscriber({ password: PASSWORD, balanceSeconds: 600 });
    const answers: string[] = [];
    for (let i = 0; i < 12; i += 1) answers.push((await authorize({ username: user.username, password: `guess-${i}` }).expect(200)).body.reason);
    expect(answers).toEqual([...Array(5).fill('invalid_credentials'), ...Array(7).fill('too_many_attempts')]);
    const right = await authorize({ username: user.username, password: PASSWORD }).expect(200);
    expect(right.body).toEqual({ result: 'reject', username: user.username, reason: 'too_many_attempts', message: expect.stringMatching(TOO_MANY) });
    expect(Number(TOO_MANY.exec(right.body.message)![1])).toBeLessThanOrEqual(60);
    // One budget per username: login is refused as well, and tokens are checked against it too.
    expect((await login(t, user.username, PASSWORD)).status).toBe(429);
    expect((await authorize({ username: user.username, token: user.token }).expect(200)).body.reason).toBe('too_many_attempts');
    t.clock.advanceSeconds(61);
    expect((await authorize({ username: user.username, password: PASSWORD }).expect(200)).body).toMatchObject({ result: 'accept', session_timeout: 600 });
  }, SLOW_TEST_MS);

  it('failed logins lock authorize for the username (the other way round)', async () => {
    const user = await t.factories.subscriber({ password: PASSWORD, balanceSeconds: 600 });
    for (let i = 0; i < 5; i += 1) await login(t, user.username, `wrong-${i}`).expect(400);
    expect((await authorize({ username: user.username, password: PASSWORD }).expect(200)).body.reason).toBe('too_many_attempts');
  }, SLOW_TEST_MS);

  it('authorize: an unknown user and a wrong password answer alike; inactive and no balance only with the right credential', async () => {
    const user = await t.factories.subscriber({ password: PASSWORD, balanceSeconds: 600 });
    const unknown = uniqueUsername('nobody');
    const wrong = (await authorize({ username: user.username, password: 'nope' }).expect(200)).body;
    const missing = (await authorize({ username: unknown, password: 'nope' }).expect(200)).body;
    expect({ ...missing, username: user.username }).toEqual(wrong);
    expect(wrong).toEqual({ result: 'reject', username: user.username, reason: 'invalid_credentials', message: 'Invalid username, password or token.' });
    const tokenMissing = (await authorize({ username: unknown, token: 'f'.repeat(40) }).expect(200)).body;
    expect(tokenMissing.reason).toBe('invalid_credentials');

    const inactive = await t.factories.subscriber({ password: PASSWORD, balanceSeconds: 600, isActive: false });
    expect((await authorize({ username: inactive.username, password: 'nope' }).expect(200)).body.reason).toBe('invalid_credentials');
    expect((await authorize({ username: inactive.username, password: PASSWORD }).expect(200)).body.reason).toBe('inactive_user');
    const broke = await t.factories.subscriber({ password: PASSWORD, balanceSeconds: 0 });
    expect((await authorize({ username: broke.username, password: 'nope' }).expect(200)).body.reason).toBe('invalid_credentials');
    expect((await authorize({ username: broke.username, password: PASSWORD }).expect(200)).body.reason).toBe('no_balance');
  }, SLOW_TEST_MS);

  it('authorize: 10 failures from one calling station lock that station, not the gateway nor other stations', async () => {
    for (let i = 0; i < 10; i += 1) {
      const answer = await authorize({ username: uniqueUsername('spray'), password: 'spray', calling_station_id: 'AA-BB-CC-00-00-01' }).expect(200);
      expect(answer.body.reason).toBe('invalid_credentials');
    }
    const last = await t.factories.subscriber({ password: PASSWORD, balanceSeconds: 60 });
    // Another spelling of the same MAC is the same station.
    expect((await authorize({ username: last.username, password: PASSWORD, calling_station_id: 'aa:bb:cc:00:00:01' }).expect(200)).body.reason).toBe('too_many_attempts');
    expect((await authorize({ username: last.username, password: PASSWORD, calling_station_id: 'AA-BB-CC-00-00-02' }).expect(200)).body.result).toBe('accept');
    expect((await authorize({ username: last.username, password: PASSWORD }).expect(200)).body.result).toBe('accept');
  }, SLOW_TEST_MS);

  it('RADIUS: 12 wrong passwords then the right one get an Access-Reject saying when to retry', async () => {
    const user = await t.factories.subscriber({ password: PASSWORD, balanceSeconds: 600 });
    const messages: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const reply = await access({ 'User-Name': user.username, 'User-Password': `guess-${i}` });
      expect(reply.reply).toBe('Access-Reject');
      messages.push(reply.attributes['Reply-Message']!);
    }
    expect(messages.slice(0, 5)).toEqual(Array(5).fill('Invalid username, password or token.'));
    for (const message of messages.slice(5)) expect(message).toMatch(TOO_MANY);
    const right = await access({ 'User-Name': user.username, 'User-Password': PASSWORD });
    expect(right.reply).toBe('Access-Reject');
    expect(right.attributes['Reply-Message']).toMatch(TOO_MANY);
    t.clock.advanceSeconds(61);
    expect((await access({ 'User-Name': user.username, 'User-Password': PASSWORD })).reply).toBe('Access-Accept');
  }, SLOW_TEST_MS);

  it('RADIUS: an unknown user is rejected like a wrong password; a spraying Calling-Station-Id is locked, the NAS is not', async () => {
    const user = await t.factories.subscriber({ password: PASSWORD, balanceSeconds: 600 });
    const unknown = await access({ 'User-Name': uniqueUsername('nobody'), 'User-Password': 'whatever' });
    const wrong = await access({ 'User-Name': user.username, 'User-Password': 'whatever' });
    // The same answer (the Message-Authenticator, a digest of each packet, differs by nature).
    const answer = (reply: { reply?: string; attributes: Record<string, string> }) => ({ reply: reply.reply, message: reply.attributes['Reply-Message'] });
    expect(answer(unknown)).toEqual(answer(wrong));
    for (let i = 0; i < 10; i += 1) {
      await access({ 'User-Name': uniqueUsername('spray'), 'User-Password': 'guess', 'Calling-Station-Id': '02-00-00-00-00-99' });
    }
    const fromSprayer = await access({ 'User-Name': user.username, 'User-Password': PASSWORD, 'Calling-Station-Id': '02-00-00-00-00-99' });
    expect(fromSprayer.attributes['Reply-Message']).toMatch(TOO_MANY);
    const fromNeighbour = await access({ 'User-Name': user.username, 'User-Password': PASSWORD, 'Calling-Station-Id': '02-00-00-00-00-42' });
    expect(fromNeighbour.reply).toBe('Access-Accept');
  }, SLOW_TEST_MS);

  describe('two replicas on one database', () => {
    let replica: TestApp;
    beforeAll(async () => {
      replica = await createTestApp({}, { databaseUrl: t.databaseUrl, clock: t.clock });
    });
    afterAll(async () => {
      await replica?.close();
    });

    it('share one per-username budget, sequentially and in parallel', async () => {
      const user = await t.factories.subscriber({ password: PASSWORD });
      for (let i = 0; i < 3; i += 1) await login(t, user.username, `wrong-a${i}`).expect(400);
      for (let i = 0; i < 2; i += 1) await login(replica, user.username, `wrong-b${i}`).expect(400);
      expect((await login(t, user.username, PASSWORD)).status).toBe(429);
      expect((await login(replica, user.username, PASSWORD)).status).toBe(429);

      const other = await t.factories.subscriber({ password: PASSWORD });
      const both = await Promise.all(Array.from({ length: 20 }, (_, i) => login(i % 2 ? replica : t, other.username, `guess-${i}`)));
      expect(both.filter((response) => response.status === 400)).toHaveLength(5);
      expect(both.filter((response) => response.status === 429)).toHaveLength(15);
    }, SLOW_TEST_MS);
  });
});
