import { randomInt } from 'node:crypto';

/**
 * Voucher codes and usernames: short, typed by hand from paper on a phone. Lowercase (no shift key),
 * without the characters read as others: 0/o, 1/l/i. 31 symbols.
 */
export const CODE_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

/** 10 symbols: 31^10 ≈ 8.2·10^14 ≈ 2^49.5 codes, drawn with the CSPRNG (see VOUCHER_CODE_HASH for why it matters). */
export const CODE_LENGTH = 10;

/** A voucher's username is the batch prefix and 8 symbols (31^8 ≈ 8.5·10^11: a collision in a batch is rare and retried). */
export const USERNAME_SUFFIX_LENGTH = 8;

export function randomSymbols(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return out;
}

export function generateCode(): string {
  return randomSymbols(CODE_LENGTH);
}

/** `count` distinct usernames `<prefix><8 symbols>` (distinct within the batch; the database checks the rest). */
export function generateUsernames(prefix: string, count: number): string[] {
  const names = new Set<string>();
  while (names.size < count) names.add(prefix + randomSymbols(USERNAME_SUFFIX_LENGTH));
  return [...names];
}
