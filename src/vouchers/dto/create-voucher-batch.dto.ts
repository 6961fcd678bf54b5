import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { BALANCE_MAX_SECONDS } from '../../accounting/balance.service.js';
import { checkMaxSessions, checkOrganization, MAX_SESSIONS_LIMIT, ORGANIZATION_MAX_LENGTH, trimString } from '../../aaa-profiles/dto/field-rules.js';
import { SatisfiesRule } from '../../common/validation/field-rule.js';
import {
  checkVoucherBalance,
  checkVoucherCount,
  checkVoucherPrefix,
  checkValidDays,
  VALID_DAYS_MAX,
  VOUCHER_BATCH_MAX,
  VOUCHER_PREFIX_MAX_LENGTH,
  VOUCHER_PREFIX_PATTERN,
} from '../voucher-rules.js';

const whenPresent = () => ValidateIf((_: object, value: unknown) => value !== undefined);

/** `POST /api/v1/vouchers/`: a batch of vouchers, each a new subscriber with the same balance. */
export class CreateVoucherBatchDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: VOUCHER_BATCH_MAX, example: 100, description: 'How many vouchers (one transaction: all or none).' })
  @SatisfiesRule(checkVoucherCount)
  count!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: BALANCE_MAX_SECONDS, example: 3600, description: 'The time each voucher holds, in seconds.' })
  @SatisfiesRule(checkVoucherBalance)
  balance_seconds!: number;

  @ApiProperty({ maxLength: ORGANIZATION_MAX_LENGTH, example: 'lobby', description: "The vouchers' organization (an admin's own; staff any)." })
  @Transform(trimString)
  @SatisfiesRule(checkOrganization)
  organization!: string;

  @ApiPropertyOptional({
    maxLength: VOUCHER_PREFIX_MAX_LENGTH,
    pattern: VOUCHER_PREFIX_PATTERN.source,
    default: '',
    example: 'lobby-',
    description: 'Starts every username of the batch (then 8 random characters).',
  })
  @whenPresent()
  @SatisfiesRule(checkVoucherPrefix)
  prefix?: string;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: VALID_DAYS_MAX,
    example: 30,
    description: "Days a voucher stays usable, counted from its first session; past them authorize answers `voucher_expired`. null or omitted: no limit.",
  })
  @whenPresent()
  @SatisfiesRule(checkValidDays)
  valid_days?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: MAX_SESSIONS_LIMIT,
    example: 1,
    description: 'Simultaneous-use limit of each voucher (see user_token `max_sessions`). null or omitted: no limit.',
  })
  @whenPresent()
  @SatisfiesRule(checkMaxSessions)
  max_sessions?: number | null;
}
