/**
 * Sliding token lifetime, as Waldur: a token expires `lifetimeSeconds` after its last use;
 * `null` never expires.
 */
export function tokenExpiresAt(lastUsedAt: Date, lifetimeSeconds: number | null): Date | null {
  return lifetimeSeconds === null ? null : new Date(lastUsedAt.getTime() + lifetimeSeconds * 1000);
}

/**
 * A key's last use, counting its subscriber's accounting as use, so that a captive portal that only
 * polls (the poll writes nothing) keeps its key for as long as the subscriber is online:
 * `sessionActivityAt` is now while one of the subscriber's sessions is open, else its sessions'
 * latest update (null: no session). After the last session ends the lifetime runs from its end.
 */
export function lastUseAt(lastUsedAt: Date, sessionActivityAt: Date | null): Date {
  return sessionActivityAt !== null && sessionActivityAt.getTime() > lastUsedAt.getTime() ? sessionActivityAt : lastUsedAt;
}

export function isTokenExpired(lastUsedAt: Date, lifetimeSeconds: number | null, now: Date): boolean {
  const expiresAt = tokenExpiresAt(lastUsedAt, lifetimeSeconds);
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}

/** Longest a last-use stamp may lag before a request refreshes it: a tenth of the lifetime, at most a minute. */
export const MAX_TOUCH_INTERVAL_SECONDS = 60;

export function touchIntervalSeconds(lifetimeSeconds: number | null): number {
  if (lifetimeSeconds === null) return MAX_TOUCH_INTERVAL_SECONDS;
  return Math.min(MAX_TOUCH_INTERVAL_SECONDS, Math.max(1, Math.floor(lifetimeSeconds / 10)));
}

/** Should this use refresh the stored last-use stamp? Only when it is older than the touch interval. */
export function shouldTouchToken(lastUsedAt: Date, lifetimeSeconds: number | null, now: Date): boolean {
  return now.getTime() - lastUsedAt.getTime() >= touchIntervalSeconds(lifetimeSeconds) * 1000;
}
