import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AccountingEvents } from '../accounting/accounting-events.js';
import { staleBeforeAt } from '../accounting/balance-sql.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { disconnectAttributes, type DisconnectSender } from './disconnect.service.js';
import { NasSecretCipher } from './nas-secret-cipher.js';
import { radiusMetrics } from './radius-metrics.js';
import { RadiusSessionsRepository, type CoaRow } from './radius-sessions.repository.js';

export const COA_SENDER = Symbol('COA_SENDER');

/**
 * Top-ups reach the NAS (RFC 5176 CoA): when a subscriber's balance has changed by hand and that
 * change has committed (AccountingEvents.balancesChanged), each of its live sessions' NAS gets a
 * CoA-Request identifying the session as a Disconnect-Request does, with Session-Timeout = the
 * remaining balance / the live sessions, sent to the bound NAS client only, when its coa_enabled is
 * true, retried as Disconnect-Requests are (RADIUS_DISCONNECT_TIMEOUT_MS / _RETRIES). The outcome is
 * recorded on each session (coa_*) and counted (radius_coa_requests_total). In the background, one
 * round per subscriber at a time: a change arriving meanwhile runs one more round afterwards, with
 * the figures read then, so the last Session-Timeout a NAS gets is from the latest balance.
 */
@Injectable()
export class CoaService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('RadiusCoa');
  private readonly running = new Map<number, Promise<void>>();
  private readonly again = new Set<number>();

  constructor(
    private readonly events: AccountingEvents,
    private readonly sessions: RadiusSessionsRepository,
    @Inject(COA_SENDER) private readonly sender: DisconnectSender,
    private readonly cipher: NasSecretCipher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.onBalancesChanged((userIds) => this.balancesChanged(userIds));
  }

  /** Starts the CoA-Requests for these subscribers' live sessions and returns at once. */
  balancesChanged(userIds: number[]): void {
    for (const userId of new Set(userIds)) this.schedule(userId);
  }

  /** Resolves once every CoA round started so far has its outcomes recorded. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled(this.running.values());
  }

  /** Shutdown (the service, or a CLI command such as balance:add) waits for the outcomes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size > 0) this.logger.log(`Waiting for the NAS answers to the CoA-Requests of ${this.running.size} subscriber(s) before exiting`);
    await this.whenIdle();
  }

  private schedule(userId: number): void {
    if (this.running.has(userId)) {
      this.again.add(userId);
      return;
    }
    const work = this.update(userId)
      .catch((error: unknown) => {
        radiusMetrics.coaRequests.inc({ result: 'error' });
        this.logger.error(`CoA-Requests for subscriber ${userId} failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        this.running.delete(userId);
        if (this.again.delete(userId)) this.schedule(userId);
      });
    this.running.set(userId, work);
  }

  private async update(userId: number): Promise<void> {
    const now = this.clock.now();
    const rows = await this.sessions.findCoaTargets([userId], now, staleBeforeAt(now, this.config.accounting.staleAfterSeconds));
    const orphans = rows.filter((row) => row.targetAddress === null || row.secret === null || row.coaPort === null);
    const disabled = rows.filter((row) => !orphans.includes(row) && row.coaEnabled === false);
    if (orphans.length > 0) {
      await this.sessions.recordCoa(orphans.map((row) => row.id), 'no_nas', 0, now, 'session bound to no NAS client', null);
      radiusMetrics.coaRequests.inc({ result: 'no_nas' }, orphans.length);
    }
    if (disabled.length > 0) {
      await this.sessions.recordCoa(disabled.map((row) => row.id), 'disabled', 0, now, 'coa_enabled is false for its NAS client', null);
      radiusMetrics.coaRequests.inc({ result: 'disabled' }, disabled.length);
    }
    await Promise.all(rows.filter((row) => !orphans.includes(row) && !disabled.includes(row)).map((row) => this.send(row)));
  }

  private async send(row: CoaRow): Promise<void> {
    const target = {
      address: row.targetAddress!,
      port: row.coaPort!,
      secret: this.cipher.reveal(row.secret!),
      attributes: [...disconnectAttributes(row, this.clock.now()), ['Session-Timeout', row.sessionTimeout] as [string, number]],
    };
    const outcome = await this.sender(target, { timeoutMs: this.config.radius.disconnectTimeoutMs, retries: this.config.radius.disconnectRetries });
    const error = outcome.result === 'nak' ? outcome.errorCause : outcome.result === 'timeout' ? `no answer from ${target.address}:${target.port}` : null;
    await this.sessions.recordCoa([row.id], outcome.result, outcome.attempts, this.clock.now(), error, row.sessionTimeout);
    radiusMetrics.coaRequests.inc({ result: outcome.result });
    const line = `CoA-Request for session ${row.id} (${row.username}, Acct-Session-Id ${row.acctSessionId}) to ${target.address}:${target.port} with Session-Timeout ${row.sessionTimeout}: ${outcome.result} after ${outcome.attempts} attempt(s)${error ? ` (${error})` : ''}`;
    if (outcome.result === 'ack') this.logger.log(line);
    else this.logger.warn(line);
  }
}
