import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { tokenExpiredSql } from '../auth-tokens/token-use-sql.js';
import { scopeParameter, subscriberInScopeSql, type OrganizationScope } from '../auth/organization-scope.js';
import { queryReturning } from '../database/raw-query.js';
import { boundNasClientSql, recordSourceParams, type RecordSource } from './sessions.repository.js';
import { lockSubscriberProfiles } from '../database/subscriber-lock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { liveSessionSql, remainingBalanceSql, sessionTargetSql, staleBeforeAt } from './balance-sql.js';

export interface ChargeResult {
  /** Sessions whose charge moved. */
  sessions: number;
  /** Net seconds moved (refunds negative), overage included. */
  seconds: number;
}

/** Which sessions of the locked subscribers to bring to their target. */
export type ChargeScope = { openOnly: true } | { sessionIds: string[] };

export interface ClosedSession {
  id: string;
  userId: number | null;
}

/** The distinct subscribers of these sessions (a session may belong to none). */
export function subscribersOf(sessions: ClosedSession[]): number[] {
  return [...new Set(sessions.flatMap((session) => (session.userId === null ? [] : [session.userId])))];
}

/**
 * The only code that moves seconds between sessions and balances. Every method runs inside the
 * caller's transaction, and charging methods require the subscribers' aaa_profiles rows to be
 * locked first (lockProfiles): that lock serialises every writer of a balance and of its sessions'
 * charges, so each statement reads current values and `target − charged` is applied exactly once.
 */
@Injectable()
export class ChargingRepository {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Locks profiles in user-id order: the first lock of the one lock order (see lockSubscriberProfiles). */
  lockProfiles(manager: EntityManager, userIds: number[]): Promise<number[]> {
    return lockSubscriberProfiles(manager, userIds);
  }

  /**
   * Next batch of subscribers with open sessions after `afterUserId`, locked, in order. Returns the
   * locked user ids (empty when done). Keyset pagination on the partial index of open sessions; the
   * ids go in as an array so the profiles are fetched by primary key (an `IN (subquery)` here was
   * planned as a hash join over a sequential scan of every profile, per batch: quadratic in a run).
   */
  async lockNextUsersWithOpenSessions(manager: EntityManager, afterUserId: number, limit: number): Promise<number[]> {
    const rows: { user_id: number }[] = await manager.query(
      `SELECT p.user_id FROM aaa_profiles p
        WHERE p.user_id = ANY(ARRAY(SELECT DISTINCT s.user_id FROM accounting_sessions s
                                     WHERE s.status = 'open' AND s.user_id > $1
                                     ORDER BY s.user_id LIMIT $2))
        ORDER BY p.user_id FOR NO KEY UPDATE OF p`,
      [afterUserId, limit],
    );
    return rows.map((row) => row.user_id);
  }

  /**
   * Brings the chosen sessions of the (locked) subscribers to their target charge in one statement.
   * Per subscriber: refunds (target below charged) first cancel that session's overage, the rest
   * returns to the balance; then positive deltas are paid in session order from what is available;
   * whatever cannot be paid is recorded as overage, so balance_seconds never goes below 0.
   */
  async charge(manager: EntityManager, userIds: number[], scope: ChargeScope, now: Date): Promise<ChargeResult> {
    if (userIds.length === 0) return { sessions: 0, seconds: 0 };
    // The range bounds let PostgreSQL range-scan the open-sessions index (a long `= ANY` list alone is
    // planned as a scan of the whole table); `= ANY` keeps it to exactly the locked subscribers.
    const filter = 'openOnly' in scope ? `s.status = 'open' AND s.user_id BETWEEN $4 AND $5` : 's.id = ANY($4::bigint[])';
    const params: unknown[] = [userIds, now, staleBeforeAt(now, this.config.accounting.staleAfterSeconds)];
    if ('openOnly' in scope) params.push(Math.min(...userIds), Math.max(...userIds));
    if (!('openOnly' in scope)) {
      if (scope.sessionIds.length === 0) return { sessions: 0, seconds: 0 };
      params.push(scope.sessionIds);
    }
    const rows: { sessions: string; seconds: string }[] = await manager.query(
      `WITH sess AS (
         SELECT s.id, s.user_id, s.charged_seconds, s.overage_seconds, ${sessionTargetSql('s', '$2::timestamptz', '$3::timestamptz')} AS target
           FROM accounting_sessions s
          WHERE s.user_id = ANY($1::int[]) AND ${filter}
       ),
       split AS (
         SELECT id, user_id, target, target - charged_seconds AS delta, overage_seconds,
                LEAST(overage_seconds, GREATEST(charged_seconds - target, 0)) AS cancel,
                GREATEST(charged_seconds - target, 0) - LEAST(overage_seconds, GREATEST(charged_seconds - target, 0)) AS credit,
                GREATEST(target - charged_seconds, 0) AS need
           FROM sess
          WHERE target <> charged_seconds
       ),
       avail AS (
         SELECT p.user_id, p.balance_seconds + c.credit AS available
           FROM aaa_profiles p
           JOIN (SELECT user_id, SUM(credit) AS credit FROM split GROUP BY user_id) c ON c.user_id = p.user_id
       ),
       alloc AS (
         SELECT sp.id, sp.user_id, sp.target, sp.delta, sp.overage_seconds, sp.cancel, sp.need, a.available,
                LEAST(sp.need, GREATEST(a.available - (SUM(sp.need) OVER (PARTITION BY sp.user_id ORDER BY sp.id) - sp.need), 0)) AS paid
           FROM split sp JOIN avail a ON a.user_id = sp.user_id
       ),
       updated_sessions AS (
         UPDATE accounting_sessions s
            SET charged_seconds = al.target,
                overage_seconds = al.overage_seconds - al.cancel + (al.need - al.paid)
           FROM alloc al
          WHERE s.id = al.id
         RETURNING s.id
       ),
       updated_profiles AS (
         UPDATE aaa_profiles p
            SET balance_seconds = t.available - t.paid
           FROM (SELECT user_id, MAX(available) AS available, SUM(paid) AS paid FROM alloc GROUP BY user_id) t
          WHERE p.user_id = t.user_id
         RETURNING p.user_id
       )
       SELECT (SELECT count(*) FROM updated_sessions) AS sessions,
              (SELECT COALESCE(SUM(delta), 0) FROM alloc) + 0 * (SELECT count(*) FROM updated_profiles) AS seconds`,
      params,
    );
    return { sessions: Number(rows[0]?.sessions ?? 0), seconds: Number(rows[0]?.seconds ?? 0) };
  }

