import { remainingBalanceSql, staleBeforeAt } from '../accounting/balance-sql.js';
import { queryNamed, type NamedStatement } from '../database/data-source-options.js';
import { lockSubscriberProfiles } from '../database/subscriber-lock.js';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { organizationInScopeSql, scopeParameter, type OrganizationScope } from '../auth/organization-scope.js';
import type { Role } from '../auth/policy.js';
import type { LimitOffset } from '../common/pagination/limit-offset.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** A subscriber as the user_token API reads it: the user row joined with its AAA profile. */
export interface SubscriberRecord {
  id: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  isStaff: boolean;
  tokenLifetime: number | null;
  dateJoined: Date;
  lastLogin: Date | null;
  organization: string;
  role: Role;
  permissions: string[];
  maxSessions: number | null;
  /** The remaining balance, when the read asked for it. */
  balanceSeconds?: number;
}

/** With the remaining balance at the request's `now`. */
export interface SubscriberWithBalance extends SubscriberRecord {
  balanceSeconds: number;
}

/** A subscriber locked for a write: with whether the account is active (the last-staff rule needs it). */
export interface LockedSubscriber extends SubscriberWithBalance {
  isActive: boolean;
}

/** Exact-match filters of the list (`?username=&organization=`), inside the caller's scope. */
export interface SubscriberFilter {
  username?: string;
  organization?: string;
  scope: OrganizationScope;
}

export interface ProfileChanges {
  organization: string;
  role: Role;
  permissions: string[];
  maxSessions: number | null;
}

/** Positional parameters for one statement: `add` returns the `$n` placeholder of the value. */
class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const SUBSCRIBER_COLUMNS = `
  u.id AS "id", u.username AS "username", u.email AS "email", u.first_name AS "firstName",
  u.last_name AS "lastName", u.is_staff AS "isStaff", u.token_lifetime AS "tokenLifetime",
  u.date_joined AS "dateJoined", u.last_login AS "lastLogin",
  p.organization AS "organization", p.role AS "role", p.permissions AS "permissions",
  p.max_sessions AS "maxSessions"`;

const SUBSCRIBERS = 'users u JOIN aaa_profiles p ON p.user_id = u.id';

const FIND_BY_ID: NamedStatement = {
  name: 'user_token_find_by_id',
  text: `SELECT ${SUBSCRIBER_COLUMNS} FROM ${SUBSCRIBERS} WHERE u.id = $1`,
};

const FIND_BY_ID_WITH_BALANCE: NamedStatement = {
  name: 'user_token_find_by_id_with_balance',
  text: `SELECT ${SUBSCRIBER_COLUMNS}, ${remainingBalanceSql('p', '$2::timestamptz', '$3::timestamptz')} AS "balanceSeconds"
           FROM ${SUBSCRIBERS} WHERE u.id = $1`,
};

/**
 * A subscriber's remaining balance at `now`, exact to the second: the balance rule's one SQL
 * definition (stored balance − what settling its open sessions would move), over `p` (aaa_profiles).
 */
function remainingBalanceAt(params: SqlParams, now: Date, staleAfterSeconds: number): string {
  return remainingBalanceSql('p', `${params.add(now)}::timestamptz`, `${params.add(staleBeforeAt(now, staleAfterSeconds))}::timestamptz`);
}

function whereClause(filter: SubscriberFilter, params: SqlParams): string {
  const conditions: string[] = [organizationInScopeSql('p.organization', params.add(scopeParameter(filter.scope)))];
  if (filter.username !== undefined) conditions.push(`u.username = ${params.add(filter.username)}`);
  if (filter.organization !== undefined) conditions.push(`p.organization = ${params.add(filter.organization)}`);
  return `WHERE ${conditions.join(' AND ')}`;
}

/** PostgreSQL bigint arrives as a string; balances stay far below 2^53. */
function withNumericBalance<T extends SubscriberRecord>(row: T): T {
  return row.balanceSeconds === undefined ? row : { ...row, balanceSeconds: Number(row.balanceSeconds) };
}

