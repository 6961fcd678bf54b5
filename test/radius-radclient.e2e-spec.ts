import radius from 'radius';
import { Role } from '../src/auth/policy.js';
import { Gateway, runAccounting, sessionIdentity, sessionsOf, storedBalance, ledgerOf } from './support/accounting.js';
import type { CreatedSubscriber } from './support/factories.js';
import {
  coaListener,
  counterValue,
  disconnectsIdle,
  radclient,
  radiusPorts,
  radiusTestConfig,
  requireRadclient,
  UdpPeer,
  type RadclientResult,
} from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const SECRET = 'radius-e2e-secret';
/** radclient computes it: the NAS client requires one on Access-Requests (the default, against BlastRADIUS). */
const SIGNED = { 'Message-Authenticator': '0x00' };
const MESSAGE_AUTHENTICATOR = expect.stringMatching(/^0x[0-9a-f]{32}$/);

/**
 * The RADIUS listeners driven by FreeRADIUS's radclient, as a NAS would: PAP Access-Request,
 * Accounting-Request on the same accounting core as POST /api/v1/accounting/, dropped packets,
 * retransmits, and the Disconnect-Request sent to the NAS's CoA port when a balance runs out.
 */
describe('RADIUS through radclient', () => {
  let t: TestApp;
  let ports: { auth: number; acct: number };
  let gateway: Gateway;
  const log: string[] = [];

  beforeAll(async () => {
    requireRadclient();
    t = await createTestApp(radiusTestConfig());
    ports = radiusPorts(t);
    gateway = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway })).token);
    const staff = await t.factories.staff();
    const created = await t.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`).send({ name: 'radclient', ip_address: '127.0.0.1', secret: SECRET });
    if (created.status !== 201) throw new Error(`NAS client not created: ${created.status} ${JSON.stringify(created.body)}`);
  });
  afterAll(async () => {
    if (process.env.RADIUS_LOG) console.log(log.join('\n'));
    await t?.close();
  });

  async function run(port: 'auth' | 'acct', attributes: Record<string, string | number>, options: { secret?: string; timeout?: number; retries?: number } = {}): Promise<RadclientResult> {
    const result = await radclient(ports[port], port, options.secret ?? SECRET, attributes, options);
    log.push(`$ ${result.command}`, result.stdout.trim(), result.stderr.trim(), `(exit ${result.exitCode})`, '');
    return result;
  }

  describe('Access-Request (PAP)', () => {
    it('accepts with Session-Timeout = the remaining balance, Acct-Interim-Interval and a Reply-Message', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600, password: 'correct horse battery' });
      const reply = await run('auth', { 'User-Name': user.username, 'User-Password': 'correct horse battery', 'NAS-IP-Address': '127.0.0.1', ...SIGNED });
      expect(reply.reply).toBe('Access-Accept');
      expect(reply.attributes).toEqual({
        'Message-Authenticator': MESSAGE_AUTHENTICATOR,
        'Session-Timeout': '3600',
        'Acct-Interim-Interval': '300',
        'Reply-Message': `Welcome, ${user.username}: 1 h 0 min 0 s left.`,
      });
    });

    it('accepts a live token as the password', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 90 });
      const reply = await run('auth', { 'User-Name': user.username, 'User-Password': user.token, 'NAS-Identifier': 'hotspot', ...SIGNED });
      expect(reply.reply).toBe('Access-Accept');
      expect(reply.attributes['Session-Timeout']).toBe('90');
    });

    it('rejects with a Reply-Message saying why', async () => {
      const broke = await t.factories.subscriber({ balanceSeconds: 0, password: 'correct horse battery' });
      const inactive = await t.factories.subscriber({ balanceSeconds: 600, password: 'correct horse battery', isActive: false });
      const cases: [string, string, string][] = [
        [broke.username, 'correct horse battery', 'No time left on this account.'],
        [broke.username, 'wrong password', 'Invalid username, password or token.'],
        [inactive.username, 'correct horse battery', 'User inactive or deleted.'],
        ['nobody_here', 'whatever', 'Invalid username, password or token.'],
      ];
      for (const [userName, password, message] of cases) {
        const reply = await run('auth', { 'User-Name': userName, 'User-Password': password, 'NAS-IP-Address': '127.0.0.1', ...SIGNED });
        expect({ userName, reply: reply.reply, attributes: reply.attributes }).toEqual({
          userName,
          reply: 'Access-Reject',
          attributes: { 'Message-Authenticator': MESSAGE_AUTHENTICATOR, 'Reply-Message': message },
        });
      }
    });

    it('verifies Message-Authenticator and signs the answer with one', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 60, password: 'correct horse battery' });
      const attributes = { 'User-Name': user.username, 'User-Password': 'correct horse battery', 'Message-Authenticator': '0x00' };
      const reply = await run('auth', attributes);
      expect(reply.reply).toBe('Access-Accept');
      expect(reply.attributes['Message-Authenticator']).toMatch(/^0x[0-9a-f]{32}$/);

      const dropped = await counterValue('radius_packets_dropped_total', { reason: 'bad_authenticator' });
      const forged = await run('auth', attributes, { secret: 'not-the-secret', timeout: 1, retries: 1 });
      expect(forged.reply).toBeUndefined();
      expect(forged.stdout).toContain('No reply from server');
      expect(await counterValue('radius_packets_dropped_total', { reason: 'bad_authenticator' })).toBe(dropped + 1);
    });
  });

  describe('Accounting-Request', () => {
    async function octetsOf(username: string) {
      const rows: { input: string; output: string }[] = await t.dataSource.query(
        'SELECT input_octets::text AS input, output_octets::text AS output FROM accounting_sessions WHERE username = $1',
        [username],
      );
      return rows;
    }

    it('moves the balance exactly as the HTTP path does (Start, Interim-Update, Stop, Gigawords)', async () => {
      const viaRadius = await t.factories.subscriber({ balanceSeconds: 3600 });
      const viaHttp = await t.factories.subscriber({ balanceSeconds: 3600 });
      const radiusId = sessionIdentity(viaRadius.username, 'hotspot-parity');
      const httpId = sessionIdentity(viaHttp.username, 'hotspot-parity');
      const nas = { 'NAS-IP-Address': '127.0.0.1', 'Calling-Station-Id': '00-11-22-33-44-55' };
      const interim = { 'Acct-Input-Octets': 1000, 'Acct-Input-Gigawords': 1, 'Acct-Output-Octets': 5000 };
      const stop = { 'Acct-Input-Octets': 2000, 'Acct-Input-Gigawords': 2, 'Acct-Output-Octets': 7000, 'Acct-Output-Gigawords': 0 };

      const both = async (status: string, sessionTime: number | undefined, extra: Record<string, string | number>) => {
        const time: Record<string, number> = sessionTime === undefined ? {} : { 'Acct-Session-Time': sessionTime };
        const reply = await run('acct', { 'Acct-Status-Type': status, ...radiusId, ...nas, ...time, ...extra });
        expect(reply.reply).toBe('Accounting-Response');
        await gateway.send({ 'Acct-Status-Type': status, ...httpId, ...nas, ...time, ...extra });
      };

      await both('Start', undefined, {});
      t.clock.advanceSeconds(120);
      await both('Interim-Update', 120, interim);
      await runAccounting(t);
      t.clock.advanceSeconds(65);
      await both('Stop', 185, { ...stop, 'Acct-Terminate-Cause': 'User-Request' });

      const [radiusSession] = await sessionsOf(t, viaRadius.username);
      const [httpSession] = await sessionsOf(t, viaHttp.username);
      expect(radiusSession).toEqual({ ...httpSession, acctSessionId: radiusId['Acct-Session-Id'] });
      expect(radiusSession).toMatchObject({ status: 'closed', charged: 185, sessionTime: 185, terminateCause: 'User-Request' });
      expect(await storedBalance(t, viaRadius.id)).toBe(3600 - 185);
      expect(await storedBalance(t, viaRadius.id)).toBe(await storedBalance(t, viaHttp.id));
      expect((await ledgerOf(t, viaRadius.id)).map(({ delta, balanceAfter }) => ({ delta, balanceAfter }))).toEqual(
        (await ledgerOf(t, viaHttp.id)).map(({ delta, balanceAfter }) => ({ delta, balanceAfter })),
      );
      expect(await octetsOf(viaRadius.username)).toEqual([{ input: String(2000 + 2 * 2 ** 32), output: '7000' }]);
      expect(await octetsOf(viaRadius.username)).toEqual(await octetsOf(viaHttp.username));
    });

    it('closes the NAS\'s open sessions on Accounting-On', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      await run('acct', { 'Acct-Status-Type': 'Start', ...sessionIdentity(user.username, 'hotspot-reboot') });
      t.clock.advanceSeconds(30);
      const reply = await run('acct', { 'Acct-Status-Type': 'Accounting-On', 'NAS-Identifier': 'hotspot-reboot' });
      expect(reply.reply).toBe('Accounting-Response');
      expect(await sessionsOf(t, user.username)).toMatchObject([{ status: 'closed', charged: 30, terminateCause: 'NAS-Reboot' }]);
    });

    it('applies an 802.1X Stop (Acct-Terminate-Cause 19 and unnamed causes), with FreeRADIUS\'s session identity', async () => {
      // The Acct-Unique-Session-Id `freeradius -X` computed for these attributes (stock acct_unique policy).
      const jane = { 'User-Name': 'jane', 'Acct-Session-Id': '5f2a0001', 'NAS-IP-Address': '192.0.2.10', 'NAS-Identifier': 'hotspot-lobby', 'NAS-Port-Id': 'wlan0', 'NAS-Port': 7 };
      expect((await run('acct', { 'Acct-Status-Type': 'Start', ...jane })).reply).toBe('Accounting-Response');
      expect(await t.dataSource.query("SELECT username FROM accounting_sessions WHERE acct_unique_id = '5edac4f3e7decc71a8a9a218667d06de'")).toEqual([{ username: 'jane' }]);

      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const dot1x = { ...sessionIdentity(user.username, 'ap-dot1x'), 'NAS-Port': 12 };
      const other = { ...sessionIdentity(user.username, 'ap-dot1x'), 'NAS-Port': 13 };
      await run('acct', { 'Acct-Status-Type': 'Start', ...dot1x });
      await run('acct', { 'Acct-Status-Type': 'Start', ...other });
      t.clock.advanceSeconds(70);
      expect((await run('acct', { 'Acct-Status-Type': 'Stop', ...dot1x, 'Acct-Session-Time': 70, 'Acct-Terminate-Cause': 19 })).reply).toBe('Accounting-Response');
      expect((await run('acct', { 'Acct-Status-Type': 'Stop', ...other, 'Acct-Session-Time': 70, 'Acct-Terminate-Cause': 25 })).reply).toBe('Accounting-Response');
      expect(await sessionsOf(t, user.username)).toEqual([
        expect.objectContaining({ status: 'closed', charged: 70, terminateCause: 'Supplicant-Restart' }),
        expect.objectContaining({ status: 'closed', charged: 70, terminateCause: '25' }),
      ]);
      expect(await storedBalance(t, user.id)).toBe(3600 - 140);
    });

    it('drops a record with an invalid identifying attribute (no answer) and keeps it for replay', async () => {
      const sessionId = `kept-${Date.now()}`;
      const dropped = await counterValue('radius_packets_dropped_total', { reason: 'invalid_attributes' });
      const reply = await run('acct', { 'Acct-Status-Type': 'Start', 'Acct-Session-Id': sessionId, 'NAS-Identifier': 'hotspot-kept' }, { timeout: 1, retries: 1 });
      expect(reply.reply).toBeUndefined();
      expect(await counterValue('radius_packets_dropped_total', { reason: 'invalid_attributes' })).toBe(dropped + 1);
      const kept = await t.dataSource.query("SELECT source, source_detail, body, reason, errors FROM accounting_rejected WHERE body->>'Acct-Session-Id' = $1", [sessionId]);
      expect(kept).toEqual([{
        source: 'radius',
        source_detail: 'radclient (127.0.0.1/32)',
        body: { 'Acct-Status-Type': 'Start', 'Acct-Session-Id': sessionId, 'NAS-Identifier': 'hotspot-kept' },
        reason: 'invalid_attributes: Invalid input.',
        errors: { 'User-Name': ['This field is required.'] },
      }]);
    });

    it('drops a packet signed with the wrong secret (no answer, nothing recorded, counted)', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const dropped = await counterValue('radius_packets_dropped_total', { reason: 'bad_authenticator' });
      const reply = await run('acct', { 'Acct-Status-Type': 'Start', ...sessionIdentity(user.username) }, { secret: 'wrong-secret', timeout: 1, retries: 1 });
      expect(reply.exitCode).not.toBe(0);
      expect(reply.reply).toBeUndefined();
      expect(reply.stdout).toContain('No reply from server');
      expect(await sessionsOf(t, user.username)).toEqual([]);
      expect(await counterValue('radius_packets_dropped_total', { reason: 'bad_authenticator' })).toBe(dropped + 1);
    });

    it('drops packets from an address that is not a NAS client', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const stranger = await UdpPeer.bind('127.0.0.2');
      try {
        const before = await counterValue('radius_packets_dropped_total', { reason: 'unknown_client' });
        const packet = radius.encode({ code: 'Accounting-Request', secret: SECRET, identifier: 7, attributes: { 'Acct-Status-Type': 'Start', ...sessionIdentity(user.username) } });
        await stranger.send(packet, ports.acct);
        for (let i = 0; i < 100 && (await counterValue('radius_packets_dropped_total', { reason: 'unknown_client' })) === before; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(await counterValue('radius_packets_dropped_total', { reason: 'unknown_client' })).toBe(before + 1);
        expect(stranger.received).toEqual([]);
        expect(await sessionsOf(t, user.username)).toEqual([]);
      } finally {
        await stranger.close();
      }
    });

    it('answers a retransmit (same identifier and authenticator) from the cache without applying it twice', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const id = sessionIdentity(user.username, 'hotspot-retransmit');
      await run('acct', { 'Acct-Status-Type': 'Start', ...id });
      t.clock.advanceSeconds(100);
      const nas = await UdpPeer.bind();
      try {
        const stop = radius.encode({
          code: 'Accounting-Request',
          secret: SECRET,
          identifier: 42,
          attributes: [['Acct-Status-Type', 'Stop'], ...Object.entries(id), ['Acct-Session-Time', 100], ['Acct-Terminate-Cause', 'User-Request']],
        });
        const duplicates = await counterValue('radius_duplicate_requests_total', { listener: 'acct' });
        await nas.send(stop, ports.acct);
        await nas.send(stop, ports.acct);
        await nas.waitFor(2);
        expect(nas.received[0]!.message).toEqual(nas.received[1]!.message);
        expect(radius.decode({ packet: nas.received[0]!.message, secret: SECRET }).code).toBe('Accounting-Response');
        expect(radius.verify_response({ request: stop, response: nas.received[0]!.message, secret: SECRET })).toBe(true);
        expect(await counterValue('radius_duplicate_requests_total', { listener: 'acct' })).toBe(duplicates + 1);
      } finally {
        await nas.close();
      }
      expect(await sessionsOf(t, user.username)).toMatchObject([{ status: 'closed', charged: 100 }]);
      expect(await ledgerOf(t, user.id)).toMatchObject([{ delta: -100, balanceAfter: 3500 }]);
    });
  });

  describe('Disconnect-Request when the balance runs out', () => {
    async function disconnectColumns(username: string) {
      const rows: { status: string; attempts: number; error: string | null; at: Date | null }[] = await t.dataSource.query(
        `SELECT disconnect_status AS status, disconnect_attempts AS attempts, disconnect_error AS error, disconnect_at AS at
           FROM accounting_sessions WHERE username = $1`,
        [username],
      );
      return rows;
    }

    async function addNas(name: string, ipAddress: string, coaPort: number, secret: string, gatewayUserId: number | null = null): Promise<number> {
      const staff = await t.factories.staff();
      const response = await t.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`).send({ name, ip_address: ipAddress, secret, coa_port: coaPort, gateway_user_id: gatewayUserId });
      expect(response.status).toBe(201);
      return response.body.id as number;
    }

    /** A gateway account posting HTTP accounting, linked to a NAS client (or to none) by the caller. */
    async function newGateway(): Promise<{ id: number; gateway: Gateway }> {
      const account = await t.factories.subscriber({ role: Role.Gateway });
      return { id: account.id, gateway: new Gateway(t, account.token) };
    }

    async function boundNasClient(username: string): Promise<number | null> {
      const rows: { nasClientId: number | null }[] = await t.dataSource.query('SELECT nas_client_id AS "nasClientId" FROM accounting_sessions WHERE username = $1', [username]);
      return rows[0]!.nasClientId;
    }

    async function exhaust(user: CreatedSubscriber, seconds: number) {
      t.clock.advanceSeconds(seconds);
      await runAccounting(t);
      await disconnectsIdle(t);
    }

    it('sends it to the NAS client the session came from over RADIUS, which answers Disconnect-ACK, and records it', async () => {
      const coaSecret = 'coa-secret-ack-0123456';
      const coa = await coaListener(coaSecret, 'Disconnect-ACK', '127.0.0.4');
      const nas = await UdpPeer.bind('127.0.0.4');
      try {
        const nasId = await addNas('nas-ack', '127.0.0.4', coa.port, coaSecret);
        const user = await t.factories.subscriber({ balanceSeconds: 60 });
        const id = { ...sessionIdentity(user.username, 'hotspot-ack'), 'NAS-IP-Address': '127.0.0.4', 'Calling-Station-Id': 'AA-BB-CC-DD-EE-FF' };
        await nas.send(radius.encode({ code: 'Accounting-Request', identifier: 1, secret: coaSecret, attributes: [['Acct-Status-Type', 'Start'], ...Object.entries(id)] }), ports.acct);
        await nas.waitFor(1);
        expect(radius.decode_without_secret({ packet: nas.received[0]!.message }).code).toBe('Accounting-Response');
        expect(await boundNasClient(user.username)).toBe(nasId);
        await exhaust(user, 120);

        // One datagram, or the same one retransmitted if the machine was too slow to answer within 500 ms.
        expect(coa.received.length).toBeGreaterThanOrEqual(1);
        expect(new Set(coa.received.map((datagram) => datagram.message.toString('hex'))).size).toBe(1);
        const request = radius.decode({ packet: coa.received[0]!.message, secret: coaSecret });
        expect(request.code).toBe('Disconnect-Request');
        expect(request.attributes).toMatchObject({
          'Acct-Session-Id': id['Acct-Session-Id'],
          'User-Name': user.username,
          'Calling-Station-Id': 'AA-BB-CC-DD-EE-FF',
          'NAS-IP-Address': '127.0.0.4',
          'NAS-Identifier': 'hotspot-ack',
        });
        expect(await sessionsOf(t, user.username)).toMatchObject([{ status: 'closed', terminateCause: 'Session-Timeout', charged: 120, overage: 60 }]);
        expect(await disconnectColumns(user.username)).toEqual([{ status: 'ack', attempts: coa.received.length, error: null, at: t.clock.now() }]);
      } finally {
        await nas.close();
        await coa.close();
      }
    });

    it('records a Disconnect-NAK with its Error-Cause (HTTP accounting of the gateway account linked to the NAS client)', async () => {
      const coa = await coaListener('coa-secret-nak-0123456', 'Disconnect-NAK', '127.0.0.5');
      try {
        const linked = await newGateway();
        const nasId = await addNas('hotspot-nak', '127.0.0.5', coa.port, 'coa-secret-nak-0123456', linked.id);
        const user = await t.factories.subscriber({ balanceSeconds: 30 });
        await linked.gateway.start(sessionIdentity(user.username, 'hotspot-nak'));
        expect(await boundNasClient(user.username)).toBe(nasId);
        await exhaust(user, 60);
        expect(coa.received.length).toBeGreaterThanOrEqual(1);
        expect(await disconnectColumns(user.username)).toMatchObject([{ status: 'nak', attempts: coa.received.length, error: 'Session-Context-Not-Found' }]);
      } finally {
        await coa.close();
      }
    });

    it('retries with backoff and records a timeout when the NAS never answers', async () => {
      const coa = await coaListener('coa-secret-silent-0123', 'none', '127.0.0.6');
      try {
        const linked = await newGateway();
        await addNas('nas-silent', '127.0.0.6', coa.port, 'coa-secret-silent-0123', linked.id);
        const user = await t.factories.subscriber({ balanceSeconds: 30 });
        await linked.gateway.start({ ...sessionIdentity(user.username, 'hotspot-silent'), 'NAS-IP-Address': '127.0.0.6' });
        await exhaust(user, 60);
        expect(coa.received).toHaveLength(3);
        expect(new Set(coa.received.map((datagram) => datagram.message.toString('hex'))).size).toBe(1);
        expect(await disconnectColumns(user.username)).toMatchObject([{ status: 'timeout', attempts: 3 }]);
      } finally {
        await coa.close();
      }
    });

    it('for a NAS client that is a network, sends it to the session\'s NAS-IP-Address only when inside that network', async () => {
      const coaSecret = 'coa-secret-network-0123';
      const coa = await coaListener(coaSecret, 'Disconnect-ACK', '127.0.1.2');
      const nas = await UdpPeer.bind('127.0.1.2');
      try {
        await addNas('nas-network', '127.0.1.0/29', coa.port, coaSecret);
        const inside = await t.factories.subscriber({ balanceSeconds: 30 });
        const outside = await t.factories.subscriber({ balanceSeconds: 30 });
        const start = (username: string, nasIp: string, identifier: number) =>
          radius.encode({ code: 'Accounting-Request', identifier, secret: coaSecret, attributes: [['Acct-Status-Type', 'Start'], ...Object.entries(sessionIdentity(username, 'nas-network')), ['NAS-IP-Address', nasIp]] });
        await nas.send(start(inside.username, '127.0.1.2', 1), ports.acct);
        await nas.send(start(outside.username, '127.0.0.9', 2), ports.acct);
        await nas.waitFor(2);
        await exhaust(inside, 60);
        expect(coa.received.length).toBeGreaterThanOrEqual(1);
        expect(new Set(coa.received.map((datagram) => radius.decode({ packet: datagram.message, secret: coaSecret }).attributes['User-Name']))).toEqual(new Set([inside.username]));
        expect(await disconnectColumns(inside.username)).toMatchObject([{ status: 'ack' }]);
        expect(await disconnectColumns(outside.username)).toMatchObject([{ status: 'no_nas', attempts: 0 }]);
      } finally {
        await nas.close();
        await coa.close();
      }
    });

    it('records no_nas when the session is bound to no NAS client', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 30 });
      await gateway.start(sessionIdentity(user.username, 'hotspot-unknown'));
      await exhaust(user, 60);
      expect(await disconnectColumns(user.username)).toMatchObject([{ status: 'no_nas', attempts: 0 }]);
    });

    it('never sends one where a gateway\'s record points: NAS-IP-Address and NAS-Identifier of another NAS client', async () => {
      const coaSecret = 'coa-secret-victim-0123';
      const victim = await coaListener(coaSecret, 'Disconnect-ACK', '127.0.0.7');
      const ownCoa = await coaListener('coa-secret-own-012345', 'Disconnect-ACK', '127.0.0.8');
      try {
        await addNas('nas-victim', '127.0.0.7', victim.port, coaSecret);
        const unlinkedUser = await t.factories.subscriber({ balanceSeconds: 30 });
        // A gateway linked to no NAS client names the victim NAS in its record...
        await gateway.start({ ...sessionIdentity(unlinkedUser.username, 'nas-victim'), 'NAS-IP-Address': '127.0.0.7' });
        // ...and one linked to its own NAS client does the same.
        const linked = await newGateway();
        const ownId = await addNas('nas-own', '127.0.0.8', ownCoa.port, 'coa-secret-own-012345', linked.id);
        const linkedUser = await t.factories.subscriber({ balanceSeconds: 30 });
        await linked.gateway.start({ ...sessionIdentity(linkedUser.username, 'nas-victim'), 'NAS-IP-Address': '127.0.0.7' });
        expect(await boundNasClient(unlinkedUser.username)).toBeNull();
        expect(await boundNasClient(linkedUser.username)).toBe(ownId);

        await exhaust(unlinkedUser, 60);
        expect(victim.received).toEqual([]);
        expect(await disconnectColumns(unlinkedUser.username)).toMatchObject([{ status: 'no_nas', attempts: 0 }]);
        expect(ownCoa.received.length).toBeGreaterThanOrEqual(1);
        expect(radius.decode({ packet: ownCoa.received[0]!.message, secret: 'coa-secret-own-012345' }).attributes).toMatchObject({ 'User-Name': linkedUser.username });
        expect(await disconnectColumns(linkedUser.username)).toMatchObject([{ status: 'ack' }]);
      } finally {
        await victim.close();
        await ownCoa.close();
      }
    });
  });
});
