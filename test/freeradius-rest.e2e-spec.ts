import { createServer, type AddressInfo } from 'node:net';
import { Role } from '../src/auth/policy.js';
import { epoch, ledgerOf, runAccounting, sessionIdentity, sessionsOf, storedBalance, type SessionIdentity } from './support/accounting.js';
import { requireFreeradius, startFreeradius, type FreeradiusProcess } from './support/freeradius.js';
import { radclient, requireRadclient, type RadclientResult } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const SECRET = 'freeradius-e2e-secret';
/** Not UTC: rlm_rest prints Event-Timestamp in the process's local time ("Dec  1 2026 09:43:46 CET"). */
const TIME_ZONE = 'Europe/Berlin';
const HOUR = 3600;

/**
 * Stock FreeRADIUS 3.2 (Debian's, with rlm_rest) configured with deploy/freeradius/ in front of the
 * service, driven by radclient as a NAS would: Access-Request answered by
 * POST /api/v1/freeradius/authorize/, Accounting-Request recorded by POST /api/v1/freeradius/accounting/.
 * The service's fake clock runs two hours ahead of the real one, so a date FreeRADIUS adds itself
 * (preprocess's Event-Timestamp, in real time) is told apart from the service's "now".
 */
describe('FreeRADIUS (rlm_rest) in front of the service', () => {
  let t: TestApp;
  let radiusd: FreeradiusProcess;
  let gatewayToken: string;
  const log: string[] = [];

  beforeAll(async () => {
    requireFreeradius();
    requireRadclient();
    t = await createTestApp();
    t.clock.set(new Date((Math.floor(Date.now() / 1000) + 2 * HOUR) * 1000));
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    gatewayToken = (await t.factories.subscriber({ role: Role.Gateway })).token;
    radiusd = await startFreeradius({ serviceUrl: `http://127.0.0.1:${port}`, apiToken: gatewayToken, secret: SECRET, timeZone: TIME_ZONE });
  });
  afterAll(async () => {
    if (process.env.RADIUS_LOG) console.log(`${log.join('\n')}\n---- FreeRADIUS ----\n${radiusd?.log() ?? ''}`);
    await radiusd?.stop();
    await t?.close();
  });

  async function send(type: 'auth' | 'acct', attributes: Record<string, string | number>, options: { timeout?: number; retries?: number } = {}): Promise<RadclientResult> {
    const result = await radclient(type === 'auth' ? radiusd.authPort : radiusd.acctPort, type, SECRET, attributes, options);
    log.push(`$ ${result.command}`, result.stdout.trim(), result.stderr.trim(), `(exit ${result.exitCode})`, '');
    return result;
  }

  /** An Accounting-Request as a NAS sends it, dated by the service's clock; expects FreeRADIUS's Accounting-Response. */
  async function account(status: string, id: SessionIdentity, extra: Record<string, string | number> = {}): Promise<void> {
    const reply = await send('acct', { 'Acct-Status-Type': status, ...id, 'Event-Timestamp': epoch(t.clock.now()), ...extra });
    if (reply.reply !== 'Accounting-Response') {
      throw new Error(`${status}: no Accounting-Response (${reply.stdout.trim()}); FreeRADIUS:\n${radiusd.log().slice(-3000)}`);
    }
  }

  describe('Access-Request', () => {
    it('accepts with Session-Timeout = the remaining balance, Acct-Interim-Interval and a Reply-Message', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: HOUR, password: 'correct horse battery' });
      const reply = await send('auth', { 'User-Name': user.username, 'User-Password': 'correct horse battery', 'NAS-Identifier': 'fr-hotspot' });
      expect(reply.reply).toBe('Access-Accept');
      expect(reply.attributes).toEqual({
        'Session-Timeout': '3600',
        'Acct-Interim-Interval': '300',
        'Reply-Message': `Welcome, ${user.username}: 1 h 0 min 0 s left.`,
      });
    });

    it('passes a password with quotes and backslashes through intact (rlm_rest escapes it in its JSON body)', async () => {
      const password = 'say "hi"\\back\\slash\'s %{User-Name}';
      const user = await t.factories.subscriber({ balanceSeconds: 90, password });
      const accepted = await send('auth', { 'User-Name': user.username, 'User-Password': password });
      expect(accepted.reply).toBe('Access-Accept');
      expect(accepted.attributes['Session-Timeout']).toBe('90');
      const rejected = await send('auth', { 'User-Name': user.username, 'User-Password': password.replaceAll('\\', '') });
      expect({ reply: rejected.reply, attributes: rejected.attributes }).toEqual({ reply: 'Access-Reject', attributes: { 'Reply-Message': 'Invalid username, password or token.' } });
    });

    it("accepts the subscriber's live key as the password", async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 75 });
      const reply = await send('auth', { 'User-Name': user.username, 'User-Password': user.token });
      expect(reply.reply).toBe('Access-Accept');
      expect(reply.attributes['Session-Timeout']).toBe('75');
    });

    it("rejects with the service's Reply-Message", async () => {
      const broke = await t.factories.subscriber({ balanceSeconds: 0, password: 'correct horse battery' });
      const inactive = await t.factories.subscriber({ balanceSeconds: 600, password: 'correct horse battery', isActive: false });
      const cases: [string, string, string][] = [
        [broke.username, 'correct horse battery', 'No time left on this account.'],
        [broke.username, 'wrong password', 'Invalid username, password or token.'],
        [inactive.username, 'correct horse battery', 'User inactive or deleted.'],
        ['nobody_here', 'whatever', 'Invalid username, password or token.'],
      ];
      for (const [userName, password, message] of cases) {
        const reply = await send('auth', { 'User-Name': userName, 'User-Password': password });
        expect({ userName, reply: reply.reply, attributes: reply.attributes }).toEqual({ userName, reply: 'Access-Reject', attributes: { 'Reply-Message': message } });
      }
    });
  });

  describe('Accounting-Request', () => {
    it('moves the balance exactly with Start, Interim-Update and Stop; a retransmitted Stop changes nothing', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: HOUR, password: 'correct horse battery' });
      const id = sessionIdentity(user.username, 'fr-hotspot');

      await account('Start', id);
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'open', charged: 0 })]);
      t.clock.advanceSeconds(120);
      await account('Interim-Update', id, { 'Acct-Session-Time': 120, 'Acct-Input-Octets': 1000, 'Acct-Output-Octets': 5000 });
      await runAccounting(t);
      expect(await storedBalance(t, user.id)).toBe(HOUR - 120);
      // Authorizing again meanwhile gives the time really left.
      t.clock.advanceSeconds(30);
      const again = await send('auth', { 'User-Name': user.username, 'User-Password': 'correct horse battery' });
      expect(again.attributes['Session-Timeout']).toBe(String(HOUR - 150));

      t.clock.advanceSeconds(35);
      const stop = { 'Acct-Session-Time': 185, 'Acct-Terminate-Cause': 'User-Request', 'Event-Timestamp': epoch(t.clock.now()) };
      await account('Stop', id, stop);
      expect(await storedBalance(t, user.id)).toBe(HOUR - 185);
      const ledger = await ledgerOf(t, user.id);
      expect(await sessionsOf(t, user.username)).toEqual([
        { status: 'closed', charged: 185, overage: 0, sessionTime: 185, terminateCause: 'User-Request', acctSessionId: id['Acct-Session-Id'] },
      ]);

      t.clock.advanceSeconds(10);
      await account('Stop', id, stop);
      expect(await storedBalance(t, user.id)).toBe(HOUR - 185);
      expect(await ledgerOf(t, user.id)).toEqual(ledger);
      expect(await sessionsOf(t, user.username)).toHaveLength(1);
      // FreeRADIUS really ran in the non-UTC zone: it printed the dates it forwarded as CET/CEST.
      expect(radiusd.log()).toMatch(/Event-Timestamp = "\w{3} [ \d]\d \d{4} \d\d:\d\d:\d\d CES?T"/);
      // 204 with no body: rlm_rest had nothing to parse, so nothing to warn about.
      expect(radiusd.log()).toContain('Status : 204 (No Content)');
      expect(radiusd.log()).not.toMatch(/rest: WARNING/);
    });

    it("closes the NAS's open sessions on Accounting-On, charging them up to the reboot", async () => {
      const [a, b, elsewhere] = await Promise.all([1, 2, 3].map(() => t.factories.subscriber({ balanceSeconds: HOUR })));
      // Two NASes (preprocess would give both radclient's address as NAS-IP-Address: each sends its own).
      const rebooted = { 'NAS-Identifier': 'fr-reboot', 'NAS-IP-Address': '192.0.2.10' };
      const other = { 'NAS-Identifier': 'fr-other', 'NAS-IP-Address': '192.0.2.20' };
      const ids = [
        { ...sessionIdentity(a!.username), ...rebooted },
        { ...sessionIdentity(b!.username), ...rebooted },
        { ...sessionIdentity(elsewhere!.username), ...other },
      ];
      for (const id of ids) await account('Start', id);
      t.clock.advanceSeconds(90);
      const reply = await send('acct', { 'Acct-Status-Type': 'Accounting-On', ...rebooted, 'Event-Timestamp': epoch(t.clock.now()) });
      expect(reply.reply).toBe('Accounting-Response');
      for (const user of [a!, b!]) {
        expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'closed', charged: 90, terminateCause: 'NAS-Reboot' })]);
        expect(await storedBalance(t, user.id)).toBe(HOUR - 90);
      }
      expect(await sessionsOf(t, elsewhere!.username)).toEqual([expect.objectContaining({ status: 'open', charged: 0 })]);
    });

    it('reads the Event-Timestamp FreeRADIUS adds itself (preprocess, local time) as the moment it was received', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: HOUR });
      const id = sessionIdentity(user.username, 'fr-no-timestamp');
      const before = Math.floor(Date.now() / 1000);
      const reply = await send('acct', { 'Acct-Status-Type': 'Start', ...id });
      const after = Math.ceil(Date.now() / 1000);
      expect(reply.reply).toBe('Accounting-Response');
      const [row] = (await t.dataSource.query('SELECT extract(epoch FROM started_at)::int AS start FROM accounting_sessions WHERE username = $1', [user.username])) as { start: number }[];
      expect(row!.start).toBeGreaterThanOrEqual(before);
      expect(row!.start).toBeLessThanOrEqual(after);
    });

    it("stores the session under FreeRADIUS's Acct-Unique-Session-Id (its acct_unique policy)", async () => {
      const user = await t.factories.subscriber({ balanceSeconds: HOUR });
      const seen = radiusd.log().length;
      await account('Start', { ...sessionIdentity(user.username, 'fr-unique'), 'NAS-IP-Address': '192.0.2.30' }, { 'NAS-Port': 7, 'NAS-Port-Id': 'wlan0' });
      const computed = [...radiusd.log().slice(seen).matchAll(/&Acct-Unique-Session-Id := "?([0-9a-f]{32})"?/g)].map((match) => match[1]);
      expect(computed).toHaveLength(1);
      const rows = (await t.dataSource.query('SELECT acct_unique_id FROM accounting_sessions WHERE username = $1', [user.username])) as { acct_unique_id: string }[];
      expect(rows).toEqual([{ acct_unique_id: computed[0] }]);
    });

    it('sends the NAS no Accounting-Response for a record the service refuses (the NAS retransmits it)', async () => {
      const reply = await send('acct', { 'Acct-Status-Type': 'Start', 'Acct-Session-Id': 'no-user', 'NAS-Identifier': 'fr-hotspot' }, { timeout: 1, retries: 1 });
      expect(reply.reply).toBeUndefined();
      expect(reply.stdout).toContain('No reply from server');
      expect(await t.dataSource.query("SELECT id FROM accounting_sessions WHERE acct_session_id = 'no-user'")).toEqual([]);
    });
  });

  describe('when the service cannot be used', () => {
    async function withFreeradius(options: { serviceUrl: string; apiToken: string }, check: (other: FreeradiusProcess) => Promise<void>) {
      const other = await startFreeradius({ ...options, secret: SECRET, timeZone: TIME_ZONE });
      try {
        await check(other);
      } finally {
        await other.stop();
      }
    }
    /** The reply codes FreeRADIUS gives a NAS for an Access-Request and a Start. */
    const probe = async (other: FreeradiusProcess, username: string, password: string) => {
      const auth = await radclient(other.authPort, 'auth', SECRET, { 'User-Name': username, 'User-Password': password });
      const acct = await radclient(other.acctPort, 'acct', SECRET, { 'Acct-Status-Type': 'Start', ...sessionIdentity(username, 'fr-down') }, { timeout: 1, retries: 1 });
      return { auth: auth.reply, acct: acct.reply };
    };

    it('starts while the service is down, then rejects Access-Requests and answers no Accounting-Request', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: HOUR, password: 'correct horse battery' });
      const closed = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          server.close(() => resolve(port));
        });
      });
      await withFreeradius({ serviceUrl: `http://127.0.0.1:${closed}`, apiToken: gatewayToken }, async (other) => {
        expect(await probe(other, user.username, 'correct horse battery')).toEqual({ auth: 'Access-Reject', acct: undefined });
      });
      expect(await sessionsOf(t, user.username)).toEqual([]);
    });

    it('rejects and records nothing when its key is refused', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: HOUR, password: 'correct horse battery' });
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      // A subscriber's key: it authenticates, but has no accounting:write (403 on every call).
      await withFreeradius({ serviceUrl: `http://127.0.0.1:${port}`, apiToken: user.token }, async (other) => {
        expect(await probe(other, user.username, 'correct horse battery')).toEqual({ auth: 'Access-Reject', acct: undefined });
      });
      expect(await sessionsOf(t, user.username)).toEqual([]);
    });
  });

  describe('the REST endpoints themselves', () => {
    const typed = (attributes: Record<string, string | number>) =>
      Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { type: typeof value === 'number' ? 'integer' : 'string', value: [value] }]));
    const post = (path: string, body: unknown) =>
      t.api().post(`/api/v1/freeradius/${path}/`).set('Authorization', `Token ${gatewayToken}`).send(body as object);

    it.each(['authorize', 'authenticate'])('%s answers in rlm_rest\'s format: 200 to accept, 401 to reject', async (path) => {
      const user = await t.factories.subscriber({ balanceSeconds: 120, password: 'correct horse battery' });
      const accepted = await post(path, typed({ 'User-Name': user.username, 'User-Password': 'correct horse battery' }));
      expect({ status: accepted.status, body: accepted.body }).toEqual({
        status: 200,
        body: {
          'control:Auth-Type': 'Accept',
          'reply:Session-Timeout': 120,
          'reply:Acct-Interim-Interval': 300,
          'reply:Reply-Message': `Welcome, ${user.username}: 2 min 0 s left.`,
        },
      });
      const rejected = await post(path, typed({ 'User-Name': user.username, 'User-Password': 'wrong' }));
      expect({ status: rejected.status, body: rejected.body }).toEqual({
        status: 401,
        body: { 'control:Auth-Type': 'Reject', 'reply:Reply-Message': 'Invalid username, password or token.' },
      });
      const chap = await post(path, typed({ 'User-Name': user.username, 'CHAP-Password': '0x01' }));
      expect({ status: chap.status, body: chap.body }).toEqual({
        status: 401,
        body: { 'control:Auth-Type': 'Reject', 'reply:Reply-Message': 'Only PAP (User-Password) is supported.' },
      });
    });

    it('gives a 400 naming the attribute for a body it cannot read', async () => {
      const response = await post('authorize', typed({ 'User-Password': 'x' }));
      expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: { 'User-Name': ['This field is required.'] } });
      const accounting = await post('accounting', typed({ 'Acct-Status-Type': 'Start', 'User-Name': 'jane', 'NAS-Identifier': 'n' }));
      expect({ status: accounting.status, body: accounting.body }).toEqual({ status: 400, body: { 'Acct-Session-Id': ['This field is required.'] } });
    });

    it('answers accounting with 204 and no body', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 60 });
      const response = await post('accounting', typed({ 'Acct-Status-Type': 'Start', ...sessionIdentity(user.username, 'fr-http') }));
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect(response.headers['content-type']).toBeUndefined();
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'open' })]);
    });
  });
});