/** The user_token API's SQL: subscribers (users + aaa_profiles) and their balances. */
@Injectable()
export class AaaProfilesRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async count(filter: SubscriberFilter): Promise<number> {
    const params = new SqlParams();
    const rows: { count: string }[] = await this.dataSource.query(
      `SELECT count(*) AS count FROM ${SUBSCRIBERS} ${whereClause(filter, params)}`,
      params.values,
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** One page ordered by id; `balanceAt` adds the remaining balance at that instant. */
  async findPage(filter: SubscriberFilter, page: LimitOffset, balanceAt?: Date): Promise<SubscriberRecord[]> {
    const params = new SqlParams();
    const balance = balanceAt ? `, ${remainingBalanceAt(params, balanceAt, this.config.accounting.staleAfterSeconds)} AS "balanceSeconds"` : '';
    const where = whereClause(filter, params);
    const rows: SubscriberRecord[] = await this.dataSource.query(
      `SELECT ${SUBSCRIBER_COLUMNS}${balance} FROM ${SUBSCRIBERS} ${where}
        ORDER BY u.id LIMIT ${params.add(page.limit)} OFFSET ${params.add(page.offset)}`,
      params.values,
    );
    return rows.map(withNumericBalance);
  }

  /** `balanceAt` adds the remaining balance at that instant. */
  /** A named prepared statement: captive portals poll `GET /{id}/?balance=true`, planning it each time cost more than running it. */
  async findById(id: number, balanceAt?: Date): Promise<SubscriberRecord | undefined> {
    const rows = balanceAt
      ? await queryNamed<SubscriberRecord>(this.dataSource, FIND_BY_ID_WITH_BALANCE, [id, balanceAt, staleBeforeAt(balanceAt, this.config.accounting.staleAfterSeconds)])
      : await queryNamed<SubscriberRecord>(this.dataSource, FIND_BY_ID, [id]);
    return rows[0] && withNumericBalance(rows[0]);
  }

  /**
   * Reads the subscriber in the caller's transaction and locks it until the transaction ends, so
   * concurrent writes serialize: the profile row first, then the user row (the one lock order of
   * lockSubscriberProfiles), the user row FOR NO KEY UPDATE so sessions and ledger rows can still be
   * inserted for it meanwhile.
   */
  async lockById(manager: EntityManager, id: number, now: Date): Promise<LockedSubscriber | undefined> {
    if ((await lockSubscriberProfiles(manager, [id])).length === 0) return undefined;
    const params = new SqlParams();
    const balance = remainingBalanceAt(params, now, this.config.accounting.staleAfterSeconds);
    const rows: LockedSubscriber[] = await manager.query(
      `SELECT ${SUBSCRIBER_COLUMNS}, u.is_active AS "isActive", ${balance} AS "balanceSeconds" FROM ${SUBSCRIBERS}
        WHERE u.id = ${params.add(id)} FOR NO KEY UPDATE OF u`,
      params.values,
    );
    return rows[0] && withNumericBalance(rows[0]);
  }

  /** Returns the subscriber's id, or undefined when there is none with this username. */
  async setMaxSessions(username: string, maxSessions: number | null, now: Date): Promise<number | undefined> {
    const rows: { id: number }[] = await this.dataSource.query(
      `WITH changed AS (UPDATE aaa_profiles p SET max_sessions = $2, updated_at = $3 FROM users u WHERE u.id = p.user_id AND u.username = $1 RETURNING u.id)
       SELECT id FROM changed`,
      [username, maxSessions, now],
    );
    return rows[0]?.id;
  }

  async updateProfile(manager: EntityManager, userId: number, changes: ProfileChanges, now: Date): Promise<void> {
    await manager.query(
      'UPDATE aaa_profiles SET organization = $2, role = $3, permissions = $4, max_sessions = $6, updated_at = $5 WHERE user_id = $1',
      [userId, changes.organization, changes.role, changes.permissions, now, changes.maxSessions],
    );
  }
}
