import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import {
  canActOn,
  Capability,
  LAST_ACTIVE_STAFF_MESSAGE,
  leavesActiveStaff,
  passwordChangeRevokesKey,
  Role,
  type Principal,
  type StaffStanding,
} from '../auth/policy.js';
import { inScope, scopeOf } from '../auth/organization-scope.js';
import { DomainError } from '../common/errors/domain-error.js';
import { pageNumberHeaders, parsePageRequest, resolvePage } from '../common/pagination/page-number.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';
import type { UserResponseDto } from './dto/user-response.dto.js';
import { changedAccountFields, mayCreateAccount, mayDeleteAccount, mayUpdateAccount, type AccountState } from './account-policy.js';
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

const usernameTaken = () => DomainError.field('username', USERNAME_TAKEN_MESSAGE);

function accountStateOf(user: UserEntity): AccountState {
  return { username: user.username, isActive: user.isActive, isStaff: user.isStaff, tokenLifetime: user.tokenLifetime };
}

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

  /** One page of accounts (by id) with the filters applied, of the caller's organization unless staff; the caller holds users:manage. */
  async list(principal: Principal, query: RawQuery): Promise<UserListPage> {
    const requested = parsePageRequest(query);
    const filters = parseUserFilters(query);
    const scope = scopeOf(principal);
    const count = await this.users.countMatching(filters, scope);
    const page = resolvePage(requested, count);
    const users = await this.users.findPage(filters, scope, page.offset, page.pageSize);
    return {
      results: users.map((user) => this.toResponse(user)),
      headers: pageNumberHeaders(page, count, { baseUrl: this.config.publicUrl, path: USERS_PATH, query }),
    };
  }

  /**
   * Creates an account with the default AAA profile, in the caller's organization unless staff; the
   * caller holds users:manage (and is staff to create staff).
   */
  async create(principal: Principal, dto: CreateUserDto): Promise<UserResponseDto> {
    if (!mayCreateAccount(principal, dto.is_staff ?? false)) throw DomainError.permissionDenied();
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
        { ...DEFAULT_PROFILE, organization: scopeOf(principal).organization ?? DEFAULT_PROFILE.organization },
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
   * Partial update, decided on the locked row by account-policy.ts: holders of users:manage may
   * change every field of a non-staff account (only staff may change is_staff or a staff account);
   * users on their own account may change names, e-mail and password, and get 403 (nothing written)
   * for a change of username, is_active, is_staff or token_lifetime. Sending a stored value is no change.
   * A password set by someone else revokes the account's key; the last active staff account keeps
   * its standing (400).
   */
  async update(principal: Principal, rawUuid: string, dto: UpdateUserDto): Promise<UserResponseDto> {
    // An account the caller cannot see costs no password hash (404 first); the decision is made on the locked row.
    const { uuid } = await this.findVisible(principal, rawUuid);
    const passwordHash = dto.password === undefined ? undefined : await this.hasher.hash(dto.password);
    try {
      const userId = await this.users.transaction(async (manager) => {
        const user = await this.users.findByUuidForUpdate(uuid, manager);
        if (!user || !(await this.mayActOn(principal, user.id, manager))) throw DomainError.notFound();
        const current = accountStateOf(user);
        const desired: AccountState = {
          username: dto.username ?? current.username,
          isActive: dto.is_active ?? current.isActive,
          isStaff: dto.is_staff ?? current.isStaff,
          tokenLifetime: dto.token_lifetime === undefined ? current.tokenLifetime : dto.token_lifetime,
        };
        const changed = changedAccountFields(current, desired);
        const target = { id: user.id, isStaff: user.isStaff, ...(await this.users.findPowers(user.id, manager)) };
        if (!mayUpdateAccount(principal, target, changed, passwordHash !== undefined)) throw DomainError.permissionDenied();
        if (changed.has('username') && (await this.users.usernameTaken(desired.username, user.id, manager))) throw usernameTaken();
        await this.assertActiveStaffRemains(manager, user, desired);
        const changes: Partial<Omit<UserEntity, 'id' | 'uuid'>> = { ...desired, updatedAt: this.clock.now() };
        if (dto.email !== undefined) changes.email = dto.email;
        if (dto.first_name !== undefined) changes.firstName = dto.first_name;
        if (dto.last_name !== undefined) changes.lastName = dto.last_name;
        if (passwordHash !== undefined) changes.passwordHash = passwordHash;
        await this.users.update(user.id, changes, manager);
        if (passwordHash !== undefined && passwordChangeRevokesKey(principal, user.id)) await this.tokens.revoke(user.id, manager);
        return user.id;
      });
      return this.toResponse(await this.reload(userId));
    } catch (error) {
      if (isUsernameConflict(error)) throw usernameTaken();
      throw error;
    }
  }

  /**
   * Deletes an account with its profile and token; the caller holds users:manage, is not deleting
   * themselves, and is staff to delete a staff account. The last active staff account stays (400).
   */
  async destroy(principal: Principal, rawUuid: string): Promise<void> {
    const uuid = parseUserUuid(rawUuid);
    if (uuid === undefined) throw DomainError.notFound();
    await this.users.transaction(async (manager) => {
      const user = await this.users.findByUuidForUpdate(uuid, manager);
      if (!user || !(await this.mayActOn(principal, user.id, manager))) throw DomainError.notFound();
      if (user.id === principal.userId) throw DomainError.field('non_field_errors', 'You cannot delete your own account.');
      if (!mayDeleteAccount(principal, user)) throw DomainError.permissionDenied();
      await this.assertActiveStaffRemains(manager, user, null);
      if (!(await this.users.delete(user.id, manager))) throw DomainError.notFound();
    });
  }

  /**
   * Refuses (400) a change that takes `target` out of the active staff (`after` null: deletion)
   * when no other active staff account would remain, so operators can never lock themselves out.
   * Call it in the transaction that holds the target's row lock, before the write: the
   * staff-membership lock makes concurrent removals take turns, so two staff deleting each other
   * at once cannot both succeed.
   */
  async assertActiveStaffRemains(manager: EntityManager, target: StaffStanding & { id: number }, after: StaffStanding | null): Promise<void> {
    if (!leavesActiveStaff(target, after)) return;
    await this.users.lockStaffMembership(manager);
    if ((await this.users.countActiveStaffExcept(target.id, manager)) === 0) {
      throw DomainError.field('non_field_errors', LAST_ACTIVE_STAFF_MESSAGE);
    }
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
    if (!user || !(await this.mayActOn(principal, user.id))) throw DomainError.notFound();
    return user;
  }

  /** Own account, or anyone's in the caller's organization with users:manage (organization-scope.ts). */
  private async mayActOn(principal: Principal, userId: number, manager?: EntityManager): Promise<boolean> {
    if (!canActOn(principal, userId, Capability.UsersManage)) return false;
    return principal.userId === userId || inScope(scopeOf(principal), await this.users.findOrganization(userId, manager));
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
