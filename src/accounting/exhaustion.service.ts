import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { inRetriedTransaction } from '../database/transient-conflict.js';
import { AccountingEvents } from './accounting-events.js';
import { ChargingRepository } from './charging.repository.js';
import { SettlementService } from './settlement.service.js';

/** Any constant works; it only has to be the same in every replica (and differ from the run's). */
export const EXHAUSTION_LOCK_KEY = 724_100_003;

/**
 * Stops sessions on the second their subscriber's balance runs out, between accounting runs. Each
 * subscriber with live sessions carries its predicted exhaustion (aaa_profiles.exhausts_at, never
 * later than the real one); settling the subscribers whose prediction has come due is the run's own
 * first step (SettlementService, `exhausted`) for just them: charge up to now, close the live
 * sessions of those left with 0 as Session-Timeout, predict again for those with time left. The
 * work follows the subscribers reaching 0, not the open sessions. One replica at a time (an
 * advisory lock held by each batch's transaction); profiles a run or a Stop holds are skipped and
 * taken up on the next check.
 */
@Injectable()
export class ExhaustionService {
  private readonly logger = new Logger('Accounting');
  /** Set on shutdown: a check in progress stops before its next batch. */
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly charging: ChargingRepository,
    private readonly settlement: SettlementService,
    private readonly events: AccountingEvents,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Shutdown: a check in progress finishes the batch it is in and stops; the next process takes up the rest. */
  stopAfterCurrentBatch(): void {
    this.stopping = true;
  }

  /** The earliest predicted exhaustion, or null when no balance is burning. */
  nextExhaustion(): Promise<Date | null> {
    return this.charging.nextExhaustion(this.dataSource.manager);
  }

  /**
   * Settles every subscriber whose predicted exhaustion is due at the clock's now, in batches, and
   * sends the Disconnect-Requests of the sessions stopped once each batch has committed. Returns
   * how many sessions were stopped (0 when another replica holds the timer).
   */
  async settleDue(): Promise<number> {
    const now = this.clock.now();
    const batchSize = this.config.accounting.batchSize;
    let stopped = 0;
    for (let after = 0; !this.stopping; ) {
      const done = await inRetriedTransaction(this.dataSource, async (manager) => {
        const [{ locked }]: { locked: boolean }[] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [EXHAUSTION_LOCK_KEY]);
        if (!locked) return undefined;
        const due = await this.charging.lockNextDueForExhaustion(manager, now, after, batchSize);
        if (due.length === 0) return undefined;
        const settled = await this.settlement.settle(manager, due, { kind: 'exhausted' }, now);
        return { due: due.length, lastUserId: due[due.length - 1]!, stoppedIds: settled.closedIds };
      });
      if (!done) break;
      stopped += done.stoppedIds.length;
      // Committed: now the NAS may be told to cut these sessions off.
      await this.events.sessionsExhausted(done.stoppedIds);
      if (done.due < batchSize) break;
      after = done.lastUserId;
    }
    if (stopped > 0) this.logger.log(`exhaustion timer: ${stopped} session(s) stopped for no balance at ${now.toISOString()}`);
    return stopped;
  }
}
