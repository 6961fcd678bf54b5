import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiExcludeEndpoint,
  ApiExtraModels,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, CurrentPrincipal, RequireCapability } from '../auth/auth.decorators.js';
import { Capability, type Principal } from '../auth/policy.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX } from '../common/pagination/page-number.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { AuthTokensService } from './auth-tokens.service.js';
import { AuthTokenDto } from './dto/auth-token.dto.js';

/** What each path really serves, for the `Allow` header of a 405. */
const COLLECTION_METHODS = 'GET, HEAD';
const ITEM_METHODS = 'GET, DELETE, HEAD';

const detail = (description: string, example: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorDetailDto) }, example: { detail: example } } },
});

const UNAUTHORIZED = {
  status: HttpStatus.UNAUTHORIZED,
  ...detail(
    'No credentials, a malformed `Authorization` header, an unknown or expired key, or an inactive user. ' +
      'Sent with `WWW-Authenticate: Token`.',
    'Authentication credentials were not provided.',
  ),
};
const NOT_FOUND = {
  status: HttpStatus.NOT_FOUND,
  ...detail('No live token for this user id that the caller may see (also for ids that are not integers).', 'Not found.'),
};
const USER_ID_PARAM = {
  name: 'user_id',
  type: 'integer',
  description: "The token owner's user id.",
  example: 123,
} as const;

/**
 * Waldur's Auth Tokens API: one token per user, listed by staff, read and revoked by their owner.
 * Keys are never shown (only their hash is stored); a new key comes from POST /api/auth/login/.
 */
@ApiTags('auth-tokens')
@ApiExtraModels(ErrorDetailDto)
@Controller('api/auth-tokens')
export class AuthTokensController {
  constructor(private readonly authTokens: AuthTokensService) {}

  @Get()
  @RequireCapability(Capability.TokensReadAll)
  @ApiOperation({
    operationId: 'auth_tokens_list',
    summary: 'List Auth Tokens',
    description:
      'Live (non-expired) tokens of all users, ordered by user id. Staff (capability `tokens:read_all`); ' +
      'staff accounts\' tokens are listed to staff only. The body is a bare array; ' +
      'the total is in `X-Result-Count` and the neighbouring pages in `Link`.',
  })
  // Decorators apply bottom-up: page_size above page lists `page` first in the schema.
  @ApiQuery({
    name: 'page_size',
    required: false,
    type: 'integer',
    description: `Number of results to return per page (default ${PAGE_SIZE_DEFAULT}, at most ${PAGE_SIZE_MAX}).`,
  })
  @ApiQuery({ name: 'page', required: false, type: 'integer', description: 'A page number within the paginated result set (from 1), or `last`.' })
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'One page of tokens.',
    type: AuthTokenDto,
    isArray: true,
    headers: {
      'X-Result-Count': { description: 'Number of live tokens across all pages.', schema: { type: 'integer' } },
      Link: {
        description: 'RFC 8288 links to the `first`, `prev`, `next` and `last` pages; only those that exist.',
        schema: { type: 'string' },
        example: '<https://api.example.com/api/auth-tokens/?page=3>; rel="next", <https://api.example.com/api/auth-tokens/?page=5>; rel="last"',
      },
    },
  })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse({ status: HttpStatus.FORBIDDEN, ...detail('The caller does not hold tokens:read_all.', 'You do not have permission to perform this action.') })
  @ApiResponse({ status: HttpStatus.NOT_FOUND, ...detail('`page` is not a page number or is past the last page.', 'Invalid page.') })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: RawQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthTokenDto[]> {
    const page = await this.authTokens.list(principal, query);
    void reply.headers(page.headers);
    return page.items;
  }

  @Get(':user_id')
  @Authenticated()
  @ApiOperation({
    operationId: 'auth_tokens_retrieve',
    summary: 'Retrieve',
    description: "The caller's own token; staff and token managers may read anyone's, except that a staff account's token is staff's only.",
  })
  @ApiParam(USER_ID_PARAM)
  @ApiResponse({ status: HttpStatus.OK, description: 'The token.', type: AuthTokenDto })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse(NOT_FOUND)
  retrieve(@CurrentPrincipal() principal: Principal, @Param('user_id') userId: string): Promise<AuthTokenDto> {
    return this.authTokens.retrieve(principal, userId);
  }

  @Delete(':user_id')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'auth_tokens_destroy',
    summary: 'Delete',
    description:
      "Revokes the token (the key stops working at once); the account is untouched and can log in again. " +
      "The caller's own token, or anyone's for token managers; a staff account's token only for staff.",
  })
  @ApiParam(USER_ID_PARAM)
  @ApiResponse({ status: HttpStatus.NO_CONTENT, description: 'Revoked. No response body.' })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse(NOT_FOUND)
  async destroy(@CurrentPrincipal() principal: Principal, @Param('user_id') userId: string): Promise<void> {
    await this.authTokens.destroy(principal, userId);
  }

  // Methods the API does not offer: 405 after authentication and the collection's staff-only
  // permission, as DRF checks them first. Left out of the schema (Waldur's has no such operations).

  @Post()
  @RequireCapability(Capability.TokensReadAll)
  @ApiExcludeEndpoint()
  createNotAllowed(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): never {
    return methodNotAllowed(request, reply, COLLECTION_METHODS);
  }

  @Put()
  @RequireCapability(Capability.TokensReadAll)
  @ApiExcludeEndpoint()
  replaceCollectionNotAllowed(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): never {
    return methodNotAllowed(request, reply, COLLECTION_METHODS);
  }

  @Patch()
  @RequireCapability(Capability.TokensReadAll)
  @ApiExcludeEndpoint()
  updateCollectionNotAllowed(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): never {
    return methodNotAllowed(request, reply, COLLECTION_METHODS);
  }

  @Delete()
  @RequireCapability(Capability.TokensReadAll)
  @ApiExcludeEndpoint()
  destroyCollectionNotAllowed(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): never {
    return methodNotAllowed(request, reply, COLLECTION_METHODS);
  }

  @Post(':user_id')
  @Authenticated()
  @ApiExcludeEndpoint()
  createItemNotAllowed(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): never {
    return methodNotAllowed(request, reply, ITEM_METHODS);
  }

  @Put(':user_id')
  @Authenticated()
  @ApiExcludeEndpoint()
  replaceNotAllowed(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): never {
    return methodNotAllowed(request, reply, ITEM_METHODS);
  }

  @Patch(':user_id')
  @Authenticated()
  @ApiExcludeEndpoint()
  updateNotAllowed(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): never {
    return methodNotAllowed(request, reply, ITEM_METHODS);
  }
}

function methodNotAllowed(request: FastifyRequest, reply: FastifyReply, allow: string): never {
  void reply.header('Allow', allow);
  throw DomainError.methodNotAllowed(request.method);
}
