import { ROLES, type Role } from '../../auth/policy.js';
import { BALANCE_MAX_SECONDS } from '../../accounting/balance.service.js';
import type { FieldRule } from '../../common/validation/field-rule.js';

/**
 * The user_token API's own field rules (organization, role, balance, permissions). The account
 * fields (username, email, names, password, token lifetime) use the users module's rules.
 */

/** Longest organization name (aaa_profiles.organization is varchar(128)). */
export const ORGANIZATION_MAX_LENGTH = 128;
export const PERMISSIONS_MAX_COUNT = 32;
export const PERMISSION_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;

const NOT_AN_INTEGER = 'A valid integer is required.';

function isJsonInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The JSON type as DRF names it in messages (Python's names). */
function jsonTypeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

export const checkOrganization: FieldRule = (value) => {
  if (typeof value !== 'string') return 'Not a valid string.';
  if (value.length === 0) return 'This field may not be blank.';
  if (value.length > ORGANIZATION_MAX_LENGTH) return `Ensure this field has no more than ${ORGANIZATION_MAX_LENGTH} characters.`;
  return undefined;
};

export const checkRole: FieldRule = (value) =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value) ? undefined : `"${describe(value)}" is not a valid choice.`;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export const checkBalanceSeconds: FieldRule = (value) => {
  if (!isJsonInteger(value)) return NOT_AN_INTEGER;
  if (value < 0) return 'Ensure this value is greater than or equal to 0.';
  if (value > BALANCE_MAX_SECONDS) {
    return `Ensure this value is less than or equal to ${BALANCE_MAX_SECONDS} (100 years of seconds).`;
  }
  return undefined;
};

/** Most sessions a subscriber may be allowed at once (a household's devices, not a NAS's capacity). */
export const MAX_SESSIONS_LIMIT = 1000;

/** `max_sessions`: null (no limit) or 1..MAX_SESSIONS_LIMIT. */
export const checkMaxSessions: FieldRule = (value) => {
  if (value === null) return undefined;
  if (!isJsonInteger(value)) return NOT_AN_INTEGER;
  if (value < 1) return 'Ensure this value is greater than or equal to 1.';
  if (value > MAX_SESSIONS_LIMIT) return `Ensure this value is less than or equal to ${MAX_SESSIONS_LIMIT}.`;
  return undefined;
};

export const checkPermissions: FieldRule = (value) => {
  if (!Array.isArray(value)) {
    return `Expected a list of items but got type "${jsonTypeName(value)}".`;
  }
  if (value.length > PERMISSIONS_MAX_COUNT) return `Ensure this field has no more than ${PERMISSIONS_MAX_COUNT} elements.`;
  const invalid = value.find((item) => typeof item !== 'string' || !PERMISSION_PATTERN.test(item));
  if (invalid !== undefined) {
    return (
      `"${describe(invalid)}" is not a valid permission: use 1 to 64 characters, a lowercase letter ` +
      'followed by lowercase letters, digits or any of _ . : -'
    );
  }
  return undefined;
};

/** DRF CharFields trim surrounding whitespace before validating. */
export const trimString = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
