import { Counter, register } from 'prom-client';

/** A counter on prom-client's default registry (served at /metrics), created once per process. */
function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames });
}

export type DropReason =
  | 'unknown_client'
  | 'bad_authenticator'
  | 'missing_message_authenticator'
  | 'overloaded'
  | 'malformed'
  | 'unexpected_code'
  | 'invalid_attributes'
  | 'internal_error';

/** What the RADIUS listeners and the Disconnect and CoA senders count. */
export const radiusMetrics = {
  received: counter('radius_packets_received_total', 'RADIUS packets received, by listener (auth, acct).', ['listener'] as const),
  dropped: counter(
    'radius_packets_dropped_total',
    'RADIUS packets dropped without an answer: unknown_client, bad_authenticator, missing_message_authenticator, overloaded, malformed, unexpected_code, invalid_attributes, internal_error.',
    ['reason'] as const,
  ),
  duplicates: counter('radius_duplicate_requests_total', 'Retransmitted RADIUS requests answered from the duplicate cache.', ['listener'] as const),
  responses: counter('radius_responses_total', 'RADIUS responses sent, by code.', ['code'] as const),
  disconnects: counter('radius_disconnect_requests_total', 'Disconnect-Requests (RFC 5176) by outcome: ack, nak, timeout, no_nas, error.', ['result'] as const),
  coaRequests: counter(
    'radius_coa_requests_total',
    'CoA-Requests (RFC 5176, new Session-Timeout after a balance change) by outcome: ack, nak, timeout, no_nas, disabled (coa_enabled false), error.',
    ['result'] as const,
  ),
};
