import { Body, Controller, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import { Authenticated, CurrentPrincipal, Public } from './auth.decorators.js';
import { AuthService, INVALID_CREDENTIALS_MESSAGE } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';
import { TokenDto } from './dto/token.dto.js';
import type { Principal } from './policy.js';

/** DRF's field-error map: field name (or `non_field_errors`) → messages. */
const FIELD_ERRORS_SCHEMA = { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } as const;

/** Obtaining and giving up an API key with a username and password. */
@ApiTags('auth')
@ApiExtraModels(ErrorDetailDto)
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'auth_login_create',
    summary: 'Log in',
    description:
      'Exchanges a username and password for an API key, to send as `Authorization: Token <key>` ' +
      '(or `Bearer <key>`); updates the user\'s `last_login`.\n\n' +
      'Unlike DRF\'s obtain_auth_token, which returns the existing key as is, keys here are stored only as ' +
      'SHA-256 hashes, so an existing key cannot be returned: **every successful login issues a fresh key and ' +
      'revokes the previous one** (other clients using it get 401 and must log in again). ' +
      'A wrong username or password, an account without a password and an inactive account all give the same 400.\n\n' +
      'Rate-limited, across replicas: by default 10 failed attempts per minute per client IP and 5 per username ' +
      '(whether it exists or not; shared with `/api/v1/authorize/` and RADIUS), attempts in flight included, so parallel ' +
      'attempts check at most that many passwords; then 429 with `Retry-After` until the window ends. Successful logins do not count.',
  })
  @ApiResponse({
    status: HttpStatus.TOO_MANY_REQUESTS,
    description: 'Too many attempts from this client or for this username; retry after `Retry-After` seconds.',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorDetailDto) },
        example: { detail: 'Request was throttled. Expected available in 42 seconds.' },
      },
    },
  })
  @ApiResponse({ status: HttpStatus.OK, description: 'A new key; any previous key of the user is revoked.', type: TokenDto })
  @ApiResponse({
    status: HttpStatus.BAD_REQUEST,
    description: 'Bad credentials or an inactive user (`non_field_errors`), or an invalid body (messages per field; unknown fields are rejected).',
    content: {
      'application/json': {
        schema: FIELD_ERRORS_SCHEMA,
        examples: {
          credentials: { summary: 'Bad credentials', value: { non_field_errors: [INVALID_CREDENTIALS_MESSAGE] } },
          validation: { summary: 'Invalid body', value: { password: ['This field is required.'] } },
        },
      },
    },
  })
  login(@Body() credentials: LoginDto, @Ip() clientIp: string): Promise<TokenDto> {
    return this.auth.login(credentials, clientIp);
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'auth_logout_create',
    summary: 'Log out',
    description: "Revokes the key used for this request (the caller's only key). The account is untouched.",
  })
  @ApiResponse({ status: HttpStatus.NO_CONTENT, description: 'Revoked. No response body.' })
  @ApiResponse({
    status: HttpStatus.UNAUTHORIZED,
    description: 'No credentials, a malformed header, an unknown or expired key, or an inactive user. Sent with `WWW-Authenticate: Token`.',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorDetailDto) },
        example: { detail: 'Authentication credentials were not provided.' },
      },
    },
  })
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.logout(principal);
  }
}
