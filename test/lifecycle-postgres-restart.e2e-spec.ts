import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/database/embedded-postgres.js';
import { expectCleanExit, probe, sleep, startService, waitFor, type ServiceProcess } from './support/service-process.js';

/**
 * PostgreSQL stops and comes back under a running service. A private embedded PostgreSQL in a temp
 * directory (never the machine's shared server): stopped, then started again on the same port and
 * data directory. The service must not crash, readiness must go 503 then 200, queries must work again.
 */
describe('PostgreSQL restart under a running service', () => {
  let dir: string;
  let postgres: EmbeddedDatabase | undefined;
  let service: ServiceProcess | undefined;

  const start = () => startEmbeddedPostgres(dir, { persistent: true, log: () => undefined });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'timegate-pg-restart-'));
    postgres = await start();
  }, 60000);
  afterAll(async () => {
    if (service?.alive()) service.child.kill('SIGKILL');
    await postgres?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('survives: readiness 503 while it is down, 200 after, no crash, queries work; then exits 0 on SIGTERM', async () => {
    // Accounting every second too, so runs fail during the outage and resume after it.
    service = await startService({ DATABASE_URL: postgres!.url, ACCOUNTING_SCHEDULE_ENABLED: 'true', ACCOUNTING_INTERVAL_SECONDS: '1' });
    const running = service;
    await waitFor('ready', async () => (await probe(`${running.url}/health/ready`)) === 200);
    const port = new URL(postgres!.url).port;

    await postgres!.stop();
    postgres = undefined;
    await waitFor('readiness to go 503', async () => (await probe(`${running.url}/health/ready`)) === 503, 15000);
    expect(await probe(`${running.url}/health/live`)).toBe(200);
    // A request that needs the database gets 503 (not a hang, a reset or a 500), and the process lives on.
    const duringOutage = await fetch(`${running.url}/api/users/`, { headers: { Authorization: `Token ${'c'.repeat(40)}` } });
    expect(duringOutage.status).toBe(503);
    expect(await duringOutage.json()).toEqual({ detail: 'Service temporarily unavailable, try again later.' });
    await sleep(2500);
    expect(running.alive()).toBe(true);

    postgres = await start();
    expect(new URL(postgres.url).port).toBe(port);
    await waitFor('readiness to come back', async () => (await probe(`${running.url}/health/ready`)) === 200, 30000);
    expect(running.alive()).toBe(true);
    // The pool serves real queries again: an unknown key is looked up and refused.
    expect(await probe(`${running.url}/api/users/`, { headers: { Authorization: `Token ${'c'.repeat(40)}` } })).toBe(401);
    // And accounting runs again.
    const before = await metricsValue(running.url, 'timegate_accounting_runs_total{trigger="schedule",outcome="finished"}');
    await waitFor('a scheduled run to finish after the restart', async () =>
      (await metricsValue(running.url, 'timegate_accounting_runs_total{trigger="schedule",outcome="finished"}')) > before, 10000);

    running.child.kill('SIGTERM');
    await expectCleanExit(running);
  }, 120000);
});

async function metricsValue(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
