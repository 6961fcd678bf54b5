/** Largest PostgreSQL `integer` (int4): users.id and auth_tokens.user_id are int4. */
export const INT4_MAX = 2_147_483_647;

/**
 * The `{user_id}` path segment as a user id, or undefined when it cannot name a user
 * (not a plain decimal integer, zero, or beyond int4). Callers answer 404 for undefined,
 * as Django does when a lookup value matches no row.
 */
export function parseUserIdParam(raw: string): number | undefined {
  if (!/^\d{1,10}$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= 1 && value <= INT4_MAX ? value : undefined;
}
