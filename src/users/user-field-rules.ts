import { isEmail } from 'class-validator';
import type { FieldErrors } from '../common/errors/domain-error.js';
import type { FieldRule } from '../common/validation/field-rule.js';
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
 * One rule per account field (see FieldRule), shared by the users API, the user_token API and the
 * CLI, so an account field is validated the same way, with the same message, everywhere.
 */
export type { FieldRule };

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

/** An e-mail address that must be given (the user_token API's `email`). */
export const requiredEmailRule: FieldRule = (value) => {
  if (typeof value === 'string' && value.trim() === '') return 'This field may not be blank.';
  return emailRule(value);
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
  if (value > TOKEN_LIFETIME_MAX_SECONDS) return `Ensure this value is less than or equal to ${TOKEN_LIFETIME_MAX_SECONDS} (10 years of seconds).`;
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
