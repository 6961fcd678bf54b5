import { isEmail, ValidateBy, type ValidationArguments } from 'class-validator';
import { ROLES, type Role } from '../../auth/policy.js';
import {
  EMAIL_MAX_LENGTH,
  NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  TOKEN_LIFETIME_MAX_SECONDS,
  TOKEN_LIFETIME_MIN_SECONDS,
  USERNAME_MAX_LENGTH,
  USERNAME_MESSAGE,
  USERNAME_PATTERN,
} from '../../users/user-rules.js';

/**
 * Field rules of the user_token API as pure checks: each returns the one message a DRF serializer
 * field would report (type first, then blank, length, range, format), or undefined when valid.
 */
export type FieldCheck = (value: unknown) => string | undefined;

/** Longest organization name (aaa_profiles.organization is varchar(128)). */
export const ORGANIZATION_MAX_LENGTH = 128;
/** Largest balance accepted: 100 years of seconds (365-day years); far beyond any sale, far below 2^53. */
export const BALANCE_MAX_SECONDS = 3_153_600_000;
export const PERMISSIONS_MAX_COUNT = 32;
export const PERMISSION_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;

const NOT_A_STRING = 'Not a valid string.';
const BLANK = 'This field may not be blank.';
const NOT_AN_INTEGER = 'A valid integer is required.';
const maxLength = (max: number) => `Ensure this field has no more than ${max} characters.`;
const minLength = (min: number) => `Ensure this field has at least ${min} characters.`;
const minValue = (min: number) => `Ensure this value is greater than or equal to ${min}.`;

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

/** A DRF CharField: a string, not blank unless allowed, at most `max` characters. */
function text(max: number, options: { allowBlank: boolean }): FieldCheck {
  return (value) => {
    if (typeof value !== 'string') return NOT_A_STRING;
    if (value.length === 0 && !options.allowBlank) return BLANK;
    if (value.length > max) return maxLength(max);
    return undefined;
  };
}

export const checkUsername: FieldCheck = (value) =>
  text(USERNAME_MAX_LENGTH, { allowBlank: false })(value) ??
  (USERNAME_PATTERN.test(value as string) ? undefined : USERNAME_MESSAGE);

export const checkOrganization: FieldCheck = text(ORGANIZATION_MAX_LENGTH, { allowBlank: false });

export const checkName: FieldCheck = text(NAME_MAX_LENGTH, { allowBlank: true });

export const checkEmail: FieldCheck = (value) =>
  text(EMAIL_MAX_LENGTH, { allowBlank: false })(value) ?? (isEmail(value as string) ? undefined : 'Enter a valid email address.');

export const checkPassword: FieldCheck = (value) => {
  if (typeof value !== 'string') return NOT_A_STRING;
  if (value.length < PASSWORD_MIN_LENGTH) return minLength(PASSWORD_MIN_LENGTH);
  if (value.length > PASSWORD_MAX_LENGTH) return maxLength(PASSWORD_MAX_LENGTH);
  return undefined;
};

export const checkRole: FieldCheck = (value) =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value) ? undefined : `"${describe(value)}" is not a valid choice.`;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export const checkBalanceSeconds: FieldCheck = (value) => {
  if (!isJsonInteger(value)) return NOT_AN_INTEGER;
  if (value < 0) return minValue(0);
  if (value > BALANCE_MAX_SECONDS) {
    return `Ensure this value is less than or equal to ${BALANCE_MAX_SECONDS} (100 years of seconds).`;
  }
  return undefined;
};

/** Seconds a token stays valid after its last use, or null: never expires. */
export const checkTokenLifetime: FieldCheck = (value) => {
  if (value === null) return undefined;
  if (!isJsonInteger(value)) return NOT_AN_INTEGER;
  if (value < TOKEN_LIFETIME_MIN_SECONDS) return minValue(TOKEN_LIFETIME_MIN_SECONDS);
  if (value > TOKEN_LIFETIME_MAX_SECONDS) {
    return `Ensure this value is less than or equal to ${TOKEN_LIFETIME_MAX_SECONDS} (10 years of seconds).`;
  }
  return undefined;
};

export const checkPermissions: FieldCheck = (value) => {
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

/** Applies a FieldCheck through class-validator, so the global pipe reports exactly its message. */
export function Checked(check: FieldCheck): PropertyDecorator {
  return ValidateBy({
    name: 'userTokenField',
    validator: {
      validate: (value: unknown) => check(value) === undefined,
      defaultMessage: (args?: ValidationArguments) => check(args?.value) ?? 'Invalid value.',
    },
  });
}

/** DRF CharFields trim surrounding whitespace before validating. */
export const trimString = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
