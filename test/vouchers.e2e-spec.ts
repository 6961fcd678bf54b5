import { Role } from '../src/auth/policy.js';
import { CODE_ALPHABET } from '../src/vouchers/voucher-codes.js';
import { Gateway, sessionIdentity } from './support/accounting.js';
import { runCli } from './support/cli.js';
import type { CreatedSubscriber } from './support/factories.js';
import { radclient, radiusPorts, radiusTestConfig, requireRadclient } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const SECRETS_KEY = 'vouchers-e2e-secrets-key-0123456789abcdef';
const RADIUS_SECRET = 'vouchers-radius-secret';
const CODE = new RegExp(`^[${CODE_ALPHABET}]{10}$`);
const DAY = 86_400;

interface Voucher {
  username: string;
  code: string | null;
  balance_seconds: number;
  first_used_at: string | null;
  expires_at: string | null;
}

/**
 * Voucher batches on a real PostgreSQL: creation in one transaction (10,000 timed), codes as
 * passwords everywhere a password works, validity from first use, who may create and see them, the
 * CSV, and the CLI. `t` runs without SECRETS_KEY (codes shown once), `keyed` with it.
 */
describe('Vouchers', () => {
  let t: TestApp;
  let keyed: TestApp;
  let staff: CreatedSubscriber;
  let lobbyAdmin: CreatedSubscriber;
  let gateway: Gateway;

  beforeAll(async () => {
    requireRadclient();
    t = await createTestApp(radiusTestConfig());
    keyed = await createTestApp({ secretsKey: SECRETS_KEY }, { databaseUrl: t.databaseUrl, clock: t.clock });
    // Keys that never expire: the fake clock jumps days ahead.
    staff = await t.factories.staff({ tokenLifetime: null });
    lobbyAdmin = await t.factories.subscriber({ role: Role.Admin, organization: 'lobby', tokenLifetime: null });
    gateway = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway, organization: 'lobby', tokenLifetime: null })).token);
    const nas = await t.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`).send({ name: 'vouchers', ip_address: '127.0.0.1', secret: RADIUS_SECRET });
    if (nas.status !== 201) throw new Error(`NAS client not created: ${nas.status} ${JSON.stringify(nas.body)}`);
  }, 60_000);
  afterAll(async () => {
    await keyed?.close();
    await t?.close();
  });

  function create(app: TestApp, caller: CreatedSubscriber, body: Record<string, unknown>, query = '') {
    return app.api().post(`/api/v1/vouchers/${query}`).set('Authorization', `Token ${caller.token}`).send(body);
  }

  function retrieve(app: TestApp, caller: CreatedSubscriber, id: string, query = '') {
    return app.api().get(`/api/v1/vouchers/${id}/${query}`).set('Authorization', `Token ${caller.token}`);
  }

  async function batchRows(): Promise<number> {
    return Number((await t.dataSource.query('SELECT count(*) AS n FROM voucher_batches'))[0].n);
  }

  describe('POST /api/v1/vouchers/', () => {
    it('creates the subscribers, their opening ledger rows and the batch; answers every code once; stores only hashes', async () => {
      const response = await create(t, lobbyAdmin, { count: 3, balance_seconds: 3600, organization: 'lobby', prefix: 'lobby-', valid_days: 30, max_sessions: 1 }).expect(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        organization: 'lobby',
        prefix: 'lobby-',
        count: 3,
        balance_seconds: 3600,
        valid_days: 30,
        max_sessions: 1,
        created_at: expect.any(String),
        codes_kept: false,
        vouchers: Array.from({ length: 3 }, () => ({ username: expect.stringMatching(/^lobby-[a-z2-9]{8}$/), code: expect.stringMatching(CODE), balance_seconds: 3600, first_used_at: null, expires_at: null })),
      });
      const vouchers = response.body.vouchers as Voucher[];
      const stored: { username: string; password_hash: string; organization: string; role: string; balance_seconds: string; max_sessions: number; code_sealed: string | null }[] =
        await t.dataSource.query(
          `SELECT u.username, u.password_hash, p.organization, p.role, p.balance_seconds, p.max_sessions, v.code_sealed
             FROM vouchers v JOIN users u ON u.id = v.user_id JOIN aaa_profiles p ON p.user_id = u.id WHERE v.batch_id = $1 ORDER BY u.id`,
          [response.body.id],
        );
      expect(stored.map((row) => row.username).sort()).toEqual(vouchers.map((voucher) => voucher.username).sort());
      for (const row of stored) {
        expect(row).toMatchObject({ organization: 'lobby', role: 'user', balance_seconds: '3600', max_sessions: 1, code_sealed: null });
        expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/);
        for (const voucher of vouchers) expect(row.password_hash).not.toContain(voucher.code);
      }
      const ledger = await t.dataSource.query(
        `SELECT l.kind, l.delta_seconds, l.balance_after, l.actor_user_id, l.reason FROM balance_ledger l JOIN vouchers v ON v.user_id = l.user_id WHERE v.batch_id = $1`,
        [response.body.id],
      );
      expect(ledger).toEqual(Array.from({ length: 3 }, () => ({ kind: 'top_up', delta_seconds: '3600', balance_after: '3600', actor_user_id: lobbyAdmin.id, reason: `voucher batch ${response.body.id}` })));
    });

    it('?format=csv answers the batch as the CSV to print', async () => {
      const response = await create(t, staff, { count: 2, balance_seconds: 600, organization: 'lobby' }, '?format=csv').expect(201);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toMatch(/^attachment; filename="vouchers-[0-9a-f-]{36}\.csv"$/);
      const lines = response.text.split('\r\n');
      expect(lines).toEqual(['username,code,balance_seconds', expect.stringMatching(/^[a-z2-9]{8},[a-z2-9]{10},600$/), expect.stringMatching(/^[a-z2-9]{8},[a-z2-9]{10},600$/), '']);
    });

    it('refuses bad input with a 400 naming the field, and creates nothing', async () => {
      const before = await batchRows();
      const valid = { count: 2, balance_seconds: 60, organization: 'lobby' };
      const cases: [Record<string, unknown>, Record<string, string[]>][] = [
        [{ ...valid, count: 0 }, { count: ['Ensure this value is greater than or equal to 1.'] }],
        [{ ...valid, count: 10_001 }, { count: ['Ensure this value is less than or equal to 10000.'] }],
        [{ ...valid, count: '5' }, { count: ['A valid integer is required.'] }],
        [{ ...valid, balance_seconds: 0 }, { balance_seconds: ['Ensure this value is greater than or equal to 1.'] }],
        [{ count: 1, balance_seconds: 60 }, { organization: ['This field is required.'] }],
        [{ ...valid, prefix: 'Lobby ' }, { prefix: ['Use only lowercase letters, digits and @/./+/-/_.'] }],
        [{ ...valid, valid_days: 0 }, { valid_days: ['Ensure this value is greater than or equal to 1.'] }],
        [{ ...valid, max_sessions: 0 }, { max_sessions: ['Ensure this value is greater than or equal to 1.'] }],
        [{ ...valid, codes: 'mine' }, { codes: ['Unknown field.'] }],
      ];
      for (const [body, errors] of cases) {
        const response = await create(t, staff, body);
        expect({ body, status: response.status, errors: response.body }).toEqual({ body, status: 400, errors: expect.objectContaining(errors) });
      }
      const format = await create(t, staff, valid, '?format=xml').expect(400);
      expect(format.body).toEqual({ format: ['Select a valid choice: json or csv.'] });
      expect(await batchRows()).toBe(before);
    });
  });

  describe('who may create and see vouchers', () => {
    it("an admin: its own organization's only (400 naming organization for another, 404 for another's batch); staff: any; others: 403", async () => {
      const acmeAdmin = await t.factories.subscriber({ role: Role.Admin, organization: 'acme' });
      const moderator = await t.factories.subscriber({ role: Role.Moderator, organization: 'lobby' });
      const user = await t.factories.subscriber({ role: Role.User, organization: 'lobby' });
      const gatewayAccount = await t.factories.subscriber({ role: Role.Gateway, organization: 'lobby' });
      const body = { count: 1, balance_seconds: 60, organization: 'lobby' };
      const before = await batchRows();
      const refused = await create(t, acmeAdmin, body).expect(400);
      expect(refused.body.organization).toEqual(['You may only use your own organization.']);
      for (const caller of [moderator, user, gatewayAccount]) await create(t, caller, body).expect(403);
      await t.api().post('/api/v1/vouchers/').send(body).expect(401);
      expect(await batchRows()).toBe(before);

      const lobbyBatch = (await create(t, lobbyAdmin, body).expect(201)).body.id as string;
      const acmeBatch = (await create(t, staff, { ...body, organization: 'acme' }).expect(201)).body.id as string;
      await retrieve(t, lobbyAdmin, lobbyBatch).expect(200);
      await retrieve(t, staff, lobbyBatch).expect(200);
      await retrieve(t, acmeAdmin, lobbyBatch).expect(404);
      await retrieve(t, lobbyAdmin, acmeBatch).expect(404);
      await retrieve(t, moderator, lobbyBatch).expect(403);
      await retrieve(t, staff, '00000000-0000-4000-8000-000000000000').expect(404);
      await retrieve(t, staff, 'not-a-uuid').expect(404);
    });
  });

  describe('GET /api/v1/vouchers/{batch}/', () => {
    it('without SECRETS_KEY the codes were shown once: later answers have code null (and an empty CSV column)', async () => {
      const created = (await create(t, staff, { count: 2, balance_seconds: 900, organization: 'lobby' }).expect(201)).body;
      const again = await retrieve(t, staff, created.id).expect(200);
      expect(again.body).toMatchObject({ id: created.id, codes_kept: false });
      expect(again.body.vouchers).toEqual(created.vouchers.map((voucher: Voucher) => ({ ...voucher, code: null })));
      const csv = await retrieve(t, staff, created.id, '?format=csv').expect(200);
      expect(csv.text).toBe(['username,code,balance_seconds', ...created.vouchers.map((voucher: Voucher) => `${voucher.username},,900`), ''].join('\r\n'));
    });

    it('with SECRETS_KEY the codes are kept encrypted: the CSV downloads again with them, balances as they are now', async () => {
      const created = await create(keyed, staff, { count: 3, balance_seconds: 1200, organization: 'lobby' }, '?format=csv').expect(201);
      const batchId = /vouchers-([0-9a-f-]{36})\.csv/.exec(created.headers['content-disposition'])![1]!;
      const sealed: { code_sealed: string }[] = await t.dataSource.query('SELECT code_sealed FROM vouchers WHERE batch_id = $1', [batchId]);
      for (const row of sealed) expect(row.code_sealed).toMatch(/^enc:v1:/);
      expect((await retrieve(keyed, staff, batchId, '?format=csv').expect(200)).text).toBe(created.text);

      const [, first] = created.text.split('\r\n');
      const [username] = first!.split(',');
      const session = sessionIdentity(username!);
      await gateway.start(session);
      t.clock.advanceSeconds(200);
      await gateway.stop(session, 200);
      const json = (await retrieve(keyed, staff, batchId).expect(200)).body;
      expect(json.codes_kept).toBe(true);
      expect(json.vouchers.find((voucher: Voucher) => voucher.username === username)).toMatchObject({ balance_seconds: 1000, first_used_at: expect.any(String) });
      // The service without the key cannot open them.
      expect((await retrieve(t, staff, batchId).expect(200)).body.vouchers.every((voucher: Voucher) => voucher.code === null)).toBe(true);
    });
  });

  describe('a code is the password', () => {
    let voucher: Voucher;

    beforeAll(async () => {
      voucher = (await create(t, staff, { count: 1, balance_seconds: 7200, organization: 'lobby' }).expect(201)).body.vouchers[0];
    });

    it('at /api/v1/authorize/', async () => {
      const accepted = await t.api().post('/api/v1/authorize/').set('Authorization', `Token ${staff.token}`).send({ username: voucher.username, password: voucher.code }).expect(200);
      expect(accepted.body).toMatchObject({ result: 'accept', session_timeout: 7200 });
      const wrong = await t.api().post('/api/v1/authorize/').set('Authorization', `Token ${staff.token}`).send({ username: voucher.username, password: 'abcdefghjk' }).expect(200);
      expect(wrong.body.reason).toBe('invalid_credentials');
    });

    it('at /api/auth/login/', async () => {
      const login = await t.api().post('/api/auth/login/').send({ username: voucher.username, password: voucher.code }).expect(200);
      expect(login.body.token).toEqual(expect.any(String));
    });

    it('over RADIUS (radclient Access-Request)', async () => {
      const reply = await radclient(radiusPorts(t).auth, 'auth', RADIUS_SECRET, {
        'User-Name': voucher.username, 'User-Password': voucher.code!, 'NAS-IP-Address': '127.0.0.1', 'Message-Authenticator': '0x00',
      });
      expect(reply.reply).toBe('Access-Accept');
      expect(reply.attributes['Session-Timeout']).toBe('7200');
    });
  });

  it('valid_days counts from the first session: the session timeout stops at the end of validity, then voucher_expired', async () => {
    const [voucher] = (await create(t, staff, { count: 1, balance_seconds: 100_000, organization: 'lobby', valid_days: 1 }).expect(201)).body.vouchers as Voucher[];
    const authorize = () => t.api().post('/api/v1/authorize/').set('Authorization', `Token ${staff.token}`).send({ username: voucher!.username, password: voucher!.code });
    // Unused, the days have not started.
    t.clock.advanceSeconds(3 * DAY);
    expect((await authorize().expect(200)).body).toMatchObject({ result: 'accept', session_timeout: 100_000 });

    const session = sessionIdentity(voucher!.username);
    await gateway.start(session);
    t.clock.advanceSeconds(10);
    await gateway.stop(session, 10);
    t.clock.advanceSeconds(DAY - 60);
    expect((await authorize().expect(200)).body).toMatchObject({ result: 'accept', session_timeout: 50 });
    t.clock.advanceSeconds(50);
    expect((await authorize().expect(200)).body).toEqual({ result: 'reject', username: voucher!.username, reason: 'voucher_expired', message: 'This voucher has expired.' });
    const rest = await t.api().post('/api/v1/freeradius/authorize/').set('Authorization', `Bearer ${gateway.token}`).send({ 'User-Name': voucher!.username, 'User-Password': voucher!.code });
    expect(rest.status).toBe(401);
    expect(rest.body['reply:Reply-Message']).toBe('This voucher has expired.');
  });

  it('max_sessions from the batch is the voucher profile limit', async () => {
    const [voucher] = (await create(t, staff, { count: 1, balance_seconds: 600, organization: 'lobby', max_sessions: 1 }).expect(201)).body.vouchers as Voucher[];
    await gateway.start(sessionIdentity(voucher!.username));
    const answer = await t.api().post('/api/v1/authorize/').set('Authorization', `Token ${staff.token}`).send({ username: voucher!.username, password: voucher!.code }).expect(200);
    expect(answer.body.reason).toBe('too_many_sessions');
  });

  it('10,000 vouchers in one request, in seconds (set-based inserts, low-cost hashes)', async () => {
    const started = performance.now();
    const response = await create(t, staff, { count: 10_000, balance_seconds: 3600, organization: 'lobby', prefix: 'big-', valid_days: 7 }).expect(201);
    const seconds = (performance.now() - started) / 1000;
    console.log(`10,000 vouchers created in ${seconds.toFixed(1)} s`);
    const vouchers = response.body.vouchers as Voucher[];
    expect(vouchers).toHaveLength(10_000);
    expect(new Set(vouchers.map((voucher) => voucher.username)).size).toBe(10_000);
    expect(new Set(vouchers.map((voucher) => voucher.code)).size).toBe(10_000);
    const [counts] = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM vouchers WHERE batch_id = $1)::int AS vouchers,
              (SELECT count(*) FROM aaa_profiles p JOIN vouchers v ON v.user_id = p.user_id WHERE v.batch_id = $1 AND p.balance_seconds = 3600)::int AS profiles,
              (SELECT count(*) FROM balance_ledger WHERE reason = 'voucher batch ' || $1)::int AS ledger`,
      [response.body.id],
    );
    expect(counts).toEqual({ vouchers: 10_000, profiles: 10_000, ledger: 10_000 });
    expect(seconds).toBeLessThan(60);
    // The last one works as any other.
    const last = vouchers[vouchers.length - 1]!;
    const answer = await t.api().post('/api/v1/authorize/').set('Authorization', `Token ${staff.token}`).send({ username: last.username, password: last.code }).expect(200);
    expect(answer.body).toMatchObject({ result: 'accept', session_timeout: 3600 });
  }, 120_000);

  it('CLI vouchers:create prints the CSV on stdout and its notes on stderr', async () => {
    const result = await runCli(['vouchers:create', '--count', '4', '--seconds', '3600', '--organization', 'lobby', '--prefix', 'cli-'], { DATABASE_URL: t.databaseUrl });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('username,code,balance_seconds');
    expect(lines.slice(1)).toEqual(Array(4).fill(expect.stringMatching(/^cli-[a-z2-9]{8},[a-z2-9]{10},3600$/)));
    expect(result.stderr).toMatch(/Batch [0-9a-f-]{36}: 4 voucher\(s\) for "lobby"\./);
    expect(result.stderr).toContain('SECRETS_KEY is not set');
    const [username, code] = lines[1]!.split(',');
    const answer = await t.api().post('/api/v1/authorize/').set('Authorization', `Token ${staff.token}`).send({ username, password: code }).expect(200);
    expect(answer.body.result).toBe('accept');

    const bad = await runCli(['vouchers:create', '--count', '0', '--seconds', '3600', '--organization', 'lobby'], { DATABASE_URL: t.databaseUrl });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--count: Ensure this value is greater than or equal to 1. (got "0")');
  }, 60_000);
});
