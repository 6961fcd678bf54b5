import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AccountingRunService } from './accounting-run.service.js';

const JOB_NAME = 'accounting-run';

/**
 * Thin in-process schedule: one run every ACCOUNTING_INTERVAL_SECONDS (off with
 * ACCOUNTING_SCHEDULE_ENABLED=false, e.g. when a cron job runs `accounting:run`). Runs never overlap
 * in a process; across replicas the run's advisory lock lets one go and the others skip.
 */
@Injectable()
export class AccountingScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccountingScheduler');
  private inFlight: Promise<unknown> | undefined;

  constructor(
    private readonly runs: AccountingRunService,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { scheduleEnabled, intervalSeconds } = this.config.accounting;
    if (!scheduleEnabled) {
      this.logger.log('In-process accounting schedule is off (ACCOUNTING_SCHEDULE_ENABLED=false)');
      return;
    }
    this.registry.addInterval(JOB_NAME, setInterval(() => this.tick(), intervalSeconds * 1000));
    this.logger.log(`Accounting runs every ${intervalSeconds} s`);
  }

  /** Starts a run unless this process is still busy with the previous one. */
  tick(): void {
    if (this.inFlight) return;
    this.inFlight = this.runs
      .run({ trigger: 'schedule' })
      .catch((error: unknown) => this.logger.error({ msg: `Accounting run failed: ${error instanceof Error ? error.message : String(error)}` }))
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /**
   * On shutdown, before the HTTP server and the pool close: stops scheduling and waits for a run in
   * progress, which stops after its current batch (AccountingRunService.beforeApplicationShutdown).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.runs.stopAfterCurrentBatch();
    if (this.registry.doesExist('interval', JOB_NAME)) this.registry.deleteInterval(JOB_NAME);
    await this.inFlight;
  }
}
