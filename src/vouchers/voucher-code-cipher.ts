import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { deriveKey, seal, unseal } from '../radius/nas-secret-cipher.js';

/** Binds a sealed code to vouchers.code_sealed: a sealed NAS secret cannot be passed off as a code, nor the reverse. */
const ASSOCIATED_DATA = Buffer.from('vouchers.code_sealed');
const PURPOSE = 'voucher-code v1';

/**
 * Voucher codes kept for printing the batch again: AES-256-GCM under a key derived from SECRETS_KEY
 * (the NAS secrets' cipher, with its own purpose and associated data). Without SECRETS_KEY nothing
 * is kept: the codes are shown once, in the creation response.
 */
@Injectable()
export class VoucherCodeCipher {
  private readonly key: Buffer | undefined;
  private readonly previousKey: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'secretsKey' | 'secretsKeyPrevious'>) {
    this.key = config.secretsKey === undefined ? undefined : deriveKey(config.secretsKey, PURPOSE);
    this.previousKey = config.secretsKeyPrevious === undefined ? undefined : deriveKey(config.secretsKeyPrevious, PURPOSE);
  }

  /** Whether codes are kept (SECRETS_KEY is set). */
  get keepsCodes(): boolean {
    return this.key !== undefined;
  }

  /** What to store for a code: sealed, or null without SECRETS_KEY. */
  protect(code: string): string | null {
    return this.key ? seal(code, this.key, ASSOCIATED_DATA) : null;
  }

  /** The code, or null when none was kept or neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS opens it. */
  reveal(stored: string | null): string | null {
    if (stored === null) return null;
    for (const key of [this.key, this.previousKey]) {
      if (!key) continue;
      try {
        return unseal(stored, key, ASSOCIATED_DATA);
      } catch {
        // Sealed under another key: try the next one.
      }
    }
    return null;
  }
}
