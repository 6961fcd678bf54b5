import type { EntityManager } from 'typeorm';
import { queryNamed, type NamedStatement } from './data-source-options.js';

/** The lock statements run by every transaction that changes a subscriber: prepared by name (planned once per pooled connection). */
const LOCK_PROFILES: NamedStatement = {
  name: 'lock_profiles',
  text: 'SELECT user_id FROM aaa_profiles WHERE user_id = ANY($1::int[]) ORDER BY user_id FOR NO KEY UPDATE',
};
const LOCK_PROFILES_BY_USERNAME: NamedStatement = {
  name: 'lock_profiles_by_username',
  text: `SELECT p.user_id, u.username, p.open_sessions = 0 AS idle
           FROM aaa_profiles p JOIN users u ON u.id = p.user_id
          WHERE p.user_id = ANY(ARRAY(SELECT u.id FROM users u WHERE u.username = ANY($1::text[])))
          ORDER BY p.user_id FOR NO KEY UPDATE OF p`,
};

/**
 * Locks subscribers' aaa_profiles rows, in user-id order, until the transaction ends; returns the
 * ids that exist. This is the first lock of every transaction that changes a subscriber, and the
 * order is the same everywhere, so two such transactions can wait for each other but never deadlock:
 *
 * 1. the aaa_profiles rows (here), in user-id order;
 * 2. then, only for writers of the account itself, the users row (FOR NO KEY UPDATE);
 * 3. then sessions, ledger rows, tokens.
 *
 * FOR NO KEY UPDATE rather than FOR UPDATE: inserting a session or ledger row takes FOR KEY SHARE
 * on the referenced users row (the foreign-key check), which FOR NO KEY UPDATE does not block.
 * A Start locks the profile (by User-Name) before it inserts its session; an Interim-Update writes its session
 * without one, and locks the profile afterwards, in a transaction of its own, only to let a new or revived session
 * burn the balance. The accounting run's charge step updates profiles by id range without locking them first.
 */
export async function lockSubscriberProfiles(manager: EntityManager, userIds: number[]): Promise<number[]> {
  if (userIds.length === 0) return [];
  const rows = await queryNamed<{ user_id: number }>(manager, LOCK_PROFILES, [userIds]);
  return rows.map((row) => row.user_id);
}

/** A subscriber locked by username: its id, and whether no session burnt its balance when locked (`idle`). */
export interface LockedSubscriber {
  id: number;
  /**
   * Nothing to settle but settled_at: no session burns its balance (see SettlementService.open). A
   * session waiting to burn (its own settlement not done yet) joins when it is: that settlement
   * follows its record, or the next run's first step.
   */
  idle: boolean;
}

/**
 * The same first lock for a group of accounting records applied in one transaction (group commit):
 * the aaa_profiles rows of every subscriber the records name (by User-Name), in user-id order, before
 * any record writes. Records then write sessions, ledger rows and predictions of subscribers already
 * locked, so the whole group keeps the one lock order instead of locking in arrival order.
 * Returns the locked subscribers by username.
 */
export async function lockSubscriberProfilesByUsername(manager: EntityManager, usernames: string[]): Promise<Map<string, LockedSubscriber>> {
  if (usernames.length === 0) return new Map();
  const rows = await queryNamed<{ user_id: number; username: string; idle: boolean }>(manager, LOCK_PROFILES_BY_USERNAME, [[...new Set(usernames)]]);
  return new Map(rows.map((row) => [row.username, { id: row.user_id, idle: row.idle }]));
}
