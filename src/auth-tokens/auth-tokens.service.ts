import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { capabilitiesFor, type Principal } from '../auth/policy.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import { AuthTokensRepository, type TokenWithUser } from './auth-tokens.repository.js';
import { isTokenExpired, touchIntervalSeconds } from './token-expiry.js';
import { generateTokenKey, hashTokenKey, isWellFormedTokenKey } from './token-key.js';

@Injectable()
export class AuthTokensService {
  constructor(
    private readonly tokens: AuthTokensRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Resolves a presented key to the caller, as Waldur's TokenAuthentication does: unknown key,
   * inactive user, then expiry. A use refreshes the sliding lifetime at most once per touch interval,
   * so polling does not turn every read into a write; `refresh: false` makes a pure read.
   */
  async authenticate(key: string, options: { refresh: boolean } = { refresh: true }): Promise<Principal> {
    if (!isWellFormedTokenKey(key)) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token.');
    const keyHash = hashTokenKey(key);
    const credential = await this.tokens.findCredentialByKeyHash(keyHash);
    if (!credential) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token.');
    if (!credential.isActive) throw new DomainError(ErrorCode.UserInactive, 'User inactive or deleted.');
    const now = this.clock.now();
    if (isTokenExpired(credential.lastUsedAt, credential.tokenLifetime, now)) {
      throw new DomainError(ErrorCode.TokenExpired, 'Token has expired.');
    }
    if (options.refresh) {
      const staleBefore = new Date(now.getTime() - touchIntervalSeconds(credential.tokenLifetime) * 1000);
      if (credential.lastUsedAt < staleBefore) await this.tokens.touch(credential.userId, keyHash, now, staleBefore);
    }
    return {
      userId: credential.userId,
      uuid: credential.uuid,
      username: credential.username,
      isStaff: credential.isStaff,
      role: credential.role,
      permissions: credential.permissions,
      capabilities: capabilitiesFor(credential.isStaff, credential.role, credential.permissions),
    };
  }

  /** Issues a fresh key for the user (replacing any old one) and returns it; only its hash is kept. */
  async issue(userId: number, manager?: EntityManager): Promise<string> {
    const key = generateTokenKey();
    await this.tokens.upsert(userId, hashTokenKey(key), this.clock.now(), manager);
    return key;
  }

  async revoke(userId: number, manager?: EntityManager): Promise<void> {
    await this.tokens.deleteByUserId(userId, manager);
  }

  async findLive(userId: number): Promise<TokenWithUser | undefined> {
    return this.tokens.findLiveByUserId(userId, this.clock.now());
  }
}
