import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { HealthCheckDetailDto, LivenessDto, ReadinessDto } from './dto/health-response.dto.js';
import { HealthService } from './health.service.js';

/** Probes for orchestrators (Docker HEALTHCHECK, Kubernetes): no credentials, never cached. */
@ApiTags('health')
@ApiExtraModels(HealthCheckDetailDto)
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ operationId: 'health_live', summary: 'Liveness: the process is up and serving HTTP (touches nothing else).' })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ operationId: 'health_ready', summary: 'Readiness: the database answers and has every migration applied.' })
  @ApiOkResponse({ type: ReadinessDto, description: 'Every check is up.' })
  @ApiServiceUnavailableResponse({ type: ReadinessDto, description: 'At least one check is down (see `checks`).' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessDto> {
    const report = await this.health.readiness();
    void reply.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
