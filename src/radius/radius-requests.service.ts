import { Injectable, Logger } from '@nestjs/common';
import { AccountingIngestService } from '../accounting/accounting-ingest.service.js';
import { AuthorizeService } from '../accounting/authorize.service.js';
import { nasClientScope } from '../auth/organization-scope.js';
import { DomainError } from '../common/errors/domain-error.js';
import type { NasPeer } from './nas-directory.js';
import { accountingBody, encodeResponse, type Attribute, type RadiusRequest } from './radius-codec.js';
import { radiusMetrics } from './radius-metrics.js';

/** `3600` → `1 h 0 min 0 s`. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${m} min ${s} s`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * What a RADIUS request means to the service, on the same core as the HTTP API: Access-Request is
 * decided by AuthorizeService (as POST /api/v1/authorize/), Accounting-Request is applied by
 * AccountingIngestService.apply (as POST /api/v1/accounting/). Returns the response to send, or
 * undefined to send none (the NAS retransmits, as RFC 2866 wants when a record could not be kept).
 * A NAS client of an organization authorizes and accounts only that organization's subscribers.
 */
@Injectable()
export class RadiusRequestsService {
  private readonly logger = new Logger('Radius');

  constructor(
    private readonly authorizer: AuthorizeService,
    private readonly ingest: AccountingIngestService,
  ) {}

  async access(request: RadiusRequest, nas: NasPeer): Promise<Buffer> {
    const userName = text(request.attributes['User-Name']);
    const password = text(request.attributes['User-Password']);
    const reject = (message: string) => this.respond(request, nas, 'Access-Reject', [['Reply-Message', message]]);
    if (!userName) return reject('User-Name is required.');
    if (password === undefined) return reject('Only PAP (User-Password) is supported.');
    const result = await this.authorizer.authorizePap(userName, password, text(request.attributes['Calling-Station-Id']), nasClientScope(nas.organization));
    if (result.result === 'reject') return reject(result.message ?? 'Access denied.');
    const remaining = result.session_timeout ?? 0;
    return this.respond(request, nas, 'Access-Accept', [
      ['Session-Timeout', remaining],
      ['Acct-Interim-Interval', result.acct_interim_interval ?? 0],
      ['Reply-Message', `Welcome, ${result.username}: ${formatDuration(remaining)} left.`],
    ]);
  }

  /**
   * The Accounting-Response is built only once the record is committed. A record refused for its
   * attributes (kept in accounting_rejected by the ingest service) gets no answer.
   */
  async accounting(request: RadiusRequest, nas: NasPeer): Promise<Buffer | undefined> {
    try {
      await this.ingest.ingest(accountingBody(request.attributes), {
        source: 'radius', detail: `${nas.name} (${nas.network})`, reportedBy: { nasClientId: nas.id }, scope: nasClientScope(nas.organization),
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      radiusMetrics.dropped.inc({ reason: 'invalid_attributes' });
      this.logger.warn(`Accounting-Request from NAS "${nas.name}" dropped: ${JSON.stringify(error.fieldErrors ?? error.message)}`);
      return undefined;
    }
    return this.respond(request, nas, 'Accounting-Response');
  }

  private respond(request: RadiusRequest, nas: NasPeer, code: string, attributes: Attribute[] = []): Buffer {
    radiusMetrics.responses.inc({ code });
    return encodeResponse(request, code, nas.secret, attributes);
  }
}
