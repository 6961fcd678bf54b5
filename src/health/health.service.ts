import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { HealthRepository } from './health.repository.js';
import type { ReadinessDto } from './dto/health-response.dto.js';

/** How long one readiness check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 3000;

@Injectable()
export class HealthService {
  /**
   * Everything "ready" means, run in parallel. A new condition (e.g. the last accounting run is
   * not overdue) is one more method returning a HealthIndicatorResult, listed here.
   */
  private readonly readinessChecks: HealthIndicatorFunction[] = [() => this.database(), () => this.migrations()];

  constructor(
    private readonly healthChecks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly repository: HealthRepository,
  ) {}

  async readiness(): Promise<ReadinessDto> {
    const result = await this.runChecks();
    return { status: result.status, checks: result.details };
  }

  private database(): PromiseLike<HealthIndicatorResult<'database'>> {
    return this.indicators
      .check('database')
      .attempt(() => this.repository.ping())
      .withTimeout(CHECK_TIMEOUT_MS);
  }

  private migrations(): PromiseLike<HealthIndicatorResult<'migrations'>> {
    return this.indicators
      .check('migrations')
      .attempt(async () => {
        const pending = await this.repository.pendingMigrationNames();
        if (pending.length > 0) {
          throw new Error(`pending migrations: ${pending.join(', ')} (run \`npm run migration:run\`)`);
        }
      })
      .withTimeout(CHECK_TIMEOUT_MS);
  }

  /** Terminus throws 503 with the full result when a check is down; the report is the same either way. */
  private async runChecks(): Promise<HealthCheckResult> {
    try {
      return await this.healthChecks.check(this.readinessChecks);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
      throw error;
    }
  }
}
