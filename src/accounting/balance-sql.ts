/**
 * The balance rule as SQL fragments, defined once. A session's target charge is its best-known
 * duration: while open, whole seconds from start to now (server clock); once closed, its final
 * session_time. An open session that has sent nothing since `staleBefore` (now −
 * ACCOUNTING_STALE_AFTER_SECONDS) counts as what the next run makes of it: closed at its last
 * update. So a subscriber never pays for, nor is cut off over, time after a session went silent,
 * whether or not a run has closed it yet. Everything that charges or reads a balance builds on these.
 */

/** The instant before which an open session's last update makes it stale. */
export function staleBeforeAt(now: Date, staleAfterSeconds: number): Date {
  return new Date(now.getTime() - staleAfterSeconds * 1000);
}

/** Seconds a session should have been charged by `now` (timestamptz SQL expressions). */
export function sessionTargetSql(session: string, now: string, staleBefore: string): string {
  return `(CASE WHEN ${session}.status = 'open'
                THEN GREATEST(0, floor(extract(epoch FROM (
                       CASE WHEN ${session}.last_update_at < ${staleBefore} THEN ${session}.last_update_at ELSE ${now} END
                       - ${session}.started_at))))::bigint
                ELSE ${session}.session_time END)`;
}

/** Is this open session still live (not stale)? Only live sessions burn time and share the balance. */
export function liveSessionSql(session: string, staleBefore: string): string {
  return `${session}.last_update_at >= ${staleBefore}`;
}

/**
 * What bringing an open session to its target would move: the seconds it still owes, or (negative)
 * the refund its next charge makes to the balance, net of the overage that refund cancels first,
 * exactly as ChargingRepository.charge settles it.
 */
export function unsettledSecondsSql(session: string, now: string, staleBefore: string): string {
  const delta = `(${sessionTargetSql(session, now, staleBefore)} - ${session}.charged_seconds)`;
  return `GREATEST(${delta}, LEAST(${delta} + ${session}.overage_seconds, 0))`;
}

/**
 * The remaining balance, exact to the second between accounting runs: balance_seconds minus what
 * settling the subscriber's open sessions now would move, never below 0.
 */
export function remainingBalanceSql(profile: string, now: string, staleBefore: string): string {
  return `GREATEST(0, ${profile}.balance_seconds - COALESCE((
            SELECT SUM(${unsettledSecondsSql('rs', now, staleBefore)}) FROM accounting_sessions rs
             WHERE rs.user_id = ${profile}.user_id AND rs.status = 'open'), 0))::bigint`;
}
