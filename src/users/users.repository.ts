import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Raw, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { AaaProfileEntity } from '../aaa-profiles/aaa-profile.entity.js';
import { organizationInScopeSql, scopeParameter, type OrganizationScope } from '../auth/organization-scope.js';
import { Role } from '../auth/policy.js';
import { lockSubscriberProfiles } from '../database/subscriber-lock.js';
import { inRetriedTransaction } from '../database/transient-conflict.js';
import { UserEntity } from './user.entity.js';

/** The AAA profile every account gets with it (defaults: no organization, role user, no balance). */
export interface NewProfile {
  organization: string;
  role: Role;
  permissions: string[];
  balanceSeconds: number;
  /** Simultaneous-use limit (null: none); omitted, none. */
  maxSessions?: number | null;
}

/** See insertSubscribers. */
export interface NewSubscribers {
  usernames: string[];
  passwordHashes: string[];
  organization: string;
  balanceSeconds: number;
  maxSessions: number | null;
  tokenLifetime: number | null;
  now: Date;
}

/**
 * Serializes the changes that take an account out of the active staff (transaction-level advisory
 * lock), so that two of them cannot both see another active staff account and leave none.
 */
const STAFF_MEMBERSHIP_LOCK_KEY = 724_100_010;

export const DEFAULT_PROFILE: NewProfile = { organization: '', role: Role.User, permissions: [], balanceSeconds: 0 };

export interface NewUser {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  passwordHash: string | null;
  isActive: boolean;
  isStaff: boolean;
  tokenLifetime: number | null;
  now: Date;
}

/** Exact-match filters of the users list; an absent key does not filter. */
export interface UserFilters {
  username?: string;
  isActive?: boolean;
  isStaff?: boolean;
}

/** An account with the AAA profile fields an operator wants to see at a glance (the CLI's list). */
export interface UserSummary {
  id: number;
  username: string;
  isStaff: boolean;
  isActive: boolean;
  role: Role;
  organization: string;
}

/** PostgreSQL's unique_violation on users.username. */
export function isUsernameConflict(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string }) ?? {};
  const code = driverError.driverError?.code ?? driverError.code;
  const constraint = driverError.driverError?.constraint ?? driverError.constraint;
  return code === '23505' && constraint === 'UQ_fe0bb3f6520ee0469504521e710';
}

