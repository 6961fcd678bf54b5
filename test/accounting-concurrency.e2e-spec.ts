import { sessionChargedSql } from '../src/accounting/balance-sql.js';
import { Role } from '../src/auth/policy.js';
import { transactionRetries } from '../src/observability/metrics.js';
import { runAccounting, sessionIdentity, type SessionIdentity } from './support/accounting.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Everything that touches a subscriber at once, from several connections, for STRESS_SECONDS of
 * real time against the real PostgreSQL: balance PATCHes, Start / Interim / Stop, subscriber
 * DELETE (and re-creation) and accounting runs. No request may answer 5xx, no run may fail, every
 * acknowledged record must be applied, and every subscriber's ledger must add up.
 */
const STRESS_SECONDS = 15;
const WORKERS = 8;
const SUBSCRIBERS = 6;
const USER_TOKEN = '/api/v1/user_token/';
const ACCOUNTING = '/api/v1/accounting/';

type Operation = 'patch' | 'start' | 'interim' | 'stop' | 'delete' | 'run';

interface Subscriber {
  id: number;
  uuid: string;
  username: string;
  deleted: boolean;
}

interface OpenSession {
  subscriber: Subscriber;
  identity: SessionIdentity;
  startedAt: number;
}

describe('accounting under concurrent load: no deadlock reaches a client, nothing acknowledged is lost', () => {
  let t: TestApp;
  let admin: CreatedSubscriber;
  let gateway: CreatedSubscriber;
  let staff: CreatedSubscriber;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.factories.subscriber({ role: Role.Admin, tokenLifetime: null });
    gateway = await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null });
    staff = await t.factories.staff({ tokenLifetime: null });
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`${STRESS_SECONDS} s of PATCH balance, Start, Interim, Stop, DELETE and runs: 0 × 5xx, every ack applied, ledgers add up`, async () => {
    const subscribers: Subscriber[] = [];
    const open: OpenSession[] = [];
    const counts = Object.fromEntries((['patch', 'start', 'interim', 'stop', 'delete', 'run'] as Operation[]).map((op) => [op, { sent: 0, status5xx: 0, statuses: {} as Record<string, number> }]));
    const runOutcomes: Record<string, number> = {};
    const ackedPatches: { userId: number; value: number }[] = [];
    const ackedStops: { acctUniqueId: string; sessionTime: number; subscriber: Subscriber }[] = [];
    const ackedStarts: { acctUniqueId: string; subscriber: Subscriber }[] = [];
    let patchValue = 0;

    const record = (op: Operation, status: number) => {
      counts[op]!.sent += 1;
      counts[op]!.statuses[status] = (counts[op]!.statuses[status] ?? 0) + 1;
      if (status >= 500) counts[op]!.status5xx += 1;
    };
    const createSubscriber = async () => {
      const response = await t.api().post(USER_TOKEN).set('Authorization', `Token ${admin.token}`)
        .send({ username: uniqueUsername('stress'), organization: 'acme_corp', email: 'stress@example.com', role: 'user', balance_seconds: 900 });
      if (response.status !== 201) throw new Error(`creating a subscriber: ${response.status} ${JSON.stringify(response.body)}`);
      const [{ uuid }] = await t.dataSource.query('SELECT uuid FROM users WHERE id = $1', [response.body.id]);
      subscribers.push({ id: response.body.id as number, uuid: uuid as string, username: response.body.username as string, deleted: false });
    };
    const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];
    const live = () => subscribers.filter((s) => !s.deleted);
    const elapsed = (session: OpenSession) => Math.max(0, Math.floor((t.clock.now().getTime() - session.startedAt) / 1000));
    const accounting = (body: object) => t.api().post(ACCOUNTING).set('Authorization', `Bearer ${gateway.token}`).send(body);

    const operations: Record<Operation, () => Promise<void>> = {
      patch: async () => {
        const subscriber = pick(live());
        if (!subscriber) return;
        // Strictly growing values a million apart: every acknowledged PATCH changes the balance and leaves a ledger row.
        patchValue += 1;
        const value = patchValue * 1_000_000;
        const response = await t.api().patch(`${USER_TOKEN}${subscriber.id}/`).set('Authorization', `Token ${admin.token}`).send({ balance_seconds: value });
        record('patch', response.status);
        if (response.status === 200) ackedPatches.push({ userId: subscriber.id, value });
      },
      start: async () => {
        const subscriber = pick(live());
        if (!subscriber) return;
        const identity = sessionIdentity(subscriber.username, `nas-${Math.floor(Math.random() * 3)}`);
        const startedAt = t.clock.now().getTime();
        const response = await accounting({ 'Acct-Status-Type': 'Start', ...identity });
        record('start', response.status);
        if (response.status === 200 && response.body.result === 'started') {
          open.push({ subscriber, identity, startedAt });
          ackedStarts.push({ acctUniqueId: response.body.acct_unique_id as string, subscriber });
        }
      },
      interim: async () => {
        const session = pick(open);
        if (!session) return;
        const response = await accounting({ 'Acct-Status-Type': 'Interim-Update', ...session.identity, 'Acct-Session-Time': elapsed(session) });
        record('interim', response.status);
      },
      stop: async () => {
        const session = open.splice(Math.floor(Math.random() * open.length), 1)[0];
        if (!session) return;
        const sessionTime = elapsed(session);
        const response = await accounting({ 'Acct-Status-Type': 'Stop', ...session.identity, 'Acct-Session-Time': sessionTime, 'Acct-Terminate-Cause': 'User-Request' });
        record('stop', response.status);
        if (response.status === 200 && response.body.result === 'stopped') {
          ackedStops.push({ acctUniqueId: response.body.acct_unique_id as string, sessionTime, subscriber: session.subscriber });
        }
      },
      delete: async () => {
        const subscriber = pick(live());
        if (!subscriber || live().length < SUBSCRIBERS - 1) return;
        // Both ways to delete an account: the user_token API (admin) and /api/users/ (staff).
        const response = Math.random() < 0.5
          ? await t.api().delete(`${USER_TOKEN}${subscriber.id}/`).set('Authorization', `Token ${admin.token}`)
          : await t.api().delete(`/api/users/${subscriber.uuid}/`).set('Authorization', `Token ${staff.token}`);
        record('delete', response.status);
        if (response.status === 204) {
          subscriber.deleted = true;
          await createSubscriber();
        }
      },
      run: async () => {
        const outcome = await runAccounting(t);
        record('run', outcome.status === 'failed' ? 500 : 200);
        runOutcomes[outcome.status] = (runOutcomes[outcome.status] ?? 0) + 1;
      },
    };
    // Weights: mostly accounting records and PATCHes, some runs, a few deletions.
    const mix: Operation[] = ['patch', 'patch', 'patch', 'start', 'start', 'interim', 'interim', 'stop', 'stop', 'run', 'delete'];

    for (let i = 0; i < SUBSCRIBERS; i += 1) await createSubscriber();
    const deadline = Date.now() + STRESS_SECONDS * 1000;
    // Fake time moves 2 s every 50 ms of real time while the load runs (sessions last long enough to be charged and exhausted).
    const ticker = setInterval(() => t.clock.advanceSeconds(2), 50);
    try {
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (Date.now() < deadline) await operations[pick(mix)!]();
        }),
      );
    } finally {
      clearInterval(ticker);
    }

    const summary = Object.entries(counts).map(([op, c]) => `${op}: ${c.sent} sent, ${c.status5xx} × 5xx ${JSON.stringify(c.statuses)}`);
    const retries = (await transactionRetries.get()).values.map((v) => `${v.labels.sqlstate}: ${v.value}`).join(', ');
    console.log(`stress ${STRESS_SECONDS} s, ${WORKERS} workers\n${summary.join('\n')}\nruns: ${JSON.stringify(runOutcomes)}\ntransaction retries: ${retries || 'none'}`);

    // No deadlock or serialization failure reached a client, and no run failed.
    expect(Object.values(counts).reduce((sum, c) => sum + c.status5xx, 0)).toBe(0);
    expect(runOutcomes.failed ?? 0).toBe(0);
    expect(counts.stop!.sent).toBeGreaterThan(0);
    expect(counts.patch!.sent).toBeGreaterThan(0);

    // Every acknowledged Start opened a session; every acknowledged Stop closed its session with the NAS's time, fully charged.
    const sessions: { acct_unique_id: string; user_id: number | null; status: string; session_time: string; charged_seconds: string }[] =
      await t.dataSource.query('SELECT acct_unique_id, user_id, status, session_time, charged_seconds FROM accounting_sessions');
    const byUniqueId = new Map(sessions.map((s) => [s.acct_unique_id, s]));
    for (const start of ackedStarts) expect(byUniqueId.has(start.acctUniqueId)).toBe(true);
    for (const stop of ackedStops) {
      const session = byUniqueId.get(stop.acctUniqueId);
      expect(session).toMatchObject({ status: 'closed', session_time: String(stop.sessionTime) });
      if (!stop.subscriber.deleted) expect(session).toMatchObject({ user_id: stop.subscriber.id, charged_seconds: String(stop.sessionTime) });
    }
    // Every acknowledged PATCH of a subscriber still there is in its ledger with the balance it set.
    const ledger: { user_id: number; balance_after: string; reason: string }[] = await t.dataSource.query(
      "SELECT user_id, balance_after, reason FROM balance_ledger WHERE kind IN ('top_up', 'adjustment')",
    );
    const ledgered = new Set(ledger.map((row) => `${row.user_id}:${row.balance_after}:${row.reason}`));
    const present = new Set(live().map((s) => s.id));
    for (const patch of ackedPatches.filter((p) => present.has(p.userId))) {
      expect(ledgered.has(`${patch.userId}:${patch.value}:PATCH ${USER_TOKEN}${patch.userId}/`)).toBe(true);
    }
    // The ledger invariant for every subscriber: balance = Σ ledger deltas − what open sessions have paid so far
    // (up to their subscriber's settled_at, sessionChargedSql),
    // and each closed session's ledger rows add up to exactly what it paid.
    const broken: unknown[] = await t.dataSource.query(
      `SELECT p.user_id, p.balance_seconds,
              (SELECT COALESCE(SUM(delta_seconds), 0) FROM balance_ledger l WHERE l.user_id = p.user_id) AS ledger,
              (SELECT COALESCE(SUM(${sessionChargedSql('s', 'p')} - s.overage_seconds), 0) FROM accounting_sessions s WHERE s.user_id = p.user_id AND s.status = 'open') AS open_paid
         FROM aaa_profiles p
        WHERE p.balance_seconds <> (SELECT COALESCE(SUM(delta_seconds), 0) FROM balance_ledger l WHERE l.user_id = p.user_id)
                                 - (SELECT COALESCE(SUM(${sessionChargedSql('s', 'p')} - s.overage_seconds), 0) FROM accounting_sessions s WHERE s.user_id = p.user_id AND s.status = 'open')`,
    );
    expect(broken).toEqual([]);
    const misrecorded: unknown[] = await t.dataSource.query(
      `SELECT s.id, s.charged_seconds, s.overage_seconds, l.paid, l.overage FROM accounting_sessions s
         JOIN LATERAL (SELECT -COALESCE(SUM(delta_seconds), 0) AS paid, COALESCE(SUM(overage_seconds), 0) AS overage
                         FROM balance_ledger WHERE session_id = s.id) l ON true
        WHERE s.status = 'closed' AND s.user_id IS NOT NULL
          AND (l.paid <> s.charged_seconds - s.overage_seconds OR l.overage <> s.overage_seconds)`,
    );
    expect(misrecorded).toEqual([]);
  }, (STRESS_SECONDS + 45) * 1000);

  describe('a transaction that deadlocks', () => {
    // PostgreSQL's own deadlock error, raised from a trigger on the session insert: `fails` times, then never.
    async function deadlockSessionInserts(fails: number): Promise<void> {
      await t.dataSource.query(`
        CREATE SEQUENCE injected_deadlocks;
        CREATE FUNCTION inject_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF nextval('injected_deadlocks') <= ${fails} THEN RAISE EXCEPTION 'injected deadlock' USING ERRCODE = '40P01'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER inject_deadlock BEFORE INSERT ON accounting_sessions FOR EACH ROW EXECUTE FUNCTION inject_deadlock();`);
    }
    afterEach(async () => {
      await t.dataSource.query('DROP TRIGGER IF EXISTS inject_deadlock ON accounting_sessions; DROP FUNCTION IF EXISTS inject_deadlock(); DROP SEQUENCE IF EXISTS injected_deadlocks;');
    });
    const send = (body: object) => t.api().post(ACCOUNTING).set('Authorization', `Bearer ${gateway.token}`).send(body);

    it('is run again whole: a Stop that deadlocked twice is applied once and acknowledged', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      await deadlockSessionInserts(2);
      const stop = await send({ 'Acct-Status-Type': 'Stop', ...sessionIdentity(user.username), 'Acct-Session-Time': 100, 'Acct-Terminate-Cause': 'User-Request' });
      expect(stop.status).toBe(200);
      expect(stop.body.result).toBe('stopped');
      expect(await t.dataSource.query('SELECT balance_seconds FROM aaa_profiles WHERE user_id = $1', [user.id])).toEqual([{ balance_seconds: '900' }]);
      expect(await t.dataSource.query('SELECT delta_seconds FROM balance_ledger WHERE user_id = $1', [user.id])).toEqual([{ delta_seconds: '-100' }]);
    });

    it('answers 503 with Retry-After once every attempt deadlocked, never 500, and writes nothing', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      await deadlockSessionInserts(1000);
      const identity = sessionIdentity(user.username);
      const start = await send({ 'Acct-Status-Type': 'Start', ...identity });
      expect(start.status).toBe(503);
      expect(start.headers['retry-after']).toBe('1');
      expect(start.body).toEqual({ detail: 'The database is busy with concurrent changes to this account; try again.' });
      const stop = await send({ 'Acct-Status-Type': 'Stop', ...identity, 'Acct-Session-Time': 100, 'Acct-Terminate-Cause': 'User-Request' });
      expect(stop.status).toBe(503);
      expect(await t.dataSource.query('SELECT 1 FROM accounting_sessions WHERE username = $1', [user.username])).toEqual([]);
      expect(await t.dataSource.query('SELECT balance_seconds FROM aaa_profiles WHERE user_id = $1', [user.id])).toEqual([{ balance_seconds: '1000' }]);
    });
  });
});
