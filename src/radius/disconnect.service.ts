import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { isIP } from 'node:net';
import { AccountingEvents } from '../accounting/accounting-events.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { DisconnectOutcome, DisconnectTarget } from './disconnect-client.js';
import type { Attribute } from './radius-codec.js';
import { NasSecretCipher } from './nas-secret-cipher.js';
import { radiusMetrics } from './radius-metrics.js';
import { RadiusSessionsRepository, type DisconnectRow } from './radius-sessions.repository.js';

/** Disconnect-Requests in flight at once (each on its own socket). */
const CONCURRENCY = 32;

/** Sends one RFC 5176 request and waits for its answer (sendDisconnectRequest / sendCoaRequest). */
export type DisconnectSender = (target: DisconnectTarget, policy: { timeoutMs: number; retries: number }) => Promise<DisconnectOutcome>;
export const DISCONNECT_SENDER = Symbol('DISCONNECT_SENDER');

/** What an admin's Disconnect-Request for an open session came to (`busy`: one is already waiting for the NAS, or the session is not open). */
export type OpenSessionDisconnect = { result: 'busy' } | { result: 'no_nas' } | { result: 'ack' | 'nak' | 'timeout'; error: string | null };

/** The attributes that identify the session to the NAS (RFC 5176 §3). */
export function disconnectAttributes(row: DisconnectRow, now: Date): Attribute[] {
  const attributes: Attribute[] = [['Acct-Session-Id', row.acctSessionId], ['User-Name', row.username]];
  if (row.callingStationId) attributes.push(['Calling-Station-Id', row.callingStationId]);
  if (row.nasIpAddress && isIP(row.nasIpAddress) === 4) attributes.push(['NAS-IP-Address', row.nasIpAddress]);
  if (row.nasIdentifier) attributes.push(['NAS-Identifier', row.nasIdentifier]);
  attributes.push(['Event-Timestamp', now]);
  return attributes;
}

/**
 * When accounting stops sessions because their subscriber's balance reached 0 (and has committed
 * it), tells each session's NAS to cut it off with a Disconnect-Request to its CoA port, and records
 * the answer (ack / nak with its Error-Cause / timeout, or no_nas) on the session. Runs in the
 * background: the accounting run is never held up by a slow NAS. A Disconnect-Request goes only to
 * the NAS client the session is bound to (the one that reported it); sessions bound to none are
 * recorded as no_nas. Works in CLI commands too (accounting:run).
 */
