import { randomBytes } from 'node:crypto';
import { Role } from '../src/auth/policy.js';
import { FakeClock } from '../src/common/time/clock.js';
import { runAccounting } from './support/accounting.js';
import type { CreatedSubscriber } from './support/factories.js';
import { balanceProblems, balances, ledgerSessionDeltas, sessionRows } from './support/faults/accounting-state.js';
import { ServiceProcess } from './support/faults/service-process.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase } from './setup/test-database.js';

/**
 * Fault: two real service processes on one database, each scheduling an accounting run every second,
 * while a gateway streams Start / Interim-Update / Stop for a few hundred sessions to both of them
 * (each request to either process at random) for STREAM_SECONDS of real time. Then everything
 * stops, one final run charges what is left, and: every closed session is charged exactly its
 * session time, every open one exactly now − start (the final run's clock), no balance is below 0,
 * balances moved by exactly the seconds paid, no request was lost, both processes ran accounting and
 * no two runs overlapped. Real time cannot be faked across processes; the stream is short and bounded.
 */
const SUBSCRIBERS = 300;
/** Subscribers with only a few seconds: their sessions run out mid-stream and are stopped by a run. */
const LOW_BALANCE = 30;
const STREAM_SECONDS = 12;
const INTERIM_EVERY_MS = 2000;

/** The wall clock (the processes use it too), for the in-process helper app's factories and final run. */
class WallClock extends FakeClock {
  override now(): Date {
    return new Date();
  }
}

interface Plan {
  user: CreatedSubscriber;
  acctSessionId: string;
  startAtMs: number;
  /** Undefined: still open when the stream ends. */
  stopAtMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe('fault: two service processes, one database, accounting every second', () => {
  let database: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let services: ServiceProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    t = await createTestApp({}, { databaseUrl: database.url, clock: new WallClock() });
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await t?.close();
    await database?.drop();
  });

  it('charges every session exactly its time, with runs from both processes that never overlap', async () => {
    const gatewayToken = (await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null })).token;
    const initial = new Map<number, number>();
    const plans: Plan[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 1) {
      const balance = i < LOW_BALANCE ? 2 + (i % 6) : 100_000;
      const user = await t.factories.subscriber({ balanceSeconds: balance, tokenLifetime: null });
      initial.set(user.id, balance);
      const startAtMs = Math.floor(Math.random() * 4000);
      const stops = i % 3 !== 0;
      plans.push({
        user,
        acctSessionId: randomBytes(6).toString('hex'),
        startAtMs,
        stopAtMs: stops ? startAtMs + 2000 + Math.floor(Math.random() * (STREAM_SECONDS * 1000 - startAtMs - 2500)) : undefined,
      });
    }
    const userIds = [...initial.keys()];

    const env = {
      DATABASE_URL: database.url,
      ACCOUNTING_SCHEDULE_ENABLED: 'true',
      ACCOUNTING_INTERVAL_SECONDS: '1',
      ACCOUNTING_BATCH_SIZE: '40',
      MIGRATIONS_RUN: 'true',
    };
    services = await Promise.all([ServiceProcess.start(env), ServiceProcess.start(env)]);