@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(UserEntity);
  }

  /**
   * Creates an account: the user row and its AAA profile, in the caller's transaction when given.
   * Throws the driver's unique violation on a taken username (see isUsernameConflict).
   */
  async insertWithProfile(user: NewUser, profile: NewProfile, manager?: EntityManager): Promise<UserEntity> {
    const run = async (tx: EntityManager) => {
      const saved = await this.insert(user, tx);
      await tx.getRepository(AaaProfileEntity).insert({
        userId: saved.id,
        organization: profile.organization,
        role: profile.role,
        permissions: profile.permissions,
        balanceSeconds: profile.balanceSeconds,
        maxSessions: profile.maxSessions ?? null,
        updatedAt: user.now,
      });
      return saved;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /**
   * Many new plain subscribers (role user, same organization, balance and limit) in two set-based
   * statements, in the caller's transaction: `usernames[i]` gets `passwordHashes[i]`. Returns each new
   * account's id by username. The batch fails whole on a taken username (isUsernameConflict).
   */
  async insertSubscribers(manager: EntityManager, batch: NewSubscribers): Promise<Map<string, number>> {
    const users: { id: number; username: string }[] = await manager.query(
      `INSERT INTO users (username, password_hash, token_lifetime, date_joined, updated_at)
       SELECT n.username, n.password_hash, $3::integer, $4, $4 FROM unnest($1::text[], $2::text[]) AS n (username, password_hash)
       RETURNING id, username`,
      [batch.usernames, batch.passwordHashes, batch.tokenLifetime, batch.now],
    );
    await manager.query(
      `INSERT INTO aaa_profiles (user_id, organization, role, permissions, balance_seconds, max_sessions, updated_at)
       SELECT id, $2, $3, '{}', $4, $5::integer, $6 FROM unnest($1::integer[]) AS id`,
      [users.map((user) => user.id), batch.organization, Role.User, batch.balanceSeconds, batch.maxSessions, batch.now],
    );
    return new Map(users.map((user) => [user.username, user.id]));
  }

  private async insert(user: NewUser, manager?: EntityManager): Promise<UserEntity> {
    const entity = this.repo(manager).create({
      username: user.username,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      passwordHash: user.passwordHash,
      isActive: user.isActive,
      isStaff: user.isStaff,
      tokenLifetime: user.tokenLifetime,
      dateJoined: user.now,
      updatedAt: user.now,
    });
    return this.repo(manager).save(entity);
  }

  /** Runs `work` in one transaction (again, whole, on a deadlock); pass its manager to this and other repositories' methods. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inRetriedTransaction(this.dataSource, work);
  }

  /** The organization of an account ('' without an AAA profile). */
  async findOrganization(userId: number, manager: EntityManager = this.dataSource.manager): Promise<string> {
    const rows: { organization: string }[] = await manager.query('SELECT organization FROM aaa_profiles WHERE user_id = $1', [userId]);
    return rows[0]?.organization ?? '';
  }

  /** Only the filters that are set (TypeORM 1.x rejects undefined values in a `where`), inside `scope`. */
  private where(filters: UserFilters, scope: OrganizationScope): FindOptionsWhere<UserEntity> {
    const where: FindOptionsWhere<UserEntity> = {
      id: Raw((id) => organizationInScopeSql(`COALESCE((SELECT p.organization FROM aaa_profiles p WHERE p.user_id = ${id}), '')`, ':scope'), {
        scope: scopeParameter(scope),
      }),
    };
    if (filters.username !== undefined) where.username = filters.username;
    if (filters.isActive !== undefined) where.isActive = filters.isActive;
    if (filters.isStaff !== undefined) where.isStaff = filters.isStaff;
    return where;
  }

  countMatching(filters: UserFilters, scope: OrganizationScope): Promise<number> {
    return this.repo().countBy(this.where(filters, scope));
  }

  /** A page of the matching accounts of `scope` in a stable order (by id). */
  findPage(filters: UserFilters, scope: OrganizationScope, offset: number, limit: number): Promise<UserEntity[]> {
    return this.repo().find({ where: this.where(filters, scope), order: { id: 'ASC' }, skip: offset, take: limit });
  }

  /** Every account with its role and organization, by id. */
  async listSummaries(): Promise<UserSummary[]> {
    return this.dataSource.query(
      `SELECT u.id AS "id", u.username AS "username", u.is_staff AS "isStaff", u.is_active AS "isActive",
              coalesce(p.role, 'user') AS "role", coalesce(p.organization, '') AS "organization"
         FROM users u LEFT JOIN aaa_profiles p ON p.user_id = u.id
        ORDER BY u.id`,
    );
  }

  /** The account, row-locked until the transaction ends (`manager` must be a transaction's). */
  findByUsernameForUpdate(username: string, manager: EntityManager): Promise<UserEntity | null> {
    return this.lockInSubscriberOrder({ username }, manager);
  }

  /** The account by uuid, row-locked until the transaction ends (`manager` must be a transaction's). */
  findByUuidForUpdate(uuid: string, manager: EntityManager): Promise<UserEntity | null> {
    return this.lockInSubscriberOrder({ uuid }, manager);
  }

  /**
   * Locks an account in the one lock order of lockSubscriberProfiles: its profile row first, then the
   * users row FOR NO KEY UPDATE (sessions and ledger rows can still reference it meanwhile), so an
   * account change waits for a charge in progress instead of deadlocking with it.
   */
  private async lockInSubscriberOrder(where: { username: string } | { uuid: string }, manager: EntityManager): Promise<UserEntity | null> {
    const found = await this.repo(manager).findOne({ where, select: { id: true } });
    if (!found) return null;
    await lockSubscriberProfiles(manager, [found.id]);
    return this.repo(manager).findOne({ where: { ...where, id: found.id }, lock: { mode: 'for_no_key_update' } });
  }

  /** The role and permissions of the account's AAA profile (what the account can do besides is_staff). */
  async findPowers(userId: number, manager?: EntityManager): Promise<Pick<NewProfile, 'role' | 'permissions'>> {
    const profile = await (manager ?? this.dataSource.manager).getRepository(AaaProfileEntity).findOneBy({ userId });
    return { role: profile?.role ?? Role.User, permissions: profile?.permissions ?? [] };
  }

  /**
   * Takes the staff-membership lock until the transaction ends. Every change that removes an
   * account from the active staff takes it before counting who remains, so those changes run one
   * after the other and each counts what the previous one committed.
   */
  async lockStaffMembership(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [STAFF_MEMBERSHIP_LOCK_KEY]);
  }

  /** Active staff accounts other than `exceptUserId`. */
  async countActiveStaffExcept(exceptUserId: number, manager: EntityManager): Promise<number> {
    const rows: { count: string }[] = await manager.query(
      'SELECT count(*) AS count FROM users WHERE is_staff AND is_active AND id <> $1',
      [exceptUserId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  findById(id: number, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  findByUuid(uuid: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOneBy({ uuid });
  }

  findByUsername(username: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOneBy({ username });
  }

  async usernameTaken(username: string, exceptUserId?: number, manager?: EntityManager): Promise<boolean> {
    const user = await this.findByUsername(username, manager);
    return user !== null && user.id !== exceptUserId;
  }

  async update(id: number, changes: Partial<Omit<UserEntity, 'id' | 'uuid'>>, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, changes);
  }

  async recordLogin(id: number, at: Date, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { lastLogin: at });
  }

  /**
   * Deletes the account; its profile and token go with it (ON DELETE CASCADE), its sessions and
   * ledger rows stay without it. The profile is locked first (the one lock order of
   * lockSubscriberProfiles), so a deletion waits for a charge in progress instead of deadlocking with it.
   */
  async delete(id: number, manager?: EntityManager): Promise<boolean> {
    const run = async (tx: EntityManager) => {
      await lockSubscriberProfiles(tx, [id]);
      const result = await this.repo(tx).delete({ id });
      return (result.affected ?? 0) > 0;
    };
    return manager ? run(manager) : inRetriedTransaction(this.dataSource, run);
  }
}
