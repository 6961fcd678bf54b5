import { ApiProperty } from '@nestjs/swagger';

export class LedgerEntryDto {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: ['top_up', 'adjustment', 'session'] }) kind!: string;
  @ApiProperty({ type: 'integer', description: 'Change to the balance: positive top-ups, negative paid session time.' }) delta_seconds!: number;
  @ApiProperty({ type: 'integer', description: 'For a session: seconds used past a zero balance.' }) overage_seconds!: number;
  @ApiProperty({ type: 'integer' }) balance_after!: number;
  @ApiProperty({ type: 'integer', nullable: true }) session_id!: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Who made a manual change (null: CLI or system).' }) actor!: string | null;
  @ApiProperty({ description: 'Why: the terminate cause for sessions, the given reason for manual changes.' }) reason!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class LedgerPageDto {
  @ApiProperty({ type: 'integer' }) count!: number;
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) next!: string | null;
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) previous!: string | null;
  @ApiProperty({ type: [LedgerEntryDto] }) results!: LedgerEntryDto[];
}
