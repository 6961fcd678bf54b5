import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import { inRetriedTransaction } from '../database/transient-conflict.js';
import { AccountingEvents } from './accounting-events.js';
import { LedgerKind } from './balance-ledger.entity.js';
import { BalanceRepository } from './balance.repository.js';
import { ChargingRepository } from './charging.repository.js';
import { LedgerRepository } from './ledger.repository.js';

/** Most seconds a balance may hold: 100 years, far below 2^53 and PostgreSQL's bigint. */
export const BALANCE_MAX_SECONDS = 3_153_600_000;

export interface BalanceChange {
  previous: number;
  balance: number;
}

export interface ChangeContext {
  /** Who made the change (null: the CLI / the system). */
  actorUserId: number | null;
  reason: string;
}

/**
 * Manual balance changes (top-ups and corrections from PUT/PATCH or the CLI), each settled and
 * written to the ledger in one transaction with the subscriber's profile locked: the subscriber is
 * first settled up to now, so the value set is exactly the remaining balance the caller sees. Once
 * its own transaction has committed, a change is announced (AccountingEvents.balancesChanged) so
 * the NAS of open sessions gets the new Session-Timeout; a caller passing its `manager` announces
 * it itself after committing.
 */
@Injectable()
export class BalanceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly charging: ChargingRepository,
    private readonly balances: BalanceRepository,
    private readonly ledger: LedgerRepository,
    @Inject(Clock) private readonly clock: Clock,
    private readonly events: AccountingEvents,
  ) {}

  /** Sets the remaining balance to `seconds`. Pass `manager` to join the caller's transaction. */
  async set(userId: number, seconds: number, context: ChangeContext, manager?: EntityManager): Promise<BalanceChange> {
    return this.change(userId, () => seconds, context, manager);
  }

  /** Adds (or, negative, removes) seconds; the result may not go below 0. */
  async add(userId: number, seconds: number, context: ChangeContext, manager?: EntityManager): Promise<BalanceChange> {
    return this.change(userId, (current) => current + seconds, context, manager);
  }

  private async change(userId: number, next: (current: number) => number, context: ChangeContext, manager?: EntityManager): Promise<BalanceChange> {
    const work = async (m: EntityManager): Promise<BalanceChange> => {
      const now = this.clock.now();
      const locked = await this.charging.lockProfiles(m, [userId]);
      if (locked.length === 0) throw DomainError.notFound();
      await this.charging.settleSubscribers(m, [userId], now);
      const previous = await this.balances.storedBalance(m, userId);
      const balance = next(previous);
      if (!Number.isSafeInteger(balance) || balance < 0 || balance > BALANCE_MAX_SECONDS) {
        throw DomainError.field('balance_seconds', `Ensure the balance stays between 0 and ${BALANCE_MAX_SECONDS} seconds (it is ${previous}).`);
      }
      // Setting the balance it already has is no change: nothing to write or to explain in the ledger.
      if (balance === previous) return { previous, balance };
      await this.balances.setStoredBalance(m, userId, balance, now);
      await this.charging.predictExhaustion(m, [userId]);
      await this.ledger.recordManualChange(m, {
        userId,
        kind: balance > previous ? LedgerKind.TopUp : LedgerKind.Adjustment,
        deltaSeconds: balance - previous,
        balanceAfter: balance,
        actorUserId: context.actorUserId,
        reason: context.reason,
        at: now,
      });
      return { previous, balance };
    };
    if (manager) return work(manager);
    const change = await inRetriedTransaction(this.dataSource, work);
    if (change.balance !== change.previous) await this.events.balancesChanged([userId]);
    return change;
  }

  /**
   * The ledger's account of the opening balance of subscribers created with it, in the caller's
   * transaction (the vouchers of a batch). Created in that transaction, they have no session to
   * settle and nobody else can see them yet: no lock to take.
   */
  async recordOpeningBalances(manager: EntityManager, userIds: number[], seconds: number, context: ChangeContext): Promise<void> {
    await this.ledger.recordOpeningBalances(manager, userIds, seconds, context.actorUserId, context.reason, this.clock.now());
  }

  /** `set` or `add` for the subscriber with this username (the CLI's way in). */
  async changeByUsername(username: string, mode: 'set' | 'add', seconds: number, context: ChangeContext): Promise<BalanceChange & { userId: number }> {
    const userId = await this.balances.findUserIdByUsername(username);
    if (userId === undefined) throw DomainError.field('username', `No user named "${username}".`);
    const change = mode === 'set' ? await this.set(userId, seconds, context) : await this.add(userId, seconds, context);
    return { ...change, userId };
  }

  /** The exact remaining balance now (stored balance − uncharged time of open sessions). */
  async remaining(userId: number): Promise<number> {
    const remaining = await this.balances.remaining(userId, this.clock.now());
    if (remaining === undefined) throw DomainError.notFound();
    return remaining;
  }
}
