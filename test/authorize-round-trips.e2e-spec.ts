import { EVERY_ORGANIZATION } from '../src/auth/organization-scope.js';
import type { Pool, PoolClient } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { AuthorizeService } from '../src/accounting/authorize.service.js';
import { generateTokenKey } from '../src/auth-tokens/token-key.js';
import { Role } from '../src/auth/policy.js';
import { Gateway, sessionIdentity } from './support/accounting.js';
import { uniqueUsername } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const PASSWORD = 'correct horse battery staple';
const STATION = 'AA-BB-CC-00-11-22';

/**
 * What one accept decision costs in round trips to PostgreSQL (every statement the app's pool
 * clients send, counted on their prototype), and that folding the reservation into the
 * subscriber's statement kept the rate limits exact. Before, every decision made three: reserve,
 * read the subscriber, give the reservation back.
 */
describe('authorize round trips', () => {
  let t: TestApp;
  let authorizer: AuthorizeService;
  let gateway: Gateway;
  /** Statements sent by any pooled client since the counter was last reset. */
  let statements = 0;
  let restoreQuery: () => void;

  beforeAll(async () => {
    t = await createTestApp();
    authorizer = t.app.get(AuthorizeService);
    gateway = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null })).token);
    const pool = (t.dataSource.driver as PostgresDriver).master as Pool;
    const client: PoolClient = await pool.connect();
    const prototype = Object.getPrototypeOf(client) as { query: (...args: unknown[]) => unknown };
    const query = prototype.query;
    prototype.query = function countedQuery(this: unknown, ...args: unknown[]) {
      statements += 1;
      return query.apply(this, args);
    };
    restoreQuery = () => {
      prototype.query = query;
    };
    client.release();
  });
  afterAll(async () => {
    restoreQuery?.();
    await t?.close();
  });
  beforeEach(async () => {
    await t.dataSource.query('DELETE FROM auth_throttle');
    await purgeDone();
  });

  /** The first check of a window purges expired counters (one statement more, once a window per process): have it done. */
  const purgeDone = () => authorizer.authorize({ username: uniqueUsername('warmup'), token: 'not-a-key' }, EVERY_ORGANIZATION);

  /** The statements `decide` sends, and its answer. */
  async function roundTrips<T>(decide: () => Promise<T>): Promise<{ answer: T; statements: number }> {
    statements = 0;
    const answer = await decide();
    return { answer, statements };
  }

  /** Attempts counted against the username in its current window (0 when it has no counter). */
  const countedFor = async (username: string) =>
    Number((await t.dataSource.query<{ counted: string }[]>("SELECT COALESCE(sum(count), 0) AS counted FROM auth_throttle WHERE scope = 'username' AND key = $1", [username]))[0]!.counted);

  it('a key as the PAP password is accepted in one round trip, and nothing is counted', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 600, password: PASSWORD });
    const { answer, statements } = await roundTrips(() => authorizer.authorizePap(user.username, user.token, STATION, EVERY_ORGANIZATION));
    expect(answer).toMatchObject({ result: 'accept', session_timeout: 600 });
    expect(statements).toBe(1);
    expect(await countedFor(user.username)).toBe(0);
  });

  it('a token at POST /api/v1/authorize/: one round trip too', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 60 });
    const { answer, statements } = await roundTrips(() => authorizer.authorize({ username: user.username, token: user.token, calling_station_id: STATION }, EVERY_ORGANIZATION));
    expect(answer).toMatchObject({ result: 'accept', session_timeout: 60 });
    expect(statements).toBe(1);
  });

  it('a password costs two (reserve and read, then the reservation given back); a wrong one stays counted', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 600, password: PASSWORD });
    const right = await roundTrips(() => authorizer.authorizePap(user.username, PASSWORD, STATION, EVERY_ORGANIZATION));
    expect(right.answer).toMatchObject({ result: 'accept' });
    expect(right.statements).toBe(2);
    expect(await countedFor(user.username)).toBe(0);
    const wrong = await roundTrips(() => authorizer.authorizePap(user.username, generateTokenKey(), STATION, EVERY_ORGANIZATION));
    expect(wrong.answer).toMatchObject({ result: 'reject', reason: 'invalid_credentials' });
    expect(wrong.statements).toBe(1);
    expect(await countedFor(user.username)).toBe(1);
  });

  it('an unknown user and a wrong key: the same answer after the same statements', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 600 });
    const unknown = uniqueUsername('nobody');
    const wrongKey = await roundTrips(() => authorizer.authorize({ username: user.username, token: generateTokenKey() }, EVERY_ORGANIZATION));
    const noUser = await roundTrips(() => authorizer.authorize({ username: unknown, token: generateTokenKey() }, EVERY_ORGANIZATION));
    const told = (answer: typeof wrongKey.answer) => [answer.result, answer.reason, answer.message, answer.session_timeout];
    expect(told(noUser.answer)).toEqual(told(wrongKey.answer));
    expect(wrongKey.answer).toMatchObject({ result: 'reject', reason: 'invalid_credentials' });
    expect([wrongKey.statements, noUser.statements]).toEqual([1, 1]);
  });

  it('a key past its own lifetime is accepted while a session is open, refused after: one round trip either way', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 7200, tokenLifetime: 600 });
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    t.clock.advanceSeconds(1200);
    await gateway.interim(id, 1200);
    await purgeDone();
    const online = await roundTrips(() => authorizer.authorizePap(user.username, user.token, undefined, EVERY_ORGANIZATION));
    expect(online.answer).toMatchObject({ result: 'accept', session_timeout: 6000 });
    expect(online.statements).toBe(1);
    await gateway.stop(id, 1200);
    t.clock.advanceSeconds(600);
    await purgeDone();
    const expired = await roundTrips(() => authorizer.authorizePap(user.username, user.token, undefined, EVERY_ORGANIZATION));
    expect(expired.answer).toMatchObject({ result: 'reject', reason: 'token_expired', message: 'Token has expired.' });
    expect(expired.statements).toBe(1);
    expect(await countedFor(user.username)).toBe(0);
  });

  it('inactive and no balance are told only for the right key', async () => {
    const inactive = await t.factories.subscriber({ balanceSeconds: 600, isActive: false });
    const broke = await t.factories.subscriber({ balanceSeconds: 0 });
    expect(await authorizer.authorizePap(inactive.username, inactive.token, undefined, EVERY_ORGANIZATION)).toMatchObject({ result: 'reject', reason: 'inactive_user' });
    expect(await authorizer.authorizePap(broke.username, broke.token, undefined, EVERY_ORGANIZATION)).toMatchObject({ result: 'reject', reason: 'no_balance' });
    expect(await authorizer.authorize({ username: inactive.username, token: broke.token }, EVERY_ORGANIZATION)).toMatchObject({ result: 'reject', reason: 'invalid_credentials' });
    expect(await authorizer.authorize({ username: broke.username, token: inactive.token }, EVERY_ORGANIZATION)).toMatchObject({ result: 'reject', reason: 'invalid_credentials' });
  });

  it('30 parallel wrong keys for one username: 5 are checked, 25 refused uncounted; then the right key is refused too, in one round trip', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 600 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => authorizer.authorize({ username: user.username, token: generateTokenKey(), calling_station_id: `station-${i}` }, EVERY_ORGANIZATION)),
    );
    const reasons = answers.map((answer) => answer.reason);
    expect(reasons.filter((reason) => reason === 'invalid_credentials')).toHaveLength(5);
    expect(reasons.filter((reason) => reason === 'too_many_attempts')).toHaveLength(25);
    expect(await countedFor(user.username)).toBe(5);
    const right = await roundTrips(() => authorizer.authorizePap(user.username, user.token, STATION, EVERY_ORGANIZATION));
    expect(right.answer).toMatchObject({ result: 'reject', reason: 'too_many_attempts', message: expect.stringMatching(/^Too many failed attempts; retry in \d+ s\.$/) });
    expect(right.statements).toBe(1);
    expect(await countedFor(user.username)).toBe(5);
  });

  it('a station at its limit refuses the attempt without counting it for the username', async () => {
    const victim = await t.factories.subscriber({ balanceSeconds: 600 });
    for (let i = 0; i < 10; i += 1) {
      expect(await authorizer.authorize({ username: uniqueUsername('spray'), token: generateTokenKey(), calling_station_id: STATION }, EVERY_ORGANIZATION)).toMatchObject({ reason: 'invalid_credentials' });
    }
    expect(await authorizer.authorizePap(victim.username, generateTokenKey(), STATION, EVERY_ORGANIZATION)).toMatchObject({ reason: 'too_many_attempts' });
    expect(await authorizer.authorizePap(victim.username, victim.token, STATION, EVERY_ORGANIZATION)).toMatchObject({ reason: 'too_many_attempts' });
    expect(await countedFor(victim.username)).toBe(0);
    expect(await authorizer.authorizePap(victim.username, victim.token, 'another-station', EVERY_ORGANIZATION)).toMatchObject({ result: 'accept' });
  });
});