@Injectable()
export class DisconnectService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('RadiusDisconnect');
  private readonly inFlight = new Set<Promise<void>>();
  /** Sessions whose Disconnect-Request has no recorded outcome yet. */
  private pendingSessions = 0;

  constructor(
    private readonly events: AccountingEvents,
    private readonly sessions: RadiusSessionsRepository,
    @Inject(DISCONNECT_SENDER) private readonly sender: DisconnectSender,
    private readonly cipher: NasSecretCipher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.onSessionsExhausted((sessionIds) => this.disconnect(sessionIds));
  }

  /** Starts disconnecting the sessions and returns at once. */
  disconnect(sessionIds: string[]): void {
    this.pendingSessions += sessionIds.length;
    const work = this.disconnectNow(sessionIds).catch((error: unknown) => {
      radiusMetrics.disconnects.inc({ result: 'error' });
      this.logger.error(`Disconnect-Requests for sessions ${sessionIds.join(', ')} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.pendingSessions -= sessionIds.length;
    });
  }

  /** Resolves once every Disconnect-Request started so far has its outcome recorded. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
  }

  /** Shutdown (the service, or a CLI command such as accounting:run) waits for the outcomes, and says so. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.inFlight.size > 0) {
      const { disconnectTimeoutMs, disconnectRetries } = this.config.radius;
      const longest = this.longestWaitSeconds();
      this.logger.log(
        `Waiting for the NAS answers to ${this.pendingSessions} Disconnect-Request(s) before exiting, so each outcome is recorded on its session ` +
          `(at most ${longest} s: RADIUS_DISCONNECT_TIMEOUT_MS=${disconnectTimeoutMs}, doubled for each of RADIUS_DISCONNECT_RETRIES=${disconnectRetries})`,
      );
    }
    await this.whenIdle();
  }

  async disconnectNow(sessionIds: string[]): Promise<void> {
    const rows = await this.sessions.claimForDisconnect(sessionIds);
    const orphans = rows.filter((row) => row.targetAddress === null || row.secret === null || row.coaPort === null);
    if (orphans.length > 0) {
      await this.sessions.record(orphans.map((row) => row.id), 'no_nas', 0, this.clock.now(), 'session bound to no NAS client');
      radiusMetrics.disconnects.inc({ result: 'no_nas' }, orphans.length);
      this.logger.warn(`No NAS client to send a Disconnect-Request to for session(s) ${orphans.map((row) => row.id).join(', ')}`);
    }
    const queue = rows.filter((row) => !orphans.includes(row));
    const worker = async () => {
      for (let row = queue.shift(); row !== undefined; row = queue.shift()) await this.disconnectOne(row);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  }

  /**
   * An admin's Disconnect-Request for an open session, answered before returning (the caller
   * closes the session on ACK). Recorded on the session like the ones sent when a balance runs out.
   */
  async disconnectOpen(sessionId: string): Promise<OpenSessionDisconnect> {
    const now = this.clock.now();
    const row = await this.sessions.claimOpenForDisconnect(sessionId, now, new Date(now.getTime() - this.longestWaitSeconds() * 1000));
    if (!row) return { result: 'busy' };
    if (row.targetAddress === null || row.secret === null || row.coaPort === null) {
      await this.sessions.record([row.id], 'no_nas', 0, now, 'session bound to no NAS client');
      radiusMetrics.disconnects.inc({ result: 'no_nas' });
      return { result: 'no_nas' };
    }
    this.pendingSessions += 1;
    const work = this.disconnectOne(row);
    const tracked = work.then(() => undefined, () => undefined);
    this.inFlight.add(tracked);
    try {
      return await work;
    } finally {
      this.inFlight.delete(tracked);
      this.pendingSessions -= 1;
    }
  }

  /** The longest a Disconnect-Request waits for its answer: the first wait, doubled for each retransmission. */
  private longestWaitSeconds(): number {
    const { disconnectTimeoutMs, disconnectRetries } = this.config.radius;
    return (disconnectTimeoutMs * (2 ** (disconnectRetries + 1) - 1)) / 1000;
  }

  private async disconnectOne(row: DisconnectRow): Promise<{ result: 'ack' | 'nak' | 'timeout'; error: string | null }> {
    const target: DisconnectTarget = {
      address: row.targetAddress!,
      port: row.coaPort!,
      secret: this.cipher.reveal(row.secret!),
      attributes: disconnectAttributes(row, this.clock.now()),
    };
    const policy = { timeoutMs: this.config.radius.disconnectTimeoutMs, retries: this.config.radius.disconnectRetries };
    const outcome = await this.sender(target, policy);
    const error = outcome.result === 'nak' ? outcome.errorCause : outcome.result === 'timeout' ? `no answer from ${target.address}:${target.port}` : null;
    await this.sessions.record([row.id], outcome.result, outcome.attempts, this.clock.now(), error);
    radiusMetrics.disconnects.inc({ result: outcome.result });
    const line = `Disconnect-Request for session ${row.id} (${row.username}, Acct-Session-Id ${row.acctSessionId}) to ${target.address}:${target.port}: ${outcome.result} after ${outcome.attempts} attempt(s)${error ? ` (${error})` : ''}`;
    if (outcome.result === 'ack') this.logger.log(line);
    else this.logger.warn(line);
    return { result: outcome.result, error };
  }
}
