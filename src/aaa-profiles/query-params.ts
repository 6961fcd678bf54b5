import { DomainError } from '../common/errors/domain-error.js';

const TRUE_VALUES = new Set(['true', '1']);
const FALSE_VALUES = new Set(['false', '0']);

/**
 * The `balance` query parameter: true/false/1/0 in any case; absent means false.
 * Anything else is a 400 naming the parameter, as a DRF BooleanField would report it.
 */
export function parseBalanceFlag(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const normalized = raw.trim().toLowerCase();
  if (TRUE_VALUES.has(normalized)) return true;
  if (FALSE_VALUES.has(normalized)) return false;
  throw DomainError.field('balance', 'Must be a valid boolean.');
}

/** Largest PostgreSQL integer: users.id is int4. */
const INT4_MAX = 2_147_483_647;

/** A user_token id from the path: a positive int4, or undefined (the caller answers 404). */
export function parseSubscriberId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,10}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id >= 1 && id <= INT4_MAX ? id : undefined;
}
