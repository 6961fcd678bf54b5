import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

/**
 * The argon2id cost for voucher codes: 1 MiB, one pass (measured 1.2 ms on a loaded 2-core machine where a
 * password hash at the library's default, 64 MiB × 3 passes, took 1.9 s). 10,000 in seconds, not hours.
 * Safe because a code is not a human password: 10 symbols drawn by the CSPRNG from 31 (2^49.5
 * possibilities, see voucher-codes.ts) where a chosen password has perhaps 2^20 to 2^30. An attacker
 * holding the hashes must still try ~2^48.5 codes per voucher at a memory-hard cost; at a
 * (generous) million guesses per second that is over 10 years per voucher, for a few hours of time.
 * Online guessing is limited per username and station like any password.
 */
export const VOUCHER_CODE_HASH = { memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;

/** argon2id (memory-hard), wrapped so tests and callers never touch the library directly. */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** A real argon2id hash of a random secret, verified when there is no user hash so failures take as long. */
  private dummyHash?: Promise<string>;

  /** Computes the dummy hash at boot, so the first failed check is not slower than the rest. */
  async onModuleInit(): Promise<void> {
    await this.getDummyHash();
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  /**
   * A voucher code's hash: argon2id at VOUCHER_CODE_HASH's lower cost, its parameters in the hash
   * string as every argon2 hash has them, so `verify` needs nothing else to know.
   */
  hashVoucherCode(code: string): Promise<string> {
    return argon2.hash(code, { type: argon2.argon2id, ...VOUCHER_CODE_HASH });
  }

  /** False for a null hash (no password set) or a mismatch; never throws on a malformed hash. */
  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) return false;
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /**
   * Like `verify`, but always costs one argon2 verification: with no hash (unknown user, no password
   * set) it verifies against a dummy hash and answers false, so timing does not tell which it was.
   */
  async verifyInConstantWork(hash: string | null | undefined, password: string): Promise<boolean> {
    if (hash) return this.verify(hash, password);
    await this.verify(await this.getDummyHash(), password);
    return false;
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('hex'));
    return this.dummyHash;
  }
}
