import { DomainError } from '../common/errors/domain-error.js';
import { queryValue, type RawQuery } from '../common/pagination/query-url.js';

export type VoucherFormat = 'json' | 'csv';

/** `?format=`: json (the default) or csv, as DRF's format suffix; anything else is a 400 naming it. */
export function parseVoucherFormat(query: RawQuery): VoucherFormat {
  const raw = queryValue(query, 'format');
  if (raw === undefined || raw === '' || raw === 'json') return 'json';
  if (raw === 'csv') return 'csv';
  throw DomainError.field('format', 'Select a valid choice: json or csv.');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The batch id from the path: a UUID, or 404 (it names no batch). */
export function parseBatchId(raw: string): string {
  if (!UUID.test(raw)) throw DomainError.notFound();
  return raw.toLowerCase();
}
