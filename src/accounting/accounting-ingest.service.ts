import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import { inRetriedTransaction, retryTransientConflicts } from '../database/transient-conflict.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  accountingAttributesIgnored, accountingRecords, accountingRejected, accountingSessionTimeClamped, accountingTimestampFallbacks,
} from '../observability/metrics.js';
import { ChargingRepository, subscribersOf } from './charging.repository.js';
import { AcctStatusType, acctUniqueId, eventTime, legacyAcctUniqueId, parseAccountingRequest, type AccountingRecord } from './radius-attributes.js';
import { RejectedRecordsRepository, type RejectedRecordSource } from './rejected-records.repository.js';
import { SessionsRepository, type RecordSource, type SessionEvent } from './sessions.repository.js';
import { SettlementService } from './settlement.service.js';

export type IngestAction = 'started' | 'updated' | 'created' | 'stopped' | 'duplicate' | 'ignored' | 'nas_reboot';

export interface IngestResult {
  action: IngestAction;
  /** The session's Acct-Unique-Session-Id (absent for Accounting-On/Off). */
  acctUniqueId?: string;
  /** Accounting-On/Off: how many open sessions of the NAS were closed. */
  sessionsClosed?: number;
}

/** Where a record came from: kept with it if it is refused. */
export interface RecordOrigin {
  source: RejectedRecordSource;
  /** The caller's username (HTTP), or the NAS client's name and address (RADIUS). */
  detail: string;
  /** Who reported it, binding a new session to a NAS client (kept with a refused record for its replay). */
  reportedBy: RecordSource;
}

/**
 * Applies accounting records as RADIUS servers must: retransmits and disorder are normal, so a
 * repeated Start or Stop changes nothing, an Interim-Update or Stop for an unknown session creates
 * it, an Interim-Update never reopens a closed session, and Accounting-On/Off closes the NAS's
 * sessions. A Stop charges the session's final time in the same transaction.
 * The same service backs the HTTP endpoint and (later) the RADIUS listener.
 */
@Injectable()
export class AccountingIngestService {
  private readonly logger = new Logger('Accounting');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsRepository,
    private readonly charging: ChargingRepository,
    private readonly settlement: SettlementService,
    private readonly rejected: RejectedRecordsRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Parses and applies one record as received. A record refused for its attributes (the DomainError
   * is rethrown: a 400) or whose transaction failed is kept in accounting_rejected first, for replay.
   */
  async ingest(body: unknown, origin: RecordOrigin): Promise<IngestResult> {
    const receivedAt = this.clock.now();
    let record: AccountingRecord;
    try {
      record = parseAccountingRequest(body);
    } catch (error) {
      if (error instanceof DomainError) await this.keepRejected(body, origin, receivedAt, 'invalid_attributes', error.message, error.fieldErrors ?? null);
      throw error;
    }
    try {
      return await this.apply(record, origin.reportedBy);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.keepRejected(body, origin, receivedAt, 'apply_failed', message, null);
      throw error;
    }
  }

  /** A record kept earlier, applied again (accounting:replay): nothing is kept if it fails again. */
  async replay(body: unknown, reportedBy: RecordSource): Promise<IngestResult> {
    return this.apply(parseAccountingRequest(body), reportedBy);
  }

  /**
   * Applies one record (HTTP or RADIUS) and counts it in timegate_accounting_records_total. `source`
   * binds a new session to the NAS client that reported it (see RecordSource).
   */
  async apply(record: AccountingRecord, source: RecordSource): Promise<IngestResult> {
    const result = await this.applyRecord(record, source);
    accountingRecords.inc({ status_type: record.statusType, result: result.action });
    return result;
  }

  private async applyRecord(record: AccountingRecord, source: RecordSource): Promise<IngestResult> {
    const now = this.clock.now();
    this.noteLenientReads(record);
    const at = eventTime(record, now, this.config.accounting.maxEventAgeSeconds);
    if (record.statusType === AcctStatusType.AccountingOn || record.statusType === AcctStatusType.AccountingOff) {
      return { action: 'nas_reboot', sessionsClosed: await this.closeNasSessions(record, source, at, now) };
    }
    const event: SessionEvent = {
      uniqueId: acctUniqueId(record), legacyId: legacyAcctUniqueId(record), record, at, maxSessionSeconds: this.config.accounting.maxSessionSeconds, source,
    };
    switch (record.statusType) {
      case AcctStatusType.Start: {
        const created = await this.start(event, now);
        if (created) return { action: 'started', acctUniqueId: created };
        const existing = await this.sessions.findForEvent(event);
        return { action: 'duplicate', acctUniqueId: existing?.uniqueId ?? event.uniqueId };
      }
      case AcctStatusType.InterimUpdate: {
        const written = await retryTransientConflicts(() => this.sessions.upsertInterim(event));
        if (written.clamped) this.noteClamped(record, written.uniqueId, 'Interim-Update');
        const joining = written.joining;
        if (joining) await inRetriedTransaction(this.dataSource, (manager) => this.open(manager, joining.userId, now));
        return { action: written.action, acctUniqueId: written.uniqueId };
      }
      case AcctStatusType.Stop:
        return { action: await this.stop(event, now), acctUniqueId: event.uniqueId };
      default: {
        const unreachable: never = record.statusType;
        throw new Error(`Unhandled Acct-Status-Type ${String(unreachable)}`);
      }
    }
  }

