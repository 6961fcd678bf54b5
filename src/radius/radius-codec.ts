import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import radius from 'radius';

/**
 * The RADIUS wire format. Every digest (Request / Response Authenticator, Message-Authenticator) is
 * computed and compared here on raw bytes with `crypto.timingSafeEqual`; the `radius` library is used
 * only to turn attributes into bytes and back, never to verify (it compares digests as UTF-8 strings,
 * under which different digests made of invalid UTF-8 bytes compare equal). Nothing else in the
 * module touches bytes.
 */
export interface RadiusRequest {
  code: string;
  identifier: number;
  /** Request Authenticator, hex (part of the duplicate-detection key). */
  authenticator: string;
  attributes: Record<string, unknown>;
  /** The request carried a valid Message-Authenticator (RFC 3579 §3.2). */
  messageAuthenticator: boolean;
  /** Request Authenticator bytes: a response's authenticators are computed over them. */
  authenticatorBytes: Buffer;
  /**
   * The Proxy-State attributes to echo (RFC 2865 §5.33), only when the request is authenticated:
   * an Accounting-Request's authenticator, or an Access-Request's Message-Authenticator checked out.
   */
  proxyStates: Buffer[];
}

export type DecodeFailure = 'bad_authenticator' | 'missing_message_authenticator' | 'malformed';

export type DecodeOutcome = { ok: true; request: RadiusRequest } | { ok: false; reason: DecodeFailure; message: string };

export type Attribute = [string, string | number | Date | Buffer];

const HEADER_LENGTH = 20;
const AUTHENTICATOR_START = 4;
const AUTHENTICATOR_END = 20;
const DIGEST_LENGTH = 16;
const MAX_PACKET_LENGTH = 4096;

const CODE_ACCESS_REQUEST = 1;
/** Requests whose Request Authenticator is an MD5 over the packet (RFC 2866 §3, RFC 5176 §2.3). */
const SIGNED_REQUEST_CODES = new Set([4 /* Accounting-Request */, 40 /* Disconnect-Request */, 43 /* CoA-Request */]);
const ATTRIBUTE_USER_PASSWORD = 2;
const ATTRIBUTE_PROXY_STATE = 33;
const ATTRIBUTE_MESSAGE_AUTHENTICATOR = 80;
const MESSAGE_AUTHENTICATOR_LENGTH = 2 + DIGEST_LENGTH;

interface RawAttribute {
  type: number;
  /** Offset of the attribute (its type octet) in the packet. */
  offset: number;
  value: Buffer;
}

/** The attributes' TLVs, or a message saying why they do not fit the packet. */
function rawAttributes(packet: Buffer): RawAttribute[] | string {
  const attributes: RawAttribute[] = [];
  for (let offset = HEADER_LENGTH; offset < packet.length; ) {
    if (offset + 2 > packet.length) return 'truncated attribute header';
    const length = packet[offset + 1]!;
    if (length < 2 || offset + length > packet.length) return `attribute ${packet[offset]} has an invalid length (${length})`;
    attributes.push({ type: packet[offset]!, offset, value: packet.subarray(offset + 2, offset + length) });
    offset += length;
  }
  return attributes;
}

function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** MD5(Code + Identifier + Length + `authenticator` + Attributes + secret): RFC 2865 §3 (responses), RFC 2866 §3 (requests, with 16 zero octets). */
export function packetDigest(packet: Buffer, authenticator: Buffer, secret: string): Buffer {
  return createHash('md5').update(packet.subarray(0, AUTHENTICATOR_START)).update(authenticator).update(packet.subarray(AUTHENTICATOR_END)).update(secret).digest();
}

/**
 * HMAC-MD5 over the packet with `authenticator` in the authenticator field and the Message-Authenticator
 * at `offset` zeroed (RFC 3579 §3.2, RFC 5176 §3.3): the request's own authenticator for an
 * Access-Request, 16 zero octets for Accounting-/Disconnect-/CoA-Request (see also
 * responseMessageAuthenticatorBase).
 */
