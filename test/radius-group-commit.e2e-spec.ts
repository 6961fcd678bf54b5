import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import radius from 'radius';
import { Role } from '../src/auth/policy.js';
import { Gateway, ledgerOf, runAccounting, sessionIdentity, sessionsOf, storedBalance, type SessionIdentity } from './support/accounting.js';
import type { CreatedSubscriber } from './support/factories.js';
import { attributeList, counterValue, radiusPorts, radiusTestConfig, requireRadclient, UdpPeer } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const SECRET = 'radius-group-commit-secret';

interface Burst {
  answered: number;
  lost: number;
  output: string;
}

/**
 * Group commit of RADIUS Accounting-Requests through the real radclient, `-p 50` (50 packets in
 * flight): records arriving together are applied in one transaction and answered only once it has
 * committed; a record that fails is refused alone; a failed commit answers none of its group.
 */
describe('RADIUS accounting group commit', () => {
  let t: TestApp;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    requireRadclient();
    dir = await mkdtemp(path.join(tmpdir(), 'timegate-group-commit-'));
    // A wide window, so the packets of one radclient burst meet in the same group on a loaded machine too.
    t = await createTestApp(radiusTestConfig({ groupCommitMs: 100, groupCommitMaxRecords: 100 }));
    port = radiusPorts(t).acct;
    const staff = await t.factories.staff();
    const created = await t.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`).send({ name: 'burst', ip_address: '127.0.0.1', secret: SECRET });
    if (created.status !== 201) throw new Error(`NAS client not created: ${created.status} ${JSON.stringify(created.body)}`);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `radclient -p 50 -f <file>`: every packet of the file, 50 in flight, each retried `retries` times. */
  async function burst(packets: Record<string, string | number>[], options: { timeout?: number; retries?: number } = {}): Promise<Burst> {
    const file = path.join(dir, `burst-${Math.random().toString(36).slice(2)}.txt`);
    await writeFile(file, `${packets.map((packet) => attributeList(packet)).join('\n\n')}\n`);
    const args = ['-s', '-q', '-p', '50', '-t', String(options.timeout ?? 5), '-r', String(options.retries ?? 3), '-f', file, `127.0.0.1:${port}`, 'acct', SECRET];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('radclient', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    const count = (label: string) => Number(new RegExp(`${label}\\s*:\\s*(\\d+)`).exec(output)?.[1] ?? NaN);
    return { answered: count('Accepted'), lost: count('Lost'), output };
  }

  const start = (id: SessionIdentity) => ({ 'Acct-Status-Type': 'Start', ...id });

  /** How many sessions each of these Acct-Session-Ids has, and in how many transactions they were written. */
  async function stored(ids: SessionIdentity[]): Promise<{ rows: number; distinct: number; transactions: number }> {
    const [row]: { rows: string; distinct: string; transactions: string }[] = await t.dataSource.query(
      `SELECT count(*) AS rows, count(DISTINCT acct_session_id) AS distinct, count(DISTINCT xmin::text) AS transactions
         FROM accounting_sessions WHERE acct_session_id = ANY($1::text[])`,
      [ids.map((id) => id['Acct-Session-Id'])],
    );
    return { rows: Number(row!.rows), distinct: Number(row!.distinct), transactions: Number(row!.transactions) };
  }

  async function subscribers(count: number, balanceSeconds: number): Promise<CreatedSubscriber[]> {
    const created: CreatedSubscriber[] = [];
    for (let i = 0; i < count; i += 1) created.push(await t.factories.subscriber({ balanceSeconds, withToken: false }));
    return created;
  }

  /** A trigger on accounting_sessions for the length of `work`: refuses rows of User-Names starting with `prefix`. */
  async function withFailingRows<T>(prefix: string, when: 'insert' | 'commit', work: () => Promise<T>): Promise<T> {
    const name = `test_refuse_${when}`;
    await t.dataSource.query(
      `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.username LIKE '${prefix}%' THEN RAISE EXCEPTION 'refused by the test (%)', NEW.username; END IF;
         RETURN NEW;
       END $$`,
    );
    await t.dataSource.query(
      when === 'insert'
        ? `CREATE TRIGGER ${name} BEFORE INSERT ON accounting_sessions FOR EACH ROW EXECUTE FUNCTION ${name}()`
        : `CREATE CONSTRAINT TRIGGER ${name} AFTER INSERT ON accounting_sessions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${name}()`,
    );
    try {
      return await work();
    } finally {
      await t.dataSource.query(`DROP TRIGGER ${name} ON accounting_sessions`);
      await t.dataSource.query(`DROP FUNCTION ${name}()`);
    }
  }

  it('answers a burst of Starts, Interim-Updates and Stops, each stored once, in shared transactions, the balances exact', async () => {
    const users = await subscribers(60, 3600);
    // 300 sessions: five per subscriber, so a group holds several sessions of one subscriber.
    const ids = Array.from({ length: 300 }, (_, n) => sessionIdentity(users[n % users.length]!.username, 'burst-nas'));

    const started = await burst(ids.map(start));
    expect({ answered: started.answered, lost: started.lost }).toEqual({ answered: 300, lost: 0 });
    const afterStart = await stored(ids);
    expect({ rows: afterStart.rows, distinct: afterStart.distinct }).toEqual({ rows: 300, distinct: 300 });
    // Group commit: far fewer transactions than records (rows inserted by one transaction share its xmin).
    expect(afterStart.transactions).toBeLessThanOrEqual(30);
    // Every subscriber was settled with its sessions, predicting the exact second its balance runs out
    // (3600 s shared by 5 burning sessions).
    const predicted: { user_id: number; seconds: number }[] = await t.dataSource.query(
      'SELECT user_id, extract(epoch FROM exhausts_at - $2::timestamptz)::int AS seconds FROM aaa_profiles WHERE user_id = ANY($1::int[])',
      [users.map((user) => user.id), t.clock.now()],
    );
    expect(new Set(predicted.map((row) => row.seconds))).toEqual(new Set([3600 / 5]));

    t.clock.advanceSeconds(60);
    const interims = await burst(ids.map((id) => ({ 'Acct-Status-Type': 'Interim-Update', ...id, 'Acct-Session-Time': 60, 'Acct-Input-Octets': 1000 })));
    expect({ answered: interims.answered, lost: interims.lost }).toEqual({ answered: 300, lost: 0 });

    t.clock.advanceSeconds(40);
    const stops = await burst(ids.map((id) => ({ 'Acct-Status-Type': 'Stop', ...id, 'Acct-Session-Time': 100, 'Acct-Terminate-Cause': 'User-Request' })));
    expect({ answered: stops.answered, lost: stops.lost }).toEqual({ answered: 300, lost: 0 });
    expect(await stored(ids)).toMatchObject({ rows: 300, distinct: 300 });
    for (const user of users) {
      expect(await sessionsOf(t, user.username)).toEqual(Array.from({ length: 5 }, () => expect.objectContaining({ status: 'closed', charged: 100, sessionTime: 100 })));
      expect(await storedBalance(t, user.id)).toBe(3600 - 5 * 100);
      expect(await ledgerOf(t, user.id)).toHaveLength(5);
    }
  });

  it('settles subscribers idle for an hour at their Starts: the new sessions burn from the Start, beside sessions already burning, the balances exact', async () => {
    const users = await subscribers(20, 3600);
    // Each subscriber's first session: 10 s, settled when it stopped; then an hour with nothing open.
    const first = users.map((user) => sessionIdentity(user.username, 'idle-nas'));
    expect((await burst(first.map(start))).answered).toBe(20);
    t.clock.advanceSeconds(10);
    expect((await burst(first.map((id) => ({ 'Acct-Status-Type': 'Stop', ...id, 'Acct-Session-Time': 10 })))).answered).toBe(20);
    t.clock.advanceSeconds(3600);
    // Half of them open one session alone first, so the next burst meets them busy (one session burning).
    const busy = users.slice(0, 10);
    const early = busy.map((user) => sessionIdentity(user.username, 'idle-nas'));
    expect((await burst(early.map(start))).answered).toBe(10);
    t.clock.advanceSeconds(30);
    // Two more sessions each, in one burst: idle subscribers (settled by the Starts' own statement) and busy ones (settled first) share groups.
    const ids = users.flatMap((user) => [sessionIdentity(user.username, 'idle-nas'), sessionIdentity(user.username, 'idle-nas')]);
    expect((await burst(ids.map(start))).answered).toBe(40);

    const predicted: { user_id: number; seconds: number }[] = await t.dataSource.query(
      'SELECT user_id, extract(epoch FROM exhausts_at - $2::timestamptz)::int AS seconds FROM aaa_profiles WHERE user_id = ANY($1::int[])',
      [users.map((user) => user.id), t.clock.now()],
    );
    const busyIds = new Set(busy.map((user) => user.id));
    for (const row of predicted) {
      // Idle: 3590 s left for two sessions. Busy: 3560 s left (30 s of the early session) for three.
      expect({ user: row.user_id, seconds: row.seconds }).toEqual({ user: row.user_id, seconds: busyIds.has(row.user_id) ? Math.ceil(3560 / 3) : 3590 / 2 });
    }
    t.clock.advanceSeconds(60);
    await runAccounting(t);
    for (const user of users) {
      expect(await storedBalance(t, user.id)).toBe(busyIds.has(user.id) ? 3590 - 30 - 3 * 60 : 3590 - 2 * 60);
    }
  });

  it('creates the sessions of a burst of Interim-Updates whose Starts were lost, each burning from its claimed start, the balances exact', async () => {
    const users = await subscribers(20, 3600);
    // 60 sessions: three per subscriber, each first heard of 30 s into it.
    const ids = Array.from({ length: 60 }, (_, n) => sessionIdentity(users[n % users.length]!.username, 'lost-starts-nas'));
    const interims = await burst(ids.map((id) => ({ 'Acct-Status-Type': 'Interim-Update', ...id, 'Acct-Session-Time': 30 })));
    expect({ answered: interims.answered, lost: interims.lost }).toEqual({ answered: 60, lost: 0 });
    const created = await stored(ids);
    expect({ rows: created.rows, distinct: created.distinct }).toEqual({ rows: 60, distinct: 60 });
    expect(created.transactions).toBeLessThanOrEqual(10);
    for (const user of users) {
      expect(await sessionsOf(t, user.username)).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ status: 'open', charged: 30 })));
      expect(await storedBalance(t, user.id)).toBe(3600 - 3 * 30);
    }
    // 3510 s left, shared by three burning sessions: 1170 s from now.
    const predicted: { seconds: number }[] = await t.dataSource.query(
      'SELECT extract(epoch FROM exhausts_at - $2::timestamptz)::int AS seconds FROM aaa_profiles WHERE user_id = ANY($1::int[])',
      [users.map((user) => user.id), t.clock.now()],
    );
    expect(new Set(predicted.map((row) => row.seconds))).toEqual(new Set([1170]));

    t.clock.advanceSeconds(20);
    const stops = await burst(ids.map((id) => ({ 'Acct-Status-Type': 'Stop', ...id, 'Acct-Session-Time': 50, 'Acct-Terminate-Cause': 'User-Request' })));
    expect({ answered: stops.answered, lost: stops.lost }).toEqual({ answered: 60, lost: 0 });
    for (const user of users) {
      expect(await sessionsOf(t, user.username)).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ status: 'closed', charged: 50 })));
      expect(await storedBalance(t, user.id)).toBe(3600 - 3 * 50);
    }
  });

  it('settles sessions of lost Starts as before when the balance does not cover them or the subscriber is online, in the same bursts', async () => {
    // Short: 50 s for two sessions first heard of 30 s in (the second one's last 10 s are overage).
    const short = await subscribers(10, 50);
    // Online: a session already burning for 100 s when two more are first heard of.
    const online = await subscribers(10, 3600);
    const running = online.map((user) => sessionIdentity(user.username, 'mixed-nas'));
    expect((await burst(running.map(start))).answered).toBe(10);
    t.clock.advanceSeconds(100);
    const ids = [...short, ...online].flatMap((user) => [sessionIdentity(user.username, 'mixed-nas'), sessionIdentity(user.username, 'mixed-nas')]);
    const interims = await burst(ids.map((id) => ({ 'Acct-Status-Type': 'Interim-Update', ...id, 'Acct-Session-Time': 30 })));
    expect({ answered: interims.answered, lost: interims.lost }).toEqual({ answered: 40, lost: 0 });
    for (const user of short) {
      const sessions = await sessionsOf(t, user.username);
      expect(sessions.map((session) => session.charged)).toEqual([30, 30]);
      expect(sessions.reduce((sum, session) => sum + session.overage, 0)).toBe(10);
      expect(await storedBalance(t, user.id)).toBe(0);
    }
    const predicted: { user_id: number; seconds: number }[] = await t.dataSource.query(
      'SELECT user_id, extract(epoch FROM exhausts_at - $2::timestamptz)::int AS seconds FROM aaa_profiles WHERE user_id = ANY($1::int[])',
      [online.map((user) => user.id), t.clock.now()],
    );
    // 3600 − 100 − 2 × 30 = 3440 s left, shared by three burning sessions.
    expect(new Set(predicted.map((row) => row.seconds))).toEqual(new Set([Math.ceil(3440 / 3)]));
    for (const user of online) {
      expect((await sessionsOf(t, user.username)).map((session) => session.charged)).toEqual([100, 30, 30]);
      expect(await storedBalance(t, user.id)).toBe(3440);
    }
  });

  it('groups HTTP accounting too: 30 Starts posted at once are stored once each, in shared transactions, burning from the start', async () => {
    const account = await t.factories.subscriber({ role: Role.Gateway });
    const gateway = new Gateway(t, account.token);
    const users = await subscribers(10, 600);
    const ids = Array.from({ length: 30 }, (_, n) => sessionIdentity(users[n % users.length]!.username, 'http-nas'));
    const answers = await Promise.all(ids.map((id) => gateway.start(id)));
    expect(answers.map((answer) => answer.result)).toEqual(ids.map(() => 'started'));
    const created = await stored(ids);
    expect({ rows: created.rows, distinct: created.distinct }).toEqual({ rows: 30, distinct: 30 });
    expect(created.transactions).toBeLessThan(30);
    // Sent again, each is a duplicate and changes nothing.
    const again = await Promise.all(ids.map((id) => gateway.start(id)));
    expect(again.map((answer) => answer.result)).toEqual(ids.map(() => 'duplicate'));
    t.clock.advanceSeconds(10);
    await Promise.all(ids.map((id) => gateway.stop(id, 10)));
    for (const user of users) {
      expect(await sessionsOf(t, user.username)).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ status: 'closed', charged: 10 })));
      expect(await storedBalance(t, user.id)).toBe(600 - 3 * 10);
    }
  });

  it('keeps the lock order with an accounting run charging the same subscribers at the same time: every record answered, balances exact', async () => {
    const users = await subscribers(40, 3600);
    const ids = Array.from({ length: 120 }, (_, n) => sessionIdentity(users[n % users.length]!.username, 'burst-run'));
    expect((await burst(ids.map(start))).answered).toBe(120);
    t.clock.advanceSeconds(60);
    const given = await counterValue('timegate_transactions_given_up_total', {});
    const [records, run] = await Promise.all([
      burst(ids.map((id, n) => ({ 'Acct-Status-Type': n % 3 === 0 ? 'Stop' : 'Interim-Update', ...id, 'Acct-Session-Time': 60 }))),
      runAccounting(t),
    ]);
    expect({ answered: records.answered, lost: records.lost, run: run.status }).toEqual({ answered: 120, lost: 0, run: 'finished' });
    expect(await counterValue('timegate_transactions_given_up_total', {})).toBe(given);
    await runAccounting(t);
    for (const user of users) {
      const sessions = await sessionsOf(t, user.username);
      expect(sessions.map((session) => session.charged)).toEqual([60, 60, 60]);
      expect(await storedBalance(t, user.id)).toBe(3600 - 3 * 60);
    }
  });

  it('refuses a record that fails inside a group alone (kept for replay) while the others commit', async () => {
    const users = await subscribers(20, 3600);
    const good = users.map((user) => sessionIdentity(user.username, 'burst-bad'));
    const bad = sessionIdentity('refused-inside', 'burst-bad');
    const packets = [...good.slice(0, 10), bad, ...good.slice(10)].map(start);

    // The refused record is never answered: radclient gives up on it after its one retry. 2 s per try leaves the good
    // records' group (run twice: once whole, then with a savepoint per record) room on a loaded CI machine.
    const result = await withFailingRows('refused-', 'insert', () => burst(packets, { timeout: 2, retries: 1 }));
    expect({ answered: result.answered, lost: result.lost }).toEqual({ answered: 20, lost: 1 });
    expect(await stored(good)).toMatchObject({ rows: 20, distinct: 20 });
    expect(await stored([bad])).toMatchObject({ rows: 0 });
    const kept: { reason: string }[] = await t.dataSource.query("SELECT reason FROM accounting_rejected WHERE body->>'Acct-Session-Id' = $1", [bad['Acct-Session-Id']]);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.every((row) => row.reason.startsWith('apply_failed: ') && row.reason.includes('refused by the test'))).toBe(true);
  });

  it('answers no record of a group whose commit fails, and stores none; sent again, each is answered and stored once', async () => {
    const users = await subscribers(10, 3600);
    const ids = [...users.map((user) => sessionIdentity(user.username, 'burst-commit')), sessionIdentity('uncommittable-user', 'burst-commit')];
    const rejected = await counterValue('timegate_accounting_rejected_total', { source: 'radius', reason: 'apply_failed', stored: 'true' });

    const failed = await withFailingRows('uncommittable-', 'commit', () => burst(ids.map(start), { timeout: 1, retries: 1 }));
    expect({ answered: failed.answered, lost: failed.lost }).toEqual({ answered: 0, lost: 11 });
    expect(await stored(ids)).toMatchObject({ rows: 0 });
    expect(await counterValue('timegate_accounting_rejected_total', { source: 'radius', reason: 'apply_failed', stored: 'true' })).toBeGreaterThanOrEqual(rejected + 11);

    const again = await burst(ids.map(start));
    expect({ answered: again.answered, lost: again.lost }).toEqual({ answered: 11, lost: 0 });
    expect(await stored(ids)).toMatchObject({ rows: 11, distinct: 11 });
  });

  it('answers retransmits that arrive while their group is open as duplicates, applied once', async () => {
    const user = await t.factories.subscriber({ balanceSeconds: 3600, withToken: false });
    const id = sessionIdentity(user.username, 'burst-retransmit');
    const nas = await UdpPeer.bind();
    try {
      const packet = (identifier: number, delay: number) =>
        radius.encode({ code: 'Accounting-Request', secret: SECRET, identifier, attributes: [['Acct-Status-Type', 'Start'], ...Object.entries(id), ['Acct-Delay-Time', delay]] });
      const first = packet(7, 0);
      // The same packet again (a retransmit), and the NAS's own new copy of the record (new identifier and Acct-Delay-Time).
      const duplicates = await counterValue('radius_duplicate_requests_total', { listener: 'acct' });
      const started = await counterValue('timegate_accounting_records_total', { status_type: 'Start', result: 'started' });
      const repeated = await counterValue('timegate_accounting_records_total', { status_type: 'Start', result: 'duplicate' });
      await Promise.all([nas.send(first, port), nas.send(first, port), nas.send(packet(8, 1), port)]);
      await nas.waitFor(3);
      const answers = nas.received.map(({ message }) => radius.decode({ packet: message, secret: SECRET }));
      expect(answers.map((answer) => answer.code)).toEqual(['Accounting-Response', 'Accounting-Response', 'Accounting-Response']);
      expect(answers.map((answer) => answer.identifier).toSorted((a, b) => a - b)).toEqual([7, 7, 8]);
      expect(await counterValue('radius_duplicate_requests_total', { listener: 'acct' })).toBe(duplicates + 1);
      expect(await counterValue('timegate_accounting_records_total', { status_type: 'Start', result: 'started' })).toBe(started + 1);
      expect(await counterValue('timegate_accounting_records_total', { status_type: 'Start', result: 'duplicate' })).toBe(repeated + 1);
    } finally {
      await nas.close();
    }
    expect(await stored([id])).toMatchObject({ rows: 1 });
    expect(await sessionsOf(t, user.username)).toMatchObject([{ status: 'open' }]);
  });
});
