import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { EVERY_ORGANIZATION, type OrganizationScope } from '../auth/organization-scope.js';
import { DomainError } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import { lockSubscriberProfilesByUsername, type LockedSubscriber } from '../database/subscriber-lock.js';
import { inRetriedTransaction, isTransientConflict, retryTransientConflicts } from '../database/transient-conflict.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  accountingAttributesIgnored, accountingRecords, accountingRejected, accountingSessionTimeClamped, accountingTimestampFallbacks,
} from '../observability/metrics.js';
import { ChargingRepository, subscribersOf } from './charging.repository.js';
import { GroupCommitQueue, type Outcome } from '../database/group-commit.js';
import { AcctStatusType, acctUniqueId, eventTime, legacyAcctUniqueId, parseAccountingRequest, type AccountingRecord } from './radius-attributes.js';
import { RejectedRecordsRepository, type RejectedRecordSource } from './rejected-records.repository.js';
import { SessionsRepository, type RecordSource, type SessionEvent } from './sessions.repository.js';
import { SettlementService } from './settlement.service.js';

export type IngestAction = 'started' | 'updated' | 'created' | 'stopped' | 'duplicate' | 'ignored' | 'nas_reboot' | 'quarantined';

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
  /** The organizations whose subscribers the reporter may account for (its gateway account's, or its NAS client's). */
  scope: OrganizationScope;
}

/** Why a record was kept in accounting_rejected instead of applied. */
type RejectedReason = 'invalid_attributes' | 'apply_failed' | 'other_organization';

/**
 * Accounting groups being applied at once; records arriving meanwhile form the next group, so
 * groups grow with the load. On the 2-core bench machine 2 let groups wait behind each other (each
 * statement of a group waits for the one before it), 8 did not: well under the 20 pooled connections.
 */
const GROUPS_IN_FLIGHT = 8;

/** A record applied, before its commit: what to do once it is committed. */
interface Applied {
  result: IngestResult;
  statusType: AcctStatusType;
  /** The record's Acct-Session-Time was clamped (logged and counted after the commit). */
  clamped?: { record: AccountingRecord; uniqueId: string; statusType: 'Interim-Update' | 'Stop' };
}

/** A record waiting for its group's transaction (RADIUS group commit). */
interface GroupedRecord {
  record: AccountingRecord;
  source: RecordSource;
  scope: OrganizationScope;
}

/**
 * Applies accounting records as RADIUS servers must: retransmits and disorder are normal, so a
 * repeated Start or Stop changes nothing, an Interim-Update or Stop for an unknown session creates
 * it, an Interim-Update never reopens a closed session, and Accounting-On/Off closes the NAS's
 * sessions. A Stop charges the session's final time in the same transaction.
 * The same service backs the HTTP endpoint, rlm_rest and the RADIUS listener; records arriving together commit in groups.
 */
