import { sessionChargedSql } from '../src/accounting/balance-sql.js';
import { Role } from '../src/auth/policy.js';
import { loadConfig } from '../src/config/app-config.js';
import { epoch, Gateway, runAccounting } from './support/accounting.js';
import type { CreatedSubscriber } from './support/factories.js';
import { accountingLockHolder, balanceProblems, balances, ledgerSessionDeltas, sessionRows, type SessionRow } from './support/faults/accounting-state.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Fault: the database connection of an accounting run is killed (pg_terminate_backend on the backend
 * holding the run's advisory lock) part-way through, at a different point each round. The run must
 * fail and be recorded with its error, leave every session either charged to the new target or
 * untouched (a batch commits whole or not at all), and the next run must bring every charge to the
 * exact session time with balances equal to initial − paid. Nothing lost, nothing charged twice.
 *
 * The clock is fake; to make a run long enough to be hit mid-way, a test-only trigger slows each
 * profile update by 4 ms (≈ 100 ms a range of 25 subscribers, 13 ranges a run: the run charges the
 * subscribers, one profile row each, and writes no session row).
 */
const BATCH_SIZE = 25;
const SUBSCRIBERS = 320;
/** Subscribers whose balance runs out during the test (their sessions get stopped with overage). */
const LOW_BALANCE = 20;
/**
 * Kill once this many sessions have committed their new charge in the round: before any, after 1, mid-run, near the
 * end (a few ranges of BATCH_SIZE before it: past the last range only the quick token steps remain, too short to hit).
 */
const KILL_AFTER = [0, 1, 60, 170, 240];
const ROUND_SECONDS = 41;

