import radius from 'radius';
import { runAccounting } from './support/accounting.js';
import { runCli, type CliResult } from './support/cli.js';
import { coaListener } from './support/radius.js';
import { uniqueUsername } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The accounting and balance commands of the compiled CLI, run as child processes against a test
 * database. `npm test` builds dist/ first; TIMEGATE_CLI_MAIN points at another build. The CLI uses
 * the real clock, so the data is written relative to PostgreSQL's now() and each exact count is
 * either independent of the second the command runs or compared with what the database shows.
 */
/** Each command boots the application (~1–2 s, far more on a busy machine): room for several per test. */
const CLI_TIMEOUT = 120_000;


/** The CLI on this test database, with the accounting settings at their defaults and no schedule. */
function runCliOn(databaseUrl: string, args: string[]): Promise<CliResult> {
  return runCli(args, { DATABASE_URL: databaseUrl, ACCOUNTING_SCHEDULE_ENABLED: 'false' }, [
    'ACCOUNTING_STALE_AFTER_SECONDS',
    'ACCT_INTERIM_INTERVAL_SECONDS',
    'ACCOUNTING_BATCH_SIZE',
  ]);
}

/** The STEP/COUNT table of accounting:run as a map. */
function runTable(stdout: string): Record<string, number> {
  const lines = stdout.trimEnd().split('\n');
  const header = lines.findIndex((line) => /^STEP +COUNT$/.test(line));
  if (header < 0) throw new Error(`no run table in:\n${stdout}`);
  return Object.fromEntries(lines.slice(header + 1).map((line) => {
    const [step, count] = line.split(/ {2,}/);
    return [step!, Number(count)];
  }));
}

