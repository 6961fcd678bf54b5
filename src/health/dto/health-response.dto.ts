import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { HealthCheckStatus } from '@nestjs/terminus';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}

export class HealthCheckDetailDto {
  @ApiProperty({ enum: ['up', 'down'], example: 'up' })
  status!: string;

  @ApiPropertyOptional({ description: 'Why the check is down.', example: 'timeout of 3000ms exceeded' })
  message?: string;

  @ApiPropertyOptional({ description: 'Milliseconds the check took.', example: 2 })
  responseTime?: number;
}

/** 200 when every check is up, else 503 with the same shape naming the failed check(s). */
export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' })
  status!: HealthCheckStatus;

  @ApiProperty({
    description: 'One entry per check, by name.',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/HealthCheckDetailDto' },
    example: { database: { status: 'up', responseTime: 1 }, migrations: { status: 'up', responseTime: 3 } },
  })
  checks!: Record<string, HealthCheckDetailDto>;
}
