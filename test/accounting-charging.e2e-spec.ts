import { writeFileSync } from 'node:fs';
import { BalanceService } from '../src/accounting/balance.service.js';
import { Role } from '../src/auth/policy.js';
import { epoch, Gateway, ledgerOf, runAccounting, sessionIdentity, sessionsOf, storedBalance } from './support/accounting.js';
import type { CreatedSubscriber } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The balance rule, scenario by scenario: charged seconds equal real session time to the second,
 * whatever the timing of accounting runs and however the NAS's records arrive. The clock is fake;
 * nothing sleeps. Each scenario adds a row to the expected-vs-charged table (ACCOUNTING_TABLE=path).
 */
describe('accounting: charged seconds equal session time', () => {
  let t: TestApp;
  let gateway: Gateway;
  const table: { scenario: string; expected: number; charged: number; balance: string }[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    gateway = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway })).token);
  });
  afterAll(async () => {
    if (process.env.ACCOUNTING_TABLE) {
      const lines = ['| scenario | expected s | charged s | balance |', '| --- | --- | --- | --- |', ...table.map((r) => `| ${r.scenario} | ${r.expected} | ${r.charged} | ${r.balance} |`)];
      writeFileSync(process.env.ACCOUNTING_TABLE, `${lines.join('\n')}\n`);
    }
    await t?.close();
  });

  async function subscriber(balanceSeconds: number): Promise<CreatedSubscriber> {
    return t.factories.subscriber({ balanceSeconds });
  }

  async function expectCharged(scenario: string, user: CreatedSubscriber, initial: number, expected: number[]) {
    const sessions = await sessionsOf(t, user.username);
    const charged = sessions.map((s) => s.charged);
    const balance = await storedBalance(t, user.id);
    table.push({ scenario, expected: expected.reduce((a, b) => a + b, 0), charged: charged.reduce((a, b) => a + b, 0), balance: `${initial} → ${balance}` });
    expect(charged).toEqual(expected);
    const overage = sessions.reduce((sum, s) => sum + s.overage, 0);
    expect(balance).toBe(initial - expected.reduce((a, b) => a + b, 0) + overage);
  }

  it('ticks on time', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    for (let i = 0; i < 3; i += 1) {
      t.clock.advanceSeconds(60);
      await runAccounting(t);
      expect((await sessionsOf(t, user.username))[0]!.charged).toBe(60 * (i + 1));
    }
    t.clock.advanceSeconds(20);
    await gateway.stop(id, 200);
    await expectCharged('ticks on time (3 × 60 s, stop at 200 s)', user, 3600, [200]);
    expect(await ledgerOf(t, user.id)).toEqual([{ kind: 'session', delta: -200, overage: 0, balanceAfter: 3400, reason: 'User-Request' }]);
  });

  it('late ticks', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    t.clock.advanceSeconds(90);
    await runAccounting(t);
    t.clock.advanceSeconds(160);
    await runAccounting(t);
    t.clock.advanceSeconds(50);
    await gateway.stop(id, 300);
    t.clock.advanceSeconds(100);
    await runAccounting(t);
    await expectCharged('late ticks (90 s, 250 s; stop at 300 s)', user, 3600, [300]);
  });

  it('missed ticks', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    t.clock.advanceSeconds(500);
    await gateway.stop(id, 500);
    await runAccounting(t);
    await expectCharged('missed ticks (no run until after the stop at 500 s)', user, 3600, [500]);
  });

  it('a tick every second', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    for (let i = 0; i < 30; i += 1) {
      t.clock.advanceSeconds(1);
      await runAccounting(t);
    }
    expect((await sessionsOf(t, user.username))[0]!.charged).toBe(30);
    t.clock.advanceSeconds(7);
    await gateway.stop(id, 37);
    await expectCharged('a tick every second (30 runs, stop at 37 s)', user, 3600, [37]);
  });

  it('Stop before any tick', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    t.clock.advanceSeconds(45);
    await gateway.stop(id, 45);
    expect(await storedBalance(t, user.id)).toBe(3555);
    await runAccounting(t);
    await expectCharged('Stop before any tick (45 s)', user, 3600, [45]);
  });

  it('retransmitted Start and Stop', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    expect((await gateway.start(id)).result).toBe('started');
    t.clock.advanceSeconds(10);
    expect((await gateway.start(id)).result).toBe('duplicate');
    t.clock.advanceSeconds(50);
    await runAccounting(t);
    t.clock.advanceSeconds(40);
    expect((await gateway.stop(id, 100)).result).toBe('stopped');
    t.clock.advanceSeconds(5);
    expect((await gateway.stop(id, 100)).result).toBe('duplicate');
    await runAccounting(t);
    await expectCharged('retransmitted Start (+10 s) and Stop (+5 s)', user, 3600, [100]);
    expect(await ledgerOf(t, user.id)).toHaveLength(1);
  });

  it('Interim-Update after Stop does not reopen the session', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    t.clock.advanceSeconds(50);
    await gateway.stop(id, 50);
    t.clock.advanceSeconds(10);
    expect((await gateway.interim(id, 60)).result).toBe('ignored');
    t.clock.advanceSeconds(60);
    await runAccounting(t);
    expect((await sessionsOf(t, user.username))[0]!.status).toBe('closed');
    await expectCharged('Interim-Update after Stop', user, 3600, [50]);
  });

  it('Interim-Update or Stop for an unknown session creates it', async () => {
    const user = await subscriber(3600);
    const interimOnly = sessionIdentity(user.username);
    const stopOnly = sessionIdentity(user.username);
    t.clock.advanceSeconds(120);
    expect((await gateway.interim(interimOnly, 120)).result).toBe('created');
    expect((await gateway.stop(stopOnly, 80)).result).toBe('stopped');
    t.clock.advanceSeconds(60);
    await runAccounting(t);
    await expectCharged('lost Start: Interim at 120 s, run at 180 s; Stop-only 80 s', user, 3600, [180, 80]);
  });

  it('NAS reboot (Accounting-On) closes that NAS’s sessions only', async () => {
    const user = await subscriber(3600);
    const a1 = sessionIdentity(user.username, 'nas-reboot-a');
    const a2 = sessionIdentity(user.username, 'nas-reboot-a');
    const b = sessionIdentity(user.username, 'nas-reboot-b');
    await gateway.start(a1);
    await gateway.start(a2);
    await gateway.start(b);
    t.clock.advanceSeconds(60);
    await runAccounting(t);
    t.clock.advanceSeconds(40);
    const result = await gateway.send({ 'Acct-Status-Type': 'Accounting-On', 'NAS-Identifier': 'nas-reboot-a' });
    expect(result).toEqual({ result: 'nas_reboot', sessions_closed: 2 });
    const sessions = await sessionsOf(t, user.username);
    expect(sessions.map((s) => [s.status, s.terminateCause])).toEqual([['closed', 'NAS-Reboot'], ['closed', 'NAS-Reboot'], ['open', null]]);
    t.clock.advanceSeconds(20);
    await gateway.stop(b, 120);
    await expectCharged('NAS reboot at 100 s (2 sessions), other NAS stops at 120 s', user, 3600, [100, 100, 120]);
  });

  it('stale close with refund', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    t.clock.advanceSeconds(300);
    await gateway.interim(id, 300);
    t.clock.advanceSeconds(300);
    await runAccounting(t);
    expect((await sessionsOf(t, user.username))[0]!.charged).toBe(600);
    // No update for 1000 s > ACCOUNTING_STALE_AFTER_SECONDS (900): closed at its last update (300 s), the rest refunded.
    t.clock.advanceSeconds(700);
    const outcome = await runAccounting(t);
    expect(outcome.status).toBe('finished');
    if (outcome.status === 'finished') expect(outcome.run.staleClosed).toBeGreaterThanOrEqual(1);
    const [session] = await sessionsOf(t, user.username);
    expect(session).toMatchObject({ status: 'closed', terminateCause: 'Lost-Service', sessionTime: 300 });
    await expectCharged('stale: last update at 300 s, charged to 600 s, closed at 1300 s', user, 3600, [300]);
    expect(await ledgerOf(t, user.id)).toEqual([{ kind: 'session', delta: -300, overage: 0, balanceAfter: 3300, reason: 'Lost-Service' }]);
  });

  it('roaming: sessions gone silent are not charged past their last update, so the live one is not cut off', async () => {
    // A phone roams between access points: the sessions on the first two stop reporting at 300 s,
    // the third keeps sending Interim-Updates. Runs at 600, 1200 and 1800 s; by 1800 s the silent
    // ones are stale (last update 300 s < 1800 − 900). The subscriber owes 1800 + 300 + 300 by then.
    const user = await subscriber(3650);
    const live = sessionIdentity(user.username, 'ap-3');
    const gone = [sessionIdentity(user.username, 'ap-1'), sessionIdentity(user.username, 'ap-2')];
    for (const id of [live, ...gone]) await gateway.start(id);
    for (let at = 300; at <= 1800; at += 300) {
      t.clock.advanceSeconds(300);
      await gateway.interim(live, at);
      if (at === 300) for (const id of gone) await gateway.interim(id, 300);
      if (at % 600 === 0 && at < 1800) await runAccounting(t);
    }
    // Before the run, every read already agrees with what the run is about to settle.
    const poll = await t.api().get('/api/v1/balance/').set('Authorization', `Bearer ${user.token}`).expect(200);
    expect(poll.body).toMatchObject({ balance_seconds: 1250, status: 'active', session_timeout: 1250 });
    const authorized = await t.api().post('/api/v1/authorize/').set('Authorization', `Bearer ${gateway.token}`).send({ username: user.username }).expect(200);
    expect(authorized.body).toMatchObject({ result: 'accept', session_timeout: 1250 });
    const outcome = await runAccounting(t);
    expect(outcome.status).toBe('finished');
    if (outcome.status === 'finished') expect(outcome.run).toMatchObject({ sessionsStopped: 0, staleClosed: 2 });
    expect((await sessionsOf(t, user.username)).map((s) => [s.status, s.terminateCause, s.charged])).toEqual([
      ['open', null, 1800],
      ['closed', 'Lost-Service', 300],
      ['closed', 'Lost-Service', 300],
    ]);
    expect(await storedBalance(t, user.id)).toBe(1250);
    t.clock.advanceSeconds(600);
    await gateway.stop(live, 2400);
    await expectCharged('roaming: 1 live + 2 silent since 300 s, runs at 600/1200/1800 s, stop at 2400 s', user, 3650, [2400, 300, 300]);
  });

  it('a late Stop corrects a session the server closed as stale', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    t.clock.advanceSeconds(1000);
    await runAccounting(t);
    expect((await sessionsOf(t, user.username))[0]).toMatchObject({ status: 'closed', charged: 0, terminateCause: 'Lost-Service' });
    t.clock.advanceSeconds(10);
    expect((await gateway.stop(id, 400)).result).toBe('stopped');
    await expectCharged('late Stop (400 s) after a stale close', user, 3600, [400]);
    expect((await ledgerOf(t, user.id)).map((entry) => entry.delta)).toEqual([0, -400]);
  });

  it('two simultaneous sessions draining one balance to exactly 0', async () => {
    const user = await subscriber(100);
    const first = sessionIdentity(user.username);
    const second = sessionIdentity(user.username);
    await gateway.start(first);
    await gateway.start(second);
    t.clock.advanceSeconds(50);
    const outcome = await runAccounting(t);
    if (outcome.status === 'finished') expect(outcome.run.sessionsStopped).toBeGreaterThanOrEqual(2);
    const sessions = await sessionsOf(t, user.username);
    expect(sessions.map((s) => [s.status, s.terminateCause, s.overage])).toEqual([['closed', 'Session-Timeout', 0], ['closed', 'Session-Timeout', 0]]);
    expect(await storedBalance(t, user.id)).toBe(0);
    await expectCharged('two sessions share 100 s, run at 50 s', user, 100, [50, 50]);
  });

  it('per subscriber: a Start settles its subscriber first; the run writes its profile row once and no session row', async () => {
    const user = await subscriber(3600);
    const first = sessionIdentity(user.username);
    const second = sessionIdentity(user.username);
    const profile = async () => {
      const [row] = await t.dataSource.query(
        'SELECT balance_seconds::int AS balance, open_sessions AS open, settled_at AS "settledAt", exhausts_at AS "exhaustsAt" FROM aaa_profiles WHERE user_id = $1',
        [user.id],
      );
      return row as { balance: number; open: number; settledAt: Date; exhaustsAt: Date };
    };
    const sessionVersions = async () =>
      (await t.dataSource.query('SELECT xmin::text AS version FROM accounting_sessions WHERE user_id = $1 ORDER BY id', [user.id])).map((row: { version: string }) => row.version);
    await gateway.start(first);
    t.clock.advanceSeconds(100);
    // The second Start charges the first session's 100 s before it starts burning too.
    await gateway.start(second);
    let now = t.clock.now();
    expect(await profile()).toEqual({ balance: 3500, open: 2, settledAt: now, exhaustsAt: new Date(now.getTime() + 1750_000) });
    const versions = await sessionVersions();
    t.clock.advanceSeconds(60);
    const outcome = await runAccounting(t);
    now = t.clock.now();
    expect(outcome.status).toBe('finished');
    // Both sessions charged 60 s by one write of the profile; the prediction did not move; no session row written.
    expect(await profile()).toEqual({ balance: 3380, open: 2, settledAt: now, exhaustsAt: new Date(now.getTime() + 1690_000) });
    expect(await sessionVersions()).toEqual(versions);
    expect((await sessionsOf(t, user.username)).map((s) => s.charged)).toEqual([160, 60]);
    t.clock.advanceSeconds(40);
    await gateway.stop(first, 200);
    await gateway.stop(second, 100);
    await expectCharged('per subscriber: Start settles, run charges 2 × 60 s in one row, Stops at 200 s and 100 s', user, 3600, [200, 100]);
    expect(await profile()).toMatchObject({ open: 0, exhaustsAt: null });
  });

  it('time used past a zero balance is recorded as overage, and the balance stays at 0', async () => {
    const user = await subscriber(100);
    const id = sessionIdentity(user.username);
    await gateway.start(id);
    t.clock.advanceSeconds(150);
    await runAccounting(t);
    const [session] = await sessionsOf(t, user.username);
    expect(session).toMatchObject({ status: 'closed', charged: 150, overage: 50, terminateCause: 'Session-Timeout' });
    expect(await storedBalance(t, user.id)).toBe(0);
    table.push({ scenario: 'overage: 100 s balance, run at 150 s', expected: 150, charged: 150, balance: '100 → 0 (50 s overage)' });
    expect(await ledgerOf(t, user.id)).toEqual([{ kind: 'session', delta: -100, overage: 50, balanceAfter: 0, reason: 'Session-Timeout' }]);
  });

  it('Event-Timestamp and Acct-Delay-Time place events in time, bounded by the server clock', async () => {
    const user = await subscriber(3600);
    const id = sessionIdentity(user.username);
    await gateway.start(id, { 'Event-Timestamp': epoch(t.clock.now()) - 30 });
    t.clock.advanceSeconds(60);
    await runAccounting(t);
    expect((await sessionsOf(t, user.username))[0]!.charged).toBe(90);
    const delayed = sessionIdentity(user.username);
    await gateway.start(delayed, { 'Acct-Delay-Time': 20 });
    const future = sessionIdentity(user.username);
    await gateway.start(future, { 'Event-Timestamp': epoch(t.clock.now()) + 3600 });
    t.clock.advanceSeconds(10);
    await runAccounting(t);
    const sessions = await sessionsOf(t, user.username);
    expect(sessions.map((s) => s.charged)).toEqual([100, 30, 10]);
  });

  it('two runs at once from two service instances charge exactly once', async () => {
    const replica = await createTestApp({}, { databaseUrl: t.databaseUrl, clock: t.clock });
    try {
      const users = await Promise.all([subscriber(3600), subscriber(3600), subscriber(3600)]);
      const ids = users.map((user) => sessionIdentity(user.username));
      for (const id of ids) await gateway.start(id);
      for (let round = 0; round < 5; round += 1) {
        t.clock.advanceSeconds(30);
        const outcomes = await Promise.all([runAccounting(t), runAccounting(replica), runAccounting(t), runAccounting(replica)]);
        expect(outcomes.filter((o) => o.status === 'finished').length).toBeGreaterThanOrEqual(1);
        expect(outcomes.every((o) => o.status === 'finished' || o.status === 'skipped')).toBe(true);
      }
      for (const [index, user] of users.entries()) {
        expect((await sessionsOf(t, user.username))[0]!.charged).toBe(150);
        await gateway.stop(ids[index]!, 150);
        await expectCharged(`two instances, 4 concurrent runs × 5 rounds (user ${index + 1})`, user, 3600, [150]);
      }
    } finally {
      await replica.close();
    }
  });

  it('a run killed between steps leaves nothing half-charged; the next run completes it', async () => {
    const user = await subscriber(3600);
    const live = sessionIdentity(user.username);
    const stale = sessionIdentity(user.username);
    await gateway.start(live);
    await gateway.start(stale);
    t.clock.advanceSeconds(1000);
    await gateway.interim(live, 1000);
    // Make step 3 (closing stale sessions) fail after step 1 has committed its charges.
    await t.dataSource.query(`
      CREATE FUNCTION fail_lost_service() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.terminate_cause = 'Lost-Service' THEN RAISE EXCEPTION 'injected failure in step 3'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER fail_lost_service BEFORE UPDATE ON accounting_sessions FOR EACH ROW EXECUTE FUNCTION fail_lost_service();`);
    try {
      const failed = await runAccounting(t);
      expect(failed.status).toBe('failed');
      if (failed.status === 'failed') expect(failed.run.error).toContain('injected failure');
    } finally {
      await t.dataSource.query('DROP TRIGGER fail_lost_service ON accounting_sessions; DROP FUNCTION fail_lost_service();');
    }
    // The stale step (before the charge step) rolled back whole: both sessions still burn, uncharged since their
    // start, and every read counts the stale one only to its last update (its start).
    expect((await sessionsOf(t, user.username)).map((s) => [s.status, s.charged])).toEqual([['open', 0], ['open', 0]]);
    expect(await storedBalance(t, user.id)).toBe(3600);
    expect(await t.app.get(BalanceService).remaining(user.id)).toBe(2600);
    const next = await runAccounting(t);
    expect(next.status).toBe('finished');
    t.clock.advanceSeconds(20);
    await gateway.stop(live, 1020);
    await expectCharged('run killed in step 3; next run closes the stale one (0 s) and the live one stops at 1020 s', user, 3600, [1020, 0]);
  });

  it('a batch that fails at commit leaves nothing in the run record or the balances', async () => {
    const user = await subscriber(3600);
    const live = sessionIdentity(user.username);
    const stale = sessionIdentity(user.username);
    await gateway.start(live);
    await gateway.start(stale);
    t.clock.advanceSeconds(1000);
    await gateway.interim(live, 1000);
    // The stale-closing batch does all its work, then its COMMIT fails (a deferred constraint trigger).
    await t.dataSource.query(`
      CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.terminate_cause = 'Lost-Service' THEN RAISE EXCEPTION 'injected failure at commit'; END IF; RETURN NEW; END $$;
      CREATE CONSTRAINT TRIGGER fail_at_commit AFTER UPDATE ON accounting_sessions
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_at_commit();`);
    let failed: Awaited<ReturnType<typeof runAccounting>>;
    try {
      failed = await runAccounting(t);
    } finally {
      await t.dataSource.query('DROP TRIGGER fail_at_commit ON accounting_sessions; DROP FUNCTION fail_at_commit();');
    }
    expect(failed.status).toBe('failed');
    if (failed.status !== 'failed') return;
    expect(failed.run.error).toContain('injected failure at commit');
    // The stale close (which settled the subscriber: 1000 s charged, the stale one's time refunded) was rolled back
    // and is not counted; the charge step after it never ran.
    expect(failed.run.staleClosed).toBe(0);
    const [row] = await t.dataSource.query('SELECT stale_closed, sessions_charged, seconds_charged FROM accounting_runs WHERE id = $1', [failed.run.id]);
    expect(row).toMatchObject({ stale_closed: 0, sessions_charged: 0, seconds_charged: '0' });
    expect((await sessionsOf(t, user.username)).map((s) => [s.status, s.charged])).toEqual([['open', 0], ['open', 0]]);
    expect(await storedBalance(t, user.id)).toBe(3600);
    const next = await runAccounting(t);
    expect(next.status).toBe('finished');
    if (next.status === 'finished') expect(next.run.staleClosed).toBeGreaterThanOrEqual(1);
    t.clock.advanceSeconds(20);
    await gateway.stop(live, 1020);
    await expectCharged('a batch failing at COMMIT: nothing of it counted; next run completes it', user, 3600, [1020, 0]);
  });

  it('tokens past their lifetime are gone after a run; live ones are untouched', async () => {
    const expiring = await t.factories.subscriber({ tokenLifetime: 60 });
    const forever = await t.factories.subscriber({ tokenLifetime: null });
    const longLived = await t.factories.subscriber({ tokenLifetime: 86400 * 365 });
    t.clock.advanceSeconds(61);
    const outcome = await runAccounting(t);
    if (outcome.status === 'finished') expect(outcome.run.tokensExpired).toBeGreaterThanOrEqual(1);
    const rows: { user_id: number }[] = await t.dataSource.query('SELECT user_id FROM auth_tokens WHERE user_id = ANY($1)', [[expiring.id, forever.id, longLived.id]]);
    expect(rows.map((row) => row.user_id).sort((a, b) => a - b)).toEqual([forever.id, longLived.id].sort((a, b) => a - b));
  });
});
