import radius from 'radius';
import { setTimeout as sleep } from 'node:timers/promises';
import { BalanceService } from '../src/accounting/balance.service.js';
import { Role } from '../src/auth/policy.js';
import { loadConfig } from '../src/config/app-config.js';
import { Gateway, ledgerOf, runAccounting, sessionIdentity, storedBalance, type SessionIdentity } from './support/accounting.js';
import { coaListener, radiusTestConfig, type UdpPeer } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const COA_SECRET = 'coa-secret-exhaustion-01';
/** ACCOUNTING_INTERVAL_SECONDS: the scheduled run is a minute away, whatever happens in between. */
const RUN_INTERVAL_SECONDS = 60;

interface StoppedSession {
  acctSessionId: string;
  status: string;
  terminateCause: string | null;
  stoppedAt: Date | null;
  charged: number;
  overage: number;
}

/**
 * The exhaustion timer, with the in-process schedule on and a 60 s run interval: a balance that runs
 * out between runs is stopped on the second (at most 2 s late) and its Disconnect-Requests sent, and
 * it is never stopped while time is left. The fake clock is moved forward at the pace of real time
 * (the timer sleeps in real time, bounded, and reads the injected clock).
 */
describe('Accounting: exhaustion on the exact second', () => {
  let t: TestApp;
  let gateway: Gateway;
  let coa: UdpPeer;
  let ticker: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const accounting = { ...loadConfig({ ACCOUNTING_INTERVAL_SECONDS: String(RUN_INTERVAL_SECONDS) }).accounting, scheduleEnabled: true };
    t = await createTestApp({ ...radiusTestConfig(), accounting });
    coa = await coaListener(COA_SECRET, 'Disconnect-ACK', '127.0.0.11');
    const account = await t.factories.subscriber({ role: Role.Gateway });
    gateway = new Gateway(t, account.token);
    const staff = await t.factories.staff();
    const nas = await t.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`)
      .send({ name: 'hotspot-exhaustion', ip_address: '127.0.0.11', secret: COA_SECRET, coa_port: coa.port, gateway_user_id: account.id });
    if (nas.status !== 201) throw new Error(`NAS client not created: ${nas.status} ${JSON.stringify(nas.body)}`);
  });
  afterEach(() => clearInterval(ticker));
  afterAll(async () => {
    await coa?.close();
    await t?.close();
  });

  const at = (start: Date, seconds: number) => new Date(start.getTime() + seconds * 1000);

  /** Moves the fake clock forward with real time, 50 ms at a time. */
  function tickClock(): void {
    ticker = setInterval(() => t.clock.advanceSeconds(0.05), 50);
  }

  async function sessionsOf(username: string): Promise<StoppedSession[]> {
    const rows: { acct_session_id: string; status: string; terminate_cause: string | null; stopped_at: Date | null; charged: string; overage: string }[] =
      await t.dataSource.query(
        `SELECT acct_session_id, status, terminate_cause, stopped_at, charged_seconds AS charged, overage_seconds AS overage
           FROM accounting_sessions WHERE username = $1 ORDER BY id`,
        [username],
      );
    return rows.map((row) => ({
      acctSessionId: row.acct_session_id, status: row.status, terminateCause: row.terminate_cause, stoppedAt: row.stopped_at,
      charged: Number(row.charged), overage: Number(row.overage),
    }));
  }

  async function predictedExhaustion(userId: number): Promise<Date | null> {
    const rows: { exhausts_at: Date | null }[] = await t.dataSource.query('SELECT exhausts_at FROM aaa_profiles WHERE user_id = $1', [userId]);
    return rows[0]!.exhausts_at;
  }

  /** Waits (real time) until the subscriber has no open session, at most `timeoutMs`. */
  async function untilClosed(username: string, timeoutMs: number): Promise<StoppedSession[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const sessions = await sessionsOf(username);
      if (sessions.every((session) => session.status === 'closed') || Date.now() > deadline) return sessions;
      await sleep(25);
    }
  }

  /** The Disconnect-Requests received so far for these Acct-Session-Ids, with the fake time each arrived by. */
  function disconnectRequestsFor(ids: SessionIdentity[]): string[] {
    const wanted = new Set(ids.map((id) => id['Acct-Session-Id']));
    return coa.received
      .map((datagram) => radius.decode({ packet: datagram.message, secret: COA_SECRET }))
      .filter((packet) => packet.code === 'Disconnect-Request' && wanted.has(String(packet.attributes['Acct-Session-Id'])))
      .map((packet) => String(packet.attributes['Acct-Session-Id']));
  }

  it('stops a shared balance that runs out between runs within 2 s of the exact second and sends the Disconnect-Requests', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 100 });
    const start = t.clock.now();
    const ids = [sessionIdentity(user.username, 'hotspot-exhaustion'), sessionIdentity(user.username, 'hotspot-exhaustion')];
    for (const id of ids) await gateway.start(id);
    // A run 10 s in: both sessions charged 10, 80 s left for two sessions, so 0 at exactly start + 50.
    t.clock.set(at(start, 10));
    expect(await runAccounting(t)).toMatchObject({ status: 'finished', run: { sessionsStopped: 0 } });
    expect(await storedBalance(t, user.id)).toBe(80);
    const exhaustion = at(start, 50);

    // One second before: never stopped with time left, nothing sent.
    t.clock.set(at(start, 49));
    await sleep(1500);
    expect((await sessionsOf(user.username)).map((session) => session.status)).toEqual(['open', 'open']);
    expect(disconnectRequestsFor(ids)).toEqual([]);

    // From here on the clock runs at the pace of real time through the exact second.
    tickClock();
    const sessions = await untilClosed(user.username, 6000);
    expect(sessions.map((session) => [session.status, session.terminateCause])).toEqual([['closed', 'Session-Timeout'], ['closed', 'Session-Timeout']]);
    for (const session of sessions) {
      const lateMs = session.stoppedAt!.getTime() - exhaustion.getTime();
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThanOrEqual(2000);
      // Paid exactly the balance between them; anything past the second is overage, never a negative balance.
      expect(session.charged - session.overage).toBe(50);
      expect(session.overage).toBeLessThanOrEqual(2);
    }
    expect(await storedBalance(t, user.id)).toBe(0);
    const ledger = await ledgerOf(t, user.id);
    expect(ledger.filter((row) => row.kind === 'session').map((row) => row.delta)).toEqual([-50, -50]);

    // The Disconnect-Requests follow the commit, still within 2 s of the exact second (fake time, which runs with real time).
    const waitUntil = Date.now() + 6000;
    while (disconnectRequestsFor(ids).length < 2 && Date.now() < waitUntil) await sleep(10);
    const sentBy = t.clock.now();
    expect(new Set(disconnectRequestsFor(ids))).toEqual(new Set(ids.map((id) => id['Acct-Session-Id'])));
    expect(sentBy.getTime() - exhaustion.getTime()).toBeLessThanOrEqual(2000);
  });

  it('follows a Stop and a top-up between runs: the remaining session is stopped at its new exact second, not before', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 100 });
    const start = t.clock.now();
    const [first, second] = [sessionIdentity(user.username, 'hotspot-exhaustion'), sessionIdentity(user.username, 'hotspot-exhaustion')];
    await gateway.start(first);
    await gateway.start(second);
    // A Stop at 20 s: 60 s left for the one remaining session (0 at start + 80).
    t.clock.set(at(start, 20));
    await gateway.stop(first, 20);
    // A top-up of 30 s at 40 s: 0 at start + 110 instead.
    t.clock.set(at(start, 40));
    await t.app.get(BalanceService).add(user.id, 30, { actorUserId: null, reason: 'top-up' });

    // Past the exhaustion the balance had before the top-up: still open.
    t.clock.set(at(start, 85));
    await sleep(1500);
    expect((await sessionsOf(user.username)).map((session) => session.status)).toEqual(['closed', 'open']);

    t.clock.set(at(start, 108));
    tickClock();
    const sessions = await untilClosed(user.username, 8000);
    expect(sessions[0]).toMatchObject({ status: 'closed', terminateCause: 'User-Request', charged: 20, overage: 0 });
    expect(sessions[1]).toMatchObject({ status: 'closed', terminateCause: 'Session-Timeout' });
    const lateMs = sessions[1]!.stoppedAt!.getTime() - at(start, 110).getTime();
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThanOrEqual(2000);
    expect(sessions[1]!.charged - sessions[1]!.overage).toBe(110);
    expect(await storedBalance(t, user.id)).toBe(0);
  });

  it('follows a balance lowered between runs: the session is stopped at the new exact second', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 1000 });
    const start = t.clock.now();
    await gateway.start(sessionIdentity(user.username, 'hotspot-exhaustion'));
    // At 10 s the remaining balance is set to 20 s: 0 at start + 30 instead of start + 1000.
    t.clock.set(at(start, 10));
    await t.app.get(BalanceService).set(user.id, 20, { actorUserId: null, reason: 'correction' });
    t.clock.set(at(start, 28));
    tickClock();
    const [session] = await untilClosed(user.username, 6000);
    expect(session).toMatchObject({ status: 'closed', terminateCause: 'Session-Timeout' });
    const lateMs = session!.stoppedAt!.getTime() - at(start, 30).getTime();
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThanOrEqual(2000);
    expect(session!.charged - session!.overage).toBe(30);
    expect(await storedBalance(t, user.id)).toBe(0);
  });

  it('never stops a subscriber for a stale session, and stops it on the second that session reports again with the balance used up', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 1000 });
    const start = t.clock.now();
    const id = sessionIdentity(user.username, 'hotspot-exhaustion');
    await gateway.start(id);
    // Silent for longer than ACCOUNTING_STALE_AFTER_SECONDS (900 s): charged only up to its last update, it stops burning.
    t.clock.set(at(start, 1000));
    const deadline = Date.now() + 4000;
    while ((await predictedExhaustion(user.id)) !== null && Date.now() < deadline) await sleep(25);
    expect(await predictedExhaustion(user.id)).toBeNull();
    expect(await sessionsOf(user.username)).toMatchObject([{ status: 'open', charged: 0 }]);
    expect(await storedBalance(t, user.id)).toBe(1000);

    // It reports again: 1000 s since its start, the whole balance, so it is stopped now (not at the next run).
    await gateway.interim(id, 1000);
    const sessions = await untilClosed(user.username, 2000);
    expect(sessions).toMatchObject([{ status: 'closed', terminateCause: 'Session-Timeout', stoppedAt: at(start, 1000), charged: 1000, overage: 0 }]);
    expect(await storedBalance(t, user.id)).toBe(0);
  });

  it('keeps no prediction for a subscriber without live sessions', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 100 });
    const id = sessionIdentity(user.username, 'hotspot-exhaustion');
    await gateway.start(id);
    const predicted = () => predictedExhaustion(user.id);
    // The Start predicts it (never later than the real exhaustion): 100 s left, one session, so the second it reaches 0.
    const deadline = Date.now() + 4000;
    while ((await predicted())?.getTime() !== t.clock.now().getTime() + 100_000 && Date.now() < deadline) await sleep(25);
    expect((await predicted())!.getTime()).toBeLessThanOrEqual(t.clock.now().getTime() + 100_000);
    expect((await predicted())!.getTime()).toBeGreaterThan(t.clock.now().getTime());
    t.clock.advanceSeconds(5);
    await gateway.stop(id, 5);
    expect(await predicted()).toBeNull();
  });
});
