import { ApiProperty } from '@nestjs/swagger';

export class RejectedRecordDto {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty({ format: 'date-time' }) received_at!: string;
  @ApiProperty({ enum: ['http', 'radius'] }) source!: string;
  @ApiProperty({ description: "The caller's username (http), or the NAS client's name and network (radius)." }) source_detail!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The attributes as received (RADIUS: as decoded, octets as 0x-hex).' }) body!: unknown;
  @ApiProperty({ description: '`invalid_attributes: …` (answered 400 / dropped) or `apply_failed: …` (its transaction failed).' }) reason!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, nullable: true, description: 'The field errors the 400 named.' })
  errors!: Record<string, string[]> | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When a replay applied it; null while pending.' }) replayed_at!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: "The last replay's result (`started`, `stopped`, `duplicate`, …) or why it failed again." }) replay_result!: string | null;
}

export class RejectedRecordPageDto {
  @ApiProperty({ type: 'integer' }) count!: number;
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) next!: string | null;
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) previous!: string | null;
  @ApiProperty({ type: [RejectedRecordDto] }) results!: RejectedRecordDto[];
}