export function messageAuthenticatorDigest(packet: Buffer, offset: number, authenticator: Buffer, secret: string): Buffer {
  const copy = Buffer.from(packet);
  authenticator.copy(copy, AUTHENTICATOR_START);
  copy.fill(0, offset + 2, offset + MESSAGE_AUTHENTICATOR_LENGTH);
  return createHmac('md5', secret).update(copy).digest();
}

/** The Message-Authenticator attribute, checked for being single and 18 octets long; a string says why not. */
function findMessageAuthenticator(attributes: RawAttribute[]): RawAttribute | undefined | string {
  const found = attributes.filter((attribute) => attribute.type === ATTRIBUTE_MESSAGE_AUTHENTICATOR);
  if (found.length > 1) return 'more than one Message-Authenticator';
  if (found[0] && found[0].value.length !== DIGEST_LENGTH) return 'Message-Authenticator is not 16 octets';
  return found[0];
}

/** RFC 2865 §5.2: User-Password, decrypted with the secret and the Request Authenticator (NUL padding removed). */
function decryptPassword(field: Buffer, secret: string, authenticator: Buffer): string | undefined {
  if (field.length < 16 || field.length > 128 || field.length % 16 !== 0) return undefined;
  const plain = Buffer.alloc(field.length);
  let previous = authenticator;
  for (let block = 0; block < field.length; block += 16) {
    const pad = createHash('md5').update(secret).update(previous).digest();
    for (let i = 0; i < 16; i += 1) plain[block + i] = field[block + i]! ^ pad[i]!;
    previous = field.subarray(block, block + 16);
  }
  const end = plain.indexOf(0);
  return plain.subarray(0, end < 0 ? plain.length : end).toString('utf8');
}

/**
 * Decodes a request after checking on raw bytes that it was signed with `secret`: the Request
 * Authenticator of Accounting-/Disconnect-/CoA-Request (RFC 2866 §3), and the Message-Authenticator
 * whenever one is present (RFC 3579 §3.2). An Access-Request without one is refused when
 * `requireMessageAuthenticator` (BlastRADIUS, CVE-2024-3596); otherwise only its PAP password
 * decrypting to the subscriber's vouches for it.
 */
