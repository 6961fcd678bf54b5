import pg from 'pg';
import { createTestDatabase } from './setup/test-database.js';
import { expectCleanExit, probe, startService, terminate, waitFor, type ServiceProcess } from './support/service-process.js';

type LogLine = Record<string, unknown> & { msg?: string; level?: number; context?: string };

async function query(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** The real service restarted long after its last accounting run (a deploy, a crash, a maintenance window). */
describe('readiness after a restart', () => {
  let database: { url: string; drop: () => Promise<void> };
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    // The last run finished an hour ago: far more than 3 × the 60 s interval.
    await query(
      database.url,
      `INSERT INTO accounting_runs (started_at, finished_at, trigger, instance) VALUES (now() - interval '61 minutes', now() - interval '60 minutes', 'schedule', 'old-host:1')`,
    );
  });
  afterAll(async () => {
    if (service?.alive()) service.child.kill('SIGKILL');
    await database?.drop();
  });

  it('is ready within seconds of the start (the boot grace applies whatever the last run was), and logs probe failures once per change, without stacks', async () => {
    service = await startService({
      DATABASE_URL: database.url,
      MIGRATIONS_RUN: 'false',
      ACCOUNTING_SCHEDULE_ENABLED: 'true',
      ACCOUNTING_INTERVAL_SECONDS: '60',
      LOG_LEVEL: 'log',
      LOG_FORMAT: 'json',
    });
    const running = service;
    await waitFor('readiness 200 soon after the start', async () => (await probe(`${running.url}/health/ready`)) === 200, 5000);
    const ready = (await (await fetch(`${running.url}/health/ready`)).json()) as { checks: Record<string, { status: string }> };
    expect(ready.checks.accounting).toMatchObject({ status: 'up' });

    // Readiness fails (a migration this build knows is not applied) for three probes, then recovers.
    const [latest] = (await query(database.url, 'SELECT id, timestamp, name FROM typeorm_migrations ORDER BY id DESC LIMIT 1')).rows as {
      id: number;
      timestamp: string;
      name: string;
    }[];
    await query(database.url, 'DELETE FROM typeorm_migrations WHERE id = $1', [latest!.id]);
    for (let i = 0; i < 3; i++) expect(await probe(`${running.url}/health/ready`)).toBe(503);
    await query(database.url, 'INSERT INTO typeorm_migrations (id, timestamp, name) VALUES ($1, $2, $3)', [latest!.id, latest!.timestamp, latest!.name]);
    for (let i = 0; i < 2; i++) expect(await probe(`${running.url}/health/ready`)).toBe(200);

    await terminate(running);
    await expectCleanExit(running);
    const lines = running.stdout.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LogLine);
    const health = lines.filter((line) => line.context === 'Health' || /health check/i.test(line.msg ?? ''));
    expect(health.map((line) => [line.level, line.msg])).toEqual([
      [40, `Readiness: not ready (migrations: pending migrations: ${latest!.name} (run \`npm run migration:run\`))`],
      [30, 'Readiness: ready again'],
    ]);
    expect(running.stdout.join('\n') + running.stderr()).not.toMatch(/stack|Health Check has failed/);
  }, 60000);
});