  /**
   * Closes the open, non-stale sessions of the (locked, already charged) subscribers whose balance is 0:
   * terminate_cause Session-Timeout at `now`.
   */
  async closeExhausted(manager: EntityManager, userIds: number[], now: Date): Promise<ClosedSession[]> {
    if (userIds.length === 0) return [];
    const staleBefore = staleBeforeAt(now, this.config.accounting.staleAfterSeconds);
    return queryReturning<ClosedSession>(
      manager,
      `UPDATE accounting_sessions s
          SET status = 'closed', stopped_at = $2, last_update_at = GREATEST(s.last_update_at, $2),
              session_time = GREATEST(0, floor(extract(epoch FROM ($2::timestamptz - s.started_at))))::bigint,
              terminate_cause = 'Session-Timeout'
        WHERE s.status = 'open' AND s.last_update_at >= $3
          AND s.user_id = ANY(ARRAY(SELECT p.user_id FROM aaa_profiles p
                                     WHERE p.user_id BETWEEN $4 AND $5 AND p.user_id = ANY($1::int[])
                                       AND p.balance_seconds = 0))
       RETURNING s.id::text AS id, s.user_id AS "userId"`,
      [userIds, now, staleBefore, Math.min(...userIds), Math.max(...userIds)],
    );
  }

  /**
   * Records when each (locked) subscriber's balance is predicted to reach 0: `now + remaining / live
   * − 1 s` (never before now), null without live sessions. Every live session's charge grows by one
   * second per second (in whole-second steps), so the balance cannot reach 0 before that instant;
   * the exhaustion timer settles the subscriber then, and predicts again if time is left (a session
   * gone stale, the step of a whole second). Only rows whose prediction changed are written.
   */
  async predictExhaustion(manager: EntityManager, userIds: number[], now: Date): Promise<void> {
    if (userIds.length === 0) return;
    const staleBefore = staleBeforeAt(now, this.config.accounting.staleAfterSeconds);
    await manager.query(
      `WITH figures AS (
         SELECT p.user_id, ${remainingBalanceSql('p', '$2::timestamptz', '$3::timestamptz')} AS remaining,
                (SELECT count(*) FROM accounting_sessions ls
                  WHERE ls.user_id = p.user_id AND ls.status = 'open' AND ${liveSessionSql('ls', '$3::timestamptz')}) AS live
           FROM aaa_profiles p
          WHERE p.user_id = ANY($1::int[])
       ),
       predicted AS (
         SELECT user_id, CASE WHEN live = 0 THEN NULL
                              ELSE $2::timestamptz + make_interval(secs => GREATEST(remaining::float8 / live - 1, 0)) END AS exhausts_at
           FROM figures
       )
       UPDATE aaa_profiles p SET exhausts_at = pr.exhausts_at
         FROM predicted pr
        WHERE p.user_id = pr.user_id AND p.exhausts_at IS DISTINCT FROM pr.exhausts_at`,
      [userIds, now, staleBefore],
    );
  }

