import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { setTimeout as sleep } from 'node:timers/promises';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AccountingRunService } from './accounting-run.service.js';
import { ExhaustionService } from './exhaustion.service.js';

const JOB_NAME = 'accounting-run';

/**
 * The exhaustion timer sleeps until the next predicted exhaustion, but never longer than this, so a
 * prediction moved earlier by another replica (a Start, a lowered balance) is read within a second.
 */
export const EXHAUSTION_CHECK_MAX_MS = 1000;
/** Shortest sleep between two checks, when a prediction is already due (its profile was busy). */
const EXHAUSTION_CHECK_MIN_MS = 100;

/**
 * Each scheduled run starts at a random moment in the first tenth of its interval (at most 5 s in):
 * replicas started together would otherwise tick in phase, and the one whose timer fires first would
 * win the run lock every time while the others only ever skip.
 */
const MAX_RUN_JITTER_MS = 5000;

/**
 * Thin in-process schedule: one run every ACCOUNTING_INTERVAL_SECONDS (off with
 * ACCOUNTING_SCHEDULE_ENABLED=false, e.g. when a cron job runs `accounting:run`). Runs never overlap
 * in a process; across replicas the run's advisory lock lets one go and the others skip. With the
 * schedule on, the exhaustion timer also runs: it wakes at the next predicted exhaustion (at most
 * EXHAUSTION_CHECK_MAX_MS later) and stops the sessions of the subscribers whose balance ran out.
 */
@Injectable()
export class AccountingScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccountingScheduler');
  private inFlight: Promise<unknown> | undefined;
  private exhaustionTimer: NodeJS.Timeout | undefined;
  private exhaustionCheck: Promise<void> | undefined;
  private stopped = false;
  private readonly shutdown = new AbortController();

  constructor(
    private readonly runs: AccountingRunService,
    private readonly exhaustion: ExhaustionService,
    private readonly registry: SchedulerRegistry,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { scheduleEnabled, intervalSeconds } = this.config.accounting;
    if (!scheduleEnabled) {
      this.logger.log('In-process accounting schedule is off (ACCOUNTING_SCHEDULE_ENABLED=false)');
      return;
    }
    this.registry.addInterval(JOB_NAME, setInterval(() => this.tick(), intervalSeconds * 1000));
    this.logger.log(`Accounting runs every ${intervalSeconds} s; balances running out between runs are stopped on the second`);
    this.scheduleExhaustionCheck(0);
  }

  /** Starts a run unless this process is still busy with the previous one. */
  tick(): void {
    if (this.inFlight) return;
    const jitterMs = Math.random() * Math.min(MAX_RUN_JITTER_MS, this.config.accounting.intervalSeconds * 100);
    this.inFlight = sleep(jitterMs, undefined, { signal: this.shutdown.signal })
      .then(() => this.runs.run({ trigger: 'schedule' }))
      .catch((error: unknown) => {
        // Shut down while waiting to start: no run.
        if (error instanceof Error && error.name === 'AbortError') return;
        throw error;
      })
      .catch((error: unknown) => this.logger.error({ msg: `Accounting run failed: ${error instanceof Error ? error.message : String(error)}` }))
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  private scheduleExhaustionCheck(delayMs: number): void {
    if (this.stopped) return;
    this.exhaustionTimer = setTimeout(() => {
      this.exhaustionCheck = this.checkExhaustion().then((nextDelayMs) => {
        this.exhaustionCheck = undefined;
        this.scheduleExhaustionCheck(nextDelayMs);
      });
    }, delayMs);
  }

  /** Settles the subscribers whose exhaustion is due; returns how long to sleep until the next check. */
  private async checkExhaustion(): Promise<number> {
    try {
      let next = await this.exhaustion.nextExhaustion();
      if (next !== null && next.getTime() <= this.clock.now().getTime()) {
        await this.exhaustion.settleDue();
        next = await this.exhaustion.nextExhaustion();
      }
      if (next === null) return EXHAUSTION_CHECK_MAX_MS;
      return Math.min(EXHAUSTION_CHECK_MAX_MS, Math.max(EXHAUSTION_CHECK_MIN_MS, next.getTime() - this.clock.now().getTime()));
    } catch (error) {
      this.logger.error({ msg: `Exhaustion check failed: ${error instanceof Error ? error.message : String(error)}` });
      return EXHAUSTION_CHECK_MAX_MS;
    }
  }

  /**
   * On shutdown, before the HTTP server and the pool close: stops scheduling and waits for a run in
   * progress, which stops after its current batch (AccountingRunService.beforeApplicationShutdown),
   * and for an exhaustion check in progress, which stops after its current batch too.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.shutdown.abort();
    clearTimeout(this.exhaustionTimer);
    this.exhaustion.stopAfterCurrentBatch();
    this.runs.stopAfterCurrentBatch();
    if (this.registry.doesExist('interval', JOB_NAME)) this.registry.deleteInterval(JOB_NAME);
    await Promise.all([this.inFlight, this.exhaustionCheck]);
  }
}
