import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { Role, ROLES } from '../../auth/policy.js';
import {
  EMAIL_MAX_LENGTH,
  NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  TOKEN_LIFETIME_MAX_SECONDS,
  TOKEN_LIFETIME_MIN_SECONDS,
  USERNAME_MAX_LENGTH,
  USERNAME_PATTERN,
} from '../../users/user-rules.js';
import { BALANCE_MAX_SECONDS } from '../../accounting/balance.service.js';
import { SatisfiesRule } from '../../common/validation/field-rule.js';
import { nameRule, passwordRule, requiredEmailRule, tokenLifetimeRule, usernameRule } from '../../users/user-field-rules.js';
import {
  checkBalanceSeconds,
  checkMaxSessions,
  checkOrganization,
  checkPermissions,
  checkRole,
  MAX_SESSIONS_LIMIT,
  ORGANIZATION_MAX_LENGTH,
  PERMISSION_PATTERN,
  PERMISSIONS_MAX_COUNT,
  trimString,
} from './field-rules.js';

/** Optional fields are validated whenever present, so `null` is reported rather than skipped. */
const whenPresent = () => ValidateIf((_: object, value: unknown) => value !== undefined);

/**
 * `POST /api/v1/user_token/` and `PUT /api/v1/user_token/{id}/`: a subscriber's account, AAA profile
 * and balance. Strict JSON types: `"7200"` is not an integer. Unknown fields are rejected.
 */
export class CreateUserTokenDto {
  @ApiProperty({ maxLength: USERNAME_MAX_LENGTH, pattern: USERNAME_PATTERN.source, example: 'jane_smith' })
  @Transform(trimString)
  @SatisfiesRule(usernameRule)
  username!: string;

  @ApiProperty({ maxLength: ORGANIZATION_MAX_LENGTH, example: 'tech_solutions' })
  @Transform(trimString)
  @SatisfiesRule(checkOrganization)
  organization!: string;

  @ApiProperty({ format: 'email', maxLength: EMAIL_MAX_LENGTH, example: 'jane@techsolutions.com' })
  @Transform(trimString)
  @SatisfiesRule(requiredEmailRule)
  email!: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role', example: Role.User })
  @SatisfiesRule(checkRole)
  role!: Role;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: BALANCE_MAX_SECONDS,
    example: 7200,
    description: 'Prepaid time in seconds (at most 100 years). Changing it needs the balances:write capability.',
  })
  @SatisfiesRule(checkBalanceSeconds)
  balance_seconds!: number;

  @ApiPropertyOptional({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    writeOnly: true,
    description:
      'Sets the password (stored as an argon2id hash). Omitted: unchanged (none on create). Set for someone else, it revokes their token.',
  })
  @whenPresent()
  @SatisfiesRule(passwordRule)
  password?: string;

  @ApiPropertyOptional({ maxLength: NAME_MAX_LENGTH, default: '', example: 'Jane' })
  @whenPresent()
  @Transform(trimString)
  @SatisfiesRule(nameRule)
  first_name?: string;

  @ApiPropertyOptional({ maxLength: NAME_MAX_LENGTH, default: '', example: 'Smith' })
  @whenPresent()
  @Transform(trimString)
  @SatisfiesRule(nameRule)
  last_name?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: PERMISSIONS_MAX_COUNT,
    items: { type: 'string', pattern: PERMISSION_PATTERN.source },
    default: [],
    example: ['read', 'write'],
    description:
      'Labels for the client; a permission named like a capability (e.g. `balances:write`) also grants it, ' +
      'so only capabilities the caller holds may be granted.',
  })
  @whenPresent()
  @SatisfiesRule(checkPermissions)
  permissions?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: TOKEN_LIFETIME_MIN_SECONDS,
    maximum: TOKEN_LIFETIME_MAX_SECONDS,
    example: 3600,
    description:
      "Seconds the token stays valid after its last use (the subscriber's open sessions count as use); null: never expires. " +
      "Omitted: the service's default, or null for a gateway account.",
  })
  @whenPresent()
  @SatisfiesRule(tokenLifetimeRule)
  token_lifetime?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: MAX_SESSIONS_LIMIT,
    example: 1,
    description:
      'Simultaneous-use: how many sessions may be open at once; authorize and Access-Request answer `too_many_sessions` ' +
      'at the limit (stale sessions and those closed by a NAS reboot do not count). null: no limit. Omitted: null on create and PUT.',
  })
  @whenPresent()
  @SatisfiesRule(checkMaxSessions)
  max_sessions?: number | null;
}

/** `PUT /api/v1/user_token/{id}/`: every required field again; omitted optional fields are reset (the password is kept). */
export class ReplaceUserTokenDto extends CreateUserTokenDto {}

/** `PATCH /api/v1/user_token/{id}/`: any subset of the fields, validated as for PUT. */
export class PatchUserTokenDto extends PartialType(CreateUserTokenDto, { skipNullProperties: false }) {}
