import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UsersRepository } from '../users/users.repository.js';
import type { LoginDto } from './dto/login.dto.js';
import type { TokenDto } from './dto/token.dto.js';
import type { Principal } from './policy.js';

/** DRF's message for every failed login: unknown user, wrong password, no password, inactive user. */
export const INVALID_CREDENTIALS_MESSAGE = 'Unable to log in with provided credentials.';

@Injectable()
export class AuthService implements OnModuleInit {
  /** A real argon2id hash of a random secret, verified when there is no user hash so failures take as long. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AuthTokensService,
    @Inject(Clock) private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Computes the dummy hash at boot, so the first failed login is not slower than the rest. */
  async onModuleInit(): Promise<void> {
    await this.getDummyHash();
  }

  /**
   * Username + password → a new API key. Keys are stored only as hashes, so an existing key cannot
   * be handed back: every login issues a fresh one, replacing (and so revoking) the previous key.
   * Every failure gives the same message and costs one argon2 verification, so usernames do not leak.
   */
  async login(credentials: LoginDto): Promise<TokenDto> {
    const user = await this.users.findByUsername(credentials.username);
    const passwordOk = user?.passwordHash
      ? await this.hasher.verify(user.passwordHash, credentials.password)
      : await this.hasher.verify(await this.getDummyHash(), credentials.password).then(() => false);
    if (!user || !passwordOk || !user.isActive) {
      throw new DomainError(ErrorCode.InvalidCredentials, INVALID_CREDENTIALS_MESSAGE);
    }
    const token = await this.dataSource.transaction(async (manager) => {
      const key = await this.tokens.issue(user.id, manager);
      await this.users.recordLogin(user.id, this.clock.now(), manager);
      return key;
    });
    return { token };
  }

  /** Revokes the caller's key; they need to log in again. */
  async logout(principal: Principal): Promise<void> {
    await this.tokens.revoke(principal.userId);
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= this.hasher.hash(randomBytes(32).toString('hex'));
    return this.dummyHash;
  }
}
