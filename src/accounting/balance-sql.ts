/**
 * The balance rule as SQL fragments, defined once. Charging is per subscriber: every session of a
 * subscriber that burns its balance (`accounting_sessions.burning`) is charged up to the same
 * instant, `aaa_profiles.settled_at`, and `aaa_profiles.open_sessions` counts them. So, between
 * settlements, the balance at `now` is `balance_seconds − open_sessions × (now − settled_at)` in
 * whole seconds, and a burning session's charge so far is its `charged_seconds` (written on its own
 * events, as of `charged_at`) plus the seconds its subscriber was settled since.
 *
 * A session's target charge is its best-known duration: while open, whole seconds from start to now
 * (server clock); once closed, its final session_time. An open session that has sent nothing since
 * `staleBefore` (now − ACCOUNTING_STALE_AFTER_SECONDS) counts as what the next run makes of it:
 * closed at its last update. So a subscriber never pays for, nor is cut off over, time after a
 * session went silent: a burning session gone stale is taken out of the count (charged to its last
 * update, refunds included) by the next settlement of its subscriber, and every read below already
 * counts it that way. Everything that charges or reads a balance builds on these.
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

/**
 * Whole seconds the subscriber's burning sessions have each run since it was settled (0 without
 * any): what the next settlement charges each of them.
 */
export function elapsedSql(profile: string, now: string): string {
  // date_part (float8), not extract (numeric): the same whole seconds for microsecond intervals of up
  // to decades, at about half the cost, and this runs once per subscriber on every scheduled run.
  return `(CASE WHEN ${profile}.open_sessions = 0 OR ${profile}.settled_at IS NULL THEN 0
                ELSE GREATEST(0, floor(date_part('epoch', ${now} - ${profile}.settled_at)))::bigint END)`;
}

/**
 * The predicted exhaustion of a subscriber settled at `settledAt` with `balance` seconds left for
 * `sessions` burning sessions (SQL expressions; `sessions` > 0): `settledAt + ⌈balance / sessions⌉ s`,
 * the instant its balance runs out if nothing changes.
 */
export function exhaustionAtSql(settledAt: string, balance: string, sessions: string): string {
  return `(${settledAt} + make_interval(secs => ceil((${balance})::numeric / (${sessions}))::float8))`;
}

/**
 * A session's charge up to its subscriber's `settled_at`: its stored charge, plus, while it burns,
 * the whole seconds its subscriber was settled since its own last charge (`charged_at` keeps the
 * same sub-second phase as `settled_at`). `profile` may be absent (a LEFT JOIN): a session whose
 * subscriber was deleted charges nobody.
 */
export function sessionChargedSql(session: string, profile: string): string {
  return `(${session}.charged_seconds + CASE WHEN ${session}.burning
             THEN COALESCE(round(extract(epoch FROM (${profile}.settled_at - ${session}.charged_at)))::bigint, 0) ELSE 0 END)`;
}

/**
 * What bringing a session to its target moves: the seconds it still owes, or (negative) the refund
 * its charge makes to the balance, net of the overage that refund cancels first, exactly as
 * ChargingRepository.charge settles it. `profile` is the session's aaa_profiles row.
 */
function unsettledSecondsSql(session: string, profile: string, now: string, staleBefore: string): string {
  const delta = `(${sessionTargetSql(session, now, staleBefore)} - ${sessionChargedSql(session, profile)})`;
  return `GREATEST(${delta}, LEAST(${delta} + ${session}.overage_seconds, 0))`;
}

/** Burning sessions of the subscriber that went stale: the next settlement takes them out of the count. */
function staleBurningSql(alias: string, profile: string, staleBefore: string): string {
  return `accounting_sessions ${alias} WHERE ${alias}.user_id = ${profile}.user_id AND ${alias}.status = 'open'
            AND ${alias}.burning AND ${alias}.last_update_at < ${staleBefore}`;
}

/**
 * What settling the subscriber now would move from its balance: `open_sessions × elapsed`, except
 * that a burning session gone stale is charged only to its last update (often a refund) instead.
 */
export function unchargedSql(profile: string, now: string, staleBefore: string): string {
  const elapsed = elapsedSql(profile, now);
  return `(${profile}.open_sessions * ${elapsed} + COALESCE((
             SELECT SUM(${unsettledSecondsSql('ss', profile, now, staleBefore)} - ${elapsed}) FROM ${staleBurningSql('ss', profile, staleBefore)}), 0))`;
}

/** The remaining balance, exact to the second between settlements, never below 0. */
export function remainingBalanceSql(profile: string, now: string, staleBefore: string): string {
  return `GREATEST(0, ${profile}.balance_seconds - ${unchargedSql(profile, now, staleBefore)})::bigint`;
}

/** The subscriber's sessions still burning its balance (not stale): they share it. */
export function liveSessionsSql(profile: string, staleBefore: string): string {
  return `(${profile}.open_sessions - (SELECT count(*) FROM ${staleBurningSql('ls', profile, staleBefore)}))::int`;
}
