import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/** argon2id (memory-hard), wrapped so tests and callers never touch the library directly. */
@Injectable()
export class PasswordHasher {
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
}
