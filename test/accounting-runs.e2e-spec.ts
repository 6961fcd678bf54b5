import pg from 'pg';
import { ACCOUNTING_LOCK_KEY } from '../src/accounting/accounting-run.service.js';
import { Role } from '../src/auth/policy.js';
import { Gateway, sessionIdentity } from './support/accounting.js';
import type { CreatedSubscriber } from './support/factories.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

/** GET/POST /api/v1/accounting/runs/: staff-only, newest first, exact counts, dry runs change nothing, one run at a time. */
const RUNS = '/api/v1/accounting/runs/';
const RUN_FIELDS = ['id', 'started_at', 'finished_at', 'sessions_charged', 'seconds_charged', 'sessions_stopped', 'stale_closed', 'tokens_expired', 'error'];
const token = (key: string) => ({ Authorization: `Token ${key}` });
const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

interface RunItem {
  id: number;
  started_at: string;
  finished_at: string | null;
}

describe('accounting runs API', () => {
  let t: TestApp;
  let staff: CreatedSubscriber;

  beforeAll(async () => {
    t = await createTestApp();
    staff = await t.factories.staff({ tokenLifetime: null });
  });
  afterAll(async () => {
    await t?.close();
  });

  const startRun = (body?: object, key = staff.token) => {
    const request = t.api().post(RUNS).set(token(key));
    return body === undefined ? request : request.send(body);
  };
  const runCount = async () => Number((await t.dataSource.query('SELECT count(*) AS n FROM accounting_runs'))[0].n);

  it('is for staff only: 403 for admin, moderator, gateway and user; 401 without a token', async () => {
    const before = await runCount();
    for (const role of [Role.Admin, Role.Moderator, Role.Gateway, Role.User]) {
      const caller = await t.factories.subscriber({ role });
      await t.api().get(RUNS).set(token(caller.token)).expect(403, { detail: 'You do not have permission to perform this action.' });
      await startRun({}, caller.token).expect(403);
      await startRun({ dry_run: true }, caller.token).expect(403);
    }
    await t.api().get(RUNS).expect(401);
    await t.api().post(RUNS).expect(401);
    expect(await runCount()).toBe(before);
    await t.api().get(RUNS).set(token(staff.token)).expect(200);
  });

  it('lists runs newest first with exactly the documented fields, paginated', async () => {
    const started: RunItem[] = [];
    for (let i = 0; i < 3; i += 1) {
      t.clock.advanceSeconds(60);
      const response = await startRun().expect(201);
      expect(Object.keys(response.body)).toEqual(RUN_FIELDS);
      started.push(response.body);
    }
    const all = await t.api().get(RUNS).query({ limit: 1000 }).set(token(staff.token)).expect(200);
    const ids: number[] = all.body.results.map((run: RunItem) => run.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(all.body.results.slice(0, 3)).toEqual([...started].reverse());
    for (const run of all.body.results) expect(Object.keys(run)).toEqual(RUN_FIELDS);

    const first = await t.api().get(RUNS).query({ limit: 2 }).set(token(staff.token)).expect(200);
    expect(first.body.count).toBe(ids.length);
    expect(first.body.results.map((run: RunItem) => run.id)).toEqual(ids.slice(0, 2));
    expect(first.body.next).toBe(`${TEST_PUBLIC_URL}${RUNS}?limit=2&offset=2`);
    expect(first.body.previous).toBeNull();
    const second = await t.api().get(RUNS).query({ limit: 2, offset: 2 }).set(token(staff.token)).expect(200);
    expect(second.body.results.map((run: RunItem) => run.id)).toEqual(ids.slice(2, 4));
    expect(second.body.previous).toBe(`${TEST_PUBLIC_URL}${RUNS}?limit=2`);
  });

  it('validates the body', async () => {
    const before = await runCount();
    await startRun({ dry_run: 'yes' }).expect(400, { dry_run: ['Must be a valid boolean.'] });
    const unknown = await startRun({ dryrun: true }).expect(400);
    expect(Object.keys(unknown.body)).toEqual(['dryrun']);
    expect(await runCount()).toBe(before);
  });

  it('answers 409 while another process holds the accounting lock, and runs once it is released', async () => {
    const holder = new pg.Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      const before = await runCount();
      await holder.query('SELECT pg_advisory_lock($1)', [ACCOUNTING_LOCK_KEY]);
      const conflict = { detail: 'Not started: another accounting run is in progress (another replica or process holds the lock).' };
      await startRun().expect(409, conflict);
      await startRun({ dry_run: true }).expect(409, conflict);
      expect(await runCount()).toBe(before);
      await holder.query('SELECT pg_advisory_unlock($1)', [ACCOUNTING_LOCK_KEY]);
      await startRun().expect(201);
      expect(await runCount()).toBe(before + 1);
    } finally {
      await holder.end();
    }
  });

  describe('on a database of its own (exact counts)', () => {
    let fresh: TestApp;
    beforeAll(async () => {
      fresh = await createTestApp();
    });
    afterAll(async () => {
      await fresh?.close();
    });

    /** Everything a run may change. */
    async function state() {
      const [sessions, profiles, tokens, ledger, runs] = await Promise.all(
        ['accounting_sessions ORDER BY id', 'aaa_profiles ORDER BY user_id', 'auth_tokens ORDER BY user_id', 'balance_ledger ORDER BY id', 'accounting_runs ORDER BY id'].map(
          (table) => fresh.dataSource.query(`SELECT * FROM ${table}`),
        ),
      );
      return { sessions, profiles, tokens, ledger, runs };
    }

    it('a dry run (200) reports exactly what the real run (201) then does, and changes nothing', async () => {
      const admin = await fresh.factories.staff({ tokenLifetime: null });
      const gateway = new Gateway(fresh, (await fresh.factories.subscriber({ role: Role.Gateway, tokenLifetime: null })).token);
      const post = (body?: object) => {
        const request = fresh.api().post(RUNS).set(token(admin.token));
        return body === undefined ? request : request.send(body);
      };
      // c: a session that stopped reporting (stale after 900 s): never charged past its last update (its start), closed.
      const c = await fresh.factories.subscriber({ balanceSeconds: 1000 });
      await gateway.start(sessionIdentity(c.username));
      fresh.clock.advanceSeconds(1000);
      // a: two live sessions; b: one that runs out of balance (50 s for 60 s used).
      const a = await fresh.factories.subscriber({ balanceSeconds: 1000 });
      const b = await fresh.factories.subscriber({ balanceSeconds: 50 });
      await gateway.start(sessionIdentity(a.username));
      await gateway.start(sessionIdentity(a.username));
      await gateway.start(sessionIdentity(b.username));
      // d: a token with a 60 s lifetime, unused for 60 s.
      const d = await fresh.factories.subscriber({ tokenLifetime: 60 });
      fresh.clock.advanceSeconds(60);
      const now = iso(fresh.clock.now());

      // The caller's own token is stamped on use: let that happen before the snapshot.
      await fresh.api().get(RUNS).set(token(admin.token)).expect(200);
      const before = await state();
      const counts = { sessions_charged: 3, seconds_charged: 180, sessions_stopped: 1, stale_closed: 1, tokens_expired: 1 };
      const dry = await post({ dry_run: true }).expect(200);
      expect(dry.body).toEqual({ dry_run: true, started_at: now, ...counts });
      expect(await state()).toEqual(before);

      const run = await post({ dry_run: false }).expect(201);
      expect(run.body).toEqual({ id: expect.any(Number), started_at: now, finished_at: now, ...counts, error: null });
      const listed = await fresh.api().get(RUNS).set(token(admin.token)).expect(200);
      expect(listed.body).toEqual({ count: 1, next: null, previous: null, results: [run.body] });

      const balances = await fresh.dataSource.query('SELECT user_id, balance_seconds FROM aaa_profiles WHERE user_id = ANY($1) ORDER BY user_id', [[c.id, a.id, b.id]]);
      expect(balances).toEqual([
        { user_id: c.id, balance_seconds: '1000' },
        { user_id: a.id, balance_seconds: '880' },
        { user_id: b.id, balance_seconds: '0' },
      ]);
      expect(await fresh.dataSource.query('SELECT 1 FROM auth_tokens WHERE user_id = $1', [d.id])).toEqual([]);

      // Nothing left to do: a second run (and its dry run) count zeros.
      const zeros = { sessions_charged: 0, seconds_charged: 0, sessions_stopped: 0, stale_closed: 0, tokens_expired: 0 };
      expect((await post({ dry_run: true }).expect(200)).body).toEqual({ dry_run: true, started_at: now, ...zeros });
      expect((await post().expect(201)).body).toMatchObject(zeros);
    });
  });
});
