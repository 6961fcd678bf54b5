import { Role } from '../src/auth/policy.js';
import { loadConfig } from '../src/config/app-config.js';
import { legacyAcctUniqueId } from '../src/accounting/radius-attributes.js';
import { SESSION_TIME_TOLERANCE_SECONDS } from '../src/accounting/sessions.repository.js';
import { epoch, Gateway, ledgerOf, runAccounting, sessionIdentity, sessionsOf, storedBalance } from './support/accounting.js';
import type { CreatedSubscriber } from './support/factories.js';
import { counterValue } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Records real NASes and a real FreeRADIUS send, through POST /api/v1/accounting/ on a real
 * PostgreSQL with a fake clock: any Acct-Terminate-Cause, unreadable informational attributes,
 * Event-Timestamp as a non-UTC FreeRADIUS host prints it, FreeRADIUS's session identity (and
 * sessions opened under the earlier one), absurd Acct-Session-Times, and the quarantine of
 * refused records with its replay.
 */
const MAX_SESSION_SECONDS = 3600;
const REJECTED = '/api/v1/accounting/rejected/';

describe('accounting records from real NASes', () => {
  let t: TestApp;
  let gateway: Gateway;
  let gatewayUser: CreatedSubscriber;
  let staff: CreatedSubscriber;

  beforeAll(async () => {
    // The defaults (ACCOUNTING_REJECTED_RETENTION_DAYS 90), with a short ACCOUNTING_MAX_SESSION_SECONDS to see it apply.
    const { accounting } = loadConfig({ ACCOUNTING_SCHEDULE_ENABLED: 'false' });
    t = await createTestApp({ accounting: { ...accounting, maxSessionSeconds: MAX_SESSION_SECONDS } });
    gatewayUser = await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null });
    gateway = new Gateway(t, gatewayUser.token);
    staff = await t.factories.staff({ tokenLifetime: null });
  });
  afterAll(async () => {
    await t?.close();
  });

  const staffApi = {
    get: (url: string) => t.api().get(url).set('Authorization', `Token ${staff.token}`),
    post: (url: string) => t.api().post(url).set('Authorization', `Token ${staff.token}`),
  };

  async function sessionItem(uniqueId: string) {
    const [row] = await t.dataSource.query('SELECT id FROM accounting_sessions WHERE acct_unique_id = $1', [uniqueId]);
    return (await staffApi.get(`/api/v1/accounting/sessions/${row.id}/`).expect(200)).body;
  }

  describe('a Stop is never lost over an informational attribute', () => {
    it('stores Acct-Terminate-Cause 19 (802.1X Supplicant-Restart) and any other number, and charges the Stop', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const dot1x = sessionIdentity(user.username, 'ap-dot1x');
      const other = sessionIdentity(user.username, 'ap-dot1x');
      await gateway.start(dot1x);
      await gateway.start(other);
      t.clock.advanceSeconds(100);
      expect((await gateway.stop(dot1x, 100, { 'Acct-Terminate-Cause': 19 })).result).toBe('stopped');
      expect((await gateway.stop(other, 100, { 'Acct-Terminate-Cause': { type: 'integer', value: ['27'] } })).result).toBe('stopped');
      expect(await sessionsOf(t, user.username)).toEqual([
        expect.objectContaining({ status: 'closed', charged: 100, terminateCause: 'Supplicant-Restart' }),
        expect.objectContaining({ status: 'closed', charged: 100, terminateCause: '27' }),
      ]);
      expect(await storedBalance(t, user.id)).toBe(3600 - 200);
    });

    it('ignores unreadable informational attributes, keeps the record and counts each by name', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const id = sessionIdentity(user.username);
      await gateway.start(id);
      t.clock.advanceSeconds(60);
      const framed = await counterValue('timegate_accounting_attributes_ignored_total', { attribute: 'Framed-IP-Address' });
      const octets = await counterValue('timegate_accounting_attributes_ignored_total', { attribute: 'Acct-Input-Octets' });
      const stopped = await gateway.stop(id, 60, { 'Framed-IP-Address': '10.0.0.256', 'Acct-Input-Octets': -1, 'Calling-Station-Id': { nested: 1 } });
      expect(stopped.result).toBe('stopped');
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'closed', charged: 60, sessionTime: 60 })]);
      expect(await storedBalance(t, user.id)).toBe(3600 - 60);
      expect(await counterValue('timegate_accounting_attributes_ignored_total', { attribute: 'Framed-IP-Address' })).toBe(framed + 1);
      expect(await counterValue('timegate_accounting_attributes_ignored_total', { attribute: 'Acct-Input-Octets' })).toBe(octets + 1);
    });
  });

  describe('Event-Timestamp from a FreeRADIUS host that is not on UTC', () => {
    it('reads rlm_rest\'s "Dec  1 2026 08:43:46 CET" as 07:43:46 UTC', async () => {
      t.clock.set('2026-12-01T07:45:00Z');
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const id = sessionIdentity(user.username, 'freeradius-paris');
      const typed = (type: string, value: unknown) => ({ type, value: [value] });
      const started = await gateway.send({
        'Acct-Status-Type': typed('integer', 'Start'),
        'User-Name': typed('string', id['User-Name']),
        'Acct-Session-Id': typed('string', id['Acct-Session-Id']),
        'NAS-Identifier': typed('string', id['NAS-Identifier']),
        'Event-Timestamp': typed('date', 'Dec  1 2026 08:43:46 CET'),
      });
      expect(started.result).toBe('started');
      expect((await sessionItem(started.acct_unique_id!)).started_at).toBe('2026-12-01T07:43:46Z');
      // Charged from the event, not from arrival: 74 s before "now" plus 26 s.
      t.clock.advanceSeconds(26);
      await gateway.stop(id, 100, { 'Event-Timestamp': 'Dec  1 2026 08:45:26 CET' });
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'closed', charged: 100 })]);
      expect(await storedBalance(t, user.id)).toBe(3500);
    });

    it('uses arrival time minus Acct-Delay-Time when the zone names several offsets (IST), and counts it', async () => {
      t.clock.set('2026-12-01T09:00:00Z');
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const id = sessionIdentity(user.username, 'freeradius-dublin');
      const before = await counterValue('timegate_accounting_event_timestamp_fallbacks_total', {});
      const started = await gateway.start(id, { 'Event-Timestamp': 'Dec  1 2026 08:43:46 IST', 'Acct-Delay-Time': 20 });
      expect(started.result).toBe('started');
      expect((await sessionItem(started.acct_unique_id!)).started_at).toBe('2026-12-01T08:59:40Z');
      expect(await counterValue('timegate_accounting_event_timestamp_fallbacks_total', {})).toBe(before + 1);
    });
  });

  describe('session identity', () => {
    it("is FreeRADIUS 3.2's acct_unique (NAS-Port included), or the Acct-Unique-Session-Id sent", async () => {
      // The vector `freeradius -X` logged for these attributes (see radius-attributes.spec.ts).
      const jane = { 'User-Name': 'jane', 'Acct-Session-Id': '5f2a0001', 'NAS-IP-Address': '192.0.2.10', 'NAS-Identifier': 'hotspot-lobby', 'NAS-Port-Id': 'wlan0', 'NAS-Port': 7 };
      const start = (attributes: Record<string, unknown>) => gateway.send({ 'Acct-Status-Type': 'Start', ...attributes });
      expect(await start(jane)).toEqual({ result: 'started', acct_unique_id: '5edac4f3e7decc71a8a9a218667d06de' });
      expect(await start(jane)).toEqual({ result: 'duplicate', acct_unique_id: '5edac4f3e7decc71a8a9a218667d06de' });
      const otherPort = await start({ ...jane, 'NAS-Port': 8 });
      expect(otherPort.result).toBe('started');
      const carried = await start({ ...jane, 'Acct-Session-Id': 'x1', 'Acct-Unique-Session-Id': { type: 'string', value: ['0123456789abcdef0123456789abcdef'] } });
      expect(carried).toEqual({ result: 'started', acct_unique_id: '0123456789abcdef0123456789abcdef' });
    });

    it('keeps matching a session opened under the earlier id: Start retransmit, Interim-Update and Stop apply to it', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const id = { ...sessionIdentity(user.username, 'nas-legacy'), 'NAS-IP-Address': '192.0.2.44', 'NAS-Port': 3 };
      const legacyId = legacyAcctUniqueId({ userName: id['User-Name'], acctSessionId: id['Acct-Session-Id'], nasIpAddress: '192.0.2.44', nasIdentifier: 'nas-legacy', nasPortId: '' });
      // The row as the previous version wrote it at Start.
      await t.dataSource.query(
        `INSERT INTO accounting_sessions (acct_unique_id, acct_session_id, user_id, username, nas_identifier, nas_ip_address, started_at, last_update_at, status)
         VALUES ($1, $2, $3, $4, 'nas-legacy', '192.0.2.44', $5, $5, 'open')`,
        [legacyId, id['Acct-Session-Id'], user.id, user.username, t.clock.now()],
      );
      expect(await gateway.start(id)).toEqual({ result: 'duplicate', acct_unique_id: legacyId });
      t.clock.advanceSeconds(300);
      expect(await gateway.interim(id, 300)).toEqual({ result: 'updated', acct_unique_id: legacyId });
      await runAccounting(t);
      t.clock.advanceSeconds(100);
      expect(await gateway.stop(id, 400)).toEqual({ result: 'stopped', acct_unique_id: legacyId });
      expect(await gateway.stop(id, 400)).toEqual({ result: 'duplicate', acct_unique_id: legacyId });
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'closed', charged: 400, sessionTime: 400 })]);
      expect(await storedBalance(t, user.id)).toBe(3200);
    });
  });

  describe('an absurd Acct-Session-Time is clamped, flagged and counted', () => {
    const clampedCount = () => counterValue('timegate_accounting_session_time_clamped_total', {});

    it('charges a known session at most its time since its first record plus the tolerance', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 100_000 });
      const id = sessionIdentity(user.username);
      const { acct_unique_id: uniqueId } = await gateway.start(id);
      t.clock.advanceSeconds(600);
      const before = await clampedCount();
      await gateway.interim(id, 4294967295);
      expect(await clampedCount()).toBe(before + 1);
      expect(await sessionItem(uniqueId!)).toMatchObject({ session_time: 600 + SESSION_TIME_TOLERANCE_SECONDS, session_time_clamped: true, started_at: expect.any(String) });
      t.clock.advanceSeconds(60);
      expect((await gateway.stop(id, 4294967295)).result).toBe('stopped');
      expect(await clampedCount()).toBe(before + 2);
      expect(await sessionItem(uniqueId!)).toMatchObject({ status: 'closed', session_time: 660 + SESSION_TIME_TOLERANCE_SECONDS, session_time_clamped: true });
      expect(await storedBalance(t, user.id)).toBe(100_000 - 660 - SESSION_TIME_TOLERANCE_SECONDS);
    });

    it('believes a Stop within the tolerance as sent, unflagged', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 10_000 });
      const id = sessionIdentity(user.username);
      const { acct_unique_id: uniqueId } = await gateway.start(id);
      t.clock.advanceSeconds(600);
      await gateway.stop(id, 600 + SESSION_TIME_TOLERANCE_SECONDS);
      expect(await sessionItem(uniqueId!)).toMatchObject({ session_time: 600 + SESSION_TIME_TOLERANCE_SECONDS, session_time_clamped: false });
      expect(await storedBalance(t, user.id)).toBe(10_000 - 600 - SESSION_TIME_TOLERANCE_SECONDS);
    });

    it('charges a session first seen at its Stop at most ACCOUNTING_MAX_SESSION_SECONDS', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 10_000 });
      const id = sessionIdentity(user.username);
      const before = await clampedCount();
      const stopped = await gateway.stop(id, 4294967295, { 'Event-Timestamp': epoch(t.clock.now()) });
      expect(stopped.result).toBe('stopped');
      expect(await clampedCount()).toBe(before + 1);
      const item = await sessionItem(stopped.acct_unique_id!);
      expect(item).toMatchObject({ status: 'closed', session_time: MAX_SESSION_SECONDS, charged_seconds: MAX_SESSION_SECONDS, session_time_clamped: true });
      expect(Date.parse(item.stopped_at) - Date.parse(item.started_at)).toBe(MAX_SESSION_SECONDS * 1000);
      expect(await storedBalance(t, user.id)).toBe(10_000 - MAX_SESSION_SECONDS);
      expect((await ledgerOf(t, user.id)).at(-1)).toMatchObject({ kind: 'session', delta: -MAX_SESSION_SECONDS });
    });

    it('dates a session first seen at an Interim-Update at most ACCOUNTING_MAX_SESSION_SECONDS back', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 10_000 });
      const id = sessionIdentity(user.username);
      const created = await gateway.interim(id, 4294967295);
      expect(created.result).toBe('created');
      expect(await sessionItem(created.acct_unique_id!)).toMatchObject({ session_time: MAX_SESSION_SECONDS, session_time_clamped: true });
      await runAccounting(t);
      expect(await storedBalance(t, user.id)).toBe(10_000 - MAX_SESSION_SECONDS);
    });
  });

  describe('nothing lost, even what is refused', () => {
    it('keeps a refused record, lists it for staff and replays it once applied; a replay that fails again stays pending', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const id = sessionIdentity(user.username, 'nas-quarantine');
      await gateway.start(id);
      t.clock.advanceSeconds(90);
      const refused = await gateway.send({ 'Acct-Status-Type': 'Stop', ...id, 'Acct-Session-Time': '90 s' }, 400);
      expect(refused).toEqual({ 'Acct-Session-Time': ['A valid integer from 0 to 4294967295 is required.'] });
      const listed = (await staffApi.get(`${REJECTED}?pending=true&limit=1`).expect(200)).body;
      expect(listed.results).toEqual([{
        id: expect.any(Number),
        received_at: t.clock.now().toISOString().replace('.000Z', 'Z'),
        source: 'http',
        source_detail: gatewayUser.username,
        body: { 'Acct-Status-Type': 'Stop', ...id, 'Acct-Session-Time': '90 s' },
        reason: 'invalid_attributes: Invalid input.',
        errors: refused,
        replayed_at: null,
        replay_result: null,
      }]);
      const recordId = listed.results[0].id;

      // Replaying it unchanged fails again: it stays pending, with why.
      const again = (await staffApi.post(`${REJECTED}${recordId}/replay/`).expect(200)).body;
      expect(again).toMatchObject({ id: recordId, replayed_at: null, replay_result: `invalid_attributes: ${JSON.stringify(refused)}` });
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'open' })]);

      // Once the cause is fixed (here: the stored body corrected), the replay applies it.
      await t.dataSource.query(`UPDATE accounting_rejected SET body = jsonb_set(body, '{Acct-Session-Time}', '90') WHERE id = $1`, [recordId]);
      const applied = (await staffApi.post(`${REJECTED}${recordId}/replay/`).expect(200)).body;
      expect(applied).toMatchObject({ id: recordId, replayed_at: t.clock.now().toISOString().replace('.000Z', 'Z'), replay_result: 'stopped' });
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'closed', charged: 90 })]);
      expect(await storedBalance(t, user.id)).toBe(3600 - 90);
      // Replaying an applied record again is a harmless duplicate.
      expect((await staffApi.post(`${REJECTED}${recordId}/replay/`).expect(200)).body).toMatchObject({ replay_result: 'duplicate' });
      expect(await storedBalance(t, user.id)).toBe(3600 - 90);
      await staffApi.post(`${REJECTED}999999999/replay/`).expect(404, { detail: 'Not found.' });
      await staffApi.get(`${REJECTED}?pending=maybe`).expect(400, { pending: ['Must be a valid boolean.'] });
    });

    it('keeps a record whose transaction failed (500), and applies it on replay once the cause is gone', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const id = sessionIdentity(user.username, 'nas-broken');
      await gateway.start(id);
      t.clock.advanceSeconds(45);
      await t.dataSource.query(`CREATE FUNCTION refuse_stop() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.status = 'closed' AND NEW.nas_identifier = 'nas-broken' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; RETURN NEW; END $$`);
      await t.dataSource.query('CREATE TRIGGER refuse_stop BEFORE UPDATE ON accounting_sessions FOR EACH ROW EXECUTE FUNCTION refuse_stop()');
      const failedBefore = await counterValue('timegate_accounting_rejected_total', { source: 'http', reason: 'apply_failed', stored: 'true' });
      try {
        await gateway.stop(id, 45);
        throw new Error('the Stop should have failed');
      } catch (error) {
        expect(String(error)).toContain('→ 500');
      } finally {
        await t.dataSource.query('DROP TRIGGER refuse_stop ON accounting_sessions');
        await t.dataSource.query('DROP FUNCTION refuse_stop()');
      }
      expect(await counterValue('timegate_accounting_rejected_total', { source: 'http', reason: 'apply_failed', stored: 'true' })).toBe(failedBefore + 1);
      const [kept] = await t.dataSource.query(`SELECT id::int AS id, reason FROM accounting_rejected WHERE source_detail = $1 ORDER BY id DESC LIMIT 1`, [gatewayUser.username]);
      expect(kept.reason).toContain('apply_failed: disk full (simulated)');
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'open', charged: 0 })]);
      expect((await staffApi.post(`${REJECTED}${kept.id}/replay/`).expect(200)).body).toMatchObject({ replay_result: 'stopped', replayed_at: expect.any(String) });
      expect(await sessionsOf(t, user.username)).toEqual([expect.objectContaining({ status: 'closed', charged: 45 })]);
      expect(await storedBalance(t, user.id)).toBe(3600 - 45);
    });

    it('still answers 400 when the refused record cannot be kept, and counts that', async () => {
      await t.dataSource.query(`CREATE FUNCTION refuse_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'quarantine unavailable'; END $$`);
      await t.dataSource.query('CREATE TRIGGER refuse_keep BEFORE INSERT ON accounting_rejected FOR EACH ROW EXECUTE FUNCTION refuse_keep()');
      const lost = await counterValue('timegate_accounting_rejected_total', { source: 'http', reason: 'invalid_attributes', stored: 'false' });
      try {
        await gateway.send({ 'Acct-Status-Type': 'Bogus', 'User-Name': 'x', 'Acct-Session-Id': 'y', 'NAS-Identifier': 'z' }, 400);
      } finally {
        await t.dataSource.query('DROP TRIGGER refuse_keep ON accounting_rejected');
        await t.dataSource.query('DROP FUNCTION refuse_keep()');
      }
      expect(await counterValue('timegate_accounting_rejected_total', { source: 'http', reason: 'invalid_attributes', stored: 'false' })).toBe(lost + 1);
    });

    it('deletes refused records older than ACCOUNTING_REJECTED_RETENTION_DAYS in the accounting run', async () => {
      const insert = (receivedAt: Date) =>
        t.dataSource.query(
          `INSERT INTO accounting_rejected (received_at, source, body, reason) VALUES ($1, 'radius', '{}'::jsonb, 'invalid_attributes') RETURNING id::int AS id`,
          [receivedAt],
        );
      const [[old], [recent]] = await Promise.all([
        insert(new Date(t.clock.now().getTime() - (90 * 86400 + 1) * 1000)),
        insert(new Date(t.clock.now().getTime() - (90 * 86400 - 60) * 1000)),
      ]);
      await runAccounting(t);
      const left: { id: number }[] = await t.dataSource.query('SELECT id::int AS id FROM accounting_rejected WHERE id = ANY($1::bigint[])', [[old.id, recent.id]]);
      expect(left).toEqual([{ id: recent.id }]);
    });
  });
});
