import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, RequireCapability } from '../auth/auth.decorators.js';
import { Capability, LAST_ACTIVE_STAFF_MESSAGE, type Principal } from '../auth/policy.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import type { LimitOffsetPage } from '../common/pagination/limit-offset.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { AaaProfilesService } from './aaa-profiles.service.js';
import { CreateUserTokenDto, PatchUserTokenDto, ReplaceUserTokenDto } from './dto/request.dto.js';
import { CreatedUserTokenDto, UpdatedUserTokenDto, UserTokenDto, UserTokenListDto } from './dto/response.dto.js';
import { SubscriberId } from './subscriber-id.decorator.js';

const fieldErrors = (example: Record<string, string[]>) => ({
  type: 'object',
  description: 'Field name → messages (`non_field_errors` for the body as a whole).',
  additionalProperties: { type: 'array', items: { type: 'string' } },
  example,
});

const detail = (description: string, example: string) => ({
  description,
  type: ErrorDetailDto,
  example: { detail: example },
});

const UNAUTHORIZED = detail('No, malformed, unknown or expired token.', 'Authentication credentials were not provided.');
const FORBIDDEN = detail('The caller may not do this.', 'You do not have permission to perform this action.');
const NOT_FOUND = detail("No such subscriber, or not visible to the caller (another organization's, for anyone but staff).", 'Not found.');
const BALANCE_INVALID = { description: 'Invalid `balance` parameter.', schema: fieldErrors({ balance: ['Must be a valid boolean.'] }) };
const BODY_INVALID = {
  description: 'Invalid body: unknown, missing or invalid fields, a taken username.',
  schema: fieldErrors({ username: ['A user with that username already exists.'], balance_seconds: ['A valid integer is required.'] }),
};

const balanceQuery = ApiQuery({
  name: 'balance',
  required: false,
  type: Boolean,
  description: 'Include the remaining balance (`balance_seconds`). Accepts true/false/1/0 in any case.',
});
const idParam = ApiParam({ name: 'id', type: 'integer', description: "The subscriber's user id.", example: 15 });

/**
 * `/api/v1/user_token/`: subscribers with their AAA profile, token and time balance.
 * Thin: every rule (visibility, field-level authorization, anti-escalation) lives in the service.
 */
@ApiTags('user_token')
@ApiResponse({ status: 401, ...UNAUTHORIZED })
@Controller('api/v1/user_token')
export class AaaProfilesController {
  constructor(private readonly service: AaaProfilesService) {}

  @Get()
  @RequireCapability(Capability.SubscribersRead)
  @ApiOperation({
    operationId: 'user_token_list',
    summary: 'List subscribers (needs subscribers:read)',
    description: "The caller's organization's subscribers only, staff's every organization's; the filters apply within that.",
  })
  @ApiQuery({ name: 'username', required: false, type: String, description: 'Exact username.', example: 'john_doe' })
  @ApiQuery({ name: 'organization', required: false, type: String, description: 'Exact organization.', example: 'acme_corp' })
  @ApiQuery({ name: 'limit', required: false, type: 'integer', description: 'Number of results to return per page (default 10, at most 1000).' })
  @ApiQuery({ name: 'offset', required: false, type: 'integer', description: 'The initial index from which to return the results.' })
  @balanceQuery
  @ApiResponse({ status: 200, type: UserTokenListDto, description: 'A page of subscribers, ordered by id.' })
  @ApiResponse({ status: 400, ...BALANCE_INVALID })
  @ApiResponse({ status: 403, ...FORBIDDEN })
  list(@CurrentPrincipal() principal: Principal, @Query() query: RawQuery): Promise<LimitOffsetPage<UserTokenDto>> {
    return this.service.list(principal, query);
  }

