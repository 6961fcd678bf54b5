import { ApiProperty } from '@nestjs/swagger';

export class VoucherDto {
  @ApiProperty({ example: 'lobby-k7m4xq9r', description: 'The User-Name to type.' })
  username!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'h3tz8kq2wa',
    description: 'The code, typed as the password. Always in the creation response; afterwards only when SECRETS_KEY was set at creation (null otherwise).',
  })
  code!: string | null;

  @ApiProperty({ type: 'integer', example: 3600, description: 'Remaining seconds (at creation: the batch balance).' })
  balance_seconds!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null, description: 'When its first session started; null while unused.' })
  first_used_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null, description: 'first_used_at + valid_days; null while unused or without valid_days.' })
  expires_at!: string | null;
}

/** A batch: `POST /api/v1/vouchers/` (201) and `GET /api/v1/vouchers/{batch}/`. */
export class VoucherBatchDto {
  @ApiProperty({ format: 'uuid', example: '0b6f8e8e-1d7c-4a8e-9a55-3f1f0e1c2b3a' })
  id!: string;

  @ApiProperty({ example: 'lobby' })
  organization!: string;

  @ApiProperty({ example: 'lobby-' })
  prefix!: string;

  @ApiProperty({ type: 'integer', example: 100, description: 'Vouchers created (those deleted since are no longer listed).' })
  count!: number;

  @ApiProperty({ type: 'integer', example: 3600, description: 'Seconds each voucher was created with.' })
  balance_seconds!: number;

  @ApiProperty({ type: 'integer', nullable: true, example: 30 })
  valid_days!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 1 })
  max_sessions!: number | null;

  @ApiProperty({ format: 'date-time', example: '2026-12-01T12:00:00Z' })
  created_at!: string;

  @ApiProperty({ description: 'The codes are kept encrypted (SECRETS_KEY was set): this batch can be downloaded again with its codes.' })
  codes_kept!: boolean;

  @ApiProperty({ type: [VoucherDto] })
  vouchers!: VoucherDto[];
}
