import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { can, canActOn, Capability, Role, type Principal } from '../auth/policy.js';
import { DomainError } from '../common/errors/domain-error.js';
import { pageNumberHeaders, parsePageRequest, resolvePage } from '../common/pagination/page-number.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';
import type { UserResponseDto } from './dto/user-response.dto.js';
import { PasswordHasher } from './password-hasher.js';
import type { UserEntity } from './user.entity.js';
import { checkFields, emailRule, passwordRule, usernameRule } from './user-field-rules.js';
import { parseUserFilters } from './user-filters.js';
import { toUserResponse } from './user.mapper.js';
import { USERNAME_TAKEN_MESSAGE } from './user-rules.js';
import { parseUserUuid } from './user-uuid.js';
import { DEFAULT_PROFILE, isUsernameConflict, UsersRepository, type UserSummary } from './users.repository.js';

export const USERS_PATH = '/api/users/';

export interface UserListPage {
  results: UserResponseDto[];
  /** X-Result-Count and Link, Waldur's pagination headers. */
  headers: Record<string, string>;
}

export interface StaffWithToken {
  user: UserEntity;
  /** False when the account already existed (it was made active and staff). */
  created: boolean;
  /** The new plaintext key; only its hash is stored, so this is the one chance to see it. */
  token: string;
}

/** Fields a user may not change on their own account (only holders of users:manage may). */
const MANAGED_FIELDS = ['username', 'is_active', 'is_staff'] as const;

const usernameTaken = () => DomainError.field('username', USERNAME_TAKEN_MESSAGE);

