import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { SatisfiesRule, type FieldRule } from '../../common/validation/field-rule.js';

/** A RADIUS User-Name: a non-blank string of at most 253 characters (the attribute's limit). */
const radiusUserName: FieldRule = (value) => {
  if (typeof value !== 'string') return 'Not a valid string.';
  if (value.length === 0) return 'This field may not be blank.';
  if (value.length > 253) return 'Ensure this field has no more than 253 characters.';
  return undefined;
};

export class AuthorizeRequestDto {
  @ApiProperty({ maxLength: 253, example: 'jane_smith', description: 'User-Name as the gateway received it.' })
  @SatisfiesRule(radiusUserName)
  username!: string;

  @ApiPropertyOptional({ description: "Check the subscriber's password too (PAP).", maxLength: 256 })
  @IsOptional()
  @IsString({ message: 'Not a valid string.' })
  @MaxLength(256, { message: 'Ensure this field has no more than 256 characters.' })
  password?: string;

  @ApiPropertyOptional({ description: "Check the subscriber's live token instead (a captive portal's voucher).", maxLength: 256 })
  @IsOptional()
  @IsString({ message: 'Not a valid string.' })
  @MaxLength(256, { message: 'Ensure this field has no more than 256 characters.' })
  token?: string;

  @ApiPropertyOptional({
    maxLength: 253,
    example: '00-11-22-AA-BB-CC',
    description: "Calling-Station-Id: the subscriber device's MAC as the gateway sees it. Given, failed checks are also limited per device.",
  })
  @IsOptional()
  @IsString({ message: 'Not a valid string.' })
  @MaxLength(253, { message: 'Ensure this field has no more than 253 characters.' })
  calling_station_id?: string;
}

export class AuthorizeResultDto {
  @ApiProperty({ enum: ['accept', 'reject'] }) result!: 'accept' | 'reject';
  @ApiProperty() username!: string;
  @ApiPropertyOptional({ type: 'integer', description: 'Accept: remaining seconds, for Session-Timeout (as rlm_sqlcounter).' }) session_timeout?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'Accept: seconds between Interim-Updates, for Acct-Interim-Interval.' }) acct_interim_interval?: number;
  @ApiPropertyOptional({
    enum: ['invalid_credentials', 'inactive_user', 'token_expired', 'voucher_expired', 'no_balance', 'too_many_sessions', 'too_many_attempts'],
    description:
      'Reject: `invalid_credentials` for an unknown user or a wrong password/token (indistinguishable); the others only once the credential checked out (or none was given); ' +
      '`voucher_expired` for a voucher past `valid_days` after its first session; ' +
      '`too_many_sessions` when the subscriber already has `max_sessions` live sessions open; `too_many_attempts` past the rate limits.',
  })
  reason?: string;
  @ApiPropertyOptional({ description: 'Reject: a sentence for Reply-Message.' }) message?: string;
}

export class BalancePollDto {
  @ApiProperty({ type: 'integer', description: 'Remaining seconds, exact at the moment of the request.' }) balance_seconds!: number;
  @ApiProperty({ enum: ['active', 'idle', 'exhausted'], description: 'active: sessions open and time left; idle: no open session; exhausted: no time left.' }) status!: string;
  @ApiProperty({ type: 'integer', description: 'Seconds until the balance runs out at the current rate (open sessions share it); the whole balance when idle.' }) session_timeout!: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When the balance runs out if the open sessions continue; null when idle.' }) expires_at!: string | null;
}