  /**
   * Sessions of these subscribers started, were first seen or reported again after going stale, without
   * the profile lock: their predictions can only move earlier, so each is lowered (never raised) to
   * `now + (balance − owed) / live − 1 s`, where `owed` counts what each live session still owes and
   * no refunds. That bound stays at or before the real exhaustion even when this statement waits for a
   * settlement and then reads the newer balance with the older session charges (a settlement only
   * raises charges, closes sessions and moves refunds into the balance). One statement that holds no
   * other lock (for several subscribers, in a transaction that already holds their profile locks: a group
   * commit); it writes only when the prediction moves earlier.
   */
  async lowerExhaustionPrediction(manager: EntityManager, acctUniqueIds: string[], now: Date): Promise<void> {
    if (acctUniqueIds.length === 0) return;
    const staleBefore = staleBeforeAt(now, this.config.accounting.staleAfterSeconds);
    const predicted = `$2::timestamptz + make_interval(secs => GREATEST((p.balance_seconds - o.owed)::float8 / o.live - 1, 0))`;
    await manager.query(
      `UPDATE aaa_profiles p SET exhausts_at = ${predicted}
         FROM (SELECT s.user_id, SUM(GREATEST(${sessionTargetSql('s', '$2::timestamptz', '$3::timestamptz')} - s.charged_seconds, 0)) AS owed, count(*) AS live
                 FROM accounting_sessions s
                WHERE s.user_id = ANY(ARRAY(SELECT x.user_id FROM accounting_sessions x WHERE x.acct_unique_id = ANY($1::char(32)[])))
                  AND s.status = 'open' AND ${liveSessionSql('s', '$3::timestamptz')}
                GROUP BY s.user_id) o
        WHERE p.user_id = o.user_id AND (p.exhausts_at IS NULL OR p.exhausts_at > ${predicted})`,
      [acctUniqueIds, now, staleBefore],
    );
  }

  /**
   * Next batch of subscribers predicted to be exhausted by `now`, after `afterUserId`, locked in
   * user-id order. Profiles another transaction holds are skipped (the timer comes back to them).
   */
  async lockNextDueForExhaustion(manager: EntityManager, now: Date, afterUserId: number, limit: number): Promise<number[]> {
    const rows: { user_id: number }[] = await manager.query(
      `SELECT p.user_id FROM aaa_profiles p
        WHERE p.exhausts_at IS NOT NULL AND p.exhausts_at <= $1 AND p.user_id > $2
        ORDER BY p.user_id LIMIT $3 FOR NO KEY UPDATE OF p SKIP LOCKED`,
      [now, afterUserId, limit],
    );
    return rows.map((row) => row.user_id);
  }

  /** The earliest predicted exhaustion (the partial index's first entry), or null when no balance is burning. */
  async nextExhaustion(manager: EntityManager): Promise<Date | null> {
    const rows: { at: Date | null }[] = await manager.query('SELECT min(exhausts_at) AS at FROM aaa_profiles WHERE exhausts_at IS NOT NULL');
    return rows[0]?.at ?? null;
  }

  /** Up to `limit` open sessions with no update since `staleBefore` (subscriber id may be null). */
  async findStale(manager: EntityManager, staleBefore: Date, limit: number): Promise<ClosedSession[]> {
    return manager.query(
      `SELECT s.id::text AS id, s.user_id AS "userId" FROM accounting_sessions s
        WHERE s.status = 'open' AND s.last_update_at < $1 ORDER BY s.last_update_at LIMIT $2`,
      [staleBefore, limit],
    );
  }

  /** Closes stale sessions as Lost-Service, stopped at their last update and charged only up to it. */
  async closeStale(manager: EntityManager, sessionIds: string[], staleBefore: Date): Promise<ClosedSession[]> {
    if (sessionIds.length === 0) return [];
    return queryReturning<ClosedSession>(
      manager,
      `UPDATE accounting_sessions s
          SET status = 'closed', stopped_at = s.last_update_at, terminate_cause = 'Lost-Service',
              session_time = GREATEST(0, floor(extract(epoch FROM (s.last_update_at - s.started_at))))::bigint
        WHERE s.id = ANY($1::bigint[]) AND s.status = 'open' AND s.last_update_at < $2
       RETURNING s.id::text AS id, s.user_id AS "userId"`,
      [sessionIds, staleBefore],
    );
  }

