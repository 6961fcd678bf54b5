import { isEmail } from 'class-validator';
import type { FieldErrors } from '../common/errors/domain-error.js';
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
} from './user-rules.js';

/**
 * One check per account field: the first problem as Django REST framework words it, or undefined.
 * The request DTOs (through `@SatisfiesRule`) and the service (for callers without an HTTP body,
 * such as the CLI) both use these, so a rule and its message live in one place.
 */
export type FieldRule = (value: unknown) => string | undefined;

const NOT_A_STRING = 'Not a valid string.';
const tooLong = (max: number) => `Ensure this field has no more than ${max} characters.`;

export const usernameRule: FieldRule = (value) => {
  if (typeof value !== 'string') return NOT_A_STRING;
  if (value.trim() === '') return 'This field may not be blank.';
  if (value.length > USERNAME_MAX_LENGTH) return tooLong(USERNAME_MAX_LENGTH);
  if (!USERNAME_PATTERN.test(value)) return USERNAME_MESSAGE;
  return undefined;
};

/** Blank is allowed (no e-mail address on file). */
export const emailRule: FieldRule = (value) => {
  if (typeof value !== 'string') return NOT_A_STRING;
  if (value.length > EMAIL_MAX_LENGTH) return tooLong(EMAIL_MAX_LENGTH);
  if (value !== '' && !isEmail(value)) return 'Enter a valid email address.';
  return undefined;
};

export const nameRule: FieldRule = (value) => {
  if (typeof value !== 'string') return NOT_A_STRING;
  if (value.length > NAME_MAX_LENGTH) return tooLong(NAME_MAX_LENGTH);
  return undefined;
};

export const passwordRule: FieldRule = (value) => {
  if (typeof value !== 'string') return NOT_A_STRING;
  if (value.length < PASSWORD_MIN_LENGTH) return `Ensure this field has at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (value.length > PASSWORD_MAX_LENGTH) return tooLong(PASSWORD_MAX_LENGTH);
  return undefined;
};

export const booleanRule: FieldRule = (value) => (typeof value === 'boolean' ? undefined : 'Must be a valid boolean.');

/** Whole seconds in range, or null for a token that never expires. */
export const tokenLifetimeRule: FieldRule = (value) => {
  if (value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'A valid integer is required.';
  if (value < TOKEN_LIFETIME_MIN_SECONDS) return `Ensure this value is greater than or equal to ${TOKEN_LIFETIME_MIN_SECONDS}.`;
  if (value > TOKEN_LIFETIME_MAX_SECONDS) return `Ensure this value is less than or equal to ${TOKEN_LIFETIME_MAX_SECONDS}.`;
  return undefined;
};

/** Runs the rules of the fields that are present (not undefined); returns the problems as DRF's field map. */
export function checkFields(checks: Record<string, [FieldRule, unknown]>): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, [rule, value]] of Object.entries(checks)) {
    if (value === undefined) continue;
    const problem = rule(value);
    if (problem) errors[field] = [problem];
  }
  return errors;
}