export function decodeRequest(message: Buffer, secret: string, options: { requireMessageAuthenticator: boolean }): DecodeOutcome {
  const fail = (reason: DecodeFailure, text: string): DecodeOutcome => ({ ok: false, reason, message: text });
  if (message.length < HEADER_LENGTH) return fail('malformed', `bad length (${message.length} bytes received)`);
  const length = message.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH || length > message.length) return fail('malformed', `bad length (${length} declared, ${message.length} received)`);
  // Octets beyond Length are padding, ignored (RFC 2865 §3).
  const packet = message.subarray(0, length);
  const attributes = rawAttributes(packet);
  if (typeof attributes === 'string') return fail('malformed', attributes);
  const messageAuthenticator = findMessageAuthenticator(attributes);
  if (typeof messageAuthenticator === 'string') return fail('malformed', messageAuthenticator);

  const code = packet[0]!;
  const authenticator = Buffer.from(packet.subarray(AUTHENTICATOR_START, AUTHENTICATOR_END));
  const signedRequest = SIGNED_REQUEST_CODES.has(code);
  if (messageAuthenticator) {
    const expected = messageAuthenticatorDigest(packet, messageAuthenticator.offset, signedRequest ? Buffer.alloc(DIGEST_LENGTH) : authenticator, secret);
    if (!digestsEqual(expected, messageAuthenticator.value)) return fail('bad_authenticator', 'Message-Authenticator mismatch (a different shared secret?)');
  } else if (code === CODE_ACCESS_REQUEST && options.requireMessageAuthenticator) {
    return fail('missing_message_authenticator', 'Access-Request without Message-Authenticator (required for this NAS client)');
  }
  if (signedRequest && !digestsEqual(packetDigest(packet, Buffer.alloc(DIGEST_LENGTH), secret), authenticator)) {
    return fail('bad_authenticator', 'Request Authenticator mismatch (a different shared secret?)');
  }

  let decoded: ReturnType<typeof radius.decode_without_secret>;
  try {
    decoded = radius.decode_without_secret({ packet: Buffer.from(packet) });
  } catch (error) {
    return fail('malformed', error instanceof Error ? error.message : String(error));
  }
  const decodedAttributes = decoded.attributes as Record<string, unknown>;
  const password = attributes.find((attribute) => attribute.type === ATTRIBUTE_USER_PASSWORD);
  if (password) {
    const plain = decryptPassword(password.value, secret, authenticator);
    if (plain === undefined) return fail('malformed', 'User-Password is not a multiple of 16 octets from 16 to 128');
    decodedAttributes['User-Password'] = plain;
  }
  const authenticated = signedRequest || messageAuthenticator !== undefined;
  return {
    ok: true,
    request: {
      code: decoded.code,
      identifier: decoded.identifier,
      authenticator: authenticator.toString('hex'),
      attributes: decodedAttributes,
      messageAuthenticator: messageAuthenticator !== undefined,
      authenticatorBytes: authenticator,
      proxyStates: authenticated ? attributes.filter((attribute) => attribute.type === ATTRIBUTE_PROXY_STATE).map((attribute) => Buffer.from(attribute.value)) : [],
    },
  };
}

/** The response codes this server sends (RFC 2865, RFC 2866, RFC 5176). */
const RESPONSE_CODES = new Map([
  ['Access-Accept', 2], ['Access-Reject', 3], ['Accounting-Response', 5], ['Access-Challenge', 11],
  ['Disconnect-ACK', 41], ['Disconnect-NAK', 42], ['CoA-ACK', 44], ['CoA-NAK', 45],
]);

/** Codes whose responses carry a Message-Authenticator as their first attribute whatever the request had (BlastRADIUS). */
const ALWAYS_SIGNED_RESPONSES = new Set(['Access-Accept', 'Access-Reject', 'Access-Challenge']);

/**
 * The authenticator field under which a response's Message-Authenticator is computed, as FreeRADIUS
 * signs and checks it (rad_sign / rad_verify): the request's authenticator for Access-Accept/Reject/
 * Challenge; 16 zero octets for Accounting-Response, Disconnect-ACK/NAK and CoA-ACK/NAK.
 */
function responseMessageAuthenticatorBase(code: number, requestAuthenticator: Buffer): Buffer {
  const accessResponse = code === 2 || code === 3 || code === 11; // Access-Accept, Access-Reject, Access-Challenge
  return accessResponse ? requestAuthenticator : Buffer.alloc(DIGEST_LENGTH);
}

/**
 * The response to a verified request: same identifier; a Message-Authenticator FIRST for every
 * Access-Accept/Reject/Challenge (as FreeRADIUS 3.2.5+ against BlastRADIUS) and for any answer to a
 * request that had one; then `attributes`; then the authenticated request's Proxy-State; the
 * Response Authenticator over the final packet (RFC 2865 §3).
 */
