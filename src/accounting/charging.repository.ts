import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { scopeParameter, subscriberInScopeSql, type OrganizationScope } from '../auth/organization-scope.js';
import { queryReturning } from '../database/raw-query.js';
import { queryNamed, type NamedStatement } from '../database/data-source-options.js';
import { boundNasClientSql, recordSourceParams, type RecordSource } from './sessions.repository.js';
import { lockSubscriberProfiles, lockSubscriberProfilesByUsername } from '../database/subscriber-lock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { elapsedSql, exhaustionAtSql, sessionChargedSql, sessionTargetSql, staleBeforeAt } from './balance-sql.js';

export interface ChargeResult {
  /** Sessions whose charge moved. */
  sessions: number;
  /** Net seconds moved (refunds negative), overage included. */
  seconds: number;
}

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

  /** Locks the profile of the subscriber with this username, if any (the first lock of the one lock order); returns its id. */
  async lockProfileByUsername(manager: EntityManager, username: string): Promise<number | null> {
    return (await lockSubscriberProfilesByUsername(manager, [username])).get(username)?.id ?? null;
  }

  /**
   * Settles the (locked) subscribers up to now, before any of their sessions changes. First, burning
   * sessions gone stale leave the count, charged only to their last update (refunds included); then
   * every subscriber whose balance covers it is charged `open_sessions × elapsed` in one row write
   * and its `settled_at` moves on by those whole seconds; then their live open sessions that do not
   * burn yet are charged up to now and start to (found by TAKE_OUT_STALE). A subscriber whose balance does not
   * cover it has its burning sessions charged one by one (charge(): what cannot be paid is their
   * overage), and is settled at now exactly.
   */
  async settleSubscribers(manager: EntityManager, userIds: number[], now: Date): Promise<ChargeResult & { predictionMoved: boolean }> {
    if (userIds.length === 0) return { sessions: 0, seconds: 0, predictionMoved: false };
    const staleBefore = staleBeforeAt(now, this.config.accounting.staleAfterSeconds);
    const range = [Math.min(...userIds), Math.max(...userIds)];
    // Each session leaving the count takes 1 off its subscriber's open_sessions in the same statement,
    // which also finds the sessions waiting to burn (none of the steps before they join changes them).
    const found = await queryNamed<{ kind: 'gone' | 'waiting'; id: string }>(manager, TAKE_OUT_STALE, [userIds, staleBefore, ...range]);
    const gone = found.filter((row) => row.kind === 'gone').map((row) => row.id);
    const waiting = found.filter((row) => row.kind === 'waiting').map((row) => row.id);
    const refunded = await this.charge(manager, userIds, gone, now);
    const rows = await queryNamed<{ user_id: number; sessions: number; seconds: string; advanced: boolean }>(manager, ADVANCE_COVERED, [userIds, now]);
    const short = rows.filter((row) => !row.advanced).map((row) => row.user_id);
    const moved = rows.filter((row) => row.advanced && Number(row.seconds) > 0);
    const paid = {
      sessions: refunded.sessions + moved.reduce((sum, row) => sum + row.sessions, 0),
      seconds: refunded.seconds + moved.reduce((sum, row) => sum + Number(row.seconds), 0),
    };
    const overdrawn = await this.chargeOneByOne(manager, short, now);
    const joined = await this.chargeSessions(manager, userIds, waiting, now, { burning: false });
    return {
      sessions: paid.sessions + overdrawn.sessions + joined.sessions,
      seconds: paid.seconds + overdrawn.seconds + joined.seconds,
      // Moving settled_at and the balance together (`advanced`) leaves every prediction where it was.
      predictionMoved: gone.length > 0 || short.length > 0 || waiting.length > 0,
    };
  }

  /**
   * Settles (locked) subscribers whose balance does not cover `open_sessions × elapsed`: each burning
   * session (one its Stop just closed included) is brought to its target, the overage allocated per
   * session, and the subscriber is settled at now exactly.
   */
  private async chargeOneByOne(manager: EntityManager, userIds: number[], now: Date): Promise<ChargeResult> {
    if (userIds.length === 0) return { sessions: 0, seconds: 0 };
    const burning = await queryReturning<{ id: string }>(
      manager,
      `UPDATE accounting_sessions s SET charged_seconds = ${sessionChargedSql('s', 'p')}, charged_at = $2
         FROM aaa_profiles p
        WHERE p.user_id = s.user_id AND s.user_id = ANY($1::int[]) AND s.burning
       RETURNING s.id::text AS id`,
      [userIds, now],
    );
    await manager.query('UPDATE aaa_profiles SET settled_at = $2 WHERE user_id = ANY($1::int[])', [userIds, now]);
    return this.charge(manager, userIds, burning.map((row) => row.id), now);
  }

  /**
   * Applies these sessions' own events once their subscribers are settled (settleSubscribers): each
   * is brought to its target (`target − charged`, refunds included), and burns from now on if it is
   * open, live and has a subscriber, else stops burning. Then the subscribers' count of burning
   * sessions is brought up to date.
   */
  async chargeSessions(manager: EntityManager, userIds: number[], sessionIds: string[], now: Date, known?: { burning: false }): Promise<ChargeResult> {
    if (sessionIds.length === 0) return { sessions: 0, seconds: 0 };
    const staleBefore = staleBeforeAt(now, this.config.accounting.staleAfterSeconds);
    // Burning sessions' charges are brought up to settled_at first (none burns when the caller knows so: waiting ones).
    if (!known) await queryNamed(manager, CHARGE_TO_SETTLED, [sessionIds]);
    const charged = await this.charge(manager, userIds, sessionIds, now);
    // `x` is the session as it was before this statement: each session that starts or stops burning
    // moves its subscriber's open_sessions by one, in the same statement (only profiles whose count moves are written).
    await queryNamed(manager, FLAG_BURNING, [sessionIds, staleBefore]);
    return charged;
  }

  /**
   * The scheduled run's charge, for the next `limit` subscribers with burning sessions by id after
   * `afterUserId` (the partial index IDX_aaa_profiles_burning): each one whose balance covers it is
   * settled up to now in ONE set-based row write (balance_seconds −= open_sessions × elapsed,
   * settled_at moved on by those whole seconds); no session row is written. Its predicted exhaustion does not move (both terms moved together).
   * Subscribers whose balance does not cover it are left to settleSubscribers (the exhaustion step).
   * Returns the last subscriber id of the range (null past the last one), the burning sessions
   * charged and the seconds, as read when the statement started.
   */
  async chargeNextRange(manager: EntityManager, afterUserId: number, limit: number, now: Date): Promise<ChargeResult & { lastUserId: number | null }> {
    // The range's upper bound first, so that the UPDATE below is planned for exactly that range of the
    // primary key (with the bound inside the statement it was planned as a scan of every profile).
    const bounds: { last: number | null }[] = await manager.query(
      'SELECT max(user_id) AS last FROM (SELECT user_id FROM aaa_profiles WHERE open_sessions > 0 AND user_id > $1 ORDER BY user_id LIMIT $2) r',
      [afterUserId, limit],
    );
    const lastUserId = bounds[0]?.last ?? null;
    if (lastUserId === null) return { lastUserId, sessions: 0, seconds: 0 };
    const elapsed = elapsedSql('p', '$1::timestamptz');
    const covered = `p.user_id > $2 AND p.user_id <= $3 AND p.open_sessions > 0
                     AND p.settled_at <= $1::timestamptz - interval '1 second' AND p.balance_seconds > p.open_sessions * ${elapsed}`;
    const rows: { sessions: string; seconds: string }[] = await manager.query(
      `WITH read AS (
         SELECT COALESCE(SUM(p.open_sessions * ${elapsed}), 0) AS seconds FROM aaa_profiles p WHERE ${covered}
       ),
       charged AS (
         UPDATE aaa_profiles p
            SET balance_seconds = p.balance_seconds - p.open_sessions * ${elapsed},
                settled_at = p.settled_at + make_interval(secs => ${elapsed})
          WHERE ${covered}
         RETURNING p.open_sessions
       )
       SELECT COALESCE(SUM(open_sessions), 0) AS sessions, (SELECT seconds FROM read) AS seconds FROM charged`,
      [now, afterUserId, lastUserId],
    );
    const row = rows[0]!;
    return { lastUserId, sessions: Number(row.sessions), seconds: Number(row.seconds) };
  }

  /**
   * Up to `limit` live open sessions of a subscriber that do not burn its balance yet: their Start or
   * Interim-Update committed, but the settlement that follows it did not (or they predate per-subscriber
   * charging), by subscriber id after `afterUserId`. The run settles their subscribers like a Start.
   */
  async findNotBurning(manager: EntityManager, staleBefore: Date, afterUserId: number, limit: number): Promise<ClosedSession[]> {
    return manager.query(
      `SELECT s.id::text AS id, s.user_id AS "userId" FROM accounting_sessions s
        WHERE s.status = 'open' AND NOT s.burning AND s.user_id > $2 AND s.last_update_at >= $1
        ORDER BY s.user_id LIMIT $3`,
      [staleBefore, afterUserId, limit],
    );
  }

  /**
   * Brings the chosen sessions of the (locked) subscribers to their target charge in one statement.
   * Per subscriber: refunds (target below charged) first cancel that session's overage, the rest
   * returns to the balance; then positive deltas are paid in session order from what is available;
   * whatever cannot be paid is recorded as overage, so balance_seconds never goes below 0. A burning
   * session's charged_seconds must be up to its subscriber's settled_at first (chargeSessions).
   */
  private async charge(manager: EntityManager, userIds: number[], sessionIds: string[], now: Date): Promise<ChargeResult> {
    if (userIds.length === 0 || sessionIds.length === 0) return { sessions: 0, seconds: 0 };
    const rows = await queryNamed<{ sessions: string; seconds: string }>(
      manager, CHARGE_TO_TARGET, [userIds, now, staleBeforeAt(now, this.config.accounting.staleAfterSeconds), sessionIds],
    );
    return { sessions: Number(rows[0]?.sessions ?? 0), seconds: Number(rows[0]?.seconds ?? 0) };
  }

  /**
   * Closes the open, non-stale sessions of the (locked, already settled) subscribers whose balance is 0:
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
   * Records when each (locked, settled) subscriber's balance is predicted to reach 0:
   * `settled_at + ⌈balance_seconds / open_sessions⌉ s`, null without burning sessions. Never later
   * than it really does (a burning session gone stale only makes it later: the exhaustion timer then
   * settles the subscriber and predicts again). Only rows whose prediction changed are written.
   */
  async predictExhaustion(manager: EntityManager, userIds: number[]): Promise<void> {
    if (userIds.length === 0) return;
    await queryNamed(manager, PREDICT_EXHAUSTION, [userIds]);
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

  /**
   * Closes open sessions at `at` with `cause`: `NAS-Reboot` (Accounting-On/Off, at the event time) or
   * `Admin-Reset` (an admin disconnected them and the NAS acknowledged the Disconnect-Request).
   */
  async closeAt(manager: EntityManager, sessionIds: string[], at: Date, cause: 'NAS-Reboot' | 'Admin-Reset'): Promise<ClosedSession[]> {
    if (sessionIds.length === 0) return [];
    return queryReturning<ClosedSession>(
      manager,
      `UPDATE accounting_sessions s
          SET status = 'closed', stopped_at = GREATEST(s.started_at, $2), terminate_cause = $3,
              last_update_at = GREATEST(s.last_update_at, $2),
              session_time = GREATEST(0, floor(extract(epoch FROM ($2::timestamptz - s.started_at))))::bigint
        WHERE s.id = ANY($1::bigint[]) AND s.status = 'open'
       RETURNING s.id::text AS id, s.user_id AS "userId"`,
      [sessionIds, at, cause],
    );
  }


  /**
   * One ledger row per closed session with its final charge: the paid seconds (as a negative
   * delta) and the overage, net of what earlier rows for the same session already recorded
   * (a late Stop can correct a server-side close). Call after charge() in the same transaction.
   */
  async recordSessionCharges(manager: EntityManager, sessionIds: string[], now: Date): Promise<void> {
    if (sessionIds.length === 0) return;
    await queryNamed(manager, RECORD_SESSION_CHARGES, [sessionIds, now]);
  }
}