    // The stream: one task per session, each request to either process at random.
    const failures: string[] = [];
    let requests = 0;
    const t0 = Date.now();
    async function send(plan: Plan, body: Record<string, unknown>): Promise<void> {
      const service = services[Math.floor(Math.random() * services.length)]!;
      requests += 1;
      const response = await service.client
        .send({
          method: 'POST',
          path: '/api/v1/accounting/',
          headers: { authorization: `Bearer ${gatewayToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ 'User-Name': plan.user.username, 'Acct-Session-Id': plan.acctSessionId, 'NAS-Identifier': 'nas-two', ...body }),
        })
        .catch((error: unknown) => ({ status: 0, text: String(error) }));
      if (response.status !== 200) failures.push(`${String(body['Acct-Status-Type'])} on :${service.port} → ${response.status} ${response.text}`);
    }
    const startedAt = new Map<Plan, number>();
    await Promise.all(
      plans.map(async (plan) => {
        await sleep(plan.startAtMs - (Date.now() - t0));
        startedAt.set(plan, Date.now());
        await send(plan, { 'Acct-Status-Type': 'Start' });
        const end = plan.stopAtMs ?? STREAM_SECONDS * 1000;
        for (let at = plan.startAtMs + INTERIM_EVERY_MS; at < end; at += INTERIM_EVERY_MS) {
          await sleep(at - (Date.now() - t0));
          await send(plan, { 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': Math.floor((Date.now() - startedAt.get(plan)!) / 1000) });
        }
        if (plan.stopAtMs === undefined) return;
        await sleep(plan.stopAtMs - (Date.now() - t0));
        await send(plan, { 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': Math.floor((Date.now() - startedAt.get(plan)!) / 1000), 'Acct-Terminate-Cause': 'User-Request' });
      }),
    );
    await sleep(STREAM_SECONDS * 1000 - (Date.now() - t0));
    const exitCodes = await Promise.all(services.map((service) => service.stop()));
    const pids = services.map((service) => service.pid);
    services = [];

    // Nothing lost on the way in. (How the processes exit on SIGTERM is the graceful-shutdown test's
    // business; here a process killed mid-run is just one more fault the charges must survive.)
    expect(failures).toEqual([]);

    const final = await runAccounting(t);
    expect(final.status).toBe('finished');
    if (final.status !== 'finished') return;
    const now = final.run.startedAt;

    const sessions = await sessionRows(t.dataSource, userIds);
    expect(sessions).toHaveLength(SUBSCRIBERS);
    const closed = sessions.filter((session) => session.status === 'closed');
    const open = sessions.filter((session) => session.status === 'open');
    expect(closed.filter((session) => session.charged !== session.sessionTime)).toEqual([]);
    expect(open.filter((session) => session.charged !== Math.max(0, Math.floor((now.getTime() - session.startedAt.getTime()) / 1000)))).toEqual([]);
    const current = await balances(t.dataSource, userIds);
    expect(balanceProblems(initial, current, sessions)).toEqual([]);
    const paid = sessions.reduce((sum, session) => sum + session.charged - session.overage, 0);
    const moved = userIds.reduce((sum, id) => sum + initial.get(id)! - current.get(id)!, 0);
    expect(moved).toBe(paid);
    // Subscribers with nothing open: their ledger rows account for every second taken from the balance.
    const ledger = await ledgerSessionDeltas(t.dataSource, userIds);
    const openUsers = new Set(open.map((session) => session.userId));
    const ledgerMismatch = userIds.filter((id) => !openUsers.has(id) && -(ledger.get(id) ?? 0) !== initial.get(id)! - current.get(id)!);
    expect(ledgerMismatch).toEqual([]);

    // Runs: both processes ran accounting on schedule, none failed, and no two runs overlapped in time.
    const runs: { instance: string; trigger: string; started_at: Date; finished_at: Date | null; error: string | null }[] = await t.dataSource.query(
      'SELECT instance, trigger, started_at, finished_at, error FROM accounting_runs ORDER BY started_at, id',
    );
    const scheduled = runs.filter((run) => run.trigger === 'schedule');
    for (const pid of pids) expect(scheduled.filter((run) => run.instance.endsWith(`:${pid}`)).length).toBeGreaterThan(0);
    // A run cut short by the shutdown records why ("stopped: …" when it stopped between batches,
    // "interrupted: …" when its process died mid-run); any other error is a failure.
    expect(runs.filter((run) => run.error !== null && !/^(stopped|interrupted):/.test(run.error))).toEqual([]);
    const finished = runs.filter((run) => run.finished_at !== null);
    const overlaps = finished.slice(1).filter((run, index) => new Date(run.started_at).getTime() < new Date(finished[index]!.finished_at!).getTime());
    expect(overlaps).toEqual([]);

    const exhausted = sessions.filter((session) => session.overage > 0 || (session.status === 'closed' && current.get(session.userId) === 0)).length;
    console.log(
      [
        `two processes (pids ${pids.join(', ')}), ${STREAM_SECONDS} s stream: ${requests} accounting requests, ${failures.length} failed`,
        `runs: ${scheduled.filter((run) => run.instance.endsWith(`:${pids[0]}`)).length} by the first process, ` +
          `${scheduled.filter((run) => run.instance.endsWith(`:${pids[1]}`)).length} by the second, ${runs.length} in all ` +
          `(${runs.length - finished.length} cut short by the shutdown), finished ones never overlapping`,
        `SIGTERM exit codes: ${exitCodes.join(', ')}`,
        `sessions: ${closed.length} closed (charged == session_time), ${open.length} open (charged == now − start), ${exhausted} ran out of balance`,
        `balances moved ${moved} s == ${paid} s paid; no balance below 0`,
      ].join('\n'),
    );
  }, 180_000);
});
