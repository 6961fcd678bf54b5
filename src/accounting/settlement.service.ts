import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChargingRepository, type ChargeResult } from './charging.repository.js';
import type { LockedSubscriber } from '../database/subscriber-lock.js';

/**
 * Which sessions' own event a settlement applies, after settling their subscribers up to now:
 * - `exhausted`: the live sessions of subscribers left with 0 are closed as Session-Timeout at now
 *   (the exhaustion step of the run, and the exhaustion timer);
 * - `stale`: these sessions, if still silent since `staleBefore`, as Lost-Service at their last update;
 * - `nas-reboot`: these sessions as NAS-Reboot at `at` (Accounting-On/Off);
 * - `stopped`: these sessions, already closed by their Stop record;
 * - `admin-reset`: these sessions, if still open, as Admin-Reset at `at` (an admin disconnected them).
 * - `opened`: a session of the subscribers opened (a Start, an Interim-Update for a session never
 *   seen, or for one a settlement had taken out as stale): settling them lets it burn, charged up to
 *   now first (every settlement does this for every live open session that does not burn yet).
 */
export type SessionChange =
  | { kind: 'exhausted' }
  | { kind: 'stale'; sessionIds: string[]; staleBefore: Date }
  | { kind: 'nas-reboot'; sessionIds: string[]; at: Date }
  | { kind: 'stopped'; sessionIds: string[] }
  | { kind: 'admin-reset'; sessionIds: string[]; at: Date }
  | { kind: 'opened' };

export interface Settlement {
  /** Sessions closed by this settlement (their final charge is in the ledger). */
  closedIds: string[];
  charged: ChargeResult;
}

/**
 * The one settlement step: given subscribers whose aaa_profiles rows the caller's transaction has
 * locked (ChargingRepository.lockProfiles or a lock* batch query), settles them up to now (every
 * burning session charged to the same instant, new live sessions start burning), applies the
 * sessions' own event (closes them), brings each closed session to its target (target − charged, so never twice;
 * refunds included), writes one ledger row per closed session and predicts each subscriber's
 * exhaustion again. The run's exhaustion step, the exhaustion timer, Start, Interim-Update, Stop
 * records, Accounting-On/Off and admin disconnects all settle through here.
 */
@Injectable()
export class SettlementService {
  constructor(private readonly charging: ChargingRepository) {}

  async settle(manager: EntityManager, userIds: number[], change: SessionChange, now: Date): Promise<Settlement> {
    const settled = await this.charging.settleSubscribers(manager, userIds, now);
    const closedIds = await this.close(manager, userIds, change, now);
    const final = await this.charging.chargeSessions(manager, userIds, closedIds, now);
    await this.charging.recordSessionCharges(manager, closedIds, now);
    await this.charging.predictExhaustion(manager, userIds);
    return { closedIds, charged: { sessions: settled.sessions + final.sessions, seconds: settled.seconds + final.seconds } };
  }

  /**
   * Sessions opening now, written by `write` between the two halves of a settlement: the (locked)
   * subscribers are settled up to now first, so that a session written burning (charged up to
   * settled_at) starts from the same instant as its subscriber's others; `write` predicts the
   * exhaustion of the subscribers whose sessions it opens burning (SessionsRepository.insertStarts
   * does, in its own statement). Every subscriber's exhaustion is predicted again only when settling
   * moved more than settled_at and the balance together (which leaves a prediction where it was).
   * What `write` opens without letting it burn is settled afterwards like any other (kind `opened`).
   * An `idle` subscriber (none of its sessions burns: open_sessions 0 when locked) has nothing to
   * settle but its settled_at, which `write` moves to now with the sessions it opens burning
   * (insertStarts settles every subscriber whose open_sessions is 0 that way); it costs no statement
   * here. A session of its waiting to burn joins at its own settlement (see LockedSubscriber).
   */
  async open<T>(manager: EntityManager, subscribers: LockedSubscriber[], now: Date, write: () => Promise<T>): Promise<T> {
    const busy = subscribers.filter((subscriber) => !subscriber.idle).map((subscriber) => subscriber.id);
    const settled = await this.charging.settleSubscribers(manager, busy, now);
    const written = await write();
    if (settled.predictionMoved) await this.charging.predictExhaustion(manager, busy);
    return written;
  }

  private async close(manager: EntityManager, userIds: number[], change: SessionChange, now: Date): Promise<string[]> {
    switch (change.kind) {
      case 'exhausted':
        return ids(await this.charging.closeExhausted(manager, userIds, now));
      case 'stale':
        return ids(await this.charging.closeStale(manager, change.sessionIds, change.staleBefore));
      case 'nas-reboot':
        return ids(await this.charging.closeAt(manager, change.sessionIds, change.at, 'NAS-Reboot'));
      case 'stopped':
        return change.sessionIds;
      case 'admin-reset':
        return ids(await this.charging.closeAt(manager, change.sessionIds, change.at, 'Admin-Reset'));
      case 'opened':
        return [];
      default: {
        const unreachable: never = change;
        throw new Error(`Unhandled session change ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

function ids(sessions: { id: string }[]): string[] {
  return sessions.map((session) => session.id);
}
