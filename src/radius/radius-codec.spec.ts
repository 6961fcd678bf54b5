import { createHash, createHmac } from 'node:crypto';
import radius from 'radius';
import { FORGED_AUTHENTICATOR, FORGERY_ATTRIBUTES, FORGERY_SECRET, FORGERY_START, findForgery, libraryTakesFor } from '../../test/support/radius-forgery.js';
import { decodeRequest, decodeResponse, encodeResponse, messageAuthenticatorDigest, packetDigest } from './radius-codec.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const lax = { requireMessageAuthenticator: false };
const strict = { requireMessageAuthenticator: true };

/** RFC 2865 §7.1: the Access-Request for "nemo" / "arctangent" under the secret "xyzzy5461", and its Access-Accept. */
const RFC_SECRET = 'xyzzy5461';
const RFC_REQUEST = hex('01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8 01 10 05 06 00 00 00 03');
const RFC_ACCEPT = hex('02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03');

function flipped(packet: Buffer, offset: number): Buffer {
  const copy = Buffer.from(packet);
  copy[offset]! ^= 0x01;
  return copy;
}

describe('RADIUS codec: digests checked on raw bytes', () => {
  it('reads the RFC 2865 example (PAP password) and checks its Access-Accept', () => {
    const decoded = decodeRequest(RFC_REQUEST, RFC_SECRET, lax);
    expect(decoded).toMatchObject({ ok: true, request: { code: 'Access-Request', identifier: 0, messageAuthenticator: false, proxyStates: [] } });
    expect(decoded.ok && decoded.request.attributes).toMatchObject({ 'User-Name': 'nemo', 'User-Password': 'arctangent', 'NAS-Port': 3 });
    expect(decodeResponse(RFC_REQUEST, RFC_ACCEPT, RFC_SECRET)).toMatchObject({ code: 'Access-Accept', attributes: { 'Service-Type': 'Login-User' } });
    expect(decodeResponse(RFC_REQUEST, RFC_ACCEPT, 'xyzzy5462')).toBeUndefined();
    expect(decodeResponse(RFC_REQUEST, flipped(RFC_ACCEPT, 30), RFC_SECRET)).toBeUndefined();
  });

  it('checks an Accounting-Request authenticator: MD5(code+id+length+16 zeros+attributes+secret)', () => {
    const secret = 'accounting-secret-123';
    const packet = radius.encode({ code: 'Accounting-Request', identifier: 9, secret, attributes: [['Acct-Status-Type', 'Start'], ['User-Name', 'jane'], ['Acct-Session-Id', 'a1']] });
    const byHand = createHash('md5').update(Buffer.concat([packet.subarray(0, 4), Buffer.alloc(16), packet.subarray(20), Buffer.from(secret)])).digest();
    expect(packet.subarray(4, 20)).toEqual(byHand);
    expect(packetDigest(packet, Buffer.alloc(16), secret)).toEqual(byHand);
    expect(decodeRequest(packet, secret, strict)).toMatchObject({ ok: true, request: { code: 'Accounting-Request', attributes: { 'User-Name': 'jane' } } });
    expect(decodeRequest(packet, 'another-secret-123', strict)).toMatchObject({ ok: false, reason: 'bad_authenticator' });
    expect(decodeRequest(flipped(packet, 25), secret, strict)).toMatchObject({ ok: false, reason: 'bad_authenticator' });
  });

  it('refuses the authenticator forged as ff × 16 that the radius library accepts', () => {
    const forgery = findForgery(FORGERY_SECRET, FORGERY_ATTRIBUTES, FORGERY_START);
    expect(forgery.realAuthenticator).not.toEqual(FORGED_AUTHENTICATOR);
    expect(libraryTakesFor(forgery.realAuthenticator, FORGED_AUTHENTICATOR)).toBe(true);
    // The library's own check lets it through...
    expect(radius.decode({ packet: Buffer.from(forgery.packet), secret: FORGERY_SECRET }).code).toBe('Accounting-Request');
    // ...the byte comparison does not.
    expect(decodeRequest(forgery.packet, FORGERY_SECRET, strict)).toMatchObject({ ok: false, reason: 'bad_authenticator' });
  });

  it('checks an Access-Request Message-Authenticator (HMAC-MD5 with itself zeroed) and may require one', () => {
    const secret = 'access-secret-12345';
    const packet = radius.encode({ code: 'Access-Request', identifier: 3, secret, attributes: [['User-Name', 'jane'], ['User-Password', 'pw']], add_message_authenticator: true });
    const offset = packet.length - 18;
    expect(packet[offset]).toBe(80);
    const zeroed = Buffer.from(packet);
    zeroed.fill(0, offset + 2);
    expect(packet.subarray(offset + 2)).toEqual(createHmac('md5', secret).update(zeroed).digest());
    expect(messageAuthenticatorDigest(packet, offset, packet.subarray(4, 20), secret)).toEqual(packet.subarray(offset + 2));

    expect(decodeRequest(packet, secret, strict)).toMatchObject({ ok: true, request: { messageAuthenticator: true, attributes: { 'User-Password': 'pw' } } });
    expect(decodeRequest(flipped(packet, offset + 5), secret, strict)).toMatchObject({ ok: false, reason: 'bad_authenticator' });
    expect(decodeRequest(packet, 'another-secret-1234', lax)).toMatchObject({ ok: false, reason: 'bad_authenticator' });

    const without = radius.encode({ code: 'Access-Request', identifier: 4, secret, attributes: [['User-Name', 'jane'], ['User-Password', 'pw']] });
    expect(decodeRequest(without, secret, strict)).toMatchObject({ ok: false, reason: 'missing_message_authenticator' });
    expect(decodeRequest(without, secret, lax)).toMatchObject({ ok: true, request: { messageAuthenticator: false } });
  });

  it('checks an Accounting-Request Message-Authenticator computed over 16 zero octets (as FreeRADIUS signs it)', () => {
    const secret = 'accounting-secret-123';
    const body = radius.encode({ code: 'Accounting-Request', identifier: 5, secret, attributes: [['Acct-Status-Type', 'Stop'], ['User-Name', 'jane'], ['Acct-Session-Id', 'b2']] });
    const packet = Buffer.concat([body, Buffer.from([80, 18]), Buffer.alloc(16)]);
    packet.writeUInt16BE(packet.length, 2);
    packet.fill(0, 4, 20);
    createHmac('md5', secret).update(packet).digest().copy(packet, packet.length - 16);
    packetDigest(packet, Buffer.alloc(16), secret).copy(packet, 4);
    expect(decodeRequest(packet, secret, strict)).toMatchObject({ ok: true, request: { messageAuthenticator: true } });
    expect(decodeRequest(flipped(packet, packet.length - 1), secret, strict)).toMatchObject({ ok: false, reason: 'bad_authenticator' });
  });

  it('echoes Proxy-State only for an authenticated request', () => {
    const secret = 'access-secret-12345';
    // A new array each time: the library appends its Message-Authenticator to the one it is given.
    const attributes = () => [['User-Name', 'jane'], ['User-Password', 'pw'], ['Proxy-State', Buffer.from('state-1')]];
    const signed = decodeRequest(radius.encode({ code: 'Access-Request', identifier: 1, secret, attributes: attributes(), add_message_authenticator: true }), secret, lax);
    const unsigned = decodeRequest(radius.encode({ code: 'Access-Request', identifier: 2, secret, attributes: attributes() }), secret, lax);
    expect(signed.ok && signed.request.proxyStates).toEqual([Buffer.from('state-1')]);
    expect(unsigned.ok && unsigned.request.proxyStates).toEqual([]);
  });

  it('answers Access-Requests with the Message-Authenticator first, then the Response Authenticator over the final packet', () => {
    const secret = 'access-secret-12345';
    const request = radius.encode({ code: 'Access-Request', identifier: 8, secret, attributes: [['User-Name', 'jane'], ['User-Password', 'pw'], ['Proxy-State', Buffer.from('ps')]], add_message_authenticator: true });
    const decoded = decodeRequest(request, secret, strict);
    if (!decoded.ok) throw new Error(decoded.message);
    const response = encodeResponse(decoded.request, 'Access-Accept', secret, [['Session-Timeout', 60], ['Reply-Message', 'hi']]);
    expect(response[0]).toBe(2);
    expect(response.subarray(20, 22)).toEqual(Buffer.from([80, 18]));
    const zeroed = Buffer.from(response);
    request.copy(zeroed, 4, 4, 20);
    zeroed.fill(0, 22, 38);
    expect(response.subarray(22, 38)).toEqual(createHmac('md5', secret).update(zeroed).digest());
    const withMa = Buffer.from(response);
    request.copy(withMa, 4, 4, 20);
    expect(response.subarray(4, 20)).toEqual(createHash('md5').update(withMa).update(secret).digest());
    expect(radius.verify_response({ request, response, secret })).toBe(true);
    expect(decodeResponse(request, response, secret)).toMatchObject({ code: 'Access-Accept', attributes: { 'Session-Timeout': 60, 'Reply-Message': 'hi', 'Proxy-State': Buffer.from('ps') } });

    const unsigned = decodeRequest(radius.encode({ code: 'Access-Request', identifier: 9, secret, attributes: [['User-Name', 'jane'], ['User-Password', 'pw']] }), secret, lax);
    if (!unsigned.ok) throw new Error(unsigned.message);
    expect(encodeResponse(unsigned.request, 'Access-Reject', secret).subarray(20, 22)).toEqual(Buffer.from([80, 18]));
  });

  it('checks a Disconnect-ACK: Response Authenticator, and its Message-Authenticator when present', () => {
    const secret = 'coa-secret-1234567';
    const request = radius.encode({ code: 'Disconnect-Request', identifier: 12, secret, attributes: [['User-Name', 'jane'], ['Acct-Session-Id', 'c3']] });
    const decoded = decodeRequest(request, secret, strict);
    if (!decoded.ok) throw new Error(decoded.message);
    const ack = radius.encode_response({ packet: radius.decode({ packet: request, secret }), code: 'Disconnect-ACK', secret });
    expect(decodeResponse(request, ack, secret)).toMatchObject({ code: 'Disconnect-ACK' });
    expect(decodeResponse(request, flipped(ack, 6), secret)).toBeUndefined();
    expect(decodeResponse(request, ack, 'another-secret-123')).toBeUndefined();

    const signedAck = encodeResponse({ ...decoded.request, messageAuthenticator: true }, 'Disconnect-ACK', secret);
    expect(decodeResponse(request, signedAck, secret)).toMatchObject({ code: 'Disconnect-ACK' });
    // A wrong Message-Authenticator with a Response Authenticator recomputed over it (an attacker without the HMAC key cannot do better).
    const badMa = flipped(signedAck, 25);
    request.copy(badMa, 4, 4, 20);
    createHash('md5').update(badMa).update(secret).digest().copy(badMa, 4);
    expect(decodeResponse(request, badMa, secret)).toBeUndefined();
  });

  it('drops malformed packets', () => {
    expect(decodeRequest(Buffer.alloc(10), 's', lax)).toMatchObject({ ok: false, reason: 'malformed' });
    const packet = radius.encode({ code: 'Accounting-Request', identifier: 1, secret: 's', attributes: [['User-Name', 'x']] });
    const badLength = Buffer.from(packet);
    badLength[21] = 40;
    expect(decodeRequest(badLength, 's', lax)).toMatchObject({ ok: false, reason: 'malformed' });
    const twoMa = Buffer.concat([packet, Buffer.from([80, 18]), Buffer.alloc(16), Buffer.from([80, 18]), Buffer.alloc(16)]);
    twoMa.writeUInt16BE(twoMa.length, 2);
    expect(decodeRequest(twoMa, 's', lax)).toMatchObject({ ok: false, reason: 'malformed', message: 'more than one Message-Authenticator' });
  });
});
