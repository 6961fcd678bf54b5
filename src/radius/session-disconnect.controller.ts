import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SessionDto } from '../accounting/dto/session.dto.js';
import { CurrentPrincipal, RequireCapability } from '../auth/auth.decorators.js';
import { Capability, type Principal } from '../auth/policy.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import { SessionDisconnectService } from './session-disconnect.service.js';

@ApiTags('accounting')
@ApiResponse({ status: 401, description: 'Unauthorized', type: ErrorDetailDto })
@Controller('api/v1/accounting/sessions')
export class SessionDisconnectController {
  constructor(private readonly service: SessionDisconnectService) {}

  @Post(':id/disconnect')
  @HttpCode(200)
  @RequireCapability(Capability.SessionsDisconnect)
  @ApiOperation({
    operationId: 'accounting_sessions_disconnect',
    summary: 'Cut an open session off: a Disconnect-Request (RFC 5176) to its NAS (admins of its organization, staff)',
    description:
      'Sent to the NAS client the session is bound to (the one that reported it), retried as RADIUS_DISCONNECT_TIMEOUT_MS / _RETRIES say, ' +
      'and answered once the NAS has, or after the last retransmission went unanswered (RADIUS_DISCONNECT_TIMEOUT_MS × (2^(RADIUS_DISCONNECT_RETRIES+1) − 1): 30 s by default). The outcome is recorded on the session (`disconnect_status`, `disconnect_error`). ' +
      'Disconnect-ACK: 200 with the session, closed as `Admin-Reset` at that moment and charged exactly. ' +
      'Disconnect-NAK: 502 naming its Error-Cause; no answer: 504. In both the session stays open and can be asked again.',
  })
  @ApiParam({ name: 'id', type: 'integer' })
  @ApiOkResponse({ type: SessionDto, description: 'Disconnect-ACK: the session, closed as Admin-Reset.' })
  @ApiResponse({ status: 403, type: ErrorDetailDto })
  @ApiResponse({ status: 404, description: 'No such session in the caller\'s scope.', type: ErrorDetailDto })
  @ApiResponse({ status: 409, description: 'The session is closed, bound to no NAS client, or a Disconnect-Request for it is already waiting.', type: ErrorDetailDto })
  @ApiResponse({ status: 502, description: 'The NAS answered Disconnect-NAK (its Error-Cause in `detail`); the session stays open.', type: ErrorDetailDto })
  @ApiResponse({ status: 504, description: 'The NAS did not answer; the session stays open.', type: ErrorDetailDto })
  disconnect(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<SessionDto> {
    return this.service.disconnect(principal, id);
  }
}
