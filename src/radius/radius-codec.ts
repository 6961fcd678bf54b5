import radius from 'radius';

/**
 * The RADIUS wire format, through the `radius` library (RFC dictionaries, authenticators,
 * Message-Authenticator, PAP encryption). Nothing else in the module touches bytes.
 */
export interface RadiusRequest {
  code: string;
  identifier: number;
  /** Request Authenticator, hex (part of the duplicate-detection key). */
  authenticator: string;
  attributes: Record<string, unknown>;
  /** The library's decoded packet, needed to build the response. */
  packet: radius.RadiusPacket;
}

export type DecodeOutcome = { ok: true; request: RadiusRequest } | { ok: false; reason: 'bad_authenticator' | 'malformed'; message: string };

export type Attribute = [string, string | number | Date | Buffer];

const HEADER_LENGTH = 20;

function isInvalidSecretError(error: unknown): boolean {
  return error instanceof Error && error.name === 'Invalid Secret Error';
}

/**
 * Decodes a request and checks it was signed with `secret`: the Request Authenticator of
 * Accounting-Request / Disconnect-Request (RFC 2866 §3), and the Message-Authenticator whenever one
 * is present (RFC 3579 §3.2). An Access-Request without Message-Authenticator cannot be checked
 * beyond its PAP password decrypting to the subscriber's.
 */
export function decodeRequest(message: Buffer, secret: string): DecodeOutcome {
  if (message.length < HEADER_LENGTH || message.readUInt16BE(2) < HEADER_LENGTH || message.readUInt16BE(2) > message.length) {
    return { ok: false, reason: 'malformed', message: `bad length (${message.length} bytes received)` };
  }
  try {
    const packet = radius.decode({ packet: message, secret });
    return {
      ok: true,
      request: {
        code: packet.code,
        identifier: packet.identifier,
        authenticator: message.subarray(4, 20).toString('hex'),
        attributes: packet.attributes as Record<string, unknown>,
        packet,
      },
    };
  } catch (error) {
    if (isInvalidSecretError(error)) return { ok: false, reason: 'bad_authenticator', message: (error as Error).message };
    return { ok: false, reason: 'malformed', message: error instanceof Error ? error.message : String(error) };
  }
}

/** The response to a decoded request: same identifier, Response Authenticator, Proxy-State copied, Message-Authenticator when the request had one. */
export function encodeResponse(request: RadiusRequest, code: string, secret: string, attributes: Attribute[] = []): Buffer {
  return radius.encode_response({ packet: request.packet, code, secret, attributes });
}

/** A request to send (Disconnect-Request): its authenticator is computed over the packet as for accounting. */
export function encodeRequest(code: string, identifier: number, secret: string, attributes: Attribute[]): Buffer {
  return radius.encode({ code, identifier, secret, attributes });
}

/** Decodes a response to `request` if it is signed with `secret` and answers it; undefined otherwise. */
export function decodeResponse(request: Buffer, response: Buffer, secret: string): { code: string; attributes: Record<string, unknown> } | undefined {
  if (response.length < HEADER_LENGTH || response[1] !== request[1]) return undefined;
  try {
    if (!radius.verify_response({ request: Buffer.from(request), response: Buffer.from(response), secret })) return undefined;
    const packet = radius.decode({ packet: response, secret });
    return { code: packet.code, attributes: packet.attributes as Record<string, unknown> };
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
