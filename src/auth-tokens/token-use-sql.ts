/**
 * A key's last use as SQL, counting its subscriber's accounting as use (see lastUseAt): `now` while
 * any of its sessions is open, else the later of the key's own last use and its sessions' last
 * update. `token` is an auth_tokens alias; `now` a timestamptz expression.
 */
export function tokenLastUseSql(token: string, now: string): string {
  return `GREATEST(${token}.last_used_at, (
            SELECT CASE WHEN bool_or(ts.status = 'open') THEN ${now} ELSE max(ts.last_update_at) END
              FROM accounting_sessions ts WHERE ts.user_id = ${token}.user_id))`;
}

/**
 * The key (`t`, its user `u`) is past its lifetime at `now`. The key's own stamp is tested first:
 * its subscriber's sessions are only looked at for keys that would otherwise have expired.
 */
export function tokenExpiredSql(now: string): string {
  return `(u.token_lifetime IS NOT NULL
           AND t.last_used_at + make_interval(secs => u.token_lifetime) <= ${now}
           AND ${tokenLastUseSql('t', now)} + make_interval(secs => u.token_lifetime) <= ${now})`;
}
