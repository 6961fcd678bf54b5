import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsScrape } from '../auth/auth.decorators.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('observability')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @MetricsScrape()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'metrics_retrieve',
    summary: 'Prometheus metrics (text format)',
    description:
      'Request latency per route, open sessions, accounting runs (duration, rows, errors), expired tokens, ' +
      'authentication failures by reason, and the Node.js process. Public when METRICS_TOKEN is unset ' +
      '(keep the port internal); otherwise send `Authorization: Bearer <METRICS_TOKEN>`.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4.', schema: { type: 'string' } })
  @ApiResponse({ status: 401, description: 'METRICS_TOKEN is set and the request does not carry it.', type: ErrorDetailDto })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const body = await this.metrics.scrape();
    void reply.header('content-type', this.metrics.contentType);
    return body;
  }
}
