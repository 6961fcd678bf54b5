import { Injectable } from '@nestjs/common';
import { AccountingIngestService } from '../accounting/accounting-ingest.service.js';
import { AuthorizeService } from '../accounting/authorize.service.js';
import { formatDuration } from '../radius/radius-requests.service.js';
import { scopeOf } from '../auth/organization-scope.js';
import type { Principal } from '../auth/policy.js';
import { parseAccessRequest } from './rest-request.js';

/**
 * An answer in rlm_rest's response format: `<list>:<attribute>` keys that rlm_rest copies into the
 * request's lists. rlm_rest runs string values through xlat, so they must not contain `%` or `\`
 * (the messages below are fixed sentences, and usernames cannot hold either character).
 */
export type RestAttributes = Record<string, string | number>;

export interface RestDecision {
  /** 200 accepts (rlm_rest: updated), 401 rejects (rlm_rest: reject, with the body's Reply-Message). */
  status: 200 | 401;
  attributes: RestAttributes;
}

/**
 * FreeRADIUS's rlm_rest in front of the service: the same decision as POST /api/v1/authorize/ and
 * the RADIUS listener (AuthorizeService.authorizePap), and the same accounting core as
 * POST /api/v1/accounting/, answered the way rlm_rest reads answers.
 */
@Injectable()
export class FreeradiusService {
  constructor(
    private readonly authorizer: AuthorizeService,
    private readonly ingest: AccountingIngestService,
  ) {}

  /** For the subscribers of the gateway's organization only (anyone else is an unknown user). */
  async decide(body: unknown, gateway: Principal): Promise<RestDecision> {
    const request = parseAccessRequest(body);
    if (request.password === undefined) return reject('Only PAP (User-Password) is supported.');
    const result = await this.authorizer.authorizePap(request.userName, request.password, request.callingStationId, scopeOf(gateway));
    if (result.result === 'reject') return reject(result.message ?? 'Access denied.');
    const remaining = result.session_timeout ?? 0;
    return {
      status: 200,
      attributes: {
        'control:Auth-Type': 'Accept',
        'reply:Session-Timeout': remaining,
        'reply:Acct-Interim-Interval': result.acct_interim_interval ?? 0,
        'reply:Reply-Message': `Welcome, ${result.username}: ${formatDuration(remaining)} left.`,
      },
    };
  }

  /** Resolves once the record is committed; a record that cannot be read throws a 400 naming the attribute. */
  async account(body: unknown, gateway: Principal): Promise<void> {
    await this.ingest.ingest(body, { source: 'http', detail: gateway.username, reportedBy: { gatewayUserId: gateway.userId }, scope: scopeOf(gateway) });
  }
}

function reject(message: string): RestDecision {
  return { status: 401, attributes: { 'control:Auth-Type': 'Reject', 'reply:Reply-Message': message } };
}
