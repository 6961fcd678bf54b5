import { createTestApp, type TestApp } from './support/test-app.js';
import { uniqueUsername } from './support/factories.js';

const THROTTLED = /^Request was throttled\. Expected available in (\d+) seconds?\.$/;
const BAD_CREDENTIALS = { non_field_errors: ['Unable to log in with provided credentials.'] };

/**
 * Rate limits on guessing credentials (defaults: 10 failed logins/min per IP, 5 failed logins/min per
 * username, 30 failed token authentications/min per IP), on the app's fake clock. Every request here
 * comes from 127.0.0.1, so each test starts from zero counts.
 */
describe('rate limits on login and failed authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });
  /** Forgets every counter (they live in PostgreSQL, shared by every replica on the database). */
  const resetCounters = () => t.dataSource.query('DELETE FROM auth_throttle');
  beforeEach(resetCounters);

  const login = (username: string, password: string) => t.api().post('/api/auth/login/').send({ username, password });

  function expectThrottled(response: { status: number; headers: Record<string, string>; body: { detail?: string } }, maxWait: number) {
    expect(response.status).toBe(429);
    const match = THROTTLED.exec(response.body.detail ?? '');
    expect(match).not.toBeNull();
    const wait = Number(match![1]);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(maxWait);
    expect(response.headers['retry-after']).toBe(String(wait));
    expect(Object.keys(response.body)).toEqual(['detail']);
  }

  it('refuses a username after 5 failed logins in a minute, right password or not, until the window ends', async () => {
    const user = await t.factories.subscriber({ password: 'correct horse battery staple' });
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await login(user.username, `wrong-${attempt}`).expect(400, BAD_CREDENTIALS);
    }
    expectThrottled(await login(user.username, 'correct horse battery staple'), 60);
    t.clock.advanceSeconds(20);
    const later = await login(user.username, 'correct horse battery staple');
    expectThrottled(later, 40);
    t.clock.advanceSeconds(41);
    const ok = await login(user.username, 'correct horse battery staple').expect(200);
    expect(ok.body.token).toMatch(/^[0-9a-f]{40}$/);
  });

  it('counts case variants of a username together', async () => {
    const username = uniqueUsername('casey');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await login(attempt % 2 ? username.toUpperCase() : username, 'wrong').expect(400);
    }
    expectThrottled(await login(username, 'wrong'), 60);
  });

  it('answers an unknown and an existing username alike: same statuses, bodies and Retry-After', async () => {
    const existing = await t.factories.subscriber({ password: 'secret-password-1' });
    const unknown = uniqueUsername('nobody');
    const transcript = async (username: string) => {
      const seen: string[] = [];
      for (let attempt = 0; attempt < 7; attempt += 1) {
        const response = await login(username, 'wrong');
        seen.push(`${response.status} ${JSON.stringify(response.body)} ${response.headers['retry-after'] ?? '-'}`);
      }
      return seen;
    };
    const forExisting = await transcript(existing.username);
    await resetCounters();
    const forUnknown = await transcript(unknown);
    expect(forUnknown).toEqual(forExisting);
    expect(forExisting.slice(0, 5).every((line) => line.startsWith('400 '))).toBe(true);
    expect(forExisting.slice(5).every((line) => line.startsWith('429 '))).toBe(true);
  });

  it('refuses logins from a client IP after 10 failed ones in a minute, whatever the usernames; successes do not count', async () => {
    const user = await t.factories.subscriber({ password: 'the-right-password' });
    for (let attempt = 0; attempt < 5; attempt += 1) await login(user.username, 'the-right-password').expect(200);
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      await login(uniqueUsername('spray'), 'guess').expect(400);
    }
    expectThrottled(await login(user.username, 'the-right-password'), 60);
    t.clock.advanceSeconds(60);
    await login(user.username, 'the-right-password').expect(200);
  });

  it('does not count invalid bodies as failed logins for the username', async () => {
    const user = await t.factories.subscriber({ password: 'pw-123456' });
    for (let attempt = 0; attempt < 6; attempt += 1) {
      await t.api().post('/api/auth/login/').send({ username: user.username }).expect(400);
    }
    await login(user.username, 'pw-123456').expect(200);
  });

  it('keeps its counters in PostgreSQL and deletes them once their window has ended', async () => {
    const username = uniqueUsername('expiring');
    await login(username, 'wrong').expect(400);
    const counters = () => t.dataSource.query<{ scope: string }[]>('SELECT scope FROM auth_throttle WHERE key = $1 ORDER BY scope', [username]);
    expect(await counters()).toEqual([{ scope: 'username' }]);
    t.clock.advanceSeconds(61);
    // The next counted attempt, for anyone, purges the windows that have ended.
    await login(uniqueUsername('other'), 'wrong').expect(400);
    expect(await counters()).toEqual([]);
  });

  describe('failed token authentication', () => {
    const unknownKey = (n: number) => n.toString(16).padStart(40, 'a');

    it('gives 401 for 30 wrong keys a minute from one IP, then 429 with Retry-After, on every route family and the balance poll', async () => {
      const routes = ['/api/auth-tokens/', '/api/v1/user_token/', '/api/users/', '/api/v1/balance/'];
      for (let attempt = 0; attempt < 30; attempt += 1) {
        const path = routes[attempt % routes.length]!;
        const response = await t.api().get(path).set('Authorization', `Token ${unknownKey(attempt)}`);
        expect(response.status).toBe(401);
      }
      for (const path of routes) {
        expectThrottled(await t.api().get(path).set('Authorization', `Token ${unknownKey(99)}`), 60);
      }
    });

    it('never throttles valid keys, even from an IP over the limit, nor requests without credentials', async () => {
      const staff = await t.factories.staff();
      for (let attempt = 0; attempt < 31; attempt += 1) {
        await t.api().get('/api/users/').set('Authorization', `Token ${unknownKey(attempt)}`);
      }
      expectThrottled(await t.api().get('/api/users/').set('Authorization', `Token ${unknownKey(1)}`), 60);
      await t.api().get('/api/users/').set('Authorization', `Token ${staff.token}`).expect(200);
      await t.api().get('/api/v1/balance/').set('Authorization', `Bearer ${staff.token}`).expect(200);
      await t.api().get('/api/users/').expect(401, { detail: 'Authentication credentials were not provided.' });
    });

    it('counts expired keys too, and lets the IP try again when the window ends', async () => {
      const user = await t.factories.subscriber({ tokenLifetime: 60 });
      t.clock.advanceSeconds(3600);
      for (let attempt = 0; attempt < 30; attempt += 1) {
        await t.api().get('/api/auth-tokens/').set('Authorization', `Token ${user.token}`).expect(401, { detail: 'Token has expired.' });
      }
      expectThrottled(await t.api().get('/api/auth-tokens/').set('Authorization', `Token ${user.token}`), 60);
      t.clock.advanceSeconds(61);
      await t.api().get('/api/auth-tokens/').set('Authorization', `Token ${user.token}`).expect(401, { detail: 'Token has expired.' });
    });

    it('documents 429 on the login operation', async () => {
      const schema = await t.api().get('/api/schema/').expect(200);
      expect(schema.body.paths['/api/auth/login/'].post.responses['429']).toBeDefined();
    });
  });
});
