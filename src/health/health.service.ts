import { Inject, Injectable, Logger, ServiceUnavailableException, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { HealthRepository } from './health.repository.js';
import type { ReadinessDto } from './dto/health-response.dto.js';

/** How long one readiness check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 3000;

/** Accounting is overdue when no run has succeeded for this many schedule intervals. */
export const ACCOUNTING_OVERDUE_INTERVALS = 3;

@Injectable()
export class HealthService implements BeforeApplicationShutdown {
  /**
   * Everything "ready" means, run in parallel: the database answers, every migration is applied and,
   * when the in-process schedule is on, accounting is not overdue.
   */
  private readonly readinessChecks: HealthIndicatorFunction[];
  /** When this process started: with no successful run yet, accounting is overdue only this long after boot. */
  private readonly bootedAt: Date;
  private shuttingDown = false;
  /** The last readiness answer, to log only its changes (probes come every few seconds). */
  private lastStatus: 'ok' | 'error' | undefined;
  private readonly logger = new Logger('Health');

  constructor(
    private readonly healthChecks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly repository: HealthRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.bootedAt = clock.now();
    this.readinessChecks = [() => this.database(), () => this.migrations()];
    if (config.accounting.scheduleEnabled) this.readinessChecks.push(() => this.accounting());
  }

  /** SIGTERM: report not ready at once, so load balancers stop sending traffic while in-flight work finishes. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  async readiness(): Promise<ReadinessDto> {
    if (this.shuttingDown) return { status: 'shutting_down', checks: {} };
    const result = await this.runChecks();
    this.logChange(result);
    return { status: result.status, checks: result.details };
  }

  /** One line when readiness turns 503 (naming what is down) and one when it recovers; never a stack. */
  private logChange(result: HealthCheckResult): void {
    const status = result.status === 'ok' ? 'ok' : 'error';
    if (status === this.lastStatus) return;
    const first = this.lastStatus === undefined;
    this.lastStatus = status;
    if (status === 'ok') {
      if (!first) this.logger.log('Readiness: ready again');
      return;
    }
    const down = Object.entries(result.details)
      .filter(([, check]) => check.status !== 'up')
      .map(([name, check]) => `${name}: ${typeof check.message === 'string' ? check.message : 'down'}`);
    this.logger.warn(`Readiness: not ready (${down.join('; ')})`);
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

  /**
   * The schedule is on, so a run must have succeeded within the last ACCOUNTING_OVERDUE_INTERVALS
   * intervals (any replica's run counts), or the process must have booted less than that long ago
   * (whatever the last run was: the schedule's first run comes one interval after boot).
   */
  private accounting(): PromiseLike<HealthIndicatorResult<'accounting'>> {
    return this.indicators
      .check('accounting')
      .attempt(async () => {
        const allowedMs = ACCOUNTING_OVERDUE_INTERVALS * this.config.accounting.intervalSeconds * 1000;
        const now = this.clock.now().getTime();
        const last = await this.repository.lastSuccessfulRunFinishedAt();
        // A restarted process gets the same grace as a fresh one: its first run is an interval away.
        const since = Math.max(last?.getTime() ?? 0, this.bootedAt.getTime());
        if (now - since > allowedMs) {
          const what = last ? `the last successful accounting run finished at ${last.toISOString()}` : 'no accounting run has succeeded since boot';
          throw new Error(`accounting is overdue: ${what}, more than ${allowedMs / 1000} s ago`);
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