/**
 * The settlement's statements, prepared by name (planned once per pooled connection, not on every
 * call: a group of Starts or a Stop runs each of them once). See the methods that run them.
 */
/**
 * settleSubscribers: burning sessions gone stale leave the count (`gone`), each taking 1 off its
 * subscriber's open_sessions; and the live open sessions that do not burn yet (`waiting`: a new
 * session, an Interim-Update for one never seen, one a settlement had taken out as stale that
 * reports again, or one whose settlement after its record did not commit), which then start to.
 */
const TAKE_OUT_STALE: NamedStatement = {
  name: 'settle_take_out_stale',
  text: `WITH gone AS (
           UPDATE accounting_sessions s SET charged_seconds = ${sessionChargedSql('s', 'p')}, charged_at = NULL, burning = false
             FROM aaa_profiles p
            WHERE p.user_id = s.user_id AND s.user_id = ANY($1::int[]) AND s.user_id BETWEEN $3 AND $4
              AND s.status = 'open' AND s.burning AND s.last_update_at < $2
           RETURNING s.id, s.user_id
         ),
         counted AS (
           UPDATE aaa_profiles p SET open_sessions = p.open_sessions - g.n
             FROM (SELECT user_id, count(*)::int AS n FROM gone GROUP BY user_id) g
            WHERE p.user_id = g.user_id
         )
         SELECT 'gone' AS kind, id::text AS id FROM gone
         UNION ALL
         SELECT 'waiting', s.id::text FROM accounting_sessions s
          WHERE s.user_id = ANY($1::int[]) AND s.user_id BETWEEN $3 AND $4 AND s.status = 'open' AND NOT s.burning AND s.last_update_at >= $2`,
};

