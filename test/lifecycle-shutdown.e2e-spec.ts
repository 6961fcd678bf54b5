import pg from 'pg';
import { DataSource } from 'typeorm';
import { Role } from '../src/auth/policy.js';
import { FakeClock } from '../src/common/time/clock.js';
import { buildDataSourceOptions } from '../src/database/data-source-options.js';
import { Factories } from './support/factories.js';
import { expectCleanExit, probe, sleep, startService, waitFor, type ServiceProcess } from './support/service-process.js';
import { createTestDatabase } from './setup/test-database.js';

/**
 * SIGTERM on the real service process (compiled, see support/service-process.ts): in-flight work
 * finishes, nothing gets a reset without a response, the pool closes, the exit status is 0.
 * In-flight work is made to wait on a row lock held by this test, so the timing is deterministic.
 */
describe('graceful shutdown (SIGTERM)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  let factories: Factories;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Its own application_name: pg_stat_activity then tells the service's connections from this test's.
    dataSource = await new DataSource({ ...buildDataSourceOptions(database.url), extra: { max: 4, application_name: 'lifecycle-test' } }).initialize();
    // Real time: the service under test reads the real clock.
    factories = new Factories(dataSource, new FakeClock(new Date()));
  });
  afterEach(async () => {
    if (service?.alive()) service.child.kill('SIGKILL');
    service = undefined;
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** A transaction of this test holding `FOR UPDATE` on a subscriber's profile row until released. */
  async function lockProfile(userId: number): Promise<{ release: () => Promise<void> }> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM aaa_profiles WHERE user_id = $1 FOR UPDATE', [userId]);
    return {
      release: async () => {
        await client.query('ROLLBACK');
        await client.end();
      },
    };
  }

  /** Some query of the service is waiting for a lock (i.e. the work we want in flight is in flight). */
  async function serviceWaitsOnLock(): Promise<boolean> {
    const rows: unknown[] = await dataSource.query(
      `SELECT 1 FROM pg_stat_activity WHERE application_name = 'timegate-aaa' AND wait_event_type = 'Lock' AND datname = current_database()`,
    );
    return rows.length > 0;
  }

  async function serviceConnections(): Promise<number> {
    const [row] = await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'timegate-aaa' AND datname = current_database()`,
    );
    return row.n;
  }

  it('finishes an in-flight request, refuses new connections meanwhile, closes the pool and exits 0', async () => {
    const staff = await factories.staff();
    const target = await factories.subscriber({ balanceSeconds: 10 });
    service = await startService({ DATABASE_URL: database.url, MIGRATIONS_RUN: 'false', ACCOUNTING_SCHEDULE_ENABLED: 'false'});
    const running = service;
    expect(await serviceConnections()).toBeGreaterThan(0);

    const lock = await lockProfile(target.id);
    const inFlight = fetch(`${running.url}/api/v1/user_token/${target.id}/`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${staff.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ balance_seconds: 7200 }),
    });
    await waitFor('the PATCH to wait on the row lock', serviceWaitsOnLock);

    running.child.kill('SIGTERM');
    // Readiness / new connections: refused (the listener is closed) or 503, never a hang.
    await waitFor('the listener to stop accepting', async () => (await probe(`${running.url}/health/live`)) !== 200, 5000);
    expect(['ECONNREFUSED', 503]).toContain(await probe(`${running.url}/health/live`));
    await sleep(300);
    expect(running.alive()).toBe(true);

    await lock.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    await expectCleanExit(running);
    const [row] = await dataSource.query('SELECT balance_seconds FROM aaa_profiles WHERE user_id = $1', [target.id]);
    expect(Number(row.balance_seconds)).toBe(7200);
    await waitFor('the service\'s connections to be gone', async () => (await serviceConnections()) === 0, 5000);
  });

  it('answers every one of 20 requests in flight at SIGTERM (none is reset), then exits 0', async () => {
    const staff = await factories.staff();
    const target = await factories.subscriber({ balanceSeconds: 0 });
    service = await startService({ DATABASE_URL: database.url, MIGRATIONS_RUN: 'false', ACCOUNTING_SCHEDULE_ENABLED: 'false', DATABASE_POOL_SIZE: '30' });
    const running = service;
    const lock = await lockProfile(target.id);
    // Each request gets its own connection, so "in flight" means accepted by the server and waiting on the lock.
    const requests = Array.from({ length: 20 }, (_, i) =>
      fetch(`${running.url}/api/v1/user_token/${target.id}/`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${staff.token}`, 'Content-Type': 'application/json', Connection: 'close' },
        body: JSON.stringify({ balance_seconds: 100 + i }),
      }).then(
        (response) => response.status,
        (error: unknown) => String((error as { cause?: { code?: string } }).cause?.code ?? error),
      ),
    );
    await waitFor('20 requests waiting on the lock', async () => {
      const [row] = await dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'timegate-aaa' AND wait_event_type = 'Lock' AND datname = current_database()`,
      );
      return row.n === 20;
    });
    running.child.kill('SIGTERM');
    await sleep(300);
    expect(running.alive()).toBe(true);
    await lock.release();
    expect(await Promise.all(requests)).toEqual(Array.from({ length: 20 }, () => 200));
    await expectCleanExit(running);
    const [row] = await dataSource.query('SELECT balance_seconds FROM aaa_profiles WHERE user_id = $1', [target.id]);
    expect(Number(row.balance_seconds)).toBeGreaterThanOrEqual(100);
  });

  it('lets an accounting run in progress finish its current batch, then stop; exits 0', async () => {
    const gateway = await factories.subscriber({ role: Role.Gateway });
    const subscribers = [];
    for (let i = 0; i < 3; i += 1) subscribers.push(await factories.subscriber({ balanceSeconds: 86400 }));
    service = await startService({
      DATABASE_URL: database.url,
      MIGRATIONS_RUN: 'false',
      ACCOUNTING_SCHEDULE_ENABLED: 'true',
      ACCOUNTING_INTERVAL_SECONDS: '1',
      ACCOUNTING_BATCH_SIZE: '1',
    });
    const running = service;
    const started = Math.floor(Date.now() / 1000) - 600;
    for (const subscriber of subscribers) {
      const response = await fetch(`${running.url}/api/v1/accounting/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${gateway.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ 'Acct-Status-Type': 'Start', 'User-Name': subscriber.username, 'Acct-Session-Id': `sd-${subscriber.id}`, 'NAS-Identifier': 'nas-sd', 'Event-Timestamp': started }),
      });
      expect(response.status).toBe(200);
    }
    // Charging is per subscriber: a run charges the profile's balance (sessions are written only on their own events).
    const charged = async (userId: number) => {
      const [row] = await dataSource.query('SELECT balance_seconds FROM aaa_profiles WHERE user_id = $1', [userId]);
      return 86400 - Number(row.balance_seconds);
    };

    // A run will block on the second subscriber (batches of 1, in user id order).
    const lock = await lockProfile(subscribers[1]!.id);
    await waitFor('a run to wait on the second subscriber', serviceWaitsOnLock, 10000);
    const [{ id: runId }] = await dataSource.query('SELECT id FROM accounting_runs WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1');
    const secondBefore = await charged(subscribers[1]!.id);
    const thirdBefore = await charged(subscribers[2]!.id);

    running.child.kill('SIGTERM');
    await sleep(500);
    expect(running.alive()).toBe(true);
    await lock.release();
    await expectCleanExit(running);

    const [run] = await dataSource.query('SELECT finished_at, error, sessions_charged FROM accounting_runs WHERE id = $1', [runId]);
    expect(run.finished_at).not.toBeNull();
    expect(run.error).toMatch(/^stopped: the service shut down before the run finished/);
    // The batch in flight committed; the next one never started.
    expect(await charged(subscribers[1]!.id)).toBeGreaterThan(secondBefore);
    expect(await charged(subscribers[2]!.id)).toBe(thirdBefore);
    const [unfinished] = await dataSource.query('SELECT count(*)::int AS n FROM accounting_runs WHERE finished_at IS NULL');
    expect(unfinished.n).toBe(0);
    await waitFor('the service\'s connections to be gone', async () => (await serviceConnections()) === 0, 5000);
  });
});
