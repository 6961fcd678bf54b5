import { createHash, createHmac } from 'node:crypto';
import radius from 'radius';
import { AuthorizeService } from '../src/accounting/authorize.service.js';
import { PasswordHasher } from '../src/users/password-hasher.js';
import { sessionIdentity, sessionsOf } from './support/accounting.js';
import { counterValue, radclient, radiusPorts, radiusTestConfig, requireRadclient, UdpPeer } from './support/radius.js';
import { FORGED_AUTHENTICATOR, FORGERY_ATTRIBUTES, FORGERY_SECRET, FORGERY_START, findForgery, libraryTakesFor } from './support/radius-forgery.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const SECRET = FORGERY_SECRET;
const LEGACY_SECRET = 'legacy-nas-secret-0123';
const PASSWORD = 'correct horse battery';

const dropped = (reason: string) => counterValue('radius_packets_dropped_total', { reason });

/** Waits (no fixed sleep) until the drop counter for `reason` reached `target`, for at most 3 s. */
async function dropCounted(reason: string, target: number): Promise<number> {
  for (let i = 0; i < 150 && (await dropped(reason)) < target; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return dropped(reason);
}

/** The Message-Authenticator (first attribute) and Response Authenticator of an answer, recomputed by hand over raw bytes. */
function expectSignedAnswer(request: Buffer, response: Buffer, secret: string): void {
  expect(response.subarray(20, 22)).toEqual(Buffer.from([80, 18]));
  const forHmac = Buffer.from(response);
  request.copy(forHmac, 4, 4, 20);
  forHmac.fill(0, 22, 38);
  expect(response.subarray(22, 38)).toEqual(createHmac('md5', secret).update(forHmac).digest());
  const forMd5 = Buffer.from(response);
  request.copy(forMd5, 4, 4, 20);
  expect(response.subarray(4, 20)).toEqual(createHash('md5').update(forMd5).update(secret).digest());
}

/** Access-Request packets as a NAS builds them (a fresh attribute array each time: the library appends to it). */
function accessRequest(identifier: number, userName: string, options: { secret?: string; messageAuthenticator?: boolean; proxyState?: string } = {}): Buffer {
  const attributes: [string, string | Buffer][] = [['User-Name', userName], ['User-Password', PASSWORD]];
  if (options.proxyState) attributes.push(['Proxy-State', Buffer.from(options.proxyState)]);
  return radius.encode({ code: 'Access-Request', identifier, secret: options.secret ?? SECRET, attributes, add_message_authenticator: options.messageAuthenticator ?? true });
}

/**
 * RADIUS message integrity (issue 9), each attack replayed through the real UDP listeners: forged
 * authenticators, BlastRADIUS (Message-Authenticator required and sent first), Proxy-State, bounded
 * work. The NAS client 127.0.0.1 requires Message-Authenticator (the default); 127.0.0.3 does not.
 */
describe('RADIUS message integrity', () => {
  let t: TestApp;
  let ports: { auth: number; acct: number };
  let nas: UdpPeer;

  beforeAll(async () => {
    requireRadclient();
    t = await createTestApp(radiusTestConfig());
    ports = radiusPorts(t);
    const staff = await t.factories.staff();
    for (const body of [
      { name: 'integrity', ip_address: '127.0.0.1', secret: SECRET },
      { name: 'legacy', ip_address: '127.0.0.3', secret: LEGACY_SECRET, require_message_authenticator: false },
    ]) {
      const created = await t.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`).send(body);
      if (created.status !== 201) throw new Error(`NAS client not created: ${created.status} ${JSON.stringify(created.body)}`);
    }
    nas = await UdpPeer.bind('127.0.0.1');
  });
  afterAll(async () => {
    await nas?.close();
    await t?.close();
  });

  /** Sends `packet` from `peer` and returns the answers that arrived for it (none when dropped: waits for the drop counter). */
  async function exchange(peer: UdpPeer, packet: Buffer, port: number, expectAnswer: boolean): Promise<Buffer[]> {
    const before = peer.received.length;
    await peer.send(packet, port);
    if (expectAnswer) await peer.waitFor(before + 1);
    return peer.received.slice(before).map((datagram) => datagram.message).filter((message) => message[1] === packet[1]);
  }

  describe('Accounting-On/Off', () => {
    it("closes only the sessions of the NAS client that sent it, whatever NAS identity its record names", async () => {
      const user = await t.factories.subscriber({ username: 'reboot_victim', balanceSeconds: 3600 });
      const identity = sessionIdentity(user.username, 'nas-victim');
      const started = await radclient(ports.acct, 'acct', SECRET, { 'Acct-Status-Type': 'Start', ...identity, 'NAS-IP-Address': '127.0.0.1' });
      expect(started.reply).toBe('Accounting-Response');

      // Another registered NAS client (127.0.0.3), correctly signed, names the victim NAS's identity and address.
      const other = await UdpPeer.bind('127.0.0.3');
      try {
        const packet = radius.encode({
          code: 'Accounting-Request',
          identifier: 77,
          secret: LEGACY_SECRET,
          attributes: [['Acct-Status-Type', 'Accounting-On'], ['NAS-Identifier', 'nas-victim'], ['NAS-IP-Address', '127.0.0.1']],
        });
        const [answer] = await exchange(other, packet, ports.acct, true);
        expect(radius.decode({ packet: answer!, secret: LEGACY_SECRET }).code).toBe('Accounting-Response');
      } finally {
        await other.close();
      }
      expect(await sessionsOf(t, user.username)).toMatchObject([{ status: 'open' }]);

      const own = await radclient(ports.acct, 'acct', SECRET, { 'Acct-Status-Type': 'Accounting-On', 'NAS-Identifier': 'nas-victim', 'NAS-IP-Address': '127.0.0.1' });
      expect(own.reply).toBe('Accounting-Response');
      expect(await sessionsOf(t, user.username)).toMatchObject([{ status: 'closed', terminateCause: 'NAS-Reboot' }]);
    });
  });

  describe('forged Accounting-Request', () => {
    it('drops one whose Request Authenticator is ff × 16 though the radius library takes it for the real one', async () => {
      const victim = await t.factories.subscriber({ username: 'forge_victim', balanceSeconds: 3600 });
      const forgery = findForgery(SECRET, FORGERY_ATTRIBUTES, FORGERY_START);
      expect(forgery.packet.subarray(4, 20)).toEqual(FORGED_AUTHENTICATOR);
      expect(forgery.realAuthenticator).not.toEqual(FORGED_AUTHENTICATOR);
      expect(libraryTakesFor(forgery.realAuthenticator, FORGED_AUTHENTICATOR)).toBe(true);

      const before = await dropped('bad_authenticator');
      const answersBefore = nas.received.length;
      await nas.send(forgery.packet, ports.acct);
      expect(await dropCounted('bad_authenticator', before + 1)).toBe(before + 1);
      expect(nas.received.slice(answersBefore)).toEqual([]);
      expect(await sessionsOf(t, victim.username)).toEqual([]);
      expect(await t.dataSource.query('SELECT 1 FROM accounting_sessions WHERE acct_session_id = $1', [forgery.acctSessionId])).toEqual([]);
    });

    it('still takes the genuine packet (same attributes, real authenticator)', async () => {
      const forgery = findForgery(SECRET, FORGERY_ATTRIBUTES, FORGERY_START);
      const genuine = Buffer.from(forgery.packet);
      forgery.realAuthenticator.copy(genuine, 4);
      const [answer] = await exchange(nas, genuine, ports.acct, true);
      expect(radius.decode_without_secret({ packet: answer! }).code).toBe('Accounting-Response');
      expect(await sessionsOf(t, 'forge_victim')).toMatchObject([{ status: 'open' }]);
    });

    it('takes an Accounting-Request with a Message-Authenticator as radclient signs it', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 3600 });
      const reply = await radclient(ports.acct, 'acct', SECRET, { 'Acct-Status-Type': 'Start', ...sessionIdentity(user.username), 'Message-Authenticator': '0x00' });
      expect(reply.reply).toBe('Accounting-Response');
      expect(await sessionsOf(t, user.username)).toMatchObject([{ status: 'open' }]);
    });
  });

  describe('BlastRADIUS (CVE-2024-3596)', () => {
    it('drops an Access-Request without Message-Authenticator from a client that requires one, before any password check', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 600, password: PASSWORD });
      // Counts the password checks (the real method still runs).
      const authorizer = t.app.get(AuthorizeService);
      const original = authorizer.authorizePap.bind(authorizer);
      let passwordChecks = 0;
      authorizer.authorizePap = (...args) => {
        passwordChecks += 1;
        return original(...args);
      };
      try {
        const missing = await dropped('missing_message_authenticator');
        const bad = await dropped('bad_authenticator');
        // radclient -r 1: one packet.
        const viaRadclient = await radclient(ports.auth, 'auth', SECRET, { 'User-Name': user.username, 'User-Password': PASSWORD }, { timeout: 1, retries: 1 });
        expect(viaRadclient.reply).toBeUndefined();
        expect(viaRadclient.stdout).toContain('No reply from server');
        await nas.send(accessRequest(21, user.username, { messageAuthenticator: false }), ports.auth);
        expect(await dropCounted('missing_message_authenticator', missing + 2)).toBe(missing + 2);

        // A Message-Authenticator made with another secret is a bad one.
        await nas.send(accessRequest(22, user.username, { secret: 'not-the-shared-secret' }), ports.auth);
        expect(await dropCounted('bad_authenticator', bad + 1)).toBe(bad + 1);
        expect(passwordChecks).toBe(0);
      } finally {
        authorizer.authorizePap = original;
      }
    });

    it("accepts a subscriber's key as the PAP password without a password hash check, and still takes the password", async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 600, password: PASSWORD });
      // Counts the argon2 verifications (the real method still runs).
      const hasher = t.app.get(PasswordHasher);
      const original = hasher.verifyInConstantWork.bind(hasher);
      let hashChecks = 0;
      hasher.verifyInConstantWork = (...args) => {
        hashChecks += 1;
        return original(...args);
      };
      try {
        const byKey = await radclient(ports.auth, 'auth', SECRET, { 'User-Name': user.username, 'User-Password': user.token, 'Message-Authenticator': '0x00' });
        expect(byKey.reply).toBe('Access-Accept');
        expect(hashChecks).toBe(0);
        const byPassword = await radclient(ports.auth, 'auth', SECRET, { 'User-Name': user.username, 'User-Password': PASSWORD, 'Message-Authenticator': '0x00' });
        expect(byPassword.reply).toBe('Access-Accept');
        expect(hashChecks).toBe(1);
      } finally {
        hasher.verifyInConstantWork = original;
      }
    });

    it('answers with the Message-Authenticator as the first attribute, verifiable on raw bytes (radclient and raw)', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 600, password: PASSWORD });
      const viaRadclient = await radclient(ports.auth, 'auth', SECRET, { 'User-Name': user.username, 'User-Password': PASSWORD, 'Message-Authenticator': '0x00' });
      expect(viaRadclient.reply).toBe('Access-Accept');
      expect(Object.keys(viaRadclient.attributes)[0]).toBe('Message-Authenticator');

      const accept = accessRequest(23, user.username);
      const [accepted] = await exchange(nas, accept, ports.auth, true);
      expect(accepted![0]).toBe(2);
      expectSignedAnswer(accept, accepted!, SECRET);

      const reject = accessRequest(24, 'nobody_at_all');
      const [rejected] = await exchange(nas, reject, ports.auth, true);
      expect(rejected![0]).toBe(3);
      expectSignedAnswer(reject, rejected!, SECRET);
    });

    it('echoes Proxy-State only on authenticated requests; a client not requiring Message-Authenticator still gets one first', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 600, password: PASSWORD });
      const signed = accessRequest(25, user.username, { proxyState: 'ps-signed' });
      const [signedAnswer] = await exchange(nas, signed, ports.auth, true);
      expect(radius.decode_without_secret({ packet: signedAnswer! }).attributes['Proxy-State']).toEqual(Buffer.from('ps-signed'));

      const legacy = await UdpPeer.bind('127.0.0.3');
      try {
        const unsigned = accessRequest(26, user.username, { secret: LEGACY_SECRET, messageAuthenticator: false, proxyState: 'ps-unsigned' });
        const [answer] = await exchange(legacy, unsigned, ports.auth, true);
        expect(answer![0]).toBe(2);
        expectSignedAnswer(unsigned, answer!, LEGACY_SECRET);
        expect(radius.decode_without_secret({ packet: answer! }).attributes['Proxy-State']).toBeUndefined();
      } finally {
        await legacy.close();
      }
    });
  });

  describe('bounded work', () => {
    it('drops and counts what exceeds the in-flight limits, stores every answered record once, and keeps serving', async () => {
      const small = await createTestApp(radiusTestConfig({ maxInFlight: 8, maxInFlightPerClient: 2 }));
      const peer = await UdpPeer.bind('127.0.0.1');
      try {
        const staff = await small.factories.staff();
        expect((await small.api().post('/api/v1/nas/').set('Authorization', `Token ${staff.token}`).send({ name: 'burst', ip_address: '127.0.0.1', secret: SECRET })).status).toBe(201);
        const acct = radiusPorts(small).acct;
        const user = await small.factories.subscriber({ balanceSeconds: 3600 });
        const before = await dropped('overloaded');
        const burst = 60;
        const packets = Array.from({ length: burst }, (_, i) =>
          radius.encode({ code: 'Accounting-Request', identifier: i, secret: SECRET, attributes: [['Acct-Status-Type', 'Start'], ...Object.entries(sessionIdentity(user.username, 'burst-nas'))] }),
        );
        await Promise.all(packets.map((packet) => peer.send(packet, acct)));
        for (let i = 0; i < 250 && peer.received.length + (await dropped('overloaded')) - before < burst; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const drops = (await dropped('overloaded')) - before;
        expect(drops).toBeGreaterThan(0);
        expect(peer.received.length).toBeGreaterThan(0);
        expect(peer.received.length + drops).toBe(burst);
        expect(await sessionsOf(small, user.username)).toHaveLength(peer.received.length);

        const after = peer.received.length;
        await peer.send(radius.encode({ code: 'Accounting-Request', identifier: 200, secret: SECRET, attributes: [['Acct-Status-Type', 'Start'], ...Object.entries(sessionIdentity(user.username, 'burst-nas'))] }), acct);
        await peer.waitFor(after + 1);
      } finally {
        await peer.close();
        await small.close();
      }
    });
  });
});
