/** Largest PostgreSQL `integer` (int4): the id columns of users, tokens, profiles and NAS clients. */
export const INT4_MAX = 2_147_483_647;

/**
 * A row id from the URL path: a plain positive decimal integer up to `max`, or undefined when it
 * cannot name a row (letters, signs, decimals, exponents, zero, out of range). Callers answer
 * 404 "Not found." for undefined, as Django does when a lookup value matches no row.
 */
export function parsePathId(raw: string | undefined, max: number = INT4_MAX): number | undefined {
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id >= 1 && id <= max ? id : undefined;
}
