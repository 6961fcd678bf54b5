import { createHash } from 'node:crypto';
import radius from 'radius';
import { Role } from '../src/auth/policy.js';
import { Gateway, ledgerOf, runAccounting, sessionIdentity, storedBalance, type SessionIdentity } from './support/accounting.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { coaIdle, coaListener, counterValue, disconnectsIdle, radiusTestConfig } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const SESSIONS = '/api/v1/accounting/sessions/';
const auth = (who: CreatedSubscriber) => ({ Authorization: `Token ${who.token}` });
const iso = (date: Date) => date.toISOString().replace('.000Z', 'Z');

/**
 * Who is online and cutting one off (POST /api/v1/accounting/sessions/{id}/disconnect/), and top-ups
 * that reach the NAS (CoA-Request, RFC 5176): the NAS is a UDP socket in the test, on its own
 * loopback address, answering as configured; the requests it receives are checked on raw bytes.
 */
describe('sessions online, admin disconnect and CoA', () => {
  let t: TestApp;
  let staff: CreatedSubscriber;
  let admin: CreatedSubscriber;
  let nasCount = 0;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    // 200 ms, one retransmission: a silent NAS costs 0.6 s.
    t = await createTestApp(radiusTestConfig({ disconnectTimeoutMs: 200, disconnectRetries: 1 }));
    staff = await t.factories.staff({ tokenLifetime: null });
    admin = await t.factories.subscriber({ role: Role.Admin, tokenLifetime: null });
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A NAS on 127.0.4.<n> answering `answer` on its CoA port, its NAS client, and a gateway account whose HTTP accounting is that NAS's. */
  async function nas(answer: Parameters<typeof coaListener>[1], options: { coaEnabled?: boolean; answerSecret?: string } = {}) {
    nasCount += 1;
    const address = `127.0.4.${nasCount}`;
    const secret = `coa-e2e-secret-${nasCount}-0123456789`;
    const socket = await coaListener(secret, answer, address, options.answerSecret);
    closers.push(() => socket.close());
    const account = await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null });
    const created = await t.api().post('/api/v1/nas/').set(auth(staff)).send({
      name: `hotspot-${nasCount}`, ip_address: address, secret, coa_port: socket.port, gateway_user_id: account.id,
      ...(options.coaEnabled === undefined ? {} : { coa_enabled: options.coaEnabled }),
    });
    expect(created.status).toBe(201);
    return { socket, secret, address, name: `hotspot-${nasCount}`, gateway: new Gateway(t, account.token), clientId: created.body.id as number };
  }

  async function startSession(gateway: Gateway, user: CreatedSubscriber, extra: Partial<SessionIdentity> & Record<string, unknown> = {}) {
    const id = { ...sessionIdentity(user.username, `ap-${uniqueUsername('x')}`), 'Calling-Station-Id': '02-00-00-00-00-01', ...extra };
    const { acct_unique_id: uniqueId } = await gateway.start(id);
    const [row] = await t.dataSource.query('SELECT id::int AS id FROM accounting_sessions WHERE acct_unique_id = $1', [uniqueId]);
    return { id, sessionId: row.id as number };
  }

  async function session(sessionId: number) {
    return (await t.api().get(`${SESSIONS}${sessionId}/`).set(auth(staff)).expect(200)).body;
  }

  describe('GET /api/v1/accounting/sessions/?status=open (who is online)', () => {
    it('shows live seconds, octets, the bound NAS client, the caller MAC and what was charged so far', async () => {
      const hotspot = await nas('none');
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const { id, sessionId } = await startSession(hotspot.gateway, user, { 'Calling-Station-Id': 'AA-BB-CC-DD-EE-01' });
      t.clock.advanceSeconds(40);
      await hotspot.gateway.interim(id, 40, { 'Acct-Input-Octets': 1234, 'Acct-Output-Octets': 5678 });
      await runAccounting(t);
      t.clock.advanceSeconds(25);
      const online = await t.api().get(SESSIONS).query({ status: 'open', username: user.username }).set(auth(admin)).expect(200);
      expect(online.body.results).toEqual([
        expect.objectContaining({
          id: sessionId, status: 'open', session_time: 40, seconds_so_far: 65, charged_seconds: 40, charged_so_far: 65,
          input_octets: 1234, output_octets: 5678, calling_station_id: 'AA-BB-CC-DD-EE-01',
          nas_identifier: id['NAS-Identifier'], nas_client_name: hotspot.name, nas_client_address: hotspot.address,
        }),
      ]);
    });
  });

  describe('POST /api/v1/accounting/sessions/{id}/disconnect/', () => {
    it('Disconnect-ACK: closes the session as Admin-Reset at that moment, settled exactly once', async () => {
      const hotspot = await nas('Disconnect-ACK');
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const { id, sessionId } = await startSession(hotspot.gateway, user, { 'Calling-Station-Id': 'AA-BB-CC-DD-EE-02' });
      t.clock.advanceSeconds(100);
      const acks = await counterValue('radius_disconnect_requests_total', { result: 'ack' });

      // Only admins of the subscriber's organization, and staff.
      const moderator = await t.factories.subscriber({ role: Role.Moderator });
      const foreignAdmin = await t.factories.subscriber({ role: Role.Admin, organization: uniqueUsername('org') });
      await t.api().post(`${SESSIONS}${sessionId}/disconnect/`).set(auth(user)).expect(403);
      await t.api().post(`${SESSIONS}${sessionId}/disconnect/`).set(auth(moderator)).expect(403);
      await t.api().post(`${SESSIONS}${sessionId}/disconnect/`).set(auth(foreignAdmin)).expect(404, { detail: 'Not found.' });
      await t.api().post(`${SESSIONS}999999999/disconnect/`).set(auth(admin)).expect(404);
      await t.api().post(`${SESSIONS}abc/disconnect/`).set(auth(admin)).expect(404);
      expect(hotspot.socket.received).toHaveLength(0);

      const response = await t.api().post(`${SESSIONS}${sessionId}/disconnect/`).set(auth(admin)).expect(200);
      expect(response.body).toMatchObject({
        id: sessionId, status: 'closed', terminate_cause: 'Admin-Reset', stopped_at: iso(t.clock.now()), session_time: 100,
        charged_seconds: 100, overage_seconds: 0, disconnect_status: 'ack', disconnect_error: null, disconnect_at: iso(t.clock.now()),
      });
      expect(new Set(hotspot.socket.received.map((datagram) => datagram.message.toString('hex'))).size).toBe(1);
      const request = radius.decode({ packet: hotspot.socket.received[0]!.message, secret: hotspot.secret });
      expect(request.code).toBe('Disconnect-Request');
      expect(request.attributes).toMatchObject({
        'Acct-Session-Id': id['Acct-Session-Id'], 'User-Name': user.username, 'Calling-Station-Id': 'AA-BB-CC-DD-EE-02', 'NAS-Identifier': id['NAS-Identifier'],
      });
      expect(await counterValue('radius_disconnect_requests_total', { result: 'ack' })).toBe(acks + 1);
      expect(await storedBalance(t, user.id)).toBe(900);
      expect(await ledgerOf(t, user.id)).toEqual([{ kind: 'session', delta: -100, overage: 0, balanceAfter: 900, reason: 'Admin-Reset' }]);

      // Again: already closed. The NAS's own Stop afterwards (same figures) charges nothing more.
      await t.api().post(`${SESSIONS}${sessionId}/disconnect/`).set(auth(staff)).expect(409, { detail: 'The session is already closed.' });
      await hotspot.gateway.stop(id, 100, { 'Acct-Terminate-Cause': 'Admin-Reset' });
      expect(await storedBalance(t, user.id)).toBe(900);
      expect((await ledgerOf(t, user.id)).reduce((sum, row) => sum + row.delta, 0)).toBe(-100);
    });

    it('Disconnect-NAK: 502 with the Error-Cause, the session stays open; exhaustion later still sends its Disconnect-Request', async () => {
      const hotspot = await nas('Disconnect-NAK');
      const user = await t.factories.subscriber({ balanceSeconds: 300 });
      const { sessionId } = await startSession(hotspot.gateway, user);
      t.clock.advanceSeconds(50);
      await t.api().post(`${SESSIONS}${sessionId}/disconnect/`).set(auth(admin))
        .expect(502, { detail: 'The NAS answered Disconnect-NAK (Error-Cause: Session-Context-Not-Found): the session stays open.' });
      expect(await session(sessionId)).toMatchObject({ status: 'open', disconnect_status: 'nak', disconnect_error: 'Session-Context-Not-Found' });
      expect(await ledgerOf(t, user.id)).toEqual([]);
      const asked = hotspot.socket.received.length;

      t.clock.advanceSeconds(400);
      await runAccounting(t);
      await disconnectsIdle(t);
      expect(hotspot.socket.received.length).toBeGreaterThan(asked);
      expect(await session(sessionId)).toMatchObject({ status: 'closed', terminate_cause: 'Session-Timeout', disconnect_status: 'nak', disconnect_at: iso(t.clock.now()) });
    });

    it('no answer: 504 after the retries, the session stays open; a session bound to no NAS client: 409', async () => {
      const silent = await nas('none');
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const { sessionId } = await startSession(silent.gateway, user);
      await t.api().post(`${SESSIONS}${sessionId}/disconnect/`).set(auth(staff))
        .expect(504, { detail: `The NAS did not answer the Disconnect-Request (no answer from ${silent.address}:${silent.socket.port}): the session stays open.` });
      expect(silent.socket.received).toHaveLength(2);
      expect(await session(sessionId)).toMatchObject({ status: 'open', disconnect_status: 'timeout' });

      const unlinked = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway })).token);
      const orphan = await startSession(unlinked, user);
      await t.api().post(`${SESSIONS}${orphan.sessionId}/disconnect/`).set(auth(admin))
        .expect(409, { detail: 'The session is bound to no NAS client (none reported it): no Disconnect-Request can be sent.' });
      expect(await session(orphan.sessionId)).toMatchObject({ status: 'open', disconnect_status: 'no_nas' });
    });

    it('30 admins at once: one Disconnect-Request, one close, one charge; the rest 409', async () => {
      const hotspot = await nas('Disconnect-ACK');
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const { sessionId } = await startSession(hotspot.gateway, user);
      t.clock.advanceSeconds(70);
      const statuses = await Promise.all(
        Array.from({ length: 30 }, async () => (await t.api().post(`${SESSIONS}${sessionId}/disconnect/`).set(auth(admin))).status),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(29);
      expect(new Set(hotspot.socket.received.map((datagram) => datagram.message.toString('hex'))).size).toBe(1);
      expect(await ledgerOf(t, user.id)).toEqual([{ kind: 'session', delta: -70, overage: 0, balanceAfter: 930, reason: 'Admin-Reset' }]);
      expect(await storedBalance(t, user.id)).toBe(930);
    });
  });

  describe('CoA-Request when a balance changes during open sessions', () => {
    const patchBalance = (user: CreatedSubscriber, seconds: number) =>
      t.api().patch(`/api/v1/user_token/${user.id}/`).set(auth(staff)).send({ balance_seconds: seconds });

    it('a top-up sends the NAS a CoA-Request (authenticator checked on raw bytes) with Session-Timeout = remaining, after the commit', async () => {
      const hotspot = await nas('CoA-ACK');
      const user = await t.factories.subscriber({ balanceSeconds: 600 });
      const { id, sessionId } = await startSession(hotspot.gateway, user, { 'Calling-Station-Id': 'AA-BB-CC-DD-EE-03' });
      t.clock.advanceSeconds(100);
      const acks = await counterValue('radius_coa_requests_total', { result: 'ack' });
      // What the database holds when the NAS hears of the change: the new balance, already committed.
      const seenByNas: number[] = [];
      hotspot.socket.socket.on('message', () => void storedBalance(t, user.id).then((balance) => seenByNas.push(balance)));

      await patchBalance(user, 3600).expect(200);
      await coaIdle(t);
      expect(hotspot.socket.received).toHaveLength(1);
      const packet = hotspot.socket.received[0]!.message;
      // RFC 5176 §2.3: Request Authenticator = MD5(Code + Identifier + Length + 16 zero octets + Attributes + Secret).
      expect(packet[0]).toBe(43);
      expect(packet.readUInt16BE(2)).toBe(packet.length);
      const expected = createHash('md5').update(packet.subarray(0, 4)).update(Buffer.alloc(16)).update(packet.subarray(20)).update(hotspot.secret).digest();
      expect(packet.subarray(4, 20).equals(expected)).toBe(true);
      const request = radius.decode({ packet, secret: hotspot.secret });
      expect(request.code).toBe('CoA-Request');
      expect(request.attributes).toMatchObject({
        'Acct-Session-Id': id['Acct-Session-Id'], 'User-Name': user.username, 'Calling-Station-Id': 'AA-BB-CC-DD-EE-03',
        'NAS-Identifier': id['NAS-Identifier'], 'Session-Timeout': 3600,
      });
      for (let waited = 0; seenByNas.length === 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seenByNas).toEqual([3600]);
      expect(await session(sessionId)).toMatchObject({ coa_status: 'ack', coa_error: null, coa_session_timeout: 3600, coa_at: iso(t.clock.now()), status: 'open' });
      expect(await counterValue('radius_coa_requests_total', { result: 'ack' })).toBe(acks + 1);

      // Setting the balance it already has changes nothing and sends nothing; an invalid PATCH neither.
      await patchBalance(user, 3600).expect(200);
      await patchBalance(user, -1).expect(400);
      await coaIdle(t);
      expect(hotspot.socket.received).toHaveLength(1);
    });

    it('shares the remaining balance between live sessions; CoA-NAK, coa_enabled false and no NAS client are recorded as such', async () => {
      const acking = await nas('CoA-ACK');
      const naking = await nas('CoA-NAK');
      const noCoa = await nas('CoA-ACK', { coaEnabled: false });
      const unlinked = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway })).token);
      const user = await t.factories.subscriber({ balanceSeconds: 0 });
      const ids = [];
      for (const gateway of [acking.gateway, naking.gateway, noCoa.gateway, unlinked]) ids.push((await startSession(gateway, user)).sessionId);
      const disabled = await counterValue('radius_coa_requests_total', { result: 'disabled' });

      await patchBalance(user, 1001).expect(200);
      await coaIdle(t);
      // 1001 s for 4 live sessions: 250 s each.
      const [ack, nak, off, orphan] = await Promise.all(ids.map(session));
      expect(ack).toMatchObject({ coa_status: 'ack', coa_session_timeout: 250 });
      expect(nak).toMatchObject({ coa_status: 'nak', coa_error: 'Session-Context-Not-Found', coa_session_timeout: 250 });
      expect(off).toMatchObject({ coa_status: 'disabled', coa_session_timeout: null });
      expect(orphan).toMatchObject({ coa_status: 'no_nas', coa_session_timeout: null });
      expect(noCoa.socket.received).toHaveLength(0);
      expect(radius.decode({ packet: naking.socket.received[0]!.message, secret: naking.secret }).attributes['Session-Timeout']).toBe(250);
      expect(await counterValue('radius_coa_requests_total', { result: 'disabled' })).toBe(disabled + 1);

      // coa_enabled through the API (and back).
      const client = await t.api().get(`/api/v1/nas/${noCoa.clientId}/`).set(auth(staff)).expect(200);
      expect(client.body.coa_enabled).toBe(false);
      await t.api().patch(`/api/v1/nas/${noCoa.clientId}/`).set(auth(staff)).send({ coa_enabled: 'yes' }).expect(400, { coa_enabled: ['Must be a valid boolean.'] });
      await t.api().patch(`/api/v1/nas/${noCoa.clientId}/`).set(auth(staff)).send({ coa_enabled: true }).expect(200);
      await patchBalance(user, 2000).expect(200);
      await coaIdle(t);
      expect(noCoa.socket.received).toHaveLength(1);
      expect(await session(ids[2]!)).toMatchObject({ coa_status: 'ack', coa_session_timeout: 500 });
    });

    it('ignores a CoA-ACK not signed with the secret (Response Authenticator checked): timeout after the retries', async () => {
      const forged = await nas('CoA-ACK', { answerSecret: 'not-the-shared-secret-000' });
      const user = await t.factories.subscriber({ balanceSeconds: 100 });
      const { sessionId } = await startSession(forged.gateway, user);
      await patchBalance(user, 200).expect(200);
      await coaIdle(t);
      expect(forged.socket.received).toHaveLength(2);
      expect(await session(sessionId)).toMatchObject({ coa_status: 'timeout', coa_error: `no answer from ${forged.address}:${forged.socket.port}`, coa_session_timeout: 200 });
    });

    it('sends nothing for a subscriber without open sessions, nor for stale ones', async () => {
      const hotspot = await nas('CoA-ACK');
      const user = await t.factories.subscriber({ balanceSeconds: 100 });
      const { id } = await startSession(hotspot.gateway, user);
      t.clock.advanceSeconds(10);
      await hotspot.gateway.stop(id, 10);
      await patchBalance(user, 500).expect(200);
      const other = await t.factories.subscriber({ balanceSeconds: 100 });
      await startSession(hotspot.gateway, other);
      t.clock.advanceSeconds(3600 * 24);
      await patchBalance(other, 500).expect(200);
      await coaIdle(t);
      expect(hotspot.socket.received).toHaveLength(0);
    });

    it('30 top-ups at once: every one applied, and the last CoA-Request carries the balance that committed last', async () => {
      const hotspot = await nas('CoA-ACK');
      const user = await t.factories.subscriber({ balanceSeconds: 100 });
      const { sessionId } = await startSession(hotspot.gateway, user);
      const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => patchBalance(user, 2000 + i)));
      expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 30 }, () => 200));
      await coaIdle(t);
      const final = await storedBalance(t, user.id);
      const timeouts = hotspot.socket.received.map((datagram) => radius.decode({ packet: datagram.message, secret: hotspot.secret }).attributes['Session-Timeout']);
      expect(timeouts.length).toBeGreaterThanOrEqual(1);
      expect(timeouts.at(-1)).toBe(final);
      expect(await session(sessionId)).toMatchObject({ coa_status: 'ack', coa_session_timeout: final });
    });

    it('many changes in a row: the last CoA-Request a session gets carries the latest balance', async () => {
      const hotspot = await nas('CoA-ACK');
      const user = await t.factories.subscriber({ balanceSeconds: 100 });
      await startSession(hotspot.gateway, user);
      const values = Array.from({ length: 10 }, (_, i) => 1000 + i * 100);
      for (const value of values) await patchBalance(user, value).expect(200);
      await coaIdle(t);
      const timeouts = hotspot.socket.received.map((datagram) => radius.decode({ packet: datagram.message, secret: hotspot.secret }).attributes['Session-Timeout']);
      expect(timeouts.length).toBeGreaterThanOrEqual(1);
      expect(timeouts.length).toBeLessThanOrEqual(values.length);
      expect(timeouts.at(-1)).toBe(values.at(-1));
    });
  });
});
