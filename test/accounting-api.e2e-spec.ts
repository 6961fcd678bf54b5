import { Role } from '../src/auth/policy.js';
import { acctUniqueId } from '../src/accounting/radius-attributes.js';
import { Gateway, sessionIdentity } from './support/accounting.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

/**
 * POST /api/v1/accounting/ (the RADIUS accounting endpoint) and the session read API, through the
 * real HTTP stack on a real PostgreSQL with a fake clock. The charging rule itself is covered by
 * accounting-charging.e2e-spec.ts; this file covers the contract: who may call, what is accepted,
 * what is rejected (and that a rejection writes nothing), and what the session API shows.
 */
const PATH = '/api/v1/accounting/';
const SESSIONS = '/api/v1/accounting/sessions/';
const token = (key: string) => ({ Authorization: `Token ${key}` });
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const INTEGER_MESSAGE = 'A valid integer from 0 to 4294967295 is required.';
const TIMESTAMP_MESSAGE = 'Must be a Unix time in seconds, a FreeRADIUS date ("Dec  1 2026 08:43:46 CET") or an ISO 8601 time with an offset.';

interface SessionItem {
  id: number;
  acct_unique_id: string;
  acct_session_id: string;
  username: string;
  nas_identifier: string;
  status: string;
  input_octets: number;
  output_octets: number;
  charged_seconds: number;
  terminate_cause: string | null;
}