describe('fault: the accounting run loses its database connection mid-run', () => {
  let t: TestApp;
  let gateway: Gateway;
  let users: CreatedSubscriber[];
  const initial = new Map<number, number>();

  beforeAll(async () => {
    const base = loadConfig({ ACCOUNTING_SCHEDULE_ENABLED: 'false' });
    t = await createTestApp({ accounting: { ...base.accounting, scheduleEnabled: false, batchSize: BATCH_SIZE } });
    gateway = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null })).token);
    users = [];
    for (let i = 0; i < SUBSCRIBERS; i += 1) {
      const balance = i < LOW_BALANCE ? 60 + 7 * i : 1_000_000 + i;
      const user = await t.factories.subscriber({ balanceSeconds: balance });
      users.push(user);
      initial.set(user.id, balance);
    }
    // One open session each, started i seconds before "now" so every session has its own exact target.
    const now = epoch(t.clock.now());
    for (let from = 0; from < users.length; from += 20) {
      await Promise.all(
        users.slice(from, from + 20).map((user, offset) =>
          gateway.start({ 'User-Name': user.username, 'Acct-Session-Id': `kill-${user.id}`, 'NAS-Identifier': 'nas-kill' }, { 'Event-Timestamp': now - (from + offset) }),
        ),
      );
    }
    await t.dataSource.query(`
      CREATE FUNCTION slow_profile_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(0.004); RETURN NEW; END $$;
      CREATE TRIGGER slow_profile_update BEFORE UPDATE ON aaa_profiles FOR EACH ROW EXECUTE FUNCTION slow_profile_update();`);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const userIds = () => users.map((user) => user.id);

  /** Whole seconds from start to `now` (the open-session target), or the final session time once closed. */
  function target(session: SessionRow, now: Date): number {
    return session.status === 'open' ? Math.max(0, Math.floor((now.getTime() - session.startedAt.getTime()) / 1000)) : session.sessionTime;
  }

  async function committedAtTarget(now: Date): Promise<number> {
    const rows: { count: string }[] = await t.dataSource.query(
      `SELECT count(*) AS count FROM accounting_sessions s JOIN aaa_profiles p ON p.user_id = s.user_id
        WHERE s.user_id = ANY($2::int[]) AND s.status = 'open'
          AND ${sessionChargedSql('s', 'p')} = GREATEST(0, floor(extract(epoch FROM ($1::timestamptz - s.started_at))))`,
      [now, userIds()],
    );
    return Number(rows[0]!.count);
  }

  it('fails the run, loses nothing, and the next run charges every session exactly', async () => {
    const report: string[] = [];
    for (const [round, killAfter] of KILL_AFTER.entries()) {
      const before = await sessionRows(t.dataSource, userIds());
      t.clock.advanceSeconds(ROUND_SECONDS);
      const now = t.clock.now();
      const alreadyAtTarget = await committedAtTarget(now);

      const running = runAccounting(t);
      let victim: number | undefined;
      const deadline = Date.now() + 30_000;
      while (victim === undefined && Date.now() < deadline) {
        const holder = await accountingLockHolder(t.dataSource);
        if (holder !== undefined && (await committedAtTarget(now)) - alreadyAtTarget >= killAfter) {
          await t.dataSource.query('SELECT pg_terminate_backend($1)', [holder]);
          victim = holder;
        } else {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      const killed = await running;
      expect(victim).toBeDefined();
      expect(killed.status).toBe('failed');
      if (killed.status !== 'failed') continue;
      // An idle runner reports the lost connection as "Query runner already released" (TypeORM drops it on the error event).
      expect(killed.run.error).toMatch(/terminat|connection|released/i);
      expect(killed.run.finishedAt).not.toBeNull();
      const [stored] = await t.dataSource.query('SELECT error FROM accounting_runs WHERE id = $1', [killed.run.id]);
      expect(stored.error).toBe(killed.run.error);

      // Right after the kill: every session at its old charge or its new target, never in between,
      // and every balance agrees with what its sessions paid.
      const afterKill = await sessionRows(t.dataSource, userIds());
      const previous = new Map(before.map((session) => [session.id, session.charged]));
      const torn = afterKill.filter((session) => session.charged !== previous.get(session.id) && session.charged !== target(session, now));
      expect(torn).toEqual([]);
      expect(balanceProblems(initial, await balances(t.dataSource, userIds()), afterKill)).toEqual([]);
      const chargedBeforeKill = afterKill.filter((session) => session.status === 'open' && session.charged === target(session, now)).length - alreadyAtTarget;

      // The next run (on the same pool: the dead connection must not come back) completes it exactly.
      const next = await runAccounting(t);
      expect(next.status).toBe('finished');
      const sessions = await sessionRows(t.dataSource, userIds());
      const wrong = sessions.filter((session) => session.charged !== target(session, now));
      expect(wrong).toEqual([]);
      expect(balanceProblems(initial, await balances(t.dataSource, userIds()), sessions)).toEqual([]);
      report.push(`round ${round + 1}: killed after ${chargedBeforeKill} of ${SUBSCRIBERS} sessions charged; error "${killed.run.error}"`);
    }

    // Finally stop every session that is still open with its exact time; the ledger must account for every paid second.
    t.clock.advanceSeconds(5);
    const open = (await sessionRows(t.dataSource, userIds())).filter((session) => session.status === 'open');
    const byUser = new Map(users.map((user) => [user.id, user]));
    for (let from = 0; from < open.length; from += 20) {
      await Promise.all(
        open.slice(from, from + 20).map((session) =>
          gateway.stop(
            { 'User-Name': byUser.get(session.userId)!.username, 'Acct-Session-Id': `kill-${session.userId}`, 'NAS-Identifier': 'nas-kill' },
            target(session, t.clock.now()),
          ),
        ),
      );
    }
    await runAccounting(t);
    const sessions = await sessionRows(t.dataSource, userIds());
    expect(sessions.filter((session) => session.status !== 'closed')).toEqual([]);
    expect(sessions.filter((session) => session.charged !== session.sessionTime)).toEqual([]);
    const current = await balances(t.dataSource, userIds());
    expect(balanceProblems(initial, current, sessions)).toEqual([]);
    const ledger = await ledgerSessionDeltas(t.dataSource, userIds());
    const ledgerMismatch = users.filter((user) => -(ledger.get(user.id) ?? 0) !== initial.get(user.id)! - current.get(user.id)!);
    expect(ledgerMismatch).toEqual([]);
    const exhausted = sessions.filter((session) => session.overage > 0).length;
    expect(exhausted).toBeGreaterThan(0);
    report.push(`after ${KILL_AFTER.length} killed runs: ${sessions.length} sessions, every charge == session time, ${exhausted} ran out of balance (overage recorded), ledger == balance changes`);
    console.log(report.join('\n'));
  }, 300_000);
});
