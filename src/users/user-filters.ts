import { DomainError, type FieldErrors } from '../common/errors/domain-error.js';
import { queryValue, type RawQuery } from '../common/pagination/query-url.js';
import type { UserFilters } from './users.repository.js';

const TRUE_VALUES = new Set(['true', '1']);
const FALSE_VALUES = new Set(['false', '0']);

function parseBoolean(raw: string): boolean | undefined {
  const value = raw.trim().toLowerCase();
  if (TRUE_VALUES.has(value)) return true;
  if (FALSE_VALUES.has(value)) return false;
  return undefined;
}

/**
 * The `/api/users/` list filters: exact `username`, and `is_active` / `is_staff` as true or false
 * (also `1`/`0`, any case). An empty value means no filter, as django-filter does; any other
 * value is a 400 naming the parameter.
 */
export function parseUserFilters(query: RawQuery): UserFilters {
  const filters: UserFilters = {};
  const errors: FieldErrors = {};
  const username = queryValue(query, 'username');
  if (username !== undefined && username !== '') filters.username = username;
  for (const [param, key] of [['is_active', 'isActive'], ['is_staff', 'isStaff']] as const) {
    const raw = queryValue(query, param);
    if (raw === undefined || raw.trim() === '') continue;
    const value = parseBoolean(raw);
    if (value === undefined) errors[param] = ['Must be a valid boolean.'];
    else filters[key] = value;
  }
  if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
  return filters;
}
