import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { RetryLaterError } from '../common/errors/domain-error.js';
import { transactionRetries, transactionsGivenUp } from '../observability/metrics.js';

/**
 * SQLSTATEs after which running the whole transaction again is correct and likely to succeed:
 * deadlock_detected and serialization_failure (PostgreSQL rolled the transaction back), and
 * foreign_key_violation, which here only happens when a subscriber is deleted while one of its
 * records is being written (the next attempt no longer finds the subscriber).
 */
const CONFLICTS = new Set(['40P01', '40001']);
const PARENT_GONE = '23503';

/** Attempts in all (the first included) before a conflict is given up. */
export const TRANSACTION_ATTEMPTS = 6;

/** The PostgreSQL SQLSTATE of a driver or TypeORM error, if any. */
export function sqlStateOf(error: unknown): string | undefined {
  const candidate = error as { driverError?: { code?: unknown }; code?: unknown } | null;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isTransientConflict(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && (CONFLICTS.has(state) || state === PARENT_GONE);
}

/** Jittered, growing pause between attempts (a few ms to ~100 ms), so the transactions that collided do not collide again. */
function backoffMs(attempt: number): number {
  return Math.round((5 + Math.random() * 15) * 2 ** Math.min(attempt - 1, 3));
}

/**
 * Runs `attempt` (one whole transaction, or one autocommit statement) and runs it again on a
 * transient conflict, up to TRANSACTION_ATTEMPTS times. `attempt` must start from scratch each
 * time (read, lock, write in its own transaction): a failed attempt left nothing behind. A
 * deadlock or serialization failure that outlasts every attempt becomes a RetryLaterError
 * (503 with Retry-After), never a 500.
 */
export async function retryTransientConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientConflict(error)) throw error;
      const state = sqlStateOf(error)!;
      if (n >= TRANSACTION_ATTEMPTS) {
        if (state === PARENT_GONE) throw error;
        transactionsGivenUp.inc();
        throw new RetryLaterError('The database is busy with concurrent changes to this account; try again.', 1);
      }
      transactionRetries.inc({ sqlstate: state });
      await sleep(backoffMs(n));
    }
  }
}

/**
 * One transaction, run again whole on a transient conflict. Every transaction that touches a
 * subscriber's balance, sessions or account goes through here, and locks in the one order
 * described at lockSubscriberProfiles.
 */
export function inRetriedTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return retryTransientConflicts(() => dataSource.transaction(work));
}
