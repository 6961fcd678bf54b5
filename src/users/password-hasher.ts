import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

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
