import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { CREDENTIAL_COLUMNS } from '../auth-tokens/auth-tokens.repository.js';
import type { CredentialLoader, LoadedCredential } from '../auth-tokens/token-credential.js';
import { queryNamed, rowsByPosition, type NamedStatement } from '../database/data-source-options.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { liveSessionsSql, remainingBalanceSql, staleBeforeAt, unchargedSql } from './balance-sql.js';
import { GroupCommitQueue, READ_WINDOW_MS, type Outcome } from '../database/group-commit.js';

/** Poll reads under way at once; the polls arriving meanwhile share the next one (see BalanceRepository.polls). */
const POLLS_IN_FLIGHT = 4;

/** The poll: the caller's credential and balance figures in one round trip. */
export interface BalancePollRow extends LoadedCredential {
  storedBalance: string;
  uncharged: string;
  /** Open sessions still reporting: they share the balance. */
  liveSessions: number;
  /** The instant the figures are for (the query's `now`). */
  asOf: Date;
}

/** The poll's columns for the token row `t` and `now`, `staleBefore` (SQL): credential and balance figures together. */
function pollColumns(now: string, staleBefore: string): string {
  return `${CREDENTIAL_COLUMNS}, p.balance_seconds AS "storedBalance", ${unchargedSql('p', now, staleBefore)} AS "uncharged",
          ${liveSessionsSql('p', staleBefore)} AS "liveSessions"`;
}

/**
 * The poll's one query, prepared by name: planning it cost more than running it. `$1` key hash,
 * `$2` now, `$3` the stale cut-off. `uncharged` is what settling the subscriber now would move.
 */
const POLL_ROW: NamedStatement = {
  name: 'balance_poll_row',
  text: `SELECT ${pollColumns('$2::timestamptz', '$3::timestamptz')}
           FROM auth_tokens t
           JOIN users u ON u.id = t.user_id
           JOIN aaa_profiles p ON p.user_id = t.user_id
          WHERE t.key_hash = $1`,
};

/**
 * POLL_ROW for many polls arriving together (one round trip for all): `$1`–`$3` their key hashes,
 * nows and stale cut-offs, each row numbered `n` by its poll's position. The hashes are bound as
 * char(64) like the column, so each is looked up by its unique index.
 */
const POLL_ROWS: NamedStatement = {
  name: 'balance_poll_rows',
  text: `SELECT r.n, ${pollColumns('r.now', 'r.stale_before')}
           FROM unnest($1::char(64)[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS r (key_hash, now, stale_before, n)
           JOIN auth_tokens t ON t.key_hash = r.key_hash
           JOIN users u ON u.id = t.user_id
           JOIN aaa_profiles p ON p.user_id = t.user_id`,
};

interface PollRead {
  keyHash: string;
  now: Date;
}

/** Also the poll's credential loader (@AuthenticatedWith): the guard authenticates it with findCredentialByKeyHash. */
@Injectable()
export class BalanceRepository implements CredentialLoader<BalancePollRow> {
  /**
   * Polls read together: one arriving while none is under way is read at once (POLL_ROW); the others
   * gather for READ_WINDOW_MS, or until one of POLLS_IN_FLIGHT reads is done, and share the next
   * statement (POLL_ROWS). The same rows, each as of its own poll's now.
   */
  private readonly polls = new GroupCommitQueue<PollRead, BalancePollRow | undefined>(
    { windowMs: READ_WINDOW_MS, startWhenIdle: true, maxItems: 100, maxGroupsInFlight: POLLS_IN_FLIGHT },
    (reads) => this.readPolls(reads),
  );

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

  /** The poll's row. Read-only: one indexed lookup by key hash (shared with the polls arriving together); only stale burning sessions are read beside the profile. */
  findCredentialByKeyHash(keyHash: string, now: Date): Promise<BalancePollRow | undefined> {
    return this.polls.submit({ keyHash, now });
  }

  private async readPolls(reads: PollRead[]): Promise<Outcome<BalancePollRow | undefined>[]> {
    if (reads.length === 1) {
      const [{ keyHash, now }] = reads as [PollRead];
      const rows = await queryNamed<Omit<BalancePollRow, 'asOf'>>(this.dataSource, POLL_ROW, [keyHash, now, this.staleBefore(now)]);
      return [{ ok: true, value: rows[0] && { ...rows[0], asOf: now } }];
    }
    const rows = await queryNamed<Omit<BalancePollRow, 'asOf'> & { n: string }>(this.dataSource, POLL_ROWS, [
      reads.map((read) => read.keyHash), reads.map((read) => read.now), reads.map((read) => this.staleBefore(read.now)),
    ]);
    return rowsByPosition(rows, reads.length).map((row, index) => ({ ok: true, value: row && { ...row, asOf: reads[index]!.now } }));
  }
}