/** settleSubscribers: subscribers whose balance covers it are charged open_sessions × elapsed in one row write. */
const ADVANCE_COVERED: NamedStatement = {
  name: 'settle_advance_covered',
  text: `WITH due AS (
           SELECT p.user_id, p.open_sessions, ${elapsedSql('p', '$2::timestamptz')} AS elapsed FROM aaa_profiles p WHERE p.user_id = ANY($1::int[])
         ),
         advanced AS (
           UPDATE aaa_profiles p
              SET balance_seconds = p.balance_seconds - p.open_sessions * ${elapsedSql('p', '$2::timestamptz')},
                  settled_at = CASE WHEN p.open_sessions = 0 THEN $2::timestamptz
                                    ELSE p.settled_at + make_interval(secs => ${elapsedSql('p', '$2::timestamptz')}) END
            WHERE p.user_id = ANY($1::int[]) AND p.balance_seconds >= p.open_sessions * ${elapsedSql('p', '$2::timestamptz')}
           RETURNING p.user_id
         )
         SELECT due.user_id, due.open_sessions AS sessions, (due.open_sessions * due.elapsed)::text AS seconds, a.user_id IS NOT NULL AS advanced
           FROM due LEFT JOIN advanced a ON a.user_id = due.user_id`,
};

/** chargeSessions: the burning ones among these sessions charged up to their subscriber's settled_at. */
const CHARGE_TO_SETTLED: NamedStatement = {
  name: 'charge_to_settled',
  text: `UPDATE accounting_sessions s SET charged_seconds = ${sessionChargedSql('s', 'p')}, charged_at = p.settled_at
           FROM aaa_profiles p
          WHERE p.user_id = s.user_id AND s.id = ANY($1::bigint[]) AND s.burning`,
};