  @Post()
  @RequireCapability(Capability.SubscribersWrite)
  @ApiOperation({
    operationId: 'user_token_create',
    summary: 'Create a subscriber with its profile and token (needs subscribers:write)',
    description:
      'The key in `token` is shown only in this response. A role, or a permission naming a capability, may only be ' +
      'given by a caller who holds those capabilities; a starting balance above 0 needs balances:write. ' +
      'Anyone but staff creates only in their own organization (400 on `organization` otherwise).',
  })
  @ApiBody({
    type: CreateUserTokenDto,
    examples: {
      seed: {
        summary: 'A subscriber with two hours',
        value: { username: 'jane_smith', organization: 'tech_solutions', email: 'jane@techsolutions.com', role: 'user', balance_seconds: 7200 },
      },
    },
  })
  @ApiResponse({ status: 201, type: CreatedUserTokenDto, description: 'Created; `token` is the plaintext key.' })
  @ApiResponse({ status: 400, ...BODY_INVALID })
  @ApiResponse({ status: 403, ...FORBIDDEN })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateUserTokenDto): Promise<CreatedUserTokenDto> {
    return this.service.create(principal, body);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({
    operationId: 'user_token_retrieve',
    summary: 'Retrieve a subscriber (own record, or any with subscribers:read)',
  })
  @idParam
  @balanceQuery
  @ApiResponse({ status: 200, type: UserTokenDto })
  @ApiResponse({ status: 400, ...BALANCE_INVALID })
  @ApiResponse({ status: 404, ...NOT_FOUND })
  retrieve(@CurrentPrincipal() principal: Principal, @SubscriberId() id: number, @Query() query: RawQuery): Promise<UserTokenDto> {
    return this.service.retrieve(principal, id, query);
  }

  @Put(':id')
  @Authenticated()
  @ApiOperation({
    operationId: 'user_token_update',
    summary: 'Replace a subscriber',
    description:
      'All required fields must be given; omitted optional fields are reset to their defaults, except `password`, ' +
      'which is changed only when given. Only fields that change are authorized: the balance needs balances:write, ' +
      'anything else subscribers:write; roles and capability permissions only up to the caller’s own capabilities; ' +
      'anyone but staff cannot move a subscriber to another organization (400 on `organization`).',
  })
  @idParam
  @ApiBody({
    type: ReplaceUserTokenDto,
    examples: {
      seed: {
        summary: 'Rename and promote',
        value: {
          username: 'jane_smith_updated',
          organization: 'tech_solutions',
          email: 'jane.smith@techsolutions.com',
          role: 'admin',
          balance_seconds: 10800,
        },
      },
    },
  })
  @ApiResponse({ status: 200, type: UpdatedUserTokenDto })
  @ApiResponse({ status: 400, ...BODY_INVALID })
  @ApiResponse({ status: 403, ...FORBIDDEN })
  @ApiResponse({ status: 404, ...NOT_FOUND })
  replace(
    @CurrentPrincipal() principal: Principal,
    @SubscriberId() id: number,
    @Body() body: ReplaceUserTokenDto,
  ): Promise<UpdatedUserTokenDto> {
    return this.service.replace(principal, id, body);
  }

  @Patch(':id')
  @Authenticated()
  @ApiOperation({
    operationId: 'user_token_partial_update',
    summary: 'Update some fields of a subscriber',
    description: 'Same rules as PUT for the fields given; setting a field to its current value is not a change.',
  })
  @idParam
  @ApiBody({
    type: PatchUserTokenDto,
    examples: { seed: { summary: 'Change role and top up', value: { role: 'moderator', balance_seconds: 14400 } } },
  })
  @ApiResponse({ status: 200, type: UpdatedUserTokenDto })
  @ApiResponse({ status: 400, ...BODY_INVALID })
  @ApiResponse({ status: 403, ...FORBIDDEN })
  @ApiResponse({ status: 404, ...NOT_FOUND })
  partialUpdate(
    @CurrentPrincipal() principal: Principal,
    @SubscriberId() id: number,
    @Body() body: PatchUserTokenDto,
  ): Promise<UpdatedUserTokenDto> {
    return this.service.partialUpdate(principal, id, body);
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'user_token_destroy',
    summary: 'Delete a subscriber permanently (needs subscribers:write; staff accounts only by staff)',
    description: 'Removes the account, its profile and its token. The last active staff account cannot be deleted.',
  })
  @idParam
  @ApiResponse({ status: 204, description: 'Deleted.' })
  @ApiResponse({
    status: 400,
    description: 'The subscriber is the last active staff account.',
    schema: fieldErrors({ non_field_errors: [LAST_ACTIVE_STAFF_MESSAGE] }),
  })
  @ApiResponse({ status: 403, ...FORBIDDEN })
  @ApiResponse({ status: 404, ...NOT_FOUND })
  destroy(@CurrentPrincipal() principal: Principal, @SubscriberId() id: number): Promise<void> {
    return this.service.destroy(principal, id);
  }

  // DRF answers methods a route does not have with 405 (after authentication), not 404.

  @Put()
  @Authenticated()
  @ApiExcludeEndpoint()
  collectionPut(): never {
    throw DomainError.methodNotAllowed('PUT');
  }

  @Patch()
  @Authenticated()
  @ApiExcludeEndpoint()
  collectionPatch(): never {
    throw DomainError.methodNotAllowed('PATCH');
  }

  @Delete()
  @Authenticated()
  @ApiExcludeEndpoint()
  collectionDelete(): never {
    throw DomainError.methodNotAllowed('DELETE');
  }

  @Post(':id')
  @Authenticated()
  @ApiExcludeEndpoint()
  itemPost(): never {
    throw DomainError.methodNotAllowed('POST');
  }
}
