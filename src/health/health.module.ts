import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { HealthRepository } from './health.repository.js';
import { HealthService } from './health.service.js';

/** GET /health/live and /health/ready (public; see HealthService for what "ready" checks). */
@Module({
  // Terminus would log every failed probe with a stack; HealthService logs the changes instead.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthService, HealthRepository],
})
export class HealthModule {}
