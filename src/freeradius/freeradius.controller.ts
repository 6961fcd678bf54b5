import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireCapability } from '../auth/auth.decorators.js';
import { Capability, type Principal } from '../auth/policy.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import { RestAcceptDto, RestRejectDto, RestRequestDto } from './dto/rest-attributes.dto.js';
import { FreeradiusService, type RestAttributes } from './freeradius.service.js';

const ACCESS_DESCRIPTION =
  "FreeRADIUS rlm_rest's call for an Access-Request (PAP), with rlm_rest's JSON body (`body = 'json'`: every attribute " +
  'as `{"type", "value": [...]}`). `User-Password` is the subscriber\'s password or one of its live keys. ' +
  '200 accepts with Session-Timeout = the remaining balance; 401 rejects with a Reply-Message. ' +
  'Called with a gateway\'s key (`Authorization: Token <key>`): a 401 `{"detail"}` means that key was refused. ' +
  'A subscriber of another organization than the gateway\'s is an unknown user. The configuration to use is in deploy/freeradius/.';

@ApiTags('freeradius')
@ApiExtraModels(RestRequestDto)
@ApiResponse({ status: 403, type: ErrorDetailDto })
@Controller('api/v1/freeradius')
export class FreeradiusController {
  constructor(private readonly freeradius: FreeradiusService) {}

  @Post('authorize')
  @HttpCode(200)
  @RequireCapability(Capability.AccountingWrite)
  @ApiOperation({ operationId: 'freeradius_authorize_create', summary: 'rlm_rest authorize: accept or reject an Access-Request (gateways)', description: ACCESS_DESCRIPTION })
  @ApiBody({ type: RestRequestDto })
  @ApiOkResponse({ type: RestAcceptDto })
  @ApiResponse({ status: 401, type: RestRejectDto, description: 'Rejected (or, as `{"detail"}`, the gateway key was refused).' })
  @ApiResponse({ status: 400, description: 'Invalid attributes, e.g. `{"User-Name": ["This field is required."]}`' })
  authorize(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<RestAttributes> {
    return this.answer(body, principal, reply);
  }

  @Post('authenticate')
  @HttpCode(200)
  @RequireCapability(Capability.AccountingWrite)
  @ApiOperation({
    operationId: 'freeradius_authenticate_create',
    summary: 'rlm_rest authenticate: the same decision, for sites that set Auth-Type := rest (gateways)',
    description: ACCESS_DESCRIPTION,
  })
  @ApiBody({ type: RestRequestDto })
  @ApiOkResponse({ type: RestAcceptDto })
  @ApiResponse({ status: 401, type: RestRejectDto, description: 'Rejected (or, as `{"detail"}`, the gateway key was refused).' })
  @ApiResponse({ status: 400, description: 'Invalid attributes, e.g. `{"User-Name": ["This field is required."]}`' })
  authenticate(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<RestAttributes> {
    return this.answer(body, principal, reply);
  }

  @Post('accounting')
  @HttpCode(204)
  @RequireCapability(Capability.AccountingWrite)
  @ApiOperation({
    operationId: 'freeradius_accounting_create',
    summary: 'rlm_rest accounting: record an Accounting-Request (gateways)',
    description:
      'The attributes of POST /api/v1/accounting/, in rlm_rest\'s JSON body, applied by the same accounting core. ' +
      '204 with no body once the record is committed (a body would make rlm_rest warn on every record); ' +
      'FreeRADIUS then sends the Accounting-Response. A 400 names the attribute that could not be read.',
  })
  @ApiBody({ schema: { $ref: '#/components/schemas/AccountingRequestDto' } })
  @ApiNoContentResponse({ description: 'Recorded (or a retransmit: nothing changed).' })
  @ApiResponse({ status: 400, description: 'Invalid attributes, e.g. `{"Acct-Session-Time": ["A valid integer from 0 to 4294967295 is required."]}`' })
  @ApiResponse({ status: 401, description: 'The gateway key was refused.', type: ErrorDetailDto })
  accounting(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.freeradius.account(body, principal);
  }

  private async answer(body: unknown, principal: Principal, reply: FastifyReply): Promise<RestAttributes> {
    const decision = await this.freeradius.decide(body, principal);
    void reply.status(decision.status);
    return decision.attributes;
  }
}