@Injectable()
export class AccountingIngestService {
  private readonly logger = new Logger('Accounting');
  /** Accounting records arriving together, applied in one transaction (see ingest). */
  private readonly groups: GroupCommitQueue<GroupedRecord, IngestResult>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsRepository,
    private readonly charging: ChargingRepository,
    private readonly settlement: SettlementService,
    private readonly rejected: RejectedRecordsRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.groups = new GroupCommitQueue(
      { windowMs: config.radius.groupCommitMs, maxItems: config.radius.groupCommitMaxRecords, maxGroupsInFlight: GROUPS_IN_FLIGHT },
      (group) => this.applyGroup(group),
    );
  }

  /**
   * Parses and applies one record as received (HTTP, rlm_rest and the RADIUS listener alike).
   * Records arriving within RADIUS_GROUP_COMMIT_MS of each other (at most
   * RADIUS_GROUP_COMMIT_MAX_RECORDS) are applied in one transaction, and a record that fails is
   * refused (and kept) alone while the others commit (see applyGroup); a record arriving alone is
   * applied alone. The promise settles only once the record is committed: neither the HTTP answer
   * nor the Accounting-Response is ever sent for a record that is not stored. Accounting-On/Off
   * (which closes sessions in batches of their own) is applied alone.
   * A record refused for its attributes (the DomainError is rethrown: a 400) or whose transaction
   * failed is kept in accounting_rejected first, for replay. A record naming a subscriber of another
   * organization than the reporter's (checked with the others of its group, in one statement) is
   * kept there too (reason `other_organization`), charges nobody and answers `quarantined`: it is
   * recorded, so the NAS does not retransmit it; staff may replay it once they know whose it is.
   */
  async ingest(body: unknown, origin: RecordOrigin): Promise<IngestResult> {
    const receivedAt = this.clock.now();
    const record = await this.parseOrKeep(body, origin, receivedAt);
    const applied = isNasReboot(record) ? this.apply(record, origin.reportedBy, origin.scope) : this.groups.submit({ record, source: origin.reportedBy, scope: origin.scope });
    const result = await this.keptIfFailed(applied, body, origin, receivedAt);
    if (result.action === 'quarantined') {
      await this.keepRejected(body, origin, receivedAt, 'other_organization', `"${record.userName}" is not a subscriber of the reporter's organization`, null);
    }
    return result;
  }

  /**
   * The records (of one group) that name a subscriber outside their reporter's organization, by
   * position: their User-Name's, or that of the session their ids already name (an id sent by the
   * gateway must not reach another organization's session). Accounting-On/Off name no subscriber
   * (their sessions are closed within the scope instead); reporters of every organization see all.
   */
  private async outsideOrganization(manager: EntityManager, group: GroupedRecord[]): Promise<Set<number>> {
    const scoped = group.flatMap((item, index) => (item.scope.organization === null || isNasReboot(item.record) ? [] : [index]));
    if (scoped.length === 0) return new Set();
    const outside = await this.sessions.nameSubscribersOutside(manager, scoped.map((index) => {
      const { record, scope } = group[index]!;
      return { scope, username: record.userName, uniqueIds: [acctUniqueId(record), legacyAcctUniqueId(record)] as [string, string] };
    }));
    return new Set(scoped.filter((_, position) => outside[position]));
  }

  /** The record's attributes parsed; a record refused for them is kept in accounting_rejected and the DomainError rethrown (a 400). */
  private async parseOrKeep(body: unknown, origin: RecordOrigin, receivedAt: Date): Promise<AccountingRecord> {
    let record: AccountingRecord;
    try {
      record = parseAccountingRequest(body);
    } catch (error) {
      if (error instanceof DomainError) await this.keepRejected(body, origin, receivedAt, 'invalid_attributes', error.message, error.fieldErrors ?? null);
      throw error;
    }
    this.noteLenientReads(record);
    return record;
  }

  /** A record whose transaction failed is kept in accounting_rejected, for replay, and the error rethrown. */
  private async keptIfFailed(applied: Promise<IngestResult>, body: unknown, origin: RecordOrigin, receivedAt: Date): Promise<IngestResult> {
    try {
      return await applied;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.keepRejected(body, origin, receivedAt, 'apply_failed', message, null);
      throw error;
    }
  }

  /** A record kept earlier, applied again (accounting:replay): nothing is kept if it fails again. */
  async replay(body: unknown, reportedBy: RecordSource): Promise<IngestResult> {
    const record = parseAccountingRequest(body);
    this.noteLenientReads(record);
    return this.apply(record, reportedBy, EVERY_ORGANIZATION);
  }

  /**
   * Applies one record on its own (HTTP, a replay, Accounting-On/Off): each statement commits on its
   * own (Stop: one transaction), retried on a transient conflict. `source` binds a new session to the
   * NAS client that reported it (see RecordSource).
   */
  private async apply(record: AccountingRecord, source: RecordSource, scope: OrganizationScope): Promise<IngestResult> {
    const now = this.clock.now();
    const outside = await this.outsideOrganization(this.dataSource.manager, [{ record, source, scope }]);
    if (outside.size > 0) return this.counted({ statusType: record.statusType, result: { action: 'quarantined' } });
    return this.counted(await this.applyRecord(record, source, scope, now));
  }

  /**
   * One transaction for a group of records (RADIUS group commit; a group of one is applied as `apply`
   * does, each statement committing on its own). The subscribers the records name are
   * locked first, in user-id order (the one lock order, whatever order the records came in), then the
   * records are applied in order (a session that starts, is first seen or revived settles its
   * subscriber, which predicts its exhaustion again), and the group commits: nothing is answered before. A record that fails makes the group run again with each record in its own
   * savepoint, so that record alone is rolled back and refused while the others commit (the savepoints
   * cost a round trip per record, paid only then). A deadlock runs the whole group again from scratch:
   * nothing of a failed attempt stays, so no record is applied twice.
   */
  private async applyGroup(group: GroupedRecord[]): Promise<Outcome<IngestResult>[]> {
    if (group.length === 1) {
      const [{ record, source, scope }] = group as [GroupedRecord];
      return [await this.apply(record, source, scope).then((value) => ({ ok: true, value }), (error: unknown) => ({ ok: false, error }))];
    }
    const now = this.clock.now();
    let outcomes: Outcome<Applied>[];
    try {
      try {
        outcomes = await this.applyInOneTransaction(group, now, false);
      } catch (error) {
        if (!(error instanceof RecordFailed)) throw error;
        outcomes = await this.applyInOneTransaction(group, now, true);
      }
    } catch (error) {
      return group.map(() => ({ ok: false, error }));
    }
    return outcomes.map((outcome) => (outcome.ok ? { ok: true, value: this.counted(outcome.value) } : outcome));
  }

  private applyInOneTransaction(group: GroupedRecord[], now: Date, savepoints: boolean): Promise<Outcome<Applied>[]> {
    return inRetriedTransaction(this.dataSource, async (manager) => {
      // Records about another organization's subscribers are answered `quarantined` and applied not at all.
      const outside = await this.outsideOrganization(manager, group);
      const locked = await lockSubscriberProfilesByUsername(manager, group.flatMap(({ record }, index) => (outside.has(index) ? [] : [record.userName])));
      const outcomes: Outcome<Applied>[] = [];
      // Subscribers whose sessions started, were first seen or revived: settled together once every record is written.
      const opening: number[] = [];
      let batched: Map<number, Applied> | undefined;
      if (!savepoints) {
        try {
          batched = await this.applyBatched(manager, group, outside, locked, now, opening);
        } catch (error) {
          if (isTransientConflict(error)) throw error;
          throw new RecordFailed(error);
        }
      }
      let savepointOpen = false;
      for (const [index, { record, source, scope }] of group.entries()) {
        if (outside.has(index)) {
          outcomes.push({ ok: true, value: { statusType: record.statusType, result: { action: 'quarantined' } } });
          continue;
        }
        const written = batched?.get(index);
        if (written) {
          outcomes.push({ ok: true, value: written });
          continue;
        }
        if (savepoints) {
          await manager.query(savepointOpen ? 'RELEASE SAVEPOINT record; SAVEPOINT record' : 'SAVEPOINT record');
          savepointOpen = true;
        }
        try {
          const opened: number[] = [];
          outcomes.push({ ok: true, value: await this.applyRecord(record, source, scope, now, { manager, opened }) });
          opening.push(...opened);
        } catch (error) {
          if (isTransientConflict(error)) throw error;
          if (!savepoints) throw new RecordFailed(error);
          await manager.query('ROLLBACK TO SAVEPOINT record');
          outcomes.push({ ok: false, error });
        }
      }
      if (opening.length > 0) await this.open(manager, opening, now);
      return outcomes;
    });
  }

  /**
   * The group's Start and Interim-Update records, written in one statement each (in the group's
   * transaction, its subscribers locked), when no other record of the group names their sessions;
   * the rest are applied in order, one by one, afterwards (records of different sessions commute).
   * Repeated Starts of one session may share the statement (the first opens it; the others answer
   * `duplicate`, as applyRecord does); repeated Interim-Updates may not. The Starts' subscribers
   * (`locked`, by username) are settled before their sessions are written, so that those sessions
   * burn from the start (SettlementService.open; subscribers locked idle are settled by the insert itself). Returns each written
   * record's result by its index in the group; the subscribers of the sessions that opened (or
   * were first seen, or revived) are added to `opening`.
   */
  private async applyBatched(
    manager: EntityManager, group: GroupedRecord[], outside: Set<number>, locked: Map<string, LockedSubscriber>, now: Date, opening: number[],
  ): Promise<Map<number, Applied>> {
    const results = new Map<number, Applied>();
    const events = group.map(({ record, source }) => this.sessionEvent(record, source, now));
    // Quarantined records are not applied: they name no session here.
    const ids = group.flatMap(({ record }, index) => (outside.has(index) ? [] : [[events[index]!.uniqueId, events[index]!.legacyId, record.statusType] as const]));
    const namedBy = (id: string, type: AcctStatusType) => ids.filter(([unique, legacy, statusType]) => (unique === id || legacy === id) && statusType !== type).length;
    const alone = (index: number, type: AcctStatusType) =>
      !outside.has(index) && group[index]!.record.statusType === type
      && namedBy(events[index]!.uniqueId, type) === 0 && namedBy(events[index]!.legacyId, type) === 0;
    const starts = group.flatMap((_, index) => (alone(index, AcctStatusType.Start) ? [index] : []));
    const interims = group.flatMap((_, index) => (alone(index, AcctStatusType.InterimUpdate) ? [index] : []))
      .filter((index, _, all) => all.filter((other) => events[other]!.uniqueId === events[index]!.uniqueId || events[other]!.legacyId === events[index]!.legacyId).length === 1);
    if (starts.length > 1) {
      const subscribers = [...new Map(starts.flatMap((index) => {
        const subscriber = locked.get(group[index]!.record.userName);
        return subscriber ? [[subscriber.id, subscriber] as const] : [];
      })).values()].sort((a, b) => a.id - b.id);
      const created = await this.settlement.open(manager, subscribers, now, () => this.sessions.insertStarts(manager, starts.map((index) => events[index]!), now));
      for (const [position, index] of starts.entries()) {
        const session = created[position];
        if (session && session.userId !== null && !session.burning) opening.push(session.userId);
        const event = events[index]!;
        const acctUniqueId = session ? session.uniqueId : (await this.sessions.findForEvent(event, manager))?.uniqueId ?? event.uniqueId;
        results.set(index, { statusType: AcctStatusType.Start, result: { action: session ? 'started' : 'duplicate', acctUniqueId } });
      }
    }
    if (interims.length > 1) {
      const written = await this.sessions.upsertInterims(manager, interims.map((index) => events[index]!), now);
      for (const [position, index] of interims.entries()) {
        const write = written[position]!;
        if (write.joining) opening.push(write.joining.userId);
        const record = group[index]!.record;
        results.set(index, {
          statusType: AcctStatusType.InterimUpdate,
          result: { action: write.action, acctUniqueId: write.uniqueId },
          clamped: write.clamped ? { record, uniqueId: write.uniqueId, statusType: 'Interim-Update' } : undefined,
        });
      }
    }
    return results;
  }

  /** Counts a committed record in timegate_accounting_records_total, and logs a clamped Acct-Session-Time. */
  private counted(applied: Applied): IngestResult {
    const { clamped, result } = applied;
    if (clamped) this.noteClamped(clamped.record, clamped.uniqueId, clamped.statusType);
    accountingRecords.inc({ status_type: applied.statusType, result: result.action });
    return result;
  }

  /**
   * Writes one record: in the caller's transaction when given `manager` (a group), else each statement
   * on its own, retried on a transient conflict (a Stop in a transaction of its own).
   */
  private async applyRecord(
    record: AccountingRecord, source: RecordSource, scope: OrganizationScope, now: Date, group?: { manager: EntityManager; opened: number[] },
  ): Promise<Applied> {
    const manager = group?.manager;
    const { statusType } = record;
    const at = eventTime(record, now, this.config.accounting.maxEventAgeSeconds);
    if (statusType === AcctStatusType.AccountingOn || statusType === AcctStatusType.AccountingOff) {
      return { statusType, result: { action: 'nas_reboot', sessionsClosed: await this.closeNasSessions(record, source, scope, at, now) } };
    }
    const write = <T>(statement: (on?: EntityManager) => Promise<T>): Promise<T> => (manager ? statement(manager) : retryTransientConflicts(() => statement()));
    const event = this.sessionEvent(record, source, now);
    switch (statusType) {
      case AcctStatusType.Start: {
        const created = await this.start(event, now, group);
        if (created) return { statusType, result: { action: 'started', acctUniqueId: created } };
        const existing = await this.sessions.findForEvent(event, manager);
        return { statusType, result: { action: 'duplicate', acctUniqueId: existing?.uniqueId ?? event.uniqueId } };
      }
      case AcctStatusType.InterimUpdate: {
        const written = await write((on) => this.sessions.upsertInterim(event, on));
        const joining = written.joining;
        if (joining) {
          if (group) group.opened.push(joining.userId);
          else await inRetriedTransaction(this.dataSource, (own) => this.open(own, [joining.userId], now));
        }
        return {
          statusType,
          result: { action: written.action, acctUniqueId: written.uniqueId },
          clamped: written.clamped ? { record, uniqueId: written.uniqueId, statusType: 'Interim-Update' } : undefined,
        };
      }
      case AcctStatusType.Stop: {
        const stopped = manager ? await this.stop(manager, event, now) : await inRetriedTransaction(this.dataSource, (own) => this.stop(own, event, now));
        return {
          statusType,
          result: { action: stopped.action, acctUniqueId: event.uniqueId },
          clamped: stopped.clamped ? { record, uniqueId: event.uniqueId, statusType: 'Stop' } : undefined,
        };
      }
      default: {
        const unreachable: never = statusType;
        throw new Error(`Unhandled Acct-Status-Type ${String(unreachable)}`);
      }
    }
  }

  /** The record as a session event: its unique ids and when it happened. */
  private sessionEvent(record: AccountingRecord, source: RecordSource, now: Date): SessionEvent {
    return {
      uniqueId: acctUniqueId(record), legacyId: legacyAcctUniqueId(record), record,
      at: eventTime(record, now, this.config.accounting.maxEventAgeSeconds), maxSessionSeconds: this.config.accounting.maxSessionSeconds, source,
    };
  }

  /**
   * Start: the subscriber's profile is locked (by User-Name) before the session is inserted, and the
   * new session starts burning its balance in the same transaction. In a group commit the group
   * locked the profiles first and settles every subscriber whose session opened once all its records
   * are written (`group.opened`), in one settlement. Returns its unique id, or undefined for a
   * retransmitted Start.
   */
  private async start(event: SessionEvent, now: Date, group?: { manager: EntityManager; opened: number[] }): Promise<string | undefined> {
    if (group) {
      const created = await this.sessions.insertStart(group.manager, event);
      if (created && created.userId !== null) group.opened.push(created.userId);
      return created?.uniqueId;
    }
    return inRetriedTransaction(this.dataSource, async (manager) => {
      const userId = await this.charging.lockProfileByUsername(manager, event.record.userName);
      const created = await this.sessions.insertStart(manager, event);
      if (created && userId !== null && created.userId === userId) await this.open(manager, [userId], now);
      return created?.uniqueId;
    });
  }

  /** Settles the subscribers: their new (or revived) open sessions start burning their balances, charged up to now first. */
  private async open(manager: EntityManager, userIds: number[], now: Date): Promise<void> {
    const locked = await this.charging.lockProfiles(manager, [...new Set(userIds)]);
    if (locked.length > 0) await this.settlement.settle(manager, locked, { kind: 'opened' }, now);
  }

  /** A Stop in the caller's transaction: locks its subscriber, closes the session and settles its final charge. */
  private async stop(manager: EntityManager, event: SessionEvent, now: Date): Promise<{ action: 'stopped' | 'duplicate'; clamped: boolean }> {
    const existing = await this.sessions.findForEvent(event, manager);
    if (existing) event.uniqueId = existing.uniqueId;
    const userId = existing ? existing.userId : await this.sessions.findUserIdByUsername(event.record.userName, manager);
    if (userId !== null) await this.charging.lockProfiles(manager, [userId]);
    const stopped = await this.sessions.upsertStop(manager, event, userId);
    if (!stopped) return { action: 'duplicate', clamped: false };
    if (userId !== null) await this.settlement.settle(manager, [userId], { kind: 'stopped', sessionIds: [stopped.id] }, now);
    return { action: 'stopped', clamped: stopped.clamped };
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
    body: unknown, origin: RecordOrigin, receivedAt: Date, reason: RejectedReason, message: string, errors: Record<string, string[]> | null,
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
  private async closeNasSessions(record: AccountingRecord, source: RecordSource, scope: OrganizationScope, at: Date, now: Date): Promise<number> {
    const batchSize = this.config.accounting.batchSize;
    let closedTotal = 0;
    for (;;) {
      // Counted after the commit: a retried attempt must not count its sessions twice.
      const batch = await inRetriedTransaction(this.dataSource, async (manager) => {
        const open = await this.charging.findOpenForNas(manager, record.nasIdentifier, record.nasIpAddress, source, scope, batchSize);
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

function isNasReboot(record: AccountingRecord): boolean {
  return record.statusType === AcctStatusType.AccountingOn || record.statusType === AcctStatusType.AccountingOff;
}

/** A record of a group failed in an attempt without savepoints: the group runs again with them. */
class RecordFailed extends Error {
  constructor(failure: unknown) {
    super('an accounting record of the group failed', { cause: failure });
  }
}
