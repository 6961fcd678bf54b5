import { Injectable } from '@nestjs/common';
import { AccountingQueryService } from '../accounting/accounting-query.service.js';
import { AdminResetService } from '../accounting/admin-reset.service.js';
import type { SessionDto } from '../accounting/dto/session.dto.js';
import type { Principal } from '../auth/policy.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { DisconnectService } from './disconnect.service.js';

/**
 * `POST /api/v1/accounting/sessions/{id}/disconnect/`: an admin (of the session's organization,
 * see sessionScopeFor) or staff cuts a session off. The Disconnect-Request goes through
 * DisconnectService to the session's bound NAS client only, and its outcome is recorded on the
 * session. On Disconnect-ACK the session is closed as Admin-Reset at that moment and settled (the
 * charge is exact to the second); on NAK or no answer it stays open and the caller gets 502 / 504
 * naming the NAS's Error-Cause: the session was NOT cut off, which a 2xx would hide from scripts.
 */
@Injectable()
export class SessionDisconnectService {
  constructor(
    private readonly queries: AccountingQueryService,
    private readonly disconnects: DisconnectService,
    private readonly resets: AdminResetService,
  ) {}

  async disconnect(principal: Principal, rawId: string): Promise<SessionDto> {
    const session = await this.queries.getSession(principal, rawId);
    if (session.status !== 'open') throw new DomainError(ErrorCode.Conflict, 'The session is already closed.');
    const id = String(session.id);
    const outcome = await this.disconnects.disconnectOpen(id);
    switch (outcome.result) {
      case 'busy':
        throw new DomainError(ErrorCode.Conflict, 'A Disconnect-Request for this session is already waiting for its NAS, or the session has just closed.');
      case 'no_nas':
        throw new DomainError(ErrorCode.Conflict, 'The session is bound to no NAS client (none reported it): no Disconnect-Request can be sent.');
      case 'nak':
        throw new DomainError(
          ErrorCode.UpstreamRefused,
          `The NAS answered Disconnect-NAK (Error-Cause: ${outcome.error ?? 'none given'}): the session stays open.`,
        );
      case 'timeout':
        throw new DomainError(ErrorCode.UpstreamTimeout, `The NAS did not answer the Disconnect-Request (${outcome.error}): the session stays open.`);
      case 'ack':
        await this.resets.close(id);
        return this.queries.getSession(principal, rawId);
      default: {
        const unreachable: never = outcome;
        throw new Error(`Unhandled outcome ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