  /**
   * Start: the subscriber's profile is locked (by User-Name) before the session is inserted, and the
   * new session starts burning its balance in the same transaction. Returns its unique id, or
   * undefined for a retransmitted Start.
   */
  private async start(event: SessionEvent, now: Date): Promise<string | undefined> {
    return inRetriedTransaction(this.dataSource, async (manager) => {
      const userId = await this.charging.lockProfileByUsername(manager, event.record.userName);
      const created = await this.sessions.insertStart(manager, event);
      if (created && userId !== null && created.userId === userId) await this.open(manager, userId, now);
      return created?.uniqueId;
    });
  }

  /** Settles the subscriber: its new (or revived) open session starts burning its balance, charged up to now first. */
  private async open(manager: EntityManager, userId: number, now: Date): Promise<void> {
    const locked = await this.charging.lockProfiles(manager, [userId]);
    if (locked.length > 0) await this.settlement.settle(manager, locked, { kind: 'opened' }, now);
  }

  private async stop(event: SessionEvent, now: Date): Promise<IngestAction> {
    return inRetriedTransaction(this.dataSource, async (manager) => {
      const existing = await this.sessions.findForEvent(event, manager);
      if (existing) event.uniqueId = existing.uniqueId;
      const userId = existing ? existing.userId : await this.sessions.findUserIdByUsername(event.record.userName, manager);
      if (userId !== null) await this.charging.lockProfiles(manager, [userId]);
      const stopped = await this.sessions.upsertStop(manager, event, userId);
      if (!stopped) return 'duplicate';
      if (stopped.clamped) this.noteClamped(event.record, event.uniqueId, 'Stop');
      if (userId !== null) await this.settlement.settle(manager, [userId], { kind: 'stopped', sessionIds: [stopped.id] }, now);
      return 'stopped';
    });
  }

  /** Informational attributes that were ignored, and an Event-Timestamp that named no single instant: logged and counted. */
  private noteLenientReads(record: AccountingRecord): void {
    for (const attribute of record.ignoredAttributes) accountingAttributesIgnored.inc({ attribute });
    if (record.ignoredAttributes.length > 0) {
      this.logger.warn(`Accounting record for session "${record.acctSessionId}" of "${record.userName}": ignored unreadable ${record.ignoredAttributes.join(', ')}`);
    }
    if (record.eventTimestampUnreadable !== null) {
      accountingTimestampFallbacks.inc();
      this.logger.warn(
        `Accounting record for session "${record.acctSessionId}" of "${record.userName}": Event-Timestamp "${record.eventTimestampUnreadable}"; ` +
          'using arrival time minus Acct-Delay-Time',
      );
    }
  }

  private noteClamped(record: AccountingRecord, uniqueId: string, statusType: string): void {
    accountingSessionTimeClamped.inc();
    this.logger.warn(
      `${statusType} for session ${uniqueId} ("${record.acctSessionId}" of "${record.userName}"): Acct-Session-Time ${record.sessionTime} ` +
        'is longer than the session can have lasted; clamped',
    );
  }

  /** Keeps a refused record for replay. A failure to keep it is logged and counted, never changes the answer. */
  private async keepRejected(
    body: unknown, origin: RecordOrigin, receivedAt: Date, reason: 'invalid_attributes' | 'apply_failed', message: string, errors: Record<string, string[]> | null,
  ): Promise<void> {
    try {
      await this.rejected.insert({ receivedAt, source: origin.source, sourceDetail: origin.detail, reportedBy: origin.reportedBy, body, reason: `${reason}: ${message}`, errors });
      accountingRejected.inc({ source: origin.source, reason, stored: 'true' });
    } catch (error) {
      accountingRejected.inc({ source: origin.source, reason, stored: 'false' });
      this.logger.error(`Refused accounting record from ${origin.source} ${origin.detail} could not be kept: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Accounting-On/Off: the NAS restarted, so none of its sessions survive; close them at the event time.
   * Only sessions bound to the same NAS client as the record (`source`) are closed.
   */
  private async closeNasSessions(record: AccountingRecord, source: RecordSource, at: Date, now: Date): Promise<number> {
    const batchSize = this.config.accounting.batchSize;
    let closedTotal = 0;
    for (;;) {
      // Counted after the commit: a retried attempt must not count its sessions twice.
      const batch = await inRetriedTransaction(this.dataSource, async (manager) => {
        const open = await this.charging.findOpenForNas(manager, record.nasIdentifier, record.nasIpAddress, source, batchSize);
        if (open.length === 0) return { found: 0, closed: 0 };
        const userIds = await this.charging.lockProfiles(manager, subscribersOf(open));
        const settled = await this.settlement.settle(manager, userIds, { kind: 'nas-reboot', sessionIds: open.map((session) => session.id), at }, now);
        return { found: open.length, closed: settled.closedIds.length };
      });
      closedTotal += batch.closed;
      if (batch.found < batchSize) return closedTotal;
    }
  }
}
