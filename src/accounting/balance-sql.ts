/**
 * The balance rule as SQL fragments, defined once. A session's target charge is its best-known
 * duration: while open, whole seconds from start to now (server clock); once closed, its final
 * session_time. Everything that charges or reads a balance builds on these.
 */

/** Seconds a session should have been charged by `now` (a timestamptz SQL expression). */
export function sessionTargetSql(session: string, now: string): string {
  return `(CASE WHEN ${session}.status = 'open'
                THEN GREATEST(0, floor(extract(epoch FROM (${now} - ${session}.started_at))))::bigint
                ELSE ${session}.session_time END)`;
}

/** Seconds a session has used and not yet been charged for (open sessions only; never negative). */
export function unchargedSecondsSql(session: string, now: string): string {
  return `GREATEST(0, ${sessionTargetSql(session, now)} - ${session}.charged_seconds)`;
}

/**
 * The remaining balance, exact to the second between accounting runs:
 * balance_seconds − uncharged time of the subscriber's open sessions, never below 0.
 */
export function remainingBalanceSql(profile: string, now: string): string {
  return `GREATEST(0, ${profile}.balance_seconds - COALESCE((
            SELECT SUM(${unchargedSecondsSql('rs', now)}) FROM accounting_sessions rs
             WHERE rs.user_id = ${profile}.user_id AND rs.status = 'open'), 0))::bigint`;
}
