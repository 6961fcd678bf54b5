import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { CredentialLoader, LoadedCredential } from '../auth-tokens/token-credential.js';
import { queryNamed, type NamedStatement } from '../database/data-source-options.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { liveSessionsSql, remainingBalanceSql, staleBeforeAt, unchargedSql } from './balance-sql.js';

/** The poll: the caller's credential and balance figures in one round trip. */
export interface BalancePollRow extends LoadedCredential {
  storedBalance: string;
  uncharged: string;
  /** Open sessions still reporting: they share the balance. */
  liveSessions: number;
  /** The instant the figures are for (the query's `now`). */
  asOf: Date;
}

/**
 * The poll's one query, prepared by name: planning it cost more than running it. `$1` key hash,
 * `$2` now, `$3` the stale cut-off. `uncharged` is what settling the subscriber now would move.
 */
const POLL_ROW: NamedStatement = {
  name: 'balance_poll_row',
  text: `SELECT t.user_id AS "userId", u.uuid AS "uuid", u.username AS "username", u.is_active AS "isActive",
                u.is_staff AS "isStaff", u.token_lifetime AS "tokenLifetime", p.organization AS "organization", p.role AS "role",
                p.permissions AS "permissions", t.last_used_at AS "lastUsedAt",
                p.balance_seconds AS "storedBalance", ${unchargedSql('p', '$2::timestamptz', '$3::timestamptz')} AS "uncharged",
                ${liveSessionsSql('p', '$3::timestamptz')} AS "liveSessions"
           FROM auth_tokens t
           JOIN users u ON u.id = t.user_id
           JOIN aaa_profiles p ON p.user_id = t.user_id
          WHERE t.key_hash = $1`,
};

/** Also the poll's credential loader (@AuthenticatedWith): the guard authenticates it with findCredentialByKeyHash. */
@Injectable()
export class BalanceRepository implements CredentialLoader<BalancePollRow> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private staleBefore(now: Date): Date {
    return staleBeforeAt(now, this.config.accounting.staleAfterSeconds);
  }

  async findUserIdByUsername(username: string): Promise<number | undefined> {
    const rows: { id: number }[] = await this.dataSource.query('SELECT id FROM users WHERE username = $1', [username]);
    return rows[0]?.id;
  }

  async storedBalance(manager: EntityManager, userId: number): Promise<number> {
    const rows: { balance: string }[] = await manager.query('SELECT balance_seconds AS balance FROM aaa_profiles WHERE user_id = $1', [userId]);
    return Number(rows[0]?.balance ?? 0);
  }

  async setStoredBalance(manager: EntityManager, userId: number, seconds: number, now: Date): Promise<void> {
    await manager.query('UPDATE aaa_profiles SET balance_seconds = $2, updated_at = $3 WHERE user_id = $1', [userId, seconds, now]);
  }

  async remaining(userId: number, now: Date): Promise<number | undefined> {
    const rows: { remaining: string }[] = await this.dataSource.query(
      `SELECT ${remainingBalanceSql('p', '$2::timestamptz', '$3::timestamptz')} AS remaining FROM aaa_profiles p WHERE p.user_id = $1`,
      [userId, now, this.staleBefore(now)],
    );
    return rows[0] ? Number(rows[0].remaining) : undefined;
  }

  /** The poll's row. Read-only: one indexed lookup by key hash; only stale burning sessions are read beside the profile. */
  async findCredentialByKeyHash(keyHash: string, now: Date): Promise<BalancePollRow | undefined> {
    const rows = await queryNamed<Omit<BalancePollRow, 'asOf'>>(this.dataSource, POLL_ROW, [keyHash, now, this.staleBefore(now)]);
    return rows[0] && { ...rows[0], asOf: now };
  }
}