/** The account rules behind `/api/users/` and the CLI: who may see and change what, and the defaults. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AuthTokensService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One page of accounts (by id) with the filters applied; the caller holds users:manage. */
  async list(query: RawQuery): Promise<UserListPage> {
    const requested = parsePageRequest(query);
    const filters = parseUserFilters(query);
    const count = await this.users.countMatching(filters);
    const page = resolvePage(requested, count);
    const users = await this.users.findPage(filters, page.offset, page.pageSize);
    return {
      results: users.map((user) => this.toResponse(user)),
      headers: pageNumberHeaders(page, count, { baseUrl: this.config.publicUrl, path: USERS_PATH, query }),
    };
  }

  /** Creates an account with the default AAA profile; the caller holds users:manage. */
  async create(dto: CreateUserDto): Promise<UserResponseDto> {
    if (await this.users.usernameTaken(dto.username)) throw usernameTaken();
    const passwordHash = dto.password === undefined ? null : await this.hasher.hash(dto.password);
    try {
      const user = await this.users.insertWithProfile(
        {
          username: dto.username,
          email: dto.email ?? '',
          firstName: dto.first_name ?? '',
          lastName: dto.last_name ?? '',
          passwordHash,
          isActive: dto.is_active ?? true,
          isStaff: dto.is_staff ?? false,
          tokenLifetime: dto.token_lifetime === undefined ? this.config.tokenLifetimeDefaultSeconds : dto.token_lifetime,
          now: this.clock.now(),
        },
        DEFAULT_PROFILE,
      );
      return this.toResponse(await this.reload(user.id));
    } catch (error) {
      // Another request took the name between the check and the insert.
      if (isUsernameConflict(error)) throw usernameTaken();
      throw error;
    }
  }

  /** The caller's own account, or anyone's with users:manage; otherwise it does not exist for them (404). */
  async retrieve(principal: Principal, rawUuid: string): Promise<UserResponseDto> {
    return this.toResponse(await this.findVisible(principal, rawUuid));
  }

  /** The caller's own account (Waldur's `me`). */
  async me(principal: Principal): Promise<UserResponseDto> {
    return this.toResponse(await this.reload(principal.userId));
  }

  /**
   * Partial update. Holders of users:manage may change every field; a user on their own account
   * may change names, e-mail, password and token lifetime, and gets 403 (nothing written) for an
   * attempt to change username, is_active or is_staff. Sending those fields unchanged is allowed.
   */
  async update(principal: Principal, rawUuid: string, dto: UpdateUserDto): Promise<UserResponseDto> {
    const user = await this.findVisible(principal, rawUuid);
    if (!can(principal, Capability.UsersManage)) {
      const current = { username: user.username, is_active: user.isActive, is_staff: user.isStaff };
      if (MANAGED_FIELDS.some((field) => dto[field] !== undefined && dto[field] !== current[field])) {
        throw DomainError.permissionDenied();
      }
    }
    if (dto.username !== undefined && (await this.users.usernameTaken(dto.username, user.id))) throw usernameTaken();
    const changes: Partial<Omit<UserEntity, 'id' | 'uuid'>> = { updatedAt: this.clock.now() };
    if (dto.username !== undefined) changes.username = dto.username;
    if (dto.email !== undefined) changes.email = dto.email;
    if (dto.first_name !== undefined) changes.firstName = dto.first_name;
    if (dto.last_name !== undefined) changes.lastName = dto.last_name;
    if (dto.is_active !== undefined) changes.isActive = dto.is_active;
    if (dto.is_staff !== undefined) changes.isStaff = dto.is_staff;
    if (dto.token_lifetime !== undefined) changes.tokenLifetime = dto.token_lifetime;
    if (dto.password !== undefined) changes.passwordHash = await this.hasher.hash(dto.password);
    try {
      await this.users.update(user.id, changes);
    } catch (error) {
      if (isUsernameConflict(error)) throw usernameTaken();
      throw error;
    }
    return this.toResponse(await this.reload(user.id));
  }

  /** Deletes an account with its profile and token; the caller holds users:manage and is not deleting themselves. */
  async destroy(principal: Principal, rawUuid: string): Promise<void> {
    const user = await this.findVisible(principal, rawUuid);
    if (user.id === principal.userId) throw DomainError.field('non_field_errors', 'You cannot delete your own account.');
    if (!(await this.users.delete(user.id))) throw DomainError.notFound();
  }

  /**
   * Bootstrap and recovery for operators (the CLI): creates a staff account with the admin role,
   * or makes the existing one active and staff (and sets the e-mail / password when given), then
   * issues it a fresh token, replacing any old one. All in one transaction.
   */
  async ensureStaffWithFreshToken(username: string, options: { email?: string; password?: string } = {}): Promise<StaffWithToken> {
    const errors = checkFields({
      username: [usernameRule, username],
      email: [emailRule, options.email],
      password: [passwordRule, options.password],
    });
    if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
    const passwordHash = options.password === undefined ? undefined : await this.hasher.hash(options.password);

    const attempt = () =>
      this.users.transaction(async (manager): Promise<StaffWithToken> => {
        const now = this.clock.now();
        const existing = await this.users.findByUsernameForUpdate(username, manager);
        let user: UserEntity;
        if (existing) {
          const changes: Partial<Omit<UserEntity, 'id' | 'uuid'>> = {};
          if (!existing.isActive) changes.isActive = true;
          if (!existing.isStaff) changes.isStaff = true;
          if (options.email !== undefined && options.email !== existing.email) changes.email = options.email;
          if (passwordHash !== undefined) changes.passwordHash = passwordHash;
          if (Object.keys(changes).length > 0) await this.users.update(existing.id, { ...changes, updatedAt: now }, manager);
          user = existing;
        } else {
          user = await this.users.insertWithProfile(
            {
              username,
              email: options.email ?? '',
              firstName: '',
              lastName: '',
              passwordHash: passwordHash ?? null,
              isActive: true,
              isStaff: true,
              tokenLifetime: this.config.tokenLifetimeDefaultSeconds,
              now,
            },
            { ...DEFAULT_PROFILE, role: Role.Admin },
            manager,
          );
        }
        const token = await this.tokens.issue(user.id, manager);
        return { user: await this.reload(user.id, manager), created: existing === null, token };
      });

    try {
      return await attempt();
    } catch (error) {
      // Two runs raced to create the same account: the loser finds it now and just takes a token.
      if (isUsernameConflict(error)) return attempt();
      throw error;
    }
  }

  /** Every account with its role and organization, for operators (the CLI). */
  listSummaries(): Promise<UserSummary[]> {
    return this.users.listSummaries();
  }

  private async findVisible(principal: Principal, rawUuid: string): Promise<UserEntity> {
    const uuid = parseUserUuid(rawUuid);
    const user = uuid === undefined ? null : await this.users.findByUuid(uuid);
    if (!user || !canActOn(principal, user.id, Capability.UsersManage)) throw DomainError.notFound();
    return user;
  }

  private async reload(id: number, manager?: EntityManager): Promise<UserEntity> {
    const user = await this.users.findById(id, manager);
    if (!user) throw DomainError.notFound();
    return user;
  }

  private toResponse(user: UserEntity): UserResponseDto {
    return toUserResponse(user, this.config.publicUrl);
  }
}
