import { BALANCE_MAX_SECONDS } from '../accounting/balance.service.js';
import type { FieldRule } from '../common/validation/field-rule.js';

/** Most vouchers in one batch (one transaction). */
export const VOUCHER_BATCH_MAX = 10_000;
/** Longest validity: ten years. */
export const VALID_DAYS_MAX = 3650;
export const VOUCHER_PREFIX_MAX_LENGTH = 32;
/** What a username may hold (the users rule), so prefix + code symbols is a valid username. */
export const VOUCHER_PREFIX_PATTERN = /^[a-z0-9@.+_-]*$/;

const NOT_AN_INTEGER = 'A valid integer is required.';

function integerBetween(min: number, max: number, note = ''): FieldRule {
  return (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return NOT_AN_INTEGER;
    if (value < min) return `Ensure this value is greater than or equal to ${min}.`;
    if (value > max) return `Ensure this value is less than or equal to ${max}${note}.`;
    return undefined;
  };
}

export const checkVoucherCount = integerBetween(1, VOUCHER_BATCH_MAX);
export const checkVoucherBalance = integerBetween(1, BALANCE_MAX_SECONDS, ' (100 years of seconds)');

const validDaysRange = integerBetween(1, VALID_DAYS_MAX);
export const checkValidDays: FieldRule = (value) => (value === null ? undefined : validDaysRange(value));

export const checkVoucherPrefix: FieldRule = (value) => {
  if (typeof value !== 'string') return 'Not a valid string.';
  if (value.length > VOUCHER_PREFIX_MAX_LENGTH) return `Ensure this field has no more than ${VOUCHER_PREFIX_MAX_LENGTH} characters.`;
  if (!VOUCHER_PREFIX_PATTERN.test(value)) return 'Use only lowercase letters, digits and @/./+/-/_.';
  return undefined;
};
