import { DomainError } from '../errors/domain-error.js';

/** A query string as Fastify parses it: repeated keys become arrays. */
export type RawQuery = Record<string, string | string[] | undefined>;

/**
 * Django's QueryDict.get: the last value of a repeated key. A value with a NUL character is a 400
 * naming the parameter, as Django's form fields answer (PostgreSQL text cannot hold U+0000, so it
 * would otherwise fail the query with a 500).
 */
export function queryValue(query: RawQuery, key: string): string | undefined {
  const raw = query[key];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value?.includes('\u0000')) throw DomainError.field(key, 'Null characters are not allowed.');
  return value;
}

/**
 * DRF's replace_query_param / remove_query_param: rebuilds the absolute URL with one key set
 * (or removed) and the keys sorted, so links are stable and keep every filter.
 */
export function buildPageUrl(baseUrl: string, path: string, query: RawQuery, changes: Record<string, number | null>): string {
  const params: [string, string][] = [];
  const keys = new Set([...Object.keys(query), ...Object.keys(changes)]);
  for (const key of [...keys].sort()) {
    if (key in changes) {
      const value = changes[key];
      if (value !== null && value !== undefined) params.push([key, String(value)]);
      continue;
    }
    const value = query[key];
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) params.push([key, item]);
  }
  const search = new URLSearchParams(params).toString();
  return `${baseUrl}${path}${search ? `?${search}` : ''}`;
}

/** DRF's _positive_int: a non-negative integer (positive when strict), capped at `cutoff`. */
export function parsePositiveInt(raw: string | undefined, options: { strict: boolean; cutoff?: number }): number | undefined {
  if (raw === undefined || !/^\s*\+?\d+\s*$/.test(raw)) return undefined;
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || (options.strict && value === 0)) return undefined;
  return options.cutoff === undefined ? value : Math.min(value, options.cutoff);
}

/** A boolean query parameter as django-filter reads one: true/false/1/0 in any case; undefined for anything else. */
export function parseQueryBoolean(raw: string): boolean | undefined {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}
