import { isoUtc } from '../common/http/iso-date.js';
import type { BalancePollRow } from './balance.repository.js';
import type { BalancePollDto } from './dto/authorize.dto.js';

/**
 * The captive-portal poll's answer, from the row the guard's credential loader read with the
 * caller's key (one read-only query, credential and balance together; no write, not even the key's
 * last-use stamp), as of the instant that query used. The live sessions share what is left.
 */
export function balancePollAnswer(row: BalancePollRow): BalancePollDto {
  const remaining = Math.max(0, Number(row.storedBalance) - Number(row.uncharged));
  const open = row.liveSessions;
  const sessionTimeout = open > 0 ? Math.floor(remaining / open) : remaining;
  return {
    balance_seconds: remaining,
    status: remaining === 0 ? 'exhausted' : open > 0 ? 'active' : 'idle',
    session_timeout: sessionTimeout,
    expires_at: open > 0 ? isoUtc(new Date(row.asOf.getTime() + sessionTimeout * 1000)) : null,
  };
}