describe('accounting API', () => {
  let t: TestApp;
  let gateway: Gateway;
  let gatewayUser: CreatedSubscriber;
  let staff: CreatedSubscriber;
  let admin: CreatedSubscriber;
  let moderator: CreatedSubscriber;

  beforeAll(async () => {
    t = await createTestApp();
    // Tokens that never expire: tests move the fake clock far.
    gatewayUser = await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null });
    gateway = new Gateway(t, gatewayUser.token);
    staff = await t.factories.staff({ tokenLifetime: null });
    admin = await t.factories.subscriber({ role: Role.Admin, tokenLifetime: null });
    moderator = await t.factories.subscriber({ role: Role.Moderator, tokenLifetime: null });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (key: string, body: unknown) => t.api().post(PATH).set(bearer(key)).send(body as object);

  /** Everything an accounting request could write, to prove a rejected one wrote nothing. */
  async function snapshot() {
    const [sessions, ledger, profiles] = await Promise.all([
      t.dataSource.query('SELECT * FROM accounting_sessions ORDER BY id'),
      t.dataSource.query('SELECT * FROM balance_ledger ORDER BY id'),
      t.dataSource.query('SELECT * FROM aaa_profiles ORDER BY user_id'),
    ]);
    return { sessions, ledger, profiles };
  }

  async function sessionRow(uniqueId: string) {
    const rows: { user_id: number | null; status: string; charged_seconds: string; input_octets: string; output_octets: string }[] =
      await t.dataSource.query('SELECT user_id, status, charged_seconds, input_octets, output_octets FROM accounting_sessions WHERE acct_unique_id = $1', [uniqueId]);
    return rows[0];
  }

  async function sessionIdOf(uniqueId: string): Promise<number> {
    const rows: { id: string }[] = await t.dataSource.query('SELECT id FROM accounting_sessions WHERE acct_unique_id = $1', [uniqueId]);
    return Number(rows[0]!.id);
  }

  describe('POST /api/v1/accounting/: who may send accounting', () => {
    it('answers 401 without a token and 403 for every role but gateway (and staff)', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 100 });
      const body = { 'Acct-Status-Type': 'Start', ...sessionIdentity(user.username) };
      await t.api().post(PATH).send(body).expect(401, { detail: 'Authentication credentials were not provided.' });
      await t.api().post(PATH).set(token('0'.repeat(40))).send(body).expect(401, { detail: 'Invalid token.' });
      for (const caller of [user, admin, moderator]) {
        await post(caller.token, body).expect(403, { detail: 'You do not have permission to perform this action.' });
      }
      expect(await sessionRow(acctUniqueId({ ...recordOf(body) }))).toBeUndefined();

      // A gateway (Token or Bearer) and staff may.
      expect((await t.api().post(PATH).set(token(gatewayUser.token)).send(body).expect(200)).body.result).toBe('started');
      const other = { 'Acct-Status-Type': 'Start', ...sessionIdentity(user.username) };
      expect((await post(staff.token, other).expect(200)).body.result).toBe('started');
    });

    it('lets a subscriber holding the accounting:write permission send accounting', async () => {
      const service = await t.factories.subscriber({ permissions: ['accounting:write'] });
      await post(service.token, { 'Acct-Status-Type': 'Start', ...sessionIdentity(uniqueUsername()) }).expect(200);
    });
  });

  describe('POST /api/v1/accounting/: validation', () => {
    it('answers 400 naming the bad attribute, and writes nothing', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const id = sessionIdentity(user.username, 'nas-validation');
      // An open, charged session that a bad Stop must leave exactly as it is.
      await gateway.start(id);
      t.clock.advanceSeconds(30);
      const before = await snapshot();

      const base = { 'Acct-Status-Type': 'Stop', ...id, 'Acct-Session-Time': 30 };
      const without = (...names: string[]) => Object.fromEntries(Object.entries(base).filter(([name]) => !names.includes(name)));
      const cases: [unknown, Record<string, string[]>][] = [
        [without('Acct-Status-Type'), { 'Acct-Status-Type': ['This field is required.'] }],
        [{ ...base, 'Acct-Status-Type': 'Bogus' }, { 'Acct-Status-Type': ['"Bogus" is not a valid choice.'] }],
        [{ ...base, 'Acct-Status-Type': 9 }, { 'Acct-Status-Type': ['"9" is not a valid choice.'] }],
        [{ ...base, 'Acct-Status-Type': 'Start', 'User-Name': undefined }, { 'User-Name': ['This field is required.'] }],
        [{ ...without('User-Name'), 'Acct-Status-Type': 'Start' }, { 'User-Name': ['This field is required.'] }],
        [{ ...base, 'Acct-Status-Type': 'Start', 'User-Name': '' }, { 'User-Name': ['This field is required.'] }],
        [{ ...without('Acct-Session-Id'), 'Acct-Status-Type': 'Start' }, { 'Acct-Session-Id': ['This field is required.'] }],
        [without('User-Name', 'Acct-Session-Id'), { 'User-Name': ['This field is required.'], 'Acct-Session-Id': ['This field is required.'] }],
        [without('NAS-Identifier'), { 'NAS-Identifier': ['NAS-Identifier or NAS-IP-Address is required.'] }],
        [{ 'Acct-Status-Type': 'Accounting-On' }, { 'NAS-Identifier': ['NAS-Identifier or NAS-IP-Address is required.'] }],
        [{ ...base, 'Acct-Session-Time': -1 }, { 'Acct-Session-Time': [INTEGER_MESSAGE] }],
        [{ ...base, 'Acct-Session-Time': '-30' }, { 'Acct-Session-Time': [INTEGER_MESSAGE] }],
        [{ ...base, 'Acct-Session-Time': 4294967296 }, { 'Acct-Session-Time': [INTEGER_MESSAGE] }],
        [{ ...base, 'Acct-Session-Time': 1e21 }, { 'Acct-Session-Time': [INTEGER_MESSAGE] }],
        [{ ...base, 'Acct-Session-Time': 30.5 }, { 'Acct-Session-Time': [INTEGER_MESSAGE] }],
        [{ ...base, 'Acct-Session-Time': '30s' }, { 'Acct-Session-Time': [INTEGER_MESSAGE] }],
        [{ ...base, 'Acct-Session-Time': true }, { 'Acct-Session-Time': ['Must be a string or a number, or rlm_rest\'s {"type", "value": [...]} form.'] }],
        [{ ...base, 'NAS-IP-Address': '300.1.2.3' }, { 'NAS-IP-Address': ['Enter a valid IPv4 or IPv6 address.'] }],
        [{ ...without('NAS-Identifier'), 'NAS-IP-Address': 'nas.example.com' }, { 'NAS-IP-Address': ['Enter a valid IPv4 or IPv6 address.'] }],
        [{ ...base, 'NAS-IPv6-Address': '192.0.2.1' }, { 'NAS-IPv6-Address': ['Enter a valid IPv6 address.'] }],
        [{ ...base, 'NAS-Port': 'wlan0' }, { 'NAS-Port': [INTEGER_MESSAGE] }],
        [{ ...base, 'Event-Timestamp': 'yesterday-ish' }, { 'Event-Timestamp': [TIMESTAMP_MESSAGE] }],
        [{ ...base, 'Acct-Delay-Time': -1 }, { 'Acct-Delay-Time': [INTEGER_MESSAGE] }],
        [{ ...base, 'User-Name': 'a'.repeat(254) }, { 'User-Name': ['Ensure this field has no more than 253 characters.'] }],
        [{ ...base, 'User-Name': ['a', 'b'] }, { 'User-Name': ['Must be a string or a number, or rlm_rest\'s {"type", "value": [...]} form.'] }],
        [{ ...base, 'Acct-Unique-Session-Id': 'a\u0001b' }, { 'Acct-Unique-Session-Id': ['Must not contain control characters.'] }],
        // Informational attributes never refuse a record: only the identifying one is named.
        [{ ...base, 'Acct-Session-Time': 'x', 'Framed-IP-Address': 'y' }, { 'Acct-Session-Time': [INTEGER_MESSAGE] }],
      ];
      const [{ last: keptBefore }] = await t.dataSource.query('SELECT COALESCE(max(id), 0)::int AS last FROM accounting_rejected');
      for (const [body, errors] of cases) {
        const response = await post(gatewayUser.token, body);
        expect({ body, status: response.status, errors: response.body }).toEqual({ body, status: 400, errors });
      }
      // Every refused record is kept as received, with the errors it was answered.
      const kept: { source: string; source_detail: string; body: unknown; reason: string; errors: unknown }[] = await t.dataSource.query(
        'SELECT source, source_detail, body, reason, errors FROM accounting_rejected WHERE id > $1 ORDER BY id', [keptBefore],
      );
      expect(kept).toEqual(cases.map(([body, errors]) => ({
        source: 'http', source_detail: gatewayUser.username, body: JSON.parse(JSON.stringify(body)), reason: 'invalid_attributes: Invalid input.', errors,
      })));

      const notAnObject = { non_field_errors: ['Invalid data. Expected a JSON object keyed by RADIUS attribute names.'] };
      for (const raw of ['[]', '"x"', '42', `[${JSON.stringify(base)}]`]) {
        const response = await t.api().post(PATH).set(bearer(gatewayUser.token)).set('Content-Type', 'application/json').send(raw);
        expect({ raw, status: response.status, body: response.body }).toEqual({ raw, status: 400, body: notAnObject });
      }

      expect(await snapshot()).toEqual(before);
      expect(await sessionRow(acctUniqueId(recordOf(id)))).toMatchObject({ status: 'open', charged_seconds: '0' });
    });
  });

  describe('POST /api/v1/accounting/: accepted forms and results', () => {
    it('answers started, duplicate, updated, stopped, duplicate, ignored for one session’s life', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const id = sessionIdentity(user.username);
      const uniqueId = acctUniqueId(recordOf(id));
      expect(await gateway.start(id)).toEqual({ result: 'started', acct_unique_id: uniqueId });
      expect(await gateway.start(id)).toEqual({ result: 'duplicate', acct_unique_id: uniqueId });
      t.clock.advanceSeconds(60);
      expect(await gateway.interim(id, 60)).toEqual({ result: 'updated', acct_unique_id: uniqueId });
      t.clock.advanceSeconds(15);
      expect(await gateway.stop(id, 75)).toEqual({ result: 'stopped', acct_unique_id: uniqueId });
      expect(await gateway.stop(id, 75)).toEqual({ result: 'duplicate', acct_unique_id: uniqueId });
      expect(await gateway.interim(id, 80)).toEqual({ result: 'ignored', acct_unique_id: uniqueId });
      expect(await sessionRow(uniqueId)).toMatchObject({ user_id: user.id, status: 'closed', charged_seconds: '75' });
    });

    it('answers created for an Interim-Update or a Stop of a session it never saw start', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      expect((await gateway.interim(sessionIdentity(user.username), 30)).result).toBe('created');
      expect((await gateway.stop(sessionIdentity(user.username), 30)).result).toBe('stopped');
    });

    it('accepts rlm_rest’s typed JSON form', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const sessionId = `rest-${uniqueUsername('s')}`;
      const typed = (type: string, value: unknown) => ({ type, value: [value] });
      const identity = {
        'User-Name': typed('string', user.username),
        'Acct-Session-Id': typed('string', sessionId),
        'NAS-Identifier': typed('string', 'nas-rest'),
        'NAS-IP-Address': typed('ipaddr', '192.0.2.77'),
      };
      const started = await post(gatewayUser.token, {
        'Acct-Status-Type': typed('integer', 'Start'),
        ...identity,
        'Calling-Station-Id': typed('string', '00-11-22-33-44-55'),
        'Framed-IP-Address': typed('ipaddr', '10.9.8.7'),
        'Event-Timestamp': typed('date', t.clock.now().toUTCString()),
      }).expect(200);
      const uniqueId = acctUniqueId({ userName: user.username, acctSessionId: sessionId, nasIpAddress: '192.0.2.77', nasIdentifier: 'nas-rest', nasPortId: '' });
      expect(started.body).toEqual({ result: 'started', acct_unique_id: uniqueId });
      t.clock.advanceSeconds(42);
      const stopped = await post(gatewayUser.token, {
        'Acct-Status-Type': typed('integer', 'Stop'),
        ...identity,
        'Acct-Session-Time': typed('integer', 42),
        'Acct-Terminate-Cause': typed('integer', 'Idle-Timeout'),
      }).expect(200);
      expect(stopped.body.result).toBe('stopped');
      const session = await t.api().get(`${SESSIONS}${await sessionIdOf(uniqueId)}/`).set(token(staff.token)).expect(200);
      expect(session.body).toMatchObject({
        acct_session_id: sessionId,
        nas_ip_address: '192.0.2.77',
        calling_station_id: '00-11-22-33-44-55',
        framed_ip_address: '10.9.8.7',
        session_time: 42,
        charged_seconds: 42,
        status: 'closed',
        terminate_cause: 'Idle-Timeout',
      });
    });

    it('accepts Acct-Status-Type and Acct-Terminate-Cause as RFC 2866 numbers (1, 3, 2, 7, 8)', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const nas = uniqueUsername('nas');
      const id = sessionIdentity(user.username, nas);
      expect((await gateway.send({ 'Acct-Status-Type': 1, ...id })).result).toBe('started');
      t.clock.advanceSeconds(10);
      expect((await gateway.send({ 'Acct-Status-Type': '3', ...id, 'Acct-Session-Time': 10 })).result).toBe('updated');
      t.clock.advanceSeconds(10);
      expect((await gateway.send({ 'Acct-Status-Type': 2, ...id, 'Acct-Session-Time': 20, 'Acct-Terminate-Cause': 1 })).result).toBe('stopped');
      await gateway.start(sessionIdentity(user.username, nas));
      expect(await gateway.send({ 'Acct-Status-Type': 7, 'NAS-Identifier': nas })).toEqual({ result: 'nas_reboot', sessions_closed: 1 });
      await gateway.start(sessionIdentity(user.username, nas));
      expect(await gateway.send({ 'Acct-Status-Type': '8', 'NAS-Identifier': nas })).toEqual({ result: 'nas_reboot', sessions_closed: 1 });
      const causes: { terminate_cause: string }[] = await t.dataSource.query(
        'SELECT terminate_cause FROM accounting_sessions WHERE nas_identifier = $1 ORDER BY id', [nas],
      );
      expect(causes.map((row) => row.terminate_cause)).toEqual(['User-Request', 'NAS-Reboot', 'NAS-Reboot']);
    });

    it('ignores RADIUS attributes it does not use', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const response = await gateway.send({
        'Acct-Status-Type': 'Start',
        ...sessionIdentity(user.username),
        'Service-Type': 'Framed-User',
        'Framed-Protocol': 'PPP',
        'Cisco-AVPair': ['ip:addr-pool=main', 'subscriber:accounting-list=x'],
        'WISPr-Location-Name': { type: 'string', value: ['Lobby'] },
        'Class': null,
        'Acct-Authentic': 1,
      });
      expect(response.result).toBe('started');
    });

    it('combines Gigawords and Octets into exact 64-bit counters', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const id = sessionIdentity(user.username);
      const { acct_unique_id: uniqueId } = await gateway.start(id, { 'Acct-Input-Octets': 5, 'Acct-Input-Gigawords': 2, 'Acct-Output-Octets': 4294967295, 'Acct-Output-Gigawords': 0 });
      const sessionId = await sessionIdOf(uniqueId!);
      const read = async () => (await t.api().get(`${SESSIONS}${sessionId}/`).set(token(staff.token)).expect(200)).body as SessionItem;
      expect(await read()).toMatchObject({ input_octets: 8589934597, output_octets: 4294967295 });

      t.clock.advanceSeconds(300);
      await gateway.interim(id, 300, { 'Acct-Input-Octets': '7', 'Acct-Input-Gigawords': '2', 'Acct-Output-Octets': 1, 'Acct-Output-Gigawords': 1 });
      expect(await read()).toMatchObject({ input_octets: 8589934599, output_octets: 4294967297 });
      expect(await sessionRow(uniqueId!)).toMatchObject({ input_octets: '8589934599', output_octets: '4294967297' });

      // The largest counter PostgreSQL's bigint holds is 2^63 − 1: Gigawords up to 2^31 − 1.
      t.clock.advanceSeconds(300);
      await gateway.interim(id, 600, { 'Acct-Input-Octets': 4294967295, 'Acct-Input-Gigawords': 2147483647 });
      expect(await sessionRow(uniqueId!)).toMatchObject({ input_octets: '9223372036854775807' });
      // Past it the counter is unknown: ignored (the update itself is kept), the stored counter stays.
      t.clock.advanceSeconds(300);
      const tooBig = await post(gatewayUser.token, { 'Acct-Status-Type': 'Interim-Update', ...id, 'Acct-Session-Time': 900, 'Acct-Output-Octets': 9, 'Acct-Output-Gigawords': 2147483648 });
      expect(tooBig.status).toBe(200);
      expect(tooBig.body).toEqual({ result: 'updated', acct_unique_id: uniqueId });
      expect(await read()).toMatchObject({ session_time: 900, output_octets: 4294967297 });
      expect(await sessionRow(uniqueId!)).toMatchObject({ input_octets: '9223372036854775807', output_octets: '4294967297' });
    });

    it('records a session of an unknown username, and charges nobody for it', async () => {
      const ghost = uniqueUsername('ghost');
      const id = sessionIdentity(ghost);
      const before = (await snapshot()).profiles;
      const { acct_unique_id: uniqueId } = await gateway.start(id);
      t.clock.advanceSeconds(120);
      expect((await gateway.stop(id, 120)).result).toBe('stopped');
      expect(await sessionRow(uniqueId!)).toMatchObject({ user_id: null, status: 'closed', charged_seconds: '0' });
      const session = await t.api().get(`${SESSIONS}${await sessionIdOf(uniqueId!)}/`).set(token(staff.token)).expect(200);
      expect(session.body).toMatchObject({ username: ghost, session_time: 120, charged_seconds: 0, status: 'closed' });
      expect(await t.dataSource.query('SELECT * FROM balance_ledger WHERE username = $1', [ghost])).toEqual([]);
      expect((await snapshot()).profiles).toEqual(before);
    });

    it('treats Accounting-Off like Accounting-On: closes the NAS’s open sessions (by NAS-Identifier or NAS-IP-Address)', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const nas = uniqueUsername('nas');
      const onThisNas = [sessionIdentity(user.username, nas), sessionIdentity(user.username, nas)];
      const byIp = { ...sessionIdentity(user.username, `${nas}-renamed`), 'NAS-IP-Address': '198.51.100.7' };
      const elsewhere = sessionIdentity(user.username, `${nas}-other`);
      for (const id of [...onThisNas, byIp, elsewhere]) await gateway.start(id);
      t.clock.advanceSeconds(50);
      expect(await gateway.send({ 'Acct-Status-Type': 'Accounting-Off', 'NAS-Identifier': nas, 'NAS-IP-Address': '198.51.100.7' })).toEqual({
        result: 'nas_reboot',
        sessions_closed: 3,
      });
      // Again: nothing left open there.
      expect(await gateway.send({ 'Acct-Status-Type': 'Accounting-Off', 'NAS-Identifier': nas })).toEqual({ result: 'nas_reboot', sessions_closed: 0 });
      const rows: { nas_identifier: string; status: string; terminate_cause: string | null; charged_seconds: string }[] = await t.dataSource.query(
        'SELECT nas_identifier, status, terminate_cause, charged_seconds FROM accounting_sessions WHERE user_id = $1 ORDER BY id',
        [user.id],
      );
      expect(rows).toEqual([
        { nas_identifier: nas, status: 'closed', terminate_cause: 'NAS-Reboot', charged_seconds: '50' },
        { nas_identifier: nas, status: 'closed', terminate_cause: 'NAS-Reboot', charged_seconds: '50' },
        { nas_identifier: `${nas}-renamed`, status: 'closed', terminate_cause: 'NAS-Reboot', charged_seconds: '50' },
        { nas_identifier: `${nas}-other`, status: 'open', terminate_cause: null, charged_seconds: '0' },
      ]);
    });
  });

  describe('sessions are identified as FreeRADIUS does', () => {
    it('counts the same Acct-Session-Id from two NASes, or for two users, as different sessions', async () => {
      const alice = await t.factories.subscriber({ balanceSeconds: 1000 });
      const bob = await t.factories.subscriber({ balanceSeconds: 1000 });
      const acctSessionId = 'deadbeef';
      const aliceOnA = { 'User-Name': alice.username, 'Acct-Session-Id': acctSessionId, 'NAS-Identifier': 'nas-ident-a' };
      const aliceOnB = { ...aliceOnA, 'NAS-Identifier': 'nas-ident-b' };
      const aliceOnAByIp = { 'User-Name': alice.username, 'Acct-Session-Id': acctSessionId, 'NAS-IP-Address': '192.0.2.1' };
      const bobOnA = { ...aliceOnA, 'User-Name': bob.username };
      const results = [];
      for (const id of [aliceOnA, aliceOnB, aliceOnAByIp, bobOnA]) results.push(await gateway.send({ 'Acct-Status-Type': 'Start', ...id }));
      expect(results.map((r) => r.result)).toEqual(['started', 'started', 'started', 'started']);
      expect(new Set(results.map((r) => r.acct_unique_id)).size).toBe(4);

      t.clock.advanceSeconds(20);
      expect((await gateway.stop(aliceOnB, 20)).result).toBe('stopped');
      const rows: { username: string; nas_identifier: string; status: string }[] = await t.dataSource.query(
        'SELECT username, nas_identifier, status FROM accounting_sessions WHERE acct_session_id = $1 AND user_id = ANY($2) ORDER BY id',
        [acctSessionId, [alice.id, bob.id]],
      );
      expect(rows).toEqual([
        { username: alice.username, nas_identifier: 'nas-ident-a', status: 'open' },
        { username: alice.username, nas_identifier: 'nas-ident-b', status: 'closed' },
        { username: alice.username, nas_identifier: '', status: 'open' },
        { username: bob.username, nas_identifier: 'nas-ident-a', status: 'open' },
      ]);
    });
  });

  describe('GET /api/v1/accounting/sessions/', () => {
    const list = (key: string, query: Record<string, string | number> = {}) => t.api().get(SESSIONS).query(query).set(token(key));

    it('shows every field of a session with its type', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const id = { ...sessionIdentity(user.username, 'nas-fields'), 'NAS-IP-Address': '192.0.2.10', 'NAS-Port-Id': 'wlan0' };
      const startedAt = t.clock.now();
      const { acct_unique_id: uniqueId } = await gateway.start(id, {
        'Calling-Station-Id': 'AA-BB-CC-DD-EE-FF',
        'Called-Station-Id': '66-77-88-99-AA-BB:hotspot',
        'Framed-IP-Address': '10.1.2.3',
      });
      t.clock.advanceSeconds(60);
      await gateway.interim(id, 60, { 'Acct-Input-Octets': 1000, 'Acct-Output-Octets': 2000 });
      const sessionId = await sessionIdOf(uniqueId!);
      const response = await list(user.token).expect(200);
      expect(response.body).toEqual({ count: 1, next: null, previous: null, results: [expect.any(Object)] });
      const item = response.body.results[0];
      expect(Object.keys(item)).toEqual([
        'id', 'acct_unique_id', 'acct_session_id', 'username', 'nas_identifier', 'nas_ip_address', 'nas_port_id',
        'calling_station_id', 'called_station_id', 'framed_ip_address', 'started_at', 'last_update_at', 'stopped_at',
        'session_time', 'input_octets', 'output_octets', 'charged_seconds', 'overage_seconds', 'status', 'terminate_cause',
        'session_time_clamped', 'seconds_so_far', 'charged_so_far', 'nas_client_name', 'nas_client_address',
        'disconnect_status', 'disconnect_error', 'disconnect_at', 'coa_status', 'coa_error', 'coa_at', 'coa_session_timeout',
      ]);
      const iso = (date: Date) => date.toISOString().replace('.000Z', 'Z');
      expect(item).toEqual({
        id: sessionId,
        acct_unique_id: uniqueId,
        acct_session_id: id['Acct-Session-Id'],
        username: user.username,
        nas_identifier: 'nas-fields',
        nas_ip_address: '192.0.2.10',
        nas_port_id: 'wlan0',
        calling_station_id: 'AA-BB-CC-DD-EE-FF',
        called_station_id: '66-77-88-99-AA-BB:hotspot',
        framed_ip_address: '10.1.2.3',
        started_at: iso(startedAt),
        last_update_at: iso(t.clock.now()),
        stopped_at: null,
        session_time: 60,
        input_octets: 1000,
        output_octets: 2000,
        charged_seconds: 0,
        overage_seconds: 0,
        status: 'open',
        terminate_cause: null,
        session_time_clamped: false,
        // Live figures at the request: 60 s by the server clock, all of it owed (no run has charged it yet).
        seconds_so_far: 60,
        charged_so_far: 60,
        nas_client_name: null,
        nas_client_address: null,
        disconnect_status: null,
        disconnect_error: null,
        disconnect_at: null,
        coa_status: null,
        coa_error: null,
        coa_at: null,
        coa_session_timeout: null,
      });
      expect(uniqueId).toMatch(/^[0-9a-f]{32}$/);
      await t.api().get(`${SESSIONS}${sessionId}/`).set(bearer(user.token)).expect(200, item);
      // Live: 30 s later the same open session shows 90 s so far.
      t.clock.advanceSeconds(30);
      const later = (await list(user.token, { status: 'open' }).expect(200)).body.results[0];
      expect(later).toMatchObject({ seconds_so_far: 90, charged_so_far: 90, session_time: 60 });
    });

    it('shows a subscriber only its own sessions; another’s is a 404', async () => {
      const alice = await t.factories.subscriber({ balanceSeconds: 1000 });
      const bob = await t.factories.subscriber({ balanceSeconds: 1000 });
      const aliceIds = [];
      for (let i = 0; i < 2; i += 1) aliceIds.push(await sessionIdOf((await gateway.start(sessionIdentity(alice.username))).acct_unique_id!));
      const bobId = await sessionIdOf((await gateway.start(sessionIdentity(bob.username))).acct_unique_id!);

      const own = await list(alice.token).expect(200);
      expect(own.body.count).toBe(2);
      expect(own.body.results.map((s: SessionItem) => s.id)).toEqual([...aliceIds].reverse());
      // A username filter cannot widen what a subscriber sees.
      expect((await list(alice.token, { username: bob.username }).expect(200)).body).toEqual({ count: 0, next: null, previous: null, results: [] });
      await t.api().get(`${SESSIONS}${bobId}/`).set(token(alice.token)).expect(404, { detail: 'Not found.' });
      await t.api().get(`${SESSIONS}${aliceIds[0]}/`).set(token(alice.token)).expect(200);
      for (const bad of ['abc', '0', '99999999999', '1.5']) await t.api().get(`${SESSIONS}${bad}/`).set(token(alice.token)).expect(404);
      await t.api().get(SESSIONS).expect(401);
    });

    it('shows moderators and admins everyone’s sessions in their organization, staff every session', async () => {
      const alice = await t.factories.subscriber({ balanceSeconds: 1000 });
      const aliceId = await sessionIdOf((await gateway.start(sessionIdentity(alice.username))).acct_unique_id!);
      const total = Number((await t.dataSource.query('SELECT count(*) AS n FROM accounting_sessions'))[0].n);
      // Sessions of unknown usernames (no subscriber, so no organization) are staff's only.
      const inOrganization = Number((await t.dataSource.query(
        `SELECT count(*) AS n FROM accounting_sessions s JOIN aaa_profiles p ON p.user_id = s.user_id WHERE p.organization = $1`, [alice.organization],
      ))[0].n);
      expect(inOrganization).toBeLessThan(total);
      for (const reader of [moderator, admin, staff]) {
        expect((await list(reader.token, { limit: 1000 }).expect(200)).body.count).toBe(reader === staff ? total : inOrganization);
        expect((await list(reader.token, { username: alice.username }).expect(200)).body.results.map((s: SessionItem) => s.id)).toEqual([aliceId]);
        await t.api().get(`${SESSIONS}${aliceId}/`).set(token(reader.token)).expect(200);
      }
      // A gateway sends accounting but does not read it.
      expect((await list(gatewayUser.token).expect(200)).body.count).toBe(0);
      await t.api().get(`${SESSIONS}${aliceId}/`).set(token(gatewayUser.token)).expect(404);
    });

    it('filters by username, status and nas_identifier; rejects an unknown status', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const nas = uniqueUsername('nas');
      const a = sessionIdentity(user.username, nas);
      const b = sessionIdentity(user.username, nas);
      const c = sessionIdentity(user.username, `${nas}-2`);
      const ids: Record<string, number> = {};
      for (const [name, id] of Object.entries({ a, b, c })) ids[name] = await sessionIdOf((await gateway.start(id)).acct_unique_id!);
      t.clock.advanceSeconds(5);
      await gateway.stop(b, 5);
      const found = async (query: Record<string, string>) =>
        (await list(staff.token, { username: user.username, ...query }).expect(200)).body.results.map((s: SessionItem) => s.id);
      expect(await found({})).toEqual([ids.c, ids.b, ids.a]);
      expect(await found({ status: 'open' })).toEqual([ids.c, ids.a]);
      expect(await found({ status: 'closed' })).toEqual([ids.b]);
      expect(await found({ nas_identifier: nas })).toEqual([ids.b, ids.a]);
      expect(await found({ nas_identifier: nas, status: 'open' })).toEqual([ids.a]);
      expect((await list(staff.token, { nas_identifier: `${nas}-2` }).expect(200)).body.results.map((s: SessionItem) => s.id)).toEqual([ids.c]);
      // The user's own view takes the same filters.
      expect((await list(user.token, { status: 'closed' }).expect(200)).body.results.map((s: SessionItem) => s.id)).toEqual([ids.b]);

      await list(staff.token, { status: 'running' }).expect(400, { status: ['Select a valid choice. running is not one of the available choices.'] });
      await list(user.token, { status: 'OPEN' }).expect(400);
    });

    it('paginates with limit/offset and absolute next/previous links that keep the filters', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const ids: number[] = [];
      for (let i = 0; i < 5; i += 1) ids.push(await sessionIdOf((await gateway.start(sessionIdentity(user.username))).acct_unique_id!));
      const newestFirst = [...ids].reverse();
      const base = `${TEST_PUBLIC_URL}${SESSIONS}`;
      const page = async (query: Record<string, string | number>) => (await list(staff.token, { username: user.username, ...query }).expect(200)).body;

      const first = await page({ limit: 2 });
      expect(first.count).toBe(5);
      expect(first.results.map((s: SessionItem) => s.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.next).toBe(`${base}?limit=2&offset=2&username=${user.username}`);
      expect(first.previous).toBeNull();
      const middle = await page({ limit: 2, offset: 2 });
      expect(middle.results.map((s: SessionItem) => s.id)).toEqual(newestFirst.slice(2, 4));
      expect(middle.next).toBe(`${base}?limit=2&offset=4&username=${user.username}`);
      expect(middle.previous).toBe(`${base}?limit=2&username=${user.username}`);
      const last = await page({ limit: 2, offset: 4 });
      expect(last.results.map((s: SessionItem) => s.id)).toEqual(newestFirst.slice(4));
      expect(last.next).toBeNull();
      expect(last.previous).toBe(`${base}?limit=2&offset=2&username=${user.username}`);
      // Default page size 10; past the end is an empty page.
      expect((await page({})).results).toHaveLength(5);
      expect((await page({ offset: 10 })).results).toEqual([]);
    });
  });

  describe('?format=csv on the sessions and ledger lists', () => {
    /** The CSV body as records of fields (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
    function parseCsv(text: string): string[][] {
      const records: string[][] = [];
      let field = '';
      let record: string[] = [];
      let quoted = false;
      for (let i = 0; i < text.length; i += 1) {
        const c = text[i]!;
        if (quoted && c === '"' && text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else if (quoted && c === '"') {
          quoted = false;
        } else if (quoted) {
          field += c;
        } else if (c === '"') {
          quoted = true;
        } else if (c === ',') {
          record.push(field);
          field = '';
        } else if (c === '\r' && text[i + 1] === '\n') {
          record.push(field);
          records.push(record);
          record = [];
          field = '';
          i += 1;
        } else {
          field += c;
        }
      }
      return records;
    }

    it('streams every session the filters select, with a header row and proper quoting, in the caller’s scope', async () => {
      const nasName = `nas,"quoted" ${uniqueUsername('x')}`;
      const user = await t.factories.subscriber({ balanceSeconds: 100_000 });
      const ids: number[] = [];
      // More than one export batch (1000 rows) would take long over HTTP: 30 sessions through the API, 2,000 more straight in the table.
      for (let i = 0; i < 30; i += 1) ids.push(await sessionIdOf((await gateway.start({ ...sessionIdentity(user.username), 'NAS-Identifier': nasName })).acct_unique_id!));
      await t.dataSource.query(
        `INSERT INTO accounting_sessions (acct_unique_id, acct_session_id, user_id, username, nas_identifier, started_at, last_update_at, status, session_time, stopped_at)
         SELECT md5(random()::text || g), 'bulk-' || g, $1, $2, E'bulk\\r\\nnas', $3, $3, 'closed', 10, $3 FROM generate_series(1, 2000) g`,
        [user.id, user.username, t.clock.now()],
      );
      t.clock.advanceSeconds(42);
      const response = await t.api().get(SESSIONS).query({ format: 'csv', username: user.username, limit: 5 }).set(token(staff.token)).buffer(true).parse((res, done) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => done(null, body));
      });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="sessions.csv"');
      // Streamed: no Content-Length, sent in chunks.
      expect(response.headers['content-length']).toBeUndefined();
      const records = parseCsv(response.body as string);
      const [header, ...rows] = records;
      expect(header!.slice(0, 4)).toEqual(['id', 'acct_unique_id', 'acct_session_id', 'username']);
      expect(header).toContain('seconds_so_far');
      expect(rows).toHaveLength(2030); // limit/offset do not apply to an export
      const column = (name: string) => header!.indexOf(name);
      const newest = rows[0]!;
      expect(newest[column('nas_identifier')]).toBe('bulk\r\nnas');
      const apiRows = rows.filter((row) => row[column('nas_identifier')] === nasName);
      expect(apiRows.map((row) => Number(row[column('id')]))).toEqual([...ids].reverse());
      expect(apiRows[0]![column('seconds_so_far')]).toBe('42');
      expect(apiRows[0]![column('status')]).toBe('open');
      // Ids strictly decreasing across the batch boundary: nothing repeated or skipped.
      const allIds = rows.map((row) => Number(row[column('id')]));
      expect(allIds.every((id, i) => i === 0 || id < allIds[i - 1]!)).toBe(true);

      // Scope: the subscriber itself gets only its own rows, another subscriber none; a bad filter is a 400 before any byte.
      const own = await t.api().get(SESSIONS).query({ format: 'csv', status: 'open' }).set(token(user.token)).expect(200);
      expect(parseCsv(own.text)).toHaveLength(31);
      const stranger = await t.factories.subscriber();
      expect(parseCsv((await t.api().get(SESSIONS).query({ format: 'csv' }).set(token(stranger.token)).expect(200)).text)).toHaveLength(1);
      await t.api().get(SESSIONS).query({ format: 'csv', status: 'running' }).set(token(staff.token)).expect(400);
      await t.api().get(SESSIONS).query({ format: 'xml' }).set(token(staff.token)).expect(404, { detail: 'Not found.' });
      await t.api().get(SESSIONS).query({ format: 'json' }).set(token(user.token)).expect(200);
      await t.api().get(SESSIONS).query({ format: 'csv' }).expect(401);
    });

    it('exports the ledger, defusing text a spreadsheet would run as a formula', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 0 });
      await t.api().patch(`/api/v1/user_token/${user.id}/`).set(token(staff.token)).send({ balance_seconds: 600 }).expect(200);
      await t.dataSource.query(
        `INSERT INTO balance_ledger (user_id, username, kind, delta_seconds, balance_after, reason, created_at) VALUES ($1, $2, 'adjustment', -100, 500, '=HYPERLINK("x")', now())`,
        [user.id, user.username],
      );
      const response = await t.api().get('/api/v1/accounting/ledger/').query({ format: 'csv', username: user.username }).set(token(staff.token)).expect(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      const [header, ...rows] = parseCsv(response.text);
      expect(header).toEqual(['id', 'username', 'kind', 'delta_seconds', 'overage_seconds', 'balance_after', 'session_id', 'actor', 'reason', 'created_at']);
      expect(rows.map((row) => [row[2], row[3], row[5], row[8]])).toEqual([
        ['adjustment', '-100', '500', `'=HYPERLINK("x")`],
        ['top_up', '600', '600', `PATCH /api/v1/user_token/${user.id}/`],
      ]);
      expect(response.text).toContain(`"'=HYPERLINK(""x"")"`);
      // Another organization's admin sees none of it.
      const otherAdmin = await t.factories.subscriber({ role: Role.Admin, organization: uniqueUsername('org') });
      expect(parseCsv((await t.api().get('/api/v1/accounting/ledger/').query({ format: 'csv', username: user.username }).set(token(otherAdmin.token)).expect(200)).text)).toHaveLength(1);
      expect((await t.api().get('/api/v1/accounting/ledger/').query({ username: user.username }).set(token(otherAdmin.token)).expect(200)).body.count).toBe(0);
      expect((await t.api().get('/api/v1/accounting/ledger/').query({ username: user.username }).set(token(admin.token)).expect(200)).body.count).toBe(2);
    });
  });
});

/** The identity fields acctUniqueId needs, from a plain-JSON body of string attributes. */
function recordOf(identity: object) {
  const body = identity as Partial<Record<string, string>>;
  return {
    userName: body['User-Name'] ?? '',
    acctSessionId: body['Acct-Session-Id'] ?? '',
    nasIpAddress: body['NAS-IP-Address'] ?? null,
    nasIdentifier: body['NAS-Identifier'] ?? '',
    nasPortId: body['NAS-Port-Id'] ?? '',
  };
}
