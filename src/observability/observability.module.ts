import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsRepository } from './metrics.repository.js';
import { MetricsService } from './metrics.service.js';

/** GET /metrics (prom-client's default registry). Logging is set up with the app: see logging.ts and request-logging.ts. */
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MetricsRepository],
})
export class ObservabilityModule {}
