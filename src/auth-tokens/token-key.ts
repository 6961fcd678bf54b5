import { createHash, randomBytes } from 'node:crypto';

/** 20 random bytes from the CSPRNG, as 40 hex characters: 160 bits, the same form as DRF's keys. */
export function generateTokenKey(): string {
  return randomBytes(20).toString('hex');
}

/** Keys are high-entropy, so one SHA-256 is the right stored form: looked up by index, never reversible. */
export function hashTokenKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A key as we issue it; anything else is rejected before touching the database. */
export function isWellFormedTokenKey(key: string): boolean {
  return /^[0-9a-f]{40}$/.test(key);
}
