import { DomainError, type FieldErrors } from '../common/errors/domain-error.js';
import { parseQueryBoolean, queryValue, type RawQuery } from '../common/pagination/query-url.js';
import type { UserFilters } from './users.repository.js';

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
    const value = parseQueryBoolean(raw);
    if (value === undefined) errors[param] = ['Must be a valid boolean.'];
    else filters[key] = value;
  }
  if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
  return filters;
}
