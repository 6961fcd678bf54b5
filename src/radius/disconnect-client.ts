import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { decodeResponse, encodeRequest, type Attribute } from './radius-codec.js';

export interface DisconnectTarget {
  address: string;
  port: number;
  secret: string;
  attributes: Attribute[];
}

export type DisconnectOutcome =
  | { result: 'ack'; attempts: number }
  | { result: 'nak'; attempts: number; errorCause: string | null }
  | { result: 'timeout'; attempts: number };

export interface RetryPolicy {
  /** Wait for the first answer; doubled for each retransmission. */
  timeoutMs: number;
  retries: number;
}

/** The two requests RFC 5176 defines, with their ACK and NAK codes. */
export type DynamicRequest = 'Disconnect-Request' | 'CoA-Request';

const ANSWERS: Record<DynamicRequest, { ack: string; nak: string }> = {
  'Disconnect-Request': { ack: 'Disconnect-ACK', nak: 'Disconnect-NAK' },
  'CoA-Request': { ack: 'CoA-ACK', nak: 'CoA-NAK' },
};

/** Sends one Disconnect-Request (RFC 5176 §3); see sendDynamicRequest. */
export function sendDisconnectRequest(target: DisconnectTarget, policy: RetryPolicy): Promise<DisconnectOutcome> {
  return sendDynamicRequest('Disconnect-Request', target, policy);
}

/** Sends one CoA-Request (RFC 5176 §3.2, code 43); see sendDynamicRequest. */
export function sendCoaRequest(target: DisconnectTarget, policy: RetryPolicy): Promise<DisconnectOutcome> {
  return sendDynamicRequest('CoA-Request', target, policy);
}

/**
 * Sends one Disconnect- or CoA-Request (RFC 5176) from its own ephemeral socket and waits for its
 * ACK or NAK, retransmitting the very same packet (same identifier and authenticator, RFC 5080
 * §2.2.1) with exponential backoff. Answers from another address, for another identifier or whose
 * Response Authenticator does not check out with the secret (decodeResponse, on raw bytes) are ignored.
 */
async function sendDynamicRequest(code: DynamicRequest, target: DisconnectTarget, policy: RetryPolicy): Promise<DisconnectOutcome> {
  const answers = ANSWERS[code];
  const request = encodeRequest(code, randomInt(256), target.secret, target.attributes);
  const socket = createSocket({ type: isIP(target.address) === 6 ? 'udp6' : 'udp4' });
  let attempts = 0;
  try {
    const answer = await new Promise<DisconnectOutcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      socket.on('error', reject);
      socket.on('message', (message, remote) => {
        if (remote.address !== target.address || remote.port !== target.port) return;
        const response = decodeResponse(request, message, target.secret);
        if (response?.code === answers.ack) resolve({ result: 'ack', attempts });
        else if (response?.code === answers.nak) {
          const cause = response.attributes['Error-Cause'];
          resolve({ result: 'nak', attempts, errorCause: typeof cause === 'string' || typeof cause === 'number' ? String(cause) : null });
        } else return;
        clearTimeout(timer);
      });
      const attempt = () => {
        if (attempts > policy.retries) {
          resolve({ result: 'timeout', attempts });
          return;
        }
        const wait = policy.timeoutMs * 2 ** attempts;
        attempts += 1;
        socket.send(request, target.port, target.address, (error) => {
          if (error) reject(error);
        });
        timer = setTimeout(attempt, wait);
      };
      socket.bind(0, () => attempt());
    });
    return answer;
  } finally {
    socket.close();
  }
}
