import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentPrincipal, RequireCapability } from '../auth/auth.decorators.js';
import { Capability, LAST_ACTIVE_STAFF_MESSAGE, type Principal } from '../auth/policy.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { UpdateUserDto } from './dto/update-user.dto.js';
import { UserResponseDto } from './dto/user-response.dto.js';
import { UsersService } from './users.service.js';

/** DRF's validation body: field → messages. */
const fieldErrorsSchema = (example: Record<string, string[]>) => ({
  type: 'object' as const,
  additionalProperties: { type: 'array' as const, items: { type: 'string' as const } },
  example,
});

const UNAUTHORIZED = { status: 401, description: 'No, malformed, unknown or expired token.', type: ErrorDetailDto };
const NOT_FOUND = { status: 404, description: 'No such user, or not visible to the caller.', type: ErrorDetailDto };
const FORBIDDEN_STAFF = { status: 403, description: 'The caller does not hold users:manage.', type: ErrorDetailDto };
const UUID_PARAM = {
  name: 'uuid',
  description: "The user's uuid: 32 hexadecimal characters (hyphenated form accepted).",
  example: '3fa85f6457174562b3fc2c963f66afa6',
};

/** Waldur-style accounts: staff manage everyone, a user reads and edits their own profile. */
@ApiTags('users')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @RequireCapability(Capability.UsersManage)
  @ApiOperation({ operationId: 'users_list', summary: 'List users (staff only), by id, with Waldur page-number pagination.' })
  @ApiQuery({ name: 'page', required: false, type: 'integer', description: 'A page number within the paginated result set (or `last`).' })
  @ApiQuery({ name: 'page_size', required: false, type: 'integer', description: 'Number of results to return per page (default 10, at most 300).' })
  @ApiQuery({ name: 'username', required: false, type: String, description: 'Exact username.' })
  @ApiQuery({ name: 'is_active', required: false, type: Boolean })
  @ApiQuery({ name: 'is_staff', required: false, type: Boolean })
  @ApiResponse({
    status: 200,
    description: 'A bare JSON array of users; the page links are in the headers.',
    type: UserResponseDto,
    isArray: true,
    headers: {
      'X-Result-Count': { description: 'Total number of matching users.', schema: { type: 'integer' } },
      Link: { description: 'RFC 8288 links to the first, prev, next and last pages (those that exist).', schema: { type: 'string' } },
    },
  })
  @ApiResponse({ status: 400, description: 'Invalid filter value.', schema: fieldErrorsSchema({ is_active: ['Must be a valid boolean.'] }) })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse(FORBIDDEN_STAFF)
  @ApiResponse({ status: 404, description: 'Invalid page.', type: ErrorDetailDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: RawQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<UserResponseDto[]> {
    const page = await this.users.list(principal, query);
    void reply.headers(page.headers);
    return page.results;
  }

  @Post()
  @RequireCapability(Capability.UsersManage)
  @ApiOperation({ operationId: 'users_create', summary: 'Create a user (users:manage; only staff create staff) with the default AAA profile.' })
  @ApiBody({ type: CreateUserDto })
  @ApiResponse({ status: 201, type: UserResponseDto })
  @ApiResponse({
    status: 400,
    description: 'Invalid or unknown field, or the username is taken.',
    schema: fieldErrorsSchema({ username: ['A user with that username already exists.'] }),
  })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse({ status: 403, description: 'The caller does not hold users:manage, or is not staff and sent is_staff: true.', type: ErrorDetailDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return this.users.create(principal, dto);
  }

  /** Waldur's `me` action. Declared before `:uuid` (Fastify matches the static segment first anyway). */
  @Get('me')
  @Authenticated()
  @ApiOperation({
    operationId: 'users_me_retrieve',
    summary: "The caller's own user record (Waldur's /api/users/me/), the same shape as /api/users/{uuid}/.",
  })
  @ApiResponse({ status: 200, type: UserResponseDto })
  @ApiResponse(UNAUTHORIZED)
  me(@CurrentPrincipal() principal: Principal): Promise<UserResponseDto> {
    return this.users.me(principal);
  }

  @Get(':uuid')
  @Authenticated()
  @ApiOperation({ operationId: 'users_retrieve', summary: 'Retrieve a user: yourself, or anyone when staff.' })
  @ApiParam(UUID_PARAM)
  @ApiResponse({ status: 200, type: UserResponseDto })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse(NOT_FOUND)
  retrieve(@CurrentPrincipal() principal: Principal, @Param('uuid') uuid: string): Promise<UserResponseDto> {
    return this.users.retrieve(principal, uuid);
  }

  @Patch(':uuid')
  @Authenticated()
  @ApiOperation({
    operationId: 'users_partial_update',
    summary:
      'Update some fields of a user. users:manage: any field of a non-staff account; staff: any account and is_staff; ' +
      'yourself: names, email and password. A password set by someone else revokes the account\'s token.',
  })
  @ApiParam(UUID_PARAM)
  @ApiBody({ type: UpdateUserDto })
  @ApiResponse({ status: 200, type: UserResponseDto })
  @ApiResponse({
    status: 400,
    description: 'Invalid or unknown field, the username is taken, or the last active staff account would lose is_staff or is_active.',
    schema: fieldErrorsSchema({ email: ['Enter a valid email address.'] }),
  })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse({
    status: 403,
    description:
      'Without users:manage: a change of username, is_active, is_staff or token_lifetime. Not staff: a change of is_staff, or any change to a staff account.',
    type: ErrorDetailDto,
  })
  @ApiResponse(NOT_FOUND)
  partialUpdate(@CurrentPrincipal() principal: Principal, @Param('uuid') uuid: string, @Body() dto: UpdateUserDto): Promise<UserResponseDto> {
    return this.users.update(principal, uuid, dto);
  }

  /** Waldur has no full replacement of a user; PATCH instead. */
  @Put(':uuid')
  @Authenticated()
  @ApiExcludeEndpoint()
  replace(): never {
    throw DomainError.methodNotAllowed('PUT');
  }

  @Delete(':uuid')
  @HttpCode(HttpStatus.NO_CONTENT)
  @RequireCapability(Capability.UsersManage)
  @ApiOperation({ operationId: 'users_destroy', summary: 'Delete a user with their AAA profile and token (users:manage; staff accounts only by staff; not yourself).' })
  @ApiParam(UUID_PARAM)
  @ApiResponse({ status: 204, description: 'Deleted.' })
  @ApiResponse({
    status: 400,
    description: 'You tried to delete your own account, or the last active staff account.',
    schema: fieldErrorsSchema({ non_field_errors: [LAST_ACTIVE_STAFF_MESSAGE] }),
  })
  @ApiResponse(UNAUTHORIZED)
  @ApiResponse({ status: 403, description: 'The caller does not hold users:manage, or is not staff and the account is.', type: ErrorDetailDto })
  @ApiResponse(NOT_FOUND)
  destroy(@CurrentPrincipal() principal: Principal, @Param('uuid') uuid: string): Promise<void> {
    return this.users.destroy(principal, uuid);
  }
}
