import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/time/clock.js';
import { accountingRecords } from '../observability/metrics.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ChargingRepository } from './charging.repository.js';
import { AcctStatusType, acctUniqueId, eventTime, parseAccountingRequest, type AccountingRecord } from './radius-attributes.js';
import { SessionsRepository, type SessionEvent } from './sessions.repository.js';

export type IngestAction = 'started' | 'updated' | 'created' | 'stopped' | 'duplicate' | 'ignored' | 'nas_reboot';

export interface IngestResult {
  action: IngestAction;
  /** The session's Acct-Unique-Session-Id (absent for Accounting-On/Off). */
  acctUniqueId?: string;
  /** Accounting-On/Off: how many open sessions of the NAS were closed. */
  sessionsClosed?: number;
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
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsRepository,
    private readonly charging: ChargingRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async ingest(body: unknown): Promise<IngestResult> {
    return this.apply(parseAccountingRequest(body));
  }

  /** Applies one record (HTTP or RADIUS) and counts it in timegate_accounting_records_total. */
  async apply(record: AccountingRecord): Promise<IngestResult> {
    const result = await this.applyRecord(record);
    accountingRecords.inc({ status_type: record.statusType, result: result.action });
    return result;
  }

  private async applyRecord(record: AccountingRecord): Promise<IngestResult> {
    const now = this.clock.now();
    const at = eventTime(record, now, this.config.accounting.maxEventAgeSeconds);
    if (record.statusType === AcctStatusType.AccountingOn || record.statusType === AcctStatusType.AccountingOff) {
      return { action: 'nas_reboot', sessionsClosed: await this.closeNasSessions(record, at, now) };
    }
    const event: SessionEvent = { uniqueId: acctUniqueId(record), record, at };
    switch (record.statusType) {
      case AcctStatusType.Start: {
        const created = await this.sessions.insertStart(event);
        return { action: created ? 'started' : 'duplicate', acctUniqueId: event.uniqueId };
      }
      case AcctStatusType.InterimUpdate: {
        return { action: await this.sessions.upsertInterim(event), acctUniqueId: event.uniqueId };
      }
      case AcctStatusType.Stop:
        return { action: await this.stop(event, now), acctUniqueId: event.uniqueId };
      default: {
        const unreachable: never = record.statusType;
        throw new Error(`Unhandled Acct-Status-Type ${String(unreachable)}`);
      }
    }
  }

  private async stop(event: SessionEvent, now: Date): Promise<IngestAction> {
    return this.dataSource.transaction(async (manager) => {
      const existing = await this.sessions.findByUniqueId(event.uniqueId, manager);
      const userId = existing ? existing.userId : await this.sessions.findUserIdByUsername(event.record.userName, manager);
      if (userId !== null) await this.charging.lockProfiles(manager, [userId]);
      const stopped = await this.sessions.upsertStop(manager, event, userId);
      if (!stopped) return 'duplicate';
      if (userId !== null) {
        await this.charging.charge(manager, [userId], { sessionIds: [stopped.id] }, now);
        await this.charging.recordSessionCharges(manager, [stopped.id], now);
      }
      return 'stopped';
    });
  }

  /** Accounting-On/Off: the NAS restarted, so none of its sessions survive; close them at the event time. */
  private async closeNasSessions(record: AccountingRecord, at: Date, now: Date): Promise<number> {
    const batchSize = this.config.accounting.batchSize;
    let closedTotal = 0;
    for (;;) {
      const found = await this.dataSource.transaction(async (manager) => {
        const open = await this.charging.findOpenForNas(manager, record.nasIdentifier, record.nasIpAddress, batchSize);
        if (open.length === 0) return 0;
        const userIds = [...new Set(open.flatMap((session) => (session.userId === null ? [] : [session.userId])))];
        await this.charging.lockProfiles(manager, userIds);
        const closed = await this.charging.closeForNasReboot(manager, open.map((session) => session.id), at);
        const closedIds = closed.map((session) => session.id);
        await this.charging.charge(manager, userIds, { sessionIds: closedIds }, now);
        await this.charging.recordSessionCharges(manager, closedIds, now);
        closedTotal += closed.length;
        return open.length;
      });
      if (found < batchSize) return closedTotal;
    }
  }
}
