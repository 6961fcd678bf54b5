import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { retryTransientConflicts } from '../database/transient-conflict.js';
import { bindLogger } from '../observability/bound-logger.js';
import {
  accountingLastSuccess,
  accountingRunDuration,
  accountingRunErrors,
  accountingRunRows,
  accountingRuns,
  accountingSecondsCharged,
  tokensExpired,
} from '../observability/metrics.js';
import type { AccountingRunEntity } from './accounting-run.entity.js';
import { AccountingEvents } from './accounting-events.js';
import { AccountingRunsRepository, type RunCounts } from './accounting-runs.repository.js';
import { ChargingRepository, subscribersOf } from './charging.repository.js';
import { RejectedRecordsRepository } from './rejected-records.repository.js';
import { SettlementService } from './settlement.service.js';

/** Any constant works; it only has to be the same in every replica. */
export const ACCOUNTING_LOCK_KEY = 724_100_002;


export type RunTrigger = 'schedule' | 'cli' | 'api';

export type RunOutcome =
  | { status: 'skipped'; reason: string }
  | { status: 'dry-run'; startedAt: Date; counts: RunCounts }
  | { status: 'finished'; run: AccountingRunEntity }
  | { status: 'failed'; run: AccountingRunEntity; error: Error };

type Batch = <T>(work: (manager: EntityManager) => Promise<T>) => Promise<T>;

/** Thrown between batches once the service is shutting down: the run stops, its committed batches stand. */
class RunStoppedError extends Error {
  constructor() {
    super('stopped: the service shut down before the run finished (the next run completes it)');
    this.name = 'RunStoppedError';
  }
}

const emptyCounts = (): RunCounts => ({ sessionsCharged: 0, secondsCharged: 0, sessionsStopped: 0, staleClosed: 0, tokensExpired: 0 });

/**
 * One accounting run, in order: let live sessions that do not burn their subscriber's balance yet
 * burn; settle the subscribers whose balance runs out by now and stop their sessions; close stale
 * sessions (refunding time past their last update); charge every other subscriber with burning
 * sessions up to now (one row write each); expire tokens past their lifetime; record the run. Only one run at a time across
 * replicas (a PostgreSQL advisory lock); work is done in bounded batches, each its own transaction,
 * so a run that dies leaves every subscriber either settled to `now` or untouched, and the next run
 * (or any event of the subscriber) completes it exactly.
 */
