import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** Marks a stored secret as sealed: `enc:v1:` + base64(iv ‖ GCM tag ‖ ciphertext). Anything else is a plaintext secret from before. */
export const SEALED_PREFIX = 'enc:v1:';
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
/** Binds a sealed value to its column: it cannot be moved into another place that uses the same key. */
const ASSOCIATED_DATA = Buffer.from('nas_clients.secret');

export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

/** The AES-256 key of a SECRETS_KEY (HKDF-SHA256, fixed salt; one purpose per kind of value sealed). */
export function deriveKey(secretsKey: string, purpose = 'nas-client-secret v1'): Buffer {
  return Buffer.from(hkdfSync('sha256', secretsKey, 'timegate-aaa', purpose, 32));
}

/** `associatedData` binds the sealed value to its column (default: nas_clients.secret). */
export function seal(plain: string, key: Buffer, associatedData: Buffer = ASSOCIATED_DATA): string {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData);
  const encrypted = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64');
}

/** The plaintext of a sealed value; throws if it was sealed under another key or altered. */
export function unseal(stored: string, key: Buffer, associatedData: Buffer = ASSOCIATED_DATA): string {
  const raw = Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_LENGTH));
  decipher.setAAD(associatedData);
  decipher.setAuthTag(raw.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH));
  return Buffer.concat([decipher.update(raw.subarray(IV_LENGTH + TAG_LENGTH)), decipher.final()]).toString('utf8');
}

export class SecretsKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsKeyError';
  }
}

/**
 * NAS client secrets at rest: sealed with AES-256-GCM under a key derived from SECRETS_KEY when it is
 * set, stored as given when not. Plaintext rows from before SECRETS_KEY read as they are.
 */
@Injectable()
export class NasSecretCipher {
  private readonly key: Buffer | undefined;
  /** SECRETS_KEY_PREVIOUS: still opens values sealed before a rotation, until they are sealed again. */
  private readonly previousKey: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'secretsKey' | 'secretsKeyPrevious'>) {
    this.key = config.secretsKey === undefined ? undefined : deriveKey(config.secretsKey);
    this.previousKey = config.secretsKeyPrevious === undefined ? undefined : deriveKey(config.secretsKeyPrevious);
  }

  get enabled(): boolean {
    return this.key !== undefined;
  }

  /** What to store for a secret. */
  protect(plain: string): string {
    return this.key ? seal(plain, this.key) : plain;
  }

  /** Whether a stored value is as `protect` writes it now: sealed under SECRETS_KEY, or plaintext without a key. */
  isCurrent(stored: string): boolean {
    if (!this.key) return !isSealed(stored);
    if (!isSealed(stored)) return false;
    try {
      unseal(stored, this.key);
      return true;
    } catch {
      return false;
    }
  }

  /** The secret a stored value holds (sealed under SECRETS_KEY or SECRETS_KEY_PREVIOUS, or plaintext). */
  reveal(stored: string): string {
    if (!isSealed(stored)) return stored;
    if (!this.key) throw new SecretsKeyError('A NAS client secret is encrypted and SECRETS_KEY is not set.');
    for (const key of [this.key, this.previousKey]) {
      if (!key) continue;
      try {
        return unseal(stored, key);
      } catch {
        // Sealed under another key: try the next one.
      }
    }
    throw new SecretsKeyError('A NAS client secret cannot be decrypted with SECRETS_KEY (nor SECRETS_KEY_PREVIOUS): was it sealed under another key?');
  }
}