  /**
   * Open sessions of a NAS (by NAS-Identifier or NAS-IP-Address), up to `limit`, among those bound to
   * the NAS client that reported the reboot (`source`, as sessions are bound when created): a NAS, or a
   * gateway, can close only its own sessions, whatever NAS identity its record names, and only those
   * of subscribers in its organization `scope` (or of unknown usernames).
   */
  async findOpenForNas(
    manager: EntityManager, nasIdentifier: string, nasIpAddress: string | null, source: RecordSource, scope: OrganizationScope, limit: number,
  ): Promise<ClosedSession[]> {
    return manager.query(
      `SELECT s.id::text AS id, s.user_id AS "userId" FROM accounting_sessions s
        WHERE s.status = 'open' AND ((s.nas_identifier = $1 AND $1 <> '') OR s.nas_ip_address = $2::inet)
          AND s.nas_client_id IS NOT DISTINCT FROM ${boundNasClientSql('$4', '$5')}
          AND (s.user_id IS NULL OR ${subscriberInScopeSql('s.user_id', '$6')})
        ORDER BY s.id LIMIT $3`,
      [nasIdentifier, nasIpAddress, limit, ...recordSourceParams(source), scopeParameter(scope)],
    );
  }

  /** Closes an open session an admin disconnected (its NAS acknowledged the Disconnect-Request) as Admin-Reset at `at`. */
  async closeForAdminReset(manager: EntityManager, sessionIds: string[], at: Date): Promise<ClosedSession[]> {
    if (sessionIds.length === 0) return [];
    return queryReturning<ClosedSession>(
      manager,
      `UPDATE accounting_sessions s
          SET status = 'closed', stopped_at = GREATEST(s.started_at, $2), terminate_cause = 'Admin-Reset',
              last_update_at = GREATEST(s.last_update_at, $2),
              session_time = GREATEST(0, floor(extract(epoch FROM ($2::timestamptz - s.started_at))))::bigint
        WHERE s.id = ANY($1::bigint[]) AND s.status = 'open'
       RETURNING s.id::text AS id, s.user_id AS "userId"`,
      [sessionIds, at],
    );
  }

  /** Closes sessions because their NAS rebooted (Accounting-On/Off), at the event time. */
  async closeForNasReboot(manager: EntityManager, sessionIds: string[], at: Date): Promise<ClosedSession[]> {
    if (sessionIds.length === 0) return [];
    return queryReturning<ClosedSession>(
      manager,
      `UPDATE accounting_sessions s
          SET status = 'closed', stopped_at = GREATEST(s.started_at, $2), terminate_cause = 'NAS-Reboot',
              last_update_at = GREATEST(s.last_update_at, $2),
              session_time = GREATEST(0, floor(extract(epoch FROM ($2::timestamptz - s.started_at))))::bigint
        WHERE s.id = ANY($1::bigint[]) AND s.status = 'open'
       RETURNING s.id::text AS id, s.user_id AS "userId"`,
      [sessionIds, at],
    );
  }

  /**
   * One ledger row per closed session with its final charge: the paid seconds (as a negative
   * delta) and the overage, net of what earlier rows for the same session already recorded
   * (a late Stop can correct a server-side close). Call after charge() in the same transaction.
   */
  async recordSessionCharges(manager: EntityManager, sessionIds: string[], now: Date): Promise<void> {
    if (sessionIds.length === 0) return;
    await manager.query(
      `INSERT INTO balance_ledger (user_id, username, kind, delta_seconds, overage_seconds, balance_after, session_id, reason, created_at)
       SELECT s.user_id, COALESCE(u.username, s.username), 'session',
              -(s.charged_seconds - s.overage_seconds) - COALESCE(prev.delta, 0),
              s.overage_seconds - COALESCE(prev.overage, 0),
              COALESCE(p.balance_seconds, 0), s.id, COALESCE(s.terminate_cause, ''), $2
         FROM accounting_sessions s
         LEFT JOIN users u ON u.id = s.user_id
         LEFT JOIN aaa_profiles p ON p.user_id = s.user_id
         LEFT JOIN LATERAL (SELECT SUM(l.delta_seconds) AS delta, SUM(l.overage_seconds) AS overage
                              FROM balance_ledger l WHERE l.session_id = s.id) prev ON true
        WHERE s.id = ANY($1::bigint[]) AND s.user_id IS NOT NULL`,
      [sessionIds, now],
    );
  }

  /** Deletes up to `limit` tokens past their sliding lifetime (session activity counts as use); returns how many. */
  async deleteExpiredTokens(manager: EntityManager, now: Date, limit: number): Promise<number> {
    const result: [unknown[], number] = await manager.query(
      `DELETE FROM auth_tokens WHERE user_id IN (
         SELECT t.user_id FROM auth_tokens t JOIN users u ON u.id = t.user_id
          WHERE ${tokenExpiredSql('$1::timestamptz')}
          LIMIT $2)`,
      [now, limit],
    );
    return result[1];
  }

  async countExpiredTokens(manager: EntityManager, now: Date): Promise<number> {
    const rows: { count: string }[] = await manager.query(
      `SELECT count(*) AS count FROM auth_tokens t JOIN users u ON u.id = t.user_id
        WHERE ${tokenExpiredSql('$1::timestamptz')}`,
      [now],
    );
    return Number(rows[0]?.count ?? 0);
  }
}
