import { DomainError } from '../common/errors/domain-error.js';
import { parseQueryBoolean } from '../common/pagination/query-url.js';

/**
 * The `balance` query parameter: true/false/1/0 in any case; absent means false.
 * Anything else is a 400 naming the parameter, as a DRF BooleanField would report it.
 */
export function parseBalanceFlag(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const value = parseQueryBoolean(raw);
  if (value === undefined) throw DomainError.field('balance', 'Must be a valid boolean.');
  return value;
}
