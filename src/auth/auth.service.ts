import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { DomainError, ErrorCode, ThrottledError } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UsersRepository } from '../users/users.repository.js';
import { AuthThrottle } from './auth-throttle.js';
import type { LoginDto } from './dto/login.dto.js';
import type { TokenDto } from './dto/token.dto.js';
import type { Principal } from './policy.js';

/** DRF's message for every failed login: unknown user, wrong password, no password, inactive user. */
export const INVALID_CREDENTIALS_MESSAGE = 'Unable to log in with provided credentials.';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AuthTokensService,
    private readonly throttle: AuthThrottle,
    @Inject(Clock) private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Username + password → a new API key. Keys are stored only as hashes, so an existing key cannot
   * be handed back: every login issues a fresh one, replacing (and so revoking) the previous key.
   * The attempt is reserved against the per-username and per-IP limits before the password is
   * checked (429 past them); every failure gives the same message and costs one argon2
   * verification, so usernames do not leak. A successful login gives its reservation back.
   */
  async login(credentials: LoginDto, clientIp: string): Promise<TokenDto> {
    const attempt = await this.throttle.reserve({ username: credentials.username, source: { clientIp } });
    if (!attempt.allowed) throw new ThrottledError(attempt.retryAfterSeconds);
    const user = await this.users.findByUsername(credentials.username);
    const passwordOk = await this.hasher.verifyInConstantWork(user?.passwordHash, credentials.password);
    if (!user || !passwordOk || !user.isActive) {
      throw new DomainError(ErrorCode.InvalidCredentials, INVALID_CREDENTIALS_MESSAGE);
    }
    const token = await this.dataSource.transaction(async (manager) => {
      const key = await this.tokens.issue(user.id, manager);
      await this.users.recordLogin(user.id, this.clock.now(), manager);
      await this.throttle.release(attempt.reservation, manager);
      return key;
    });
    return { token };
  }

  /** Revokes the caller's key; they need to log in again. */
  async logout(principal: Principal): Promise<void> {
    await this.tokens.revoke(principal.userId);
  }
}