@Injectable()
export class AccountingRunService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Accounting');
  private readonly instance = `${hostname()}:${process.pid}`;
  /** Set on shutdown: a run in progress stops before its next batch. */
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly charging: ChargingRepository,
    private readonly settlement: SettlementService,
    private readonly runs: AccountingRunsRepository,
    private readonly events: AccountingEvents,
    private readonly rejected: RejectedRecordsRepository,
    private readonly tokens: AuthTokensService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Shutdown: a run in progress finishes the batch it is in (commits or rolls back whole) and stops; no new run starts. */
  stopAfterCurrentBatch(): void {
    this.stopping = true;
  }

  beforeApplicationShutdown(): void {
    this.stopAfterCurrentBatch();
  }

  async run(options: { trigger: RunTrigger; dryRun?: boolean }): Promise<RunOutcome> {
    if (this.stopping) return { status: 'skipped', reason: 'the service is shutting down' };
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [ACCOUNTING_LOCK_KEY]);
      if (!locked) {
        const reason = 'another accounting run is in progress (another replica or process holds the lock)';
        this.logger.log({ msg: `Skipping accounting run: ${reason}`, trigger: options.trigger });
        if (!options.dryRun) accountingRuns.inc({ trigger: options.trigger, outcome: 'skipped' });
        return { status: 'skipped', reason };
      }
      try {
        return options.dryRun ? await this.dryRun(runner) : await this.realRun(runner, options.trigger);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [ACCOUNTING_LOCK_KEY]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  /** Does the whole run in one transaction and rolls it back: what a run would do now, exactly. */
  private async dryRun(runner: QueryRunner): Promise<RunOutcome> {
    const startedAt = this.clock.now();
    const counts = await retryTransientConflicts(async () => {
      const attempt = emptyCounts();
      await runner.startTransaction();
      try {
        await this.steps(startedAt, attempt, (work) => work(runner.manager), { notify: false });
      } finally {
        await runner.rollbackTransaction();
      }
      return attempt;
    });
    return { status: 'dry-run', startedAt, counts };
  }

  private async realRun(runner: QueryRunner, trigger: RunTrigger): Promise<RunOutcome> {
    const interrupted = await this.runs.markInterrupted();
    if (interrupted > 0) this.logger.warn({ msg: `Marked ${interrupted} earlier run(s) that never finished as interrupted` });
    const startedAt = this.clock.now();
    const timer = accountingRunDuration.startTimer({ trigger });
    const record = await this.runs.start(startedAt, trigger, this.instance);
    const log = bindLogger(this.logger, { run_id: record.id });
    log.log(`started (${trigger}) at ${startedAt.toISOString()}`, { trigger });
    const counts = emptyCounts();
    // Each batch is one transaction, run again whole when it deadlocks with a concurrent Stop or PATCH.
    const batch: Batch = async (work) => {
      if (this.stopping) throw new RunStoppedError();
      return retryTransientConflicts(async () => {
        await runner.startTransaction();
        try {
          const result = await work(runner.manager);
          await runner.commitTransaction();
          return result;
        } catch (error) {
          if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
          throw error;
        }
      });
    };
    try {
      await this.steps(startedAt, counts, batch, { notify: true });
      const run = await this.runs.finish(record.id, this.clock.now(), counts, null);
      log.log(
        `finished: ${counts.sessionsCharged} sessions charged (${counts.secondsCharged} s), ${counts.sessionsStopped} stopped ` +
          `for no balance, ${counts.staleClosed} stale closed, ${counts.tokensExpired} tokens expired`,
        { ...counts },
      );
      recordRunMetrics(counts);
      timer({ outcome: 'finished' });
      accountingRuns.inc({ trigger, outcome: 'finished' });
      accountingLastSuccess.set(Date.now() / 1000);
      return { status: 'finished', run };
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause));
      if (error instanceof RunStoppedError) log.warn(error.message, { ...counts });
      else log.error(`failed: ${error.message}`, { ...counts });
      recordRunMetrics(counts);
      timer({ outcome: 'failed' });
      accountingRuns.inc({ trigger, outcome: 'failed' });
      accountingRunErrors.inc();
      const run = await this.runs.finish(record.id, this.clock.now(), counts, error.message);
      return { status: 'failed', run, error };
    }
  }

  private async steps(now: Date, counts: RunCounts, batch: Batch, options: { notify: boolean }): Promise<void> {
    const { batchSize, staleAfterSeconds } = this.config.accounting;
    const staleBefore = new Date(now.getTime() - staleAfterSeconds * 1000);

    // Each batch returns what it changed; it is added to the run's counts only after its commit, so a
    // batch that rolls back leaves no trace in the run's history or metrics.
    const add = (delta: Partial<RunCounts>) => {
      for (const [key, value] of Object.entries(delta) as [keyof RunCounts, number][]) counts[key] += value;
    };

    // 1: live sessions that do not burn their subscriber's balance yet (the settlement after their
    // Start or Interim-Update did not commit) are settled as a Start would have, before exhaustion is decided.
    for (let after = 0; ; ) {
      const done = await batch(async (m) => {
        const waiting = await this.charging.findNotBurning(m, staleBefore, after, batchSize);
        if (waiting.length === 0) return undefined;
        const userIds = await this.charging.lockProfiles(m, subscribersOf(waiting));
        const settled = await this.settlement.settle(m, userIds, { kind: 'opened' }, now);
        const lastUserId = waiting[waiting.length - 1]!.userId!;
        return { found: waiting.length, lastUserId, delta: { sessionsCharged: settled.charged.sessions, secondsCharged: settled.charged.seconds } };
      });
      if (!done) break;
      add(done.delta);
      if (done.found < batchSize) break;
      after = done.lastUserId;
    }

    // 2: settle the subscribers whose balance runs out by now (predicted exhaustion due), one by one,
    // and stop their live sessions (the exhaustion timer's own step; profiles held elsewhere are skipped).
    for (let after = 0; ; ) {
      const done = await batch(async (m) => {
        const due = await this.charging.lockNextDueForExhaustion(m, now, after, batchSize);
        if (due.length === 0) return undefined;
        const settled = await this.settlement.settle(m, due, { kind: 'exhausted' }, now);
        const delta = { sessionsCharged: settled.charged.sessions, secondsCharged: settled.charged.seconds, sessionsStopped: settled.closedIds.length };
        return { due: due.length, lastUserId: due[due.length - 1]!, stoppedIds: settled.closedIds, delta };
      });
      if (!done) break;
      add(done.delta);
      // Committed: now the NAS may be told to cut these sessions off.
      if (options.notify) await this.events.sessionsExhausted(done.stoppedIds);
      if (done.due < batchSize) break;
      after = done.lastUserId;
    }

    // 3: close stale sessions, charged only up to their last update (refunding what was charged past it),
    // before the charge step: then no session it charges is stale at `now`.
    for (;;) {
      const done = await batch(async (m) => {
        const stale = await this.charging.findStale(m, staleBefore, batchSize);
        if (stale.length === 0) return { found: 0, delta: {} };
        const userIds = await this.charging.lockProfiles(m, subscribersOf(stale));
        const settled = await this.settlement.settle(m, userIds, { kind: 'stale', sessionIds: stale.map((session) => session.id), staleBefore }, now);
        return { found: stale.length, delta: { staleClosed: settled.closedIds.length, sessionsCharged: settled.charged.sessions, secondsCharged: settled.charged.seconds } };
      });
      add(done.delta);
      if (done.found < batchSize) break;
    }

    // 4: every other subscriber with burning sessions is charged up to now: one set-based row write
    // per subscriber, `batchSize` subscribers at a time by id (each range its own transaction); no session row is written.
    for (let after = 0; ; ) {
      const charged = await batch((m) => this.charging.chargeNextRange(m, after, batchSize, now));
      add({ sessionsCharged: charged.sessions, secondsCharged: charged.seconds });
      if (charged.lastUserId === null) break;
      after = charged.lastUserId;
    }

    // 5: expire tokens past their lifetime (Waldur never cleans them up).
    for (;;) {
      const deleted = await batch((m) => this.tokens.deleteExpired(m, now, batchSize));
      add({ tokensExpired: deleted });
      if (deleted < batchSize) break;
    }

    await this.deleteExpiredRejectedRecords(now, batch);
  }

  /** Retention of the quarantine: refused records older than ACCOUNTING_REJECTED_RETENTION_DAYS are deleted. */
  private async deleteExpiredRejectedRecords(now: Date, batch: Batch): Promise<void> {
    const { batchSize, rejectedRetentionDays } = this.config.accounting;
    const before = new Date(now.getTime() - rejectedRetentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const deleted = await batch((m) => this.rejected.deleteReceivedBefore(m, before, batchSize));
      total += deleted;
      if (deleted < batchSize) break;
    }
    if (total > 0) this.logger.log(`deleted ${total} refused accounting record(s) received before ${before.toISOString()}`);
  }
}

/** What a run's committed batches changed, added to the Prometheus counters. */
function recordRunMetrics(counts: RunCounts): void {
  accountingRunRows.inc({ kind: 'sessions_charged' }, counts.sessionsCharged);
  accountingRunRows.inc({ kind: 'sessions_stopped' }, counts.sessionsStopped);
  accountingRunRows.inc({ kind: 'stale_closed' }, counts.staleClosed);
  accountingRunRows.inc({ kind: 'tokens_expired' }, counts.tokensExpired);
  accountingSecondsCharged.inc(Math.max(0, counts.secondsCharged));
  tokensExpired.inc(counts.tokensExpired);
}
