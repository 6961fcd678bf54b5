import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedWith, CurrentPrincipal, LoadedCredentialRow, RequireCapability } from '../auth/auth.decorators.js';
import { scopeOf } from '../auth/organization-scope.js';
import { Capability, type Principal } from '../auth/policy.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import { AuthorizeService } from './authorize.service.js';
import { balancePollAnswer } from './balance-poll.js';
import { BalanceRepository, type BalancePollRow } from './balance.repository.js';
import { AuthorizeRequestDto, AuthorizeResultDto, BalancePollDto } from './dto/authorize.dto.js';

@ApiTags('accounting')
@ApiResponse({ status: 401, description: 'Unauthorized', type: ErrorDetailDto })
@Controller('api/v1')
export class AuthorizeController {
  constructor(private readonly authorizer: AuthorizeService) {}

  @Post('authorize')
  @HttpCode(200)
  @RequireCapability(Capability.AccountingWrite)
  @ApiOperation({
    operationId: 'authorize_create',
    summary: 'May this subscriber start a session now? (gateways)',
    description:
      'Accept with `session_timeout` (remaining seconds, for Session-Timeout) and `acct_interim_interval`; ' +
      'reject with a `reason` and a `message` for Reply-Message. Give `password` or `token` to check the credential too.\n\n' +
      'An unknown user and a wrong credential get the same `invalid_credentials` answer after the same work; ' +
      '`inactive_user`, `token_expired`, `voucher_expired`, `no_balance` and `too_many_sessions` are told only once the credential checked out. ' +
      '`too_many_sessions` counts the live open sessions against `max_sessions` (authorize opens none: two logins at the same ' +
      'instant may both be accepted, as with FreeRADIUS Simultaneous-Use). ' +
      'Credential checks count against the same limits as `/api/auth/login/` (per username, shared across replicas, ' +
      'and per `calling_station_id` when given): past them the answer is `too_many_attempts` with the wait in `message`, ' +
      'and the credential is not checked. A subscriber of another organization than the gateway\'s is an unknown user ' +
      '(`invalid_credentials`, or without a credential the same reject), so tenants cannot be enumerated.',
  })
  @ApiOkResponse({ type: AuthorizeResultDto })
  @ApiResponse({ status: 400, description: 'Invalid body, e.g. `{"username": ["This field is required."]}`' })
  @ApiResponse({ status: 403, type: ErrorDetailDto })
  authorize(@Body() body: AuthorizeRequestDto, @CurrentPrincipal() principal: Principal): Promise<AuthorizeResultDto> {
    return this.authorizer.authorize(body, scopeOf(principal));
  }

  /** Authenticated by the guard through the poll's loader: credential and balance in one read-only query. */
  @Get('balance')
  @AuthenticatedWith(BalanceRepository)
  @ApiOperation({
    operationId: 'balance_retrieve',
    summary: "The calling token's remaining time (captive-portal poll)",
    description: 'Read-only and exact to the second: remaining = balance − uncharged time of open sessions. Polling does not refresh the token\'s sliding lifetime.',
  })
  @ApiOkResponse({ type: BalancePollDto })
  poll(@LoadedCredentialRow() row: BalancePollRow): BalancePollDto {
    return balancePollAnswer(row);
  }
}