describe('CLI: accounting and balance commands (compiled, as a child process)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    // The CLI stamps with the real time; the app's clock (factories) must agree.
    t.clock.set(new Date());
  });
  afterAll(async () => {
    await t?.close();
  });

  const cli = (...args: string[]) => runCliOn(t.databaseUrl, args);

  /** A database of its own, so a run's counts are exactly this test's. */
  async function freshDatabase(): Promise<TestApp> {
    const fresh = await createTestApp();
    fresh.clock.set(new Date());
    return fresh;
  }

  async function insertSession(db: TestApp, userId: number, username: string, opts: { startedAgo: number; updatedAgo: number }): Promise<string> {
    const [row] = await db.dataSource.query(
      `INSERT INTO accounting_sessions (acct_unique_id, acct_session_id, user_id, username, nas_identifier, started_at, last_update_at, status)
       VALUES (md5(random()::text), $1, $2, $3, 'nas-cli', now() - make_interval(secs => $4), now() - make_interval(secs => $5), 'open')
       RETURNING id::text AS id`,
      [uniqueUsername('acct'), userId, username, opts.startedAgo, opts.updatedAgo],
    );
    return row.id;
  }

  /** What a run may change, as the database shows it. */
  async function state(db: TestApp) {
    const [sessions, profiles, tokens, ledger, runs] = await Promise.all(
      ['accounting_sessions ORDER BY id', 'aaa_profiles ORDER BY user_id', 'auth_tokens ORDER BY user_id', 'balance_ledger ORDER BY id', 'accounting_runs ORDER BY id'].map(
        (table) => db.dataSource.query(`SELECT * FROM ${table}`),
      ),
    );
    return { sessions, profiles, tokens, ledger, runs };
  }

  /**
   * A stale session (started 2000 s ago, last update 1000 s ago: charged only to its last update, 1000 s, and closed),
   * a live one of a subscriber with no balance (stopped), and a token unused past its 60 s lifetime.
   */
  async function scenario(db: TestApp) {
    const stale = await db.factories.subscriber({ balanceSeconds: 5000 });
    const broke = await db.factories.subscriber({ balanceSeconds: 0 });
    const expiring = await db.factories.subscriber({ tokenLifetime: 60 });
    const staleId = await insertSession(db, stale.id, stale.username, { startedAgo: 2000, updatedAgo: 1000 });
    const brokeId = await insertSession(db, broke.id, broke.username, { startedAgo: 30, updatedAgo: 0 });
    await db.dataSource.query("UPDATE auth_tokens SET last_used_at = now() - interval '1 hour' WHERE user_id = $1", [expiring.id]);
    return { stale, broke, expiring, staleId, brokeId };
  }

  const charged = async (db: TestApp) =>
    Number((await db.dataSource.query('SELECT COALESCE(SUM(charged_seconds), 0) AS n FROM accounting_sessions'))[0].n);

  describe('accounting:run and accounting:status', () => {
    it('status, then --dry-run (changes nothing), then a run whose printed counts match what happened, then status again', async () => {
      const db = await freshDatabase();
      try {
        const { stale, broke, expiring, staleId, brokeId } = await scenario(db);
        const settings = [
          'schedule: no scheduled run recorded (the service schedule is off or has not run yet; runs come from accounting:run or the API)',
          'stale after: 900 s without an update',
        ];
        const empty = await runCliOn(db.databaseUrl, ['accounting:status']);
        expect(empty).toMatchObject({ code: 0, stdout: [...settings, 'open sessions: 2', 'no accounting run yet', ''].join('\n') });

        // --dry-run: the counts of a run now, and not one row changed.
        const before = await state(db);
        const dry = await runCliOn(db.databaseUrl, ['accounting:run', '--dry-run']);
        expect(dry.code).toBe(0);
        expect(dry.stdout).toMatch(/^dry run at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z: a run now would do this \(nothing was changed\)\n/);
        const wouldDo = runTable(dry.stdout);
        expect(wouldDo).toEqual({ 'sessions charged': 2, 'seconds charged': expect.any(Number), 'stopped (no balance)': 1, 'stale closed': 1, 'tokens expired': 1 });
        expect(wouldDo['seconds charged']).toBeGreaterThanOrEqual(1030);
        expect(await state(db)).toEqual(before);

        // The run.
        const chargedBefore = await charged(db);
        const result = await runCliOn(db.databaseUrl, ['accounting:run']);
        expect(result.code).toBe(0);
        const [run] = await db.dataSource.query('SELECT * FROM accounting_runs');
        expect(result.stdout).toMatch(new RegExp(`^run ${run.id} finished in \\d+\\.\\d{2} s\\n`));
        const sessions = await db.dataSource.query(
          'SELECT id::text AS id, status, terminate_cause, session_time, charged_seconds, overage_seconds FROM accounting_sessions ORDER BY id',
        );
        expect(sessions).toEqual([
          { id: staleId, status: 'closed', terminate_cause: 'Lost-Service', session_time: '1000', charged_seconds: '1000', overage_seconds: '0' },
          { id: brokeId, status: 'closed', terminate_cause: 'Session-Timeout', session_time: expect.any(String), charged_seconds: expect.any(String), overage_seconds: expect.any(String) },
        ]);
        const brokeSession = sessions[1];
        expect(Number(brokeSession.charged_seconds)).toBeGreaterThanOrEqual(30);
        expect(brokeSession.overage_seconds).toBe(brokeSession.charged_seconds);
        expect(brokeSession.session_time).toBe(brokeSession.charged_seconds);
        const balances = await db.dataSource.query('SELECT user_id, balance_seconds FROM aaa_profiles WHERE user_id = ANY($1) ORDER BY user_id', [[stale.id, broke.id]]);
        expect(balances).toEqual([{ user_id: stale.id, balance_seconds: '4000' }, { user_id: broke.id, balance_seconds: '0' }]);
        expect(await db.dataSource.query('SELECT 1 FROM auth_tokens WHERE user_id = $1', [expiring.id])).toEqual([]);

        const seconds = (await charged(db)) - chargedBefore;
        // The stale session is charged up to now, then refunded to its last update: two charges.
        expect(runTable(result.stdout)).toEqual({ 'sessions charged': 2, 'seconds charged': seconds, 'stopped (no balance)': 1, 'stale closed': 1, 'tokens expired': 1 });
        expect({ ...run, seconds_charged: Number(run.seconds_charged) }).toMatchObject({
          sessions_charged: 2, seconds_charged: seconds, sessions_stopped: 1, stale_closed: 1, tokens_expired: 1, error: null, trigger: 'cli',
        });

        // Status lists the runs newest first (two more, run in process) and the open sessions.
        const user = await db.factories.subscriber({ balanceSeconds: 5000 });
        for (let i = 0; i < 3; i += 1) await insertSession(db, user.id, user.username, { startedAgo: 10, updatedAgo: 0 });
        db.clock.set(new Date());
        for (let i = 0; i < 2; i += 1) expect((await runAccounting(db)).status).toBe('finished');
        const ids: string[] = (await db.dataSource.query('SELECT id::text AS id FROM accounting_runs ORDER BY id DESC')).map((r: { id: string }) => r.id);
        const [status, limited] = await Promise.all([
          runCliOn(db.databaseUrl, ['accounting:status']),
          runCliOn(db.databaseUrl, ['accounting:status', '--limit', '1']),
        ]);
        expect(status.code).toBe(0);
        const lines = status.stdout.trimEnd().split('\n');
        expect(lines.slice(0, 3)).toEqual([...settings, 'open sessions: 3']);
        expect(lines[3]).toMatch(/^RUN +STARTED +TOOK +CHARGED +SECONDS +STOPPED +STALE +TOKENS +RESULT$/);
        const rows = lines.slice(4).map((line) => line.split(/ {2,}/));
        expect(rows.map((row) => row[0])).toEqual(ids);
        expect(rows[2]).toEqual([String(run.id), expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), expect.stringMatching(/^\d+ s$/), '2', String(seconds), '1', '1', '1', 'ok']);
        expect(rows.every((row) => row[8] === 'ok')).toBe(true);

        expect(limited.stdout.trimEnd().split('\n').slice(4).map((line) => line.split(/ {2,}/)[0])).toEqual([ids[0]]);
      } finally {
        await db.close();
      }
    }, CLI_TIMEOUT);
  });

  describe('accounting:status shows the schedule the service runs', () => {
    it('reads the interval, last run and instance from the scheduled runs, not from its own settings', async () => {
      const db = await freshDatabase();
      try {
        // A service on another host runs every 45 s; this command's own settings say 999 s and schedule off.
        await db.dataSource.query(
          `INSERT INTO accounting_runs (started_at, finished_at, trigger, instance)
           SELECT now() - make_interval(secs => s), now() - make_interval(secs => s - 1), 'schedule', 'svc-host:42'
           FROM unnest(ARRAY[135, 90, 45, 0]) AS s`,
        );
        const [last] = await db.dataSource.query(`SELECT started_at FROM accounting_runs ORDER BY started_at DESC LIMIT 1`);
        const result = await runCli(['accounting:status'], { DATABASE_URL: db.databaseUrl, ACCOUNTING_SCHEDULE_ENABLED: 'false', ACCOUNTING_INTERVAL_SECONDS: '999' });
        expect(result.code).toBe(0);
        expect(result.stdout.split('\n')[0]).toBe(
          `schedule: every ~45 s, as the service runs it (last ${new Date(last.started_at).toISOString()} by svc-host:42)`,
        );
      } finally {
        await db.close();
      }
    }, CLI_TIMEOUT);
  });

  describe('accounting:run and Disconnect-Requests', () => {
    it('says it waits for the NAS answers, and why, before exiting; logs as JSON lines without colour when piped', async () => {
      const db = await freshDatabase();
      const coa = await coaListener('coa-secret-cli-0123', 'none', '127.0.0.7');
      try {
        const staff = await db.factories.staff();
        const added = await db.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`)
          .send({ name: 'nas-cli-silent', ip_address: '127.0.0.7', secret: 'coa-secret-cli-0123', coa_port: coa.port });
        expect(added.status).toBe(201);
        const broke = await db.factories.subscriber({ balanceSeconds: 0 });
        const sessionId = await insertSession(db, broke.id, broke.username, { startedAgo: 30, updatedAgo: 0 });
        // Bound to that NAS client, as a session it reported over RADIUS would be.
        await db.dataSource.query(`UPDATE accounting_sessions SET nas_ip_address = '127.0.0.7', nas_client_id = $2 WHERE id = $1`, [sessionId, (added.body as { id: number }).id]);

        const result = await runCli(['accounting:run'], {
          DATABASE_URL: db.databaseUrl,
          ACCOUNTING_SCHEDULE_ENABLED: 'false',
          LOG_LEVEL: 'log',
          RADIUS_DISCONNECT_TIMEOUT_MS: '200',
          RADIUS_DISCONNECT_RETRIES: '1',
        });
        expect(result.code).toBe(0);
        expect(runTable(result.stdout)['stopped (no balance)']).toBe(1);
        // Piped: JSON lines on stderr, no ANSI colour codes anywhere.
        expect(result.stderr + result.stdout).not.toContain('\u001b[');
        const lines = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; context?: string });
        expect(lines.map((line) => line.msg)).toContain(
          'Waiting for the NAS answers to 1 Disconnect-Request(s) before exiting, so each outcome is recorded on its session ' +
            '(at most 0.6 s: RADIUS_DISCONNECT_TIMEOUT_MS=200, doubled for each of RADIUS_DISCONNECT_RETRIES=1)',
        );
        expect(coa.received).toHaveLength(2);
        const [row] = await db.dataSource.query('SELECT disconnect_status FROM accounting_sessions WHERE id = $1', [sessionId]);
        expect(row.disconnect_status).toBe('timeout');
      } finally {
        await coa.close();
        await db.close();
      }
    }, CLI_TIMEOUT);
  });

  describe('sessions:online', () => {
    it('prints who is online as a table: live seconds, octets, NAS, caller MAC, charged so far', async () => {
      const db = await freshDatabase();
      try {
        const user = await db.factories.subscriber({ balanceSeconds: 5000 });
        const staff = await db.factories.staff();
        const added = await db.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`)
          .send({ name: 'lobby-ap', ip_address: '192.0.2.50', secret: 'online-secret-0123456789' });
        expect(added.status).toBe(201);
        const online = await insertSession(db, user.id, user.username, { startedAgo: 120, updatedAgo: 0 });
        await db.dataSource.query(
          `UPDATE accounting_sessions SET nas_client_id = $2, calling_station_id = 'AA-BB-CC-DD-EE-FF', input_octets = 1500, output_octets = 9000 WHERE id = $1`,
          [online, (added.body as { id: number }).id],
        );
        const closed = await insertSession(db, user.id, user.username, { startedAgo: 300, updatedAgo: 200 });
        await db.dataSource.query("UPDATE accounting_sessions SET status = 'closed', stopped_at = now() WHERE id = $1", [closed]);

        const result = await runCliOn(db.databaseUrl, ['sessions:online']);
        expect(result.code).toBe(0);
        const lines = result.stdout.trimEnd().split('\n');
        expect(lines[0]!.split(/ {2,}/)).toEqual(['ID', 'USERNAME', 'NAS', 'NAS_ADDRESS', 'CALLER_MAC', 'STARTED', 'SECONDS', 'IN_OCTETS', 'OUT_OCTETS', 'CHARGED']);
        expect(lines).toHaveLength(2);
        const row = lines[1]!.split(/ {2,}/);
        expect(row.slice(0, 5)).toEqual([online, user.username, 'lobby-ap', '192.0.2.50', 'AA-BB-CC-DD-EE-FF']);
        expect(Number(row[6])).toBeGreaterThanOrEqual(120);
        expect(Number(row[6])).toBeLessThan(200);
        expect(row.slice(7, 9)).toEqual(['1500', '9000']);
        expect(Number(row[9])).toBe(Number(row[6]));
        expect(result.stderr).toBe('1 open session\n');

        const filtered = await runCliOn(db.databaseUrl, ['sessions:online', '--username', 'nobody']);
        expect(filtered).toMatchObject({ code: 0, stderr: '0 open sessions\n' });
        const bad = await runCliOn(db.databaseUrl, ['sessions:online', '--limit', '0']);
        expect(bad.code).toBe(2);
      } finally {
        await db.close();
      }
    }, CLI_TIMEOUT);
  });

  describe('balance:add sends the NAS a CoA-Request', () => {
    it('with the new Session-Timeout, waiting for the answer before exiting', async () => {
      const db = await freshDatabase();
      const secret = 'coa-secret-cli-topup-01';
      const coa = await coaListener(secret, 'CoA-ACK', '127.0.0.9');
      try {
        const staff = await db.factories.staff();
        const added = await db.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`)
          .send({ name: 'nas-cli-coa', ip_address: '127.0.0.9', secret, coa_port: coa.port });
        expect(added.status).toBe(201);
        const user = await db.factories.subscriber({ balanceSeconds: 100 });
        const sessionId = await insertSession(db, user.id, user.username, { startedAgo: 0, updatedAgo: 0 });
        await db.dataSource.query('UPDATE accounting_sessions SET nas_client_id = $2 WHERE id = $1', [sessionId, (added.body as { id: number }).id]);

        const result = await runCliOn(db.databaseUrl, ['balance:add', '--username', user.username, '--seconds', '7200']);
        expect(result.code).toBe(0);
        expect(coa.received).toHaveLength(1);
        const timeout = radius.decode({ packet: coa.received[0]!.message, secret }).attributes['Session-Timeout'] as number;
        // About 7300 s, less the second or two the command took to start.
        expect(timeout).toBeGreaterThan(7290);
        expect(timeout).toBeLessThanOrEqual(7300);
        const [row] = await db.dataSource.query('SELECT coa_status, coa_session_timeout::int AS sent FROM accounting_sessions WHERE id = $1', [sessionId]);
        expect(row).toEqual({ coa_status: 'ack', sent: timeout });
      } finally {
        await coa.close();
        await db.close();
      }
    }, CLI_TIMEOUT);
  });

  describe('balance:set and balance:add', () => {
    const ledgerOf = async (userId: number) =>
      t.dataSource.query(
        'SELECT kind, delta_seconds::int AS delta, balance_after::int AS balance_after, actor_user_id, reason FROM balance_ledger WHERE user_id = $1 ORDER BY id',
        [userId],
      );
    const balanceOf = async (userId: number) =>
      Number((await t.dataSource.query('SELECT balance_seconds FROM aaa_profiles WHERE user_id = $1', [userId]))[0].balance_seconds);

    it('change the balance, print it, and write ledger rows with the reason', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 100 });
      const added = await cli('balance:add', '--username', user.username, '--seconds', '50', '--reason', 'promo week');
      expect(added).toMatchObject({ code: 0, stdout: `user: ${user.username} (id ${user.id})\nbalance: 100 s -> 150 s (+50 s)\n` });
      const set = await cli('balance:set', '--username', user.username, '--seconds=30', '--reason=refund ticket 7');
      expect(set).toMatchObject({ code: 0, stdout: `user: ${user.username} (id ${user.id})\nbalance: 150 s -> 30 s (-120 s)\n` });
      const removed = await cli('balance:add', `--username=${user.username}`, '--seconds=-10');
      expect(removed).toMatchObject({ code: 0, stdout: `user: ${user.username} (id ${user.id})\nbalance: 30 s -> 20 s (-10 s)\n` });
      expect(await balanceOf(user.id)).toBe(20);
      expect(await ledgerOf(user.id)).toEqual([
        { kind: 'top_up', delta: 50, balance_after: 150, actor_user_id: null, reason: 'promo week' },
        { kind: 'adjustment', delta: -120, balance_after: 30, actor_user_id: null, reason: 'refund ticket 7' },
        { kind: 'adjustment', delta: -10, balance_after: 20, actor_user_id: null, reason: 'cli balance:add' },
      ]);
    }, CLI_TIMEOUT);

    it('charge open sessions first, so the value set is what remains', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const sessionId = await insertSession(t, user.id, user.username, { startedAgo: 100, updatedAgo: 0 });
      const result = await cli('balance:set', '--username', user.username, '--seconds', '500');
      expect(result.code).toBe(0);
      const [{ charged_seconds: chargedSeconds }] = await t.dataSource.query('SELECT charged_seconds FROM accounting_sessions WHERE id = $1', [sessionId]);
      expect(Number(chargedSeconds)).toBeGreaterThanOrEqual(100);
      expect(result.stdout).toContain(`balance: ${1000 - Number(chargedSeconds)} s -> 500 s (-${500 - Number(chargedSeconds)} s)\n`);
      expect(await balanceOf(user.id)).toBe(500);
      await t.dataSource.query("UPDATE accounting_sessions SET status = 'closed', stopped_at = now() WHERE id = $1", [sessionId]);
    }, CLI_TIMEOUT);

    it('reject a negative result and an unknown username with exit 1, changing nothing', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 30 });
      const [negative, unknown] = await Promise.all([
        cli('balance:add', '--username', user.username, '--seconds=-31'),
        cli('balance:set', '--username', 'x', '--seconds', '10'),
      ]);
      expect(negative).toEqual({ code: 1, stdout: '', stderr: 'balance_seconds: Ensure the balance stays between 0 and 3153600000 seconds (it is 30).\n' });
      expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'username: No user named "x".\n' });
      expect(await balanceOf(user.id)).toBe(30);
      expect(await ledgerOf(user.id)).toEqual([]);
    }, CLI_TIMEOUT);

    it('exit 2 with the usage when an option is missing, before touching the database', async () => {
      const cases = [
        ['balance:set', ['--username', 'x'], 'balance:set: missing required option --seconds'],
        ['balance:add', ['--seconds', '5'], 'balance:add: missing required option --username'],
      ] as const;
      // An unreachable database: the usage is checked before anything starts.
      const results = await Promise.all(cases.map(([command, args]) => runCliOn('postgres://postgres@127.0.0.1:1/nothing', [command, ...args])));
      cases.forEach(([command, , message], index) => {
        expect(results[index]).toEqual({
          code: 2,
          stdout: '',
          stderr: `${message}\nUsage: npm run cli -- ${command} --username <name> --seconds <n> [--reason <text>]\n`,
        });
      });
    }, CLI_TIMEOUT);

    describe('a malformed --seconds', () => {
      const cases = [
        ['balance:set', 'abc', '--seconds must be a whole number of 0 or more (got "abc")'],
        ['balance:add', '1.5', '--seconds must be a whole number (got "1.5")'],
      ] as const;
      let user: { id: number; username: string };
      let results: CliResult[];
      beforeAll(async () => {
        user = await t.factories.subscriber({ balanceSeconds: 30 });
        results = await Promise.all(cases.map(([command, value]) => cli(command, '--username', user.username, `--seconds=${value}`)));
      }, CLI_TIMEOUT);

      it('fails, naming the problem, and changes nothing', async () => {
        for (const [index, [, , message]] of cases.entries()) {
          expect(results[index]).toMatchObject({ stdout: '', stderr: expect.stringContaining(message) });
          expect(results[index]!.code).not.toBe(0);
        }
        expect(await balanceOf(user.id)).toBe(30);
        expect(await ledgerOf(user.id)).toEqual([]);
      });

      it('exits 2 with the usage line, like any usage error', () => {
        for (const [index, [command]] of cases.entries()) {
          expect(results[index]!.code).toBe(2);
          expect(results[index]!.stderr).toContain(`Usage: npm run cli -- ${command} --username <name> --seconds <n> [--reason <text>]`);
        }
      });
    });
  });

  describe('accounting:rejected and accounting:replay', () => {
    it('list the kept records, replay them oldest first, and leave one that fails again pending (exit 1)', async () => {
      const db = await freshDatabase();
      const cliOn = (...args: string[]) => runCliOn(db.databaseUrl, args);
      try {
        const user = await db.factories.subscriber({ balanceSeconds: 600 });
        const keep = async (body: unknown, reason: string) =>
          (await db.dataSource.query(
            `INSERT INTO accounting_rejected (received_at, source, source_detail, body, reason) VALUES (now(), 'radius', 'hotspot (192.0.2.0/24)', $1::jsonb, $2) RETURNING id::int AS id`,
            [JSON.stringify(body), reason],
          ))[0].id as number;
        const start = { 'Acct-Status-Type': 'Start', 'User-Name': user.username, 'Acct-Session-Id': 'cli-1', 'NAS-Identifier': 'nas-cli', 'Acct-Terminate-Cause': 19 };
        const goodId = await keep(start, 'apply_failed: deadlock detected');
        const badId = await keep({ ...start, 'Acct-Session-Id': 'cli-2', 'NAS-Port': 'eth0' }, 'invalid_attributes: Invalid input.');

        const listed = await cliOn('accounting:rejected');
        expect(listed.code).toBe(0);
        const lines = listed.stdout.trimEnd().split('\n');
        expect(lines[0]).toBe('2 record(s)');
        expect(lines[1]).toMatch(/^ID +RECEIVED +FROM +REASON +REPLAY$/);
        expect(lines.slice(2).map((line) => line.split(/ {2,}/))).toEqual([
          [String(badId), expect.any(String), 'radius hotspot (192.0.2.0/24)', 'invalid_attributes: Invalid input.', 'pending'],
          [String(goodId), expect.any(String), 'radius hotspot (192.0.2.0/24)', 'apply_failed: deadlock detected', 'pending'],
        ]);

        const replayed = await cliOn('accounting:replay', '--all');
        expect(replayed).toMatchObject({ code: 1, stdout: 'replayed 1, failed again 1\n', stderr: expect.stringContaining('1 record(s) failed again') });
        const sessions = await db.dataSource.query('SELECT acct_session_id, status FROM accounting_sessions WHERE user_id = $1', [user.id]);
        expect(sessions).toEqual([{ acct_session_id: 'cli-1', status: 'open' }]);

        const pending = await cliOn('accounting:rejected', '--pending');
        expect(pending.stdout.trimEnd().split('\n').slice(2).map((line) => line.split(/ {2,}/)[0])).toEqual([String(badId)]);
        expect(pending.stdout).toContain('failed again: invalid_attributes: {"NAS-Port":["A valid integer from 0 to 4294967295 is required."]}');

        const one = await cliOn('accounting:replay', '--id', String(goodId));
        expect(one).toEqual({ code: 0, stdout: `record ${goodId} replayed: duplicate\n`, stderr: '' });
        const usage = await runCliOn('postgres://postgres@127.0.0.1:1/nothing', ['accounting:replay']);
        expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('give either --id <n> or --all') });
      } finally {
        await db.close();
      }
    }, CLI_TIMEOUT);
  });
});