/**
 * chargeSessions: these sessions burn from now on if open, live and with a subscriber, else not.
 * `x` is the session as it was before this statement: each session that starts or stops burning
 * moves its subscriber's open_sessions by one, in the same statement (only profiles whose count moves are written).
 */
const FLAG_BURNING: NamedStatement = {
  name: 'charge_flag_burning',
  text: `WITH flagged AS (
           UPDATE accounting_sessions s
              SET burning = (s.status = 'open' AND s.last_update_at >= $2 AND p.user_id IS NOT NULL),
                  charged_at = CASE WHEN s.status = 'open' AND s.last_update_at >= $2 AND p.user_id IS NOT NULL THEN p.settled_at END
             FROM accounting_sessions x LEFT JOIN aaa_profiles p ON p.user_id = x.user_id
            WHERE x.id = s.id AND s.id = ANY($1::bigint[])
           RETURNING s.user_id, s.burning::int - x.burning::int AS delta
         )
         UPDATE aaa_profiles p SET open_sessions = p.open_sessions + d.delta
           FROM (SELECT user_id, SUM(delta)::int AS delta FROM flagged GROUP BY user_id) d
          WHERE p.user_id = d.user_id AND d.delta <> 0`,
};

/** charge: these sessions brought to their target charge (see ChargingRepository.charge). */
const CHARGE_TO_TARGET: NamedStatement = {
  name: 'charge_to_target',
  text: `WITH sess AS (
         SELECT s.id, s.user_id, s.charged_seconds, s.overage_seconds, ${sessionTargetSql('s', '$2::timestamptz', '$3::timestamptz')} AS target
           FROM accounting_sessions s
          WHERE s.user_id = ANY($1::int[]) AND s.id = ANY($4::bigint[])
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
};

/** predictExhaustion: `settled_at + ⌈balance_seconds / open_sessions⌉ s`, written only where it changed. */
const PREDICTED_EXHAUSTION = `CASE WHEN p.open_sessions = 0 THEN NULL
                                   ELSE ${exhaustionAtSql('p.settled_at', 'p.balance_seconds', 'p.open_sessions')} END`;
const PREDICT_EXHAUSTION: NamedStatement = {
  name: 'predict_exhaustion',
  text: `UPDATE aaa_profiles p SET exhausts_at = ${PREDICTED_EXHAUSTION}
          WHERE p.user_id = ANY($1::int[]) AND p.exhausts_at IS DISTINCT FROM ${PREDICTED_EXHAUSTION}`,
};

/** recordSessionCharges: one ledger row per closed session, net of its earlier rows. */
const RECORD_SESSION_CHARGES: NamedStatement = {
  name: 'record_session_charges',
  text: `INSERT INTO balance_ledger (user_id, username, kind, delta_seconds, overage_seconds, balance_after, session_id, reason, created_at)
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
};
