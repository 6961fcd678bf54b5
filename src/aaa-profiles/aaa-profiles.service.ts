import { AccountingEvents } from '../accounting/accounting-events.js';
import { BalanceService } from '../accounting/balance.service.js';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { assertInScope, assertMayAssignOrganization, scopeOf } from '../auth/organization-scope.js';
import { passwordChangeRevokesKey, type Principal } from '../auth/policy.js';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import { limitOffsetPage, parseLimitOffset, type LimitOffsetPage } from '../common/pagination/limit-offset.js';
import { queryValue, type RawQuery } from '../common/pagination/query-url.js';
import { Clock } from '../common/time/clock.js';
import { inRetriedTransaction } from '../database/transient-conflict.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { USERNAME_TAKEN_MESSAGE } from '../users/user-rules.js';
import { isUsernameConflict, UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { AaaProfilesRepository, type SubscriberFilter, type SubscriberWithBalance } from './aaa-profiles.repository.js';
import { toCreatedUserTokenDto, toUpdatedUserTokenDto, toUserTokenDto } from './aaa-profiles.mapper.js';
import type { CreatedUserTokenDto, UpdatedUserTokenDto, UserTokenDto } from './dto/response.dto.js';
import { parseBalanceFlag } from './query-params.js';
import {
  changedFields,
  mayCreate,
  mayDelete,
  mayList,
  mayAttemptUpdate,
  mayUpdate,
  mayView,
  patchedState,
  replacedState,
  type EditableState,
  type FullSubscriberInput,
  type SubscriberInput,
} from './subscriber-policy.js';

export const USER_TOKEN_PATH = '/api/v1/user_token/';

function stateOf(record: SubscriberWithBalance): EditableState {
  return {
    username: record.username,
    organization: record.organization,
    email: record.email,
    firstName: record.firstName,
    lastName: record.lastName,
    role: record.role,
    permissions: record.permissions,
    balanceSeconds: record.balanceSeconds,
    tokenLifetime: record.tokenLifetime,
    maxSessions: record.maxSessions,
  };
}

/** A filter value from the query; empty means "not filtered", as django-filter does. */
function filterValue(query: RawQuery, key: string): string | undefined {
  const value = queryValue(query, key);
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The user_token API: subscribers (account + AAA profile + token) and their balances.
 * Visibility, field-level authorization and anti-escalation are decided here (subscriber-policy.ts),
 * inside the caller's organization (organization-scope.ts): other tenants' subscribers answer 404.
 */
@Injectable()
export class AaaProfilesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly profiles: AaaProfilesRepository,
    private readonly users: UsersRepository,
    private readonly accounts: UsersService,
    private readonly tokens: AuthTokensService,
    private readonly hasher: PasswordHasher,
    private readonly balances: BalanceService,
    private readonly events: AccountingEvents,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Needs subscribers:read (the route's guard checks it first; checked again for other callers). */
  async list(principal: Principal, query: RawQuery): Promise<LimitOffsetPage<UserTokenDto>> {
    if (!mayList(principal)) throw DomainError.permissionDenied();
    const withBalance = parseBalanceFlag(queryValue(query, 'balance'));
    const page = parseLimitOffset(query);
    const filter: SubscriberFilter = {
      username: filterValue(query, 'username'),
      organization: filterValue(query, 'organization'),
      scope: scopeOf(principal),
    };
    const count = await this.profiles.count(filter);
    const balanceAt = withBalance ? this.clock.now() : undefined;
    const records = count > page.offset ? await this.profiles.findPage(filter, page, balanceAt) : [];
    return limitOffsetPage(records.map(toUserTokenDto), count, page, {
      baseUrl: this.config.publicUrl,
      path: USER_TOKEN_PATH,
      query,
    });
  }

  async retrieve(principal: Principal, id: number, query: RawQuery): Promise<UserTokenDto> {
    const withBalance = parseBalanceFlag(queryValue(query, 'balance'));
    if (!mayView(principal, id)) throw DomainError.notFound();
    const record = await this.profiles.findById(id, withBalance ? this.clock.now() : undefined);
    if (!record) throw DomainError.notFound();
    assertInScope(scopeOf(principal), record.organization);
    return toUserTokenDto(record);
  }

  /** Account, profile and token in one transaction; the key is returned this once only. */
  async create(principal: Principal, input: FullSubscriberInput): Promise<CreatedUserTokenDto> {
    const state = replacedState(input, this.config.tokenLifetimeDefaultSeconds);
    if (!mayCreate(principal, state)) throw DomainError.permissionDenied();
    assertMayAssignOrganization(scopeOf(principal), state.organization);
    const passwordHash = input.password === undefined ? null : await this.hasher.hash(input.password);
    const now = this.clock.now();
    return this.withUsernameConflict(() =>
      inRetriedTransaction(this.dataSource, async (manager) => {
        await this.assertUsernameFree(state.username, undefined, manager);
        const user = await this.users.insertWithProfile(
          {
            username: state.username,
            email: state.email,
            firstName: state.firstName,
            lastName: state.lastName,
            passwordHash,
            isActive: true,
            isStaff: false,
            tokenLifetime: state.tokenLifetime,
            now,
          },
          { organization: state.organization, role: state.role, permissions: state.permissions, balanceSeconds: 0, maxSessions: state.maxSessions },
          manager,
        );
        if (state.balanceSeconds > 0) {
          await this.balances.set(user.id, state.balanceSeconds, { actorUserId: principal.userId, reason: 'initial balance' }, manager);
        }
        const token = await this.tokens.issue(user.id, manager);
        return toCreatedUserTokenDto({ ...state, id: user.id, isStaff: false, dateJoined: user.dateJoined, lastLogin: null }, token);
      }),
    );
  }

  /** PUT: required fields required, omitted optional fields reset to their defaults, the password kept unless given. */
  replace(principal: Principal, id: number, input: FullSubscriberInput): Promise<UpdatedUserTokenDto> {
    return this.update(principal, id, input, 'PUT', () => replacedState(input, this.config.tokenLifetimeDefaultSeconds));
  }

  /** PATCH: only the given fields. */
  partialUpdate(principal: Principal, id: number, input: SubscriberInput): Promise<UpdatedUserTokenDto> {
    return this.update(principal, id, input, 'PATCH', (current) => patchedState(current, input));
  }

  /** Removes the account; its profile and token go with it (ON DELETE CASCADE). The last active staff account stays (400). */
  async destroy(principal: Principal, id: number): Promise<void> {
    if (!mayView(principal, id)) throw DomainError.notFound();
    await inRetriedTransaction(this.dataSource, async (manager) => {
      const target = await this.profiles.lockById(manager, id, this.clock.now());
      if (!target) throw DomainError.notFound();
      assertInScope(scopeOf(principal), target.organization);
      if (!mayDelete(principal, target)) throw DomainError.permissionDenied();
      await this.accounts.assertActiveStaffRemains(manager, target, null);
      await this.users.delete(id, manager);
    });
  }

  /**
   * One transaction: lock the subscriber, work out what actually changes, authorize exactly that,
   * then write the user row, the profile and (only when it changes) the balance. A password set
   * for someone else revokes their key (see passwordChangeRevokesKey).
   */
  private async update(
    principal: Principal,
    id: number,
    input: SubscriberInput,
    method: 'PUT' | 'PATCH',
    desiredFrom: (current: EditableState) => EditableState,
  ): Promise<UpdatedUserTokenDto> {
    if (!mayView(principal, id)) throw DomainError.notFound();
    const passwordGiven = input.password !== undefined;
    if (!mayAttemptUpdate(principal, passwordGiven)) throw DomainError.permissionDenied();
    const passwordHash = input.password === undefined ? undefined : await this.hasher.hash(input.password);
    const now = this.clock.now();
    const { dto, balanceChanged } = await this.withUsernameConflict(() =>
      inRetriedTransaction(this.dataSource, async (manager) => {
        const target = await this.profiles.lockById(manager, id, now);
        if (!target) throw DomainError.notFound();
        assertInScope(scopeOf(principal), target.organization);
        const current = stateOf(target);
        const desired = desiredFrom(current);
        if (!mayUpdate(principal, target, current, desired, passwordGiven)) throw DomainError.permissionDenied();
        const changed = changedFields(current, desired);
        if (changed.has('organization')) assertMayAssignOrganization(scopeOf(principal), desired.organization);
        if (changed.has('username')) await this.assertUsernameFree(desired.username, id, manager);
        await this.users.update(
          id,
          {
            username: desired.username,
            email: desired.email,
            firstName: desired.firstName,
            lastName: desired.lastName,
            tokenLifetime: desired.tokenLifetime,
            updatedAt: now,
            ...(passwordHash === undefined ? {} : { passwordHash }),
          },
          manager,
        );
        await this.profiles.updateProfile(manager, id, desired, now);
        if (passwordGiven && passwordChangeRevokesKey(principal, id)) await this.tokens.revoke(id, manager);
        const change = changed.has('balanceSeconds')
          ? await this.balances.set(id, desired.balanceSeconds, { actorUserId: principal.userId, reason: `${method} /api/v1/user_token/${id}/` }, manager)
          : undefined;
        return { dto: toUpdatedUserTokenDto({ ...target, ...desired }, now), balanceChanged: change !== undefined && change.balance !== change.previous };
      }),
    );
    // Committed: the NAS of the subscriber's open sessions gets the new Session-Timeout.
    if (balanceChanged) await this.events.balancesChanged([id]);
    return dto;
  }

  /** The CLI's `subscribers:max-sessions`: the simultaneous-use limit of the subscriber with this username. Returns its id. */
  async setMaxSessionsByUsername(username: string, maxSessions: number | null): Promise<number> {
    const userId = await this.profiles.setMaxSessions(username, maxSessions, this.clock.now());
    if (userId === undefined) throw DomainError.notFound(`No subscriber named "${username}".`);
    return userId;
  }

  private async assertUsernameFree(username: string, exceptUserId: number | undefined, manager: EntityManager): Promise<void> {
    if (await this.users.usernameTaken(username, exceptUserId, manager)) throw DomainError.field('username', USERNAME_TAKEN_MESSAGE);
  }

  /** A concurrent request may take the username between the check and the write: same 400. */
  private async withUsernameConflict<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUsernameConflict(error)) throw DomainError.field('username', USERNAME_TAKEN_MESSAGE);
      throw error;
    }
  }
}