export function encodeResponse(request: RadiusRequest, code: string, secret: string, attributes: Attribute[] = []): Buffer {
  const codeNumber = RESPONSE_CODES.get(code);
  if (codeNumber === undefined) throw new Error(`Not a RADIUS response code: ${code}`);
  const withMessageAuthenticator = ALWAYS_SIGNED_RESPONSES.has(code) || request.messageAuthenticator;
  // Only attributes named by the dictionary go through the library; the header, the Message-Authenticator
  // and the echoed Proxy-State are written here (an Accounting-Response is usually nothing else).
  const encoded = attributes.length === 0 ? [] : [radius.encode({ code, identifier: request.identifier, secret, attributes, add_message_authenticator: false }).subarray(HEADER_LENGTH)];
  const packet = Buffer.concat([
    Buffer.from([codeNumber, request.identifier, 0, 0]),
    Buffer.alloc(DIGEST_LENGTH),
    ...(withMessageAuthenticator ? [Buffer.from([ATTRIBUTE_MESSAGE_AUTHENTICATOR, MESSAGE_AUTHENTICATOR_LENGTH]), Buffer.alloc(DIGEST_LENGTH)] : []),
    ...encoded,
    ...request.proxyStates.flatMap((value) => [Buffer.from([ATTRIBUTE_PROXY_STATE, value.length + 2]), value]),
  ]);
  if (packet.length > MAX_PACKET_LENGTH) throw new Error(`${code} would be ${packet.length} octets, more than ${MAX_PACKET_LENGTH}`);
  packet.writeUInt16BE(packet.length, 2);
  if (withMessageAuthenticator) {
    const base = responseMessageAuthenticatorBase(codeNumber, request.authenticatorBytes);
    messageAuthenticatorDigest(packet, HEADER_LENGTH, base, secret).copy(packet, HEADER_LENGTH + 2);
  }
  packetDigest(packet, request.authenticatorBytes, secret).copy(packet, AUTHENTICATOR_START);
  return packet;
}

/** A request to send (Disconnect-Request): its authenticator is an MD5 over the packet, as for accounting (RFC 5176 §2.3). */
export function encodeRequest(code: string, identifier: number, secret: string, attributes: Attribute[]): Buffer {
  return radius.encode({ code, identifier, secret, attributes });
}

/**
 * Decodes a response to `request` if it answers it (same identifier) and is signed with `secret`,
 * checked on raw bytes: its Response Authenticator (RFC 2865 §3 / RFC 5176 §2.3) and its
 * Message-Authenticator if it has one. Undefined otherwise.
 */
export function decodeResponse(request: Buffer, response: Buffer, secret: string): { code: string; attributes: Record<string, unknown> } | undefined {
  if (response.length < HEADER_LENGTH || response[1] !== request[1]) return undefined;
  const length = response.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > response.length) return undefined;
  const packet = response.subarray(0, length);
  const requestAuthenticator = request.subarray(AUTHENTICATOR_START, AUTHENTICATOR_END);
  if (!digestsEqual(packetDigest(packet, requestAuthenticator, secret), packet.subarray(AUTHENTICATOR_START, AUTHENTICATOR_END))) return undefined;
  const attributes = rawAttributes(packet);
  if (typeof attributes === 'string') return undefined;
  const messageAuthenticator = findMessageAuthenticator(attributes);
  if (typeof messageAuthenticator === 'string') return undefined;
  if (messageAuthenticator) {
    const base = responseMessageAuthenticatorBase(packet[0]!, requestAuthenticator);
    if (!digestsEqual(messageAuthenticatorDigest(packet, messageAuthenticator.offset, base, secret), messageAuthenticator.value)) return undefined;
  }
  try {
    const decoded = radius.decode_without_secret({ packet: Buffer.from(packet) });
    return { code: decoded.code, attributes: decoded.attributes as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/**
 * Decoded attributes as the accounting parser reads them (the same parser as POST /api/v1/accounting/):
 * names as in the RFC dictionaries, enumerations by name, Event-Timestamp (a `date`) as Unix seconds,
 * octets as `0x…` hex (as rlm_rest prints them), so the body is plain JSON (kept as is if refused).
 */
export function accountingBody(attributes: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value instanceof Date) body[name] = Math.floor(value.getTime() / 1000);
    else if (Buffer.isBuffer(value)) body[name] = `0x${value.toString('hex')}`;
    else body[name] = value;
  }
  return body;
}
