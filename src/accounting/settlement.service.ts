import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ChargingRepository, type ChargeResult } from './charging.repository.js';

/**
 * Which sessions a settlement closes, and how:
 * - `exhausted`: every open session is charged up to now, then the live sessions of subscribers
 *   left with 0 are closed as Session-Timeout at now (the accounting run and the exhaustion timer);
 * - `stale`: these sessions, if still silent since `staleBefore`, as Lost-Service at their last update;
 * - `nas-reboot`: these sessions as NAS-Reboot at `at` (Accounting-On/Off);
 * - `stopped`: these sessions, already closed by their Stop record;
 * - `admin-reset`: these sessions, if still open, as Admin-Reset at `at` (an admin disconnected them).
 */
export type Closing =
  | { kind: 'exhausted' }
  | { kind: 'stale'; sessionIds: string[]; staleBefore: Date }
  | { kind: 'nas-reboot'; sessionIds: string[]; at: Date }
  | { kind: 'stopped'; sessionIds: string[] }
  | { kind: 'admin-reset'; sessionIds: string[]; at: Date };

export interface Settlement {
  /** Sessions closed by this settlement (their final charge is in the ledger). */
  closedIds: string[];
  charged: ChargeResult;
}

/**
 * The one settlement step: given subscribers whose aaa_profiles rows the caller's transaction has
 * locked (ChargingRepository.lockProfiles or a lock* batch query), closes the chosen sessions,
 * charges them (target − charged, so never twice), writes one ledger row per closed session and
 * predicts each subscriber's exhaustion again. The accounting run, the exhaustion timer, Stop
 * records, Accounting-On/Off and admin disconnects all settle through here.
 */
@Injectable()
export class SettlementService {
  constructor(private readonly charging: ChargingRepository) {}

  async settle(manager: EntityManager, userIds: number[], closing: Closing, now: Date): Promise<Settlement> {
    const running = closing.kind === 'exhausted' ? await this.charging.charge(manager, userIds, { openOnly: true }, now) : { sessions: 0, seconds: 0 };
    const closedIds = await this.close(manager, userIds, closing, now);
    const final = await this.charging.charge(manager, userIds, { sessionIds: closedIds }, now);
    await this.charging.recordSessionCharges(manager, closedIds, now);
    await this.charging.predictExhaustion(manager, userIds, now);
    return { closedIds, charged: { sessions: running.sessions + final.sessions, seconds: running.seconds + final.seconds } };
  }

  private async close(manager: EntityManager, userIds: number[], closing: Closing, now: Date): Promise<string[]> {
    switch (closing.kind) {
      case 'exhausted':
        return ids(await this.charging.closeExhausted(manager, userIds, now));
      case 'stale':
        return ids(await this.charging.closeStale(manager, closing.sessionIds, closing.staleBefore));
      case 'nas-reboot':
        return ids(await this.charging.closeForNasReboot(manager, closing.sessionIds, closing.at));
      case 'stopped':
        return closing.sessionIds;
      case 'admin-reset':
        return ids(await this.charging.closeForAdminReset(manager, closing.sessionIds, closing.at));
      default: {
        const unreachable: never = closing;
        throw new Error(`Unhandled closing ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

function ids(sessions: { id: string }[]): string[] {
  return sessions.map((session) => session.id);
}
