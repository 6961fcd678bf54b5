import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class AccountingRunDto {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Null while running, or when the run died.' }) finished_at!: string | null;
  @ApiProperty({ type: 'integer' }) sessions_charged!: number;
  @ApiProperty({ type: 'integer', description: 'Net seconds charged (refunds negative).' }) seconds_charged!: number;
  @ApiProperty({ type: 'integer', description: 'Sessions stopped because the balance ran out (Session-Timeout).' }) sessions_stopped!: number;
  @ApiProperty({ type: 'integer', description: 'Sessions closed as Lost-Service for lack of updates.' }) stale_closed!: number;
  @ApiProperty({ type: 'integer' }) tokens_expired!: number;
  @ApiProperty({ type: 'string', nullable: true }) error!: string | null;
}

export class AccountingRunPageDto {
  @ApiProperty({ type: 'integer' }) count!: number;
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) next!: string | null;
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) previous!: string | null;
  @ApiProperty({ type: [AccountingRunDto] }) results!: AccountingRunDto[];
}

export class StartRunDto {
  @ApiPropertyOptional({ description: 'Compute what a run would do now, in a transaction that is rolled back.', default: false })
  @IsOptional()
  @IsBoolean({ message: 'Must be a valid boolean.' })
  dry_run?: boolean;
}

export class DryRunResultDto {
  @ApiProperty({ example: true }) dry_run!: boolean;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ type: 'integer' }) sessions_charged!: number;
  @ApiProperty({ type: 'integer' }) seconds_charged!: number;
  @ApiProperty({ type: 'integer' }) sessions_stopped!: number;
  @ApiProperty({ type: 'integer' }) stale_closed!: number;
  @ApiProperty({ type: 'integer' }) tokens_expired!: number;
}
