import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { organizationInScopeSql, scopeParameter, type OrganizationScope } from '../auth/organization-scope.js';
import { queryNamed, rowsByPosition, type NamedStatement } from '../database/data-source-options.js';
import { GroupCommitQueue, READ_WINDOW_MS, type Outcome } from '../database/group-commit.js';
import type { TokenCredential } from './token-credential.js';
import { tokenExpiredSql, tokenLastUseSql } from './token-use-sql.js';

/** Credential reads under way at once; the reads arriving meanwhile share the next one (see AuthTokensRepository.credentials). */
const CREDENTIAL_READS_IN_FLIGHT = 4;

/** An auth-tokens listing row: the token joined with its user. */
export interface TokenWithUser {
  userId: number;
  created: Date;
  lastUsedAt: Date;
  uuid: string;
  firstName: string;
  lastName: string;
  username: string;
  isActive: boolean;
  isStaff: boolean;
  tokenLifetime: number | null;
  /** The owner's organization ('' without an AAA profile). */
  organization: string;
}

/** A token's owner, as the staff boundary and the organization scope see it. */
export interface TokenOwner {
  id: number;
  isStaff: boolean;
  organization: string;
}

/** The organization of the user `u` ('' without an AAA profile). */
const OWNER_ORGANIZATION = `COALESCE((SELECT p.organization FROM aaa_profiles p WHERE p.user_id = u.id), '')`;

const TOKEN_WITH_USER_COLUMNS = `
  t.user_id AS "userId", t.created AS "created", t.last_used_at AS "lastUsedAt", u.uuid AS "uuid",
  u.first_name AS "firstName", u.last_name AS "lastName", u.username AS "username",
  u.is_active AS "isActive", u.is_staff AS "isStaff", u.token_lifetime AS "tokenLifetime", ${OWNER_ORGANIZATION} AS "organization"`;

/** `$2`: whether staff accounts' tokens are included (only for staff callers). */
const VISIBLE_OWNER = `($2::boolean OR NOT u.is_staff)`;

/** Live: never expires, or used within its lifetime (its subscriber's sessions count as use). `$1` is now. */
const LIVE_TOKEN = `(u.token_lifetime IS NULL OR t.last_used_at + make_interval(secs => u.token_lifetime) > $1
                     OR ${tokenLastUseSql('t', '$1::timestamptz')} + make_interval(secs => u.token_lifetime) > $1)`;

/** A TokenCredential's columns, for the token row `t` joined with its user `u` and profile `p` (credential loaders select them too). */
export const CREDENTIAL_COLUMNS = `t.user_id AS "userId", u.uuid AS "uuid", u.username AS "username", u.is_active AS "isActive",
       u.is_staff AS "isStaff", u.token_lifetime AS "tokenLifetime", p.organization AS "organization", p.role AS "role",
       p.permissions AS "permissions", t.last_used_at AS "lastUsedAt"`;

/** Every authenticated request runs these, so they are prepared by name (planned once per connection). */
const CREDENTIAL_BY_KEY_HASH: NamedStatement = {
  name: 'auth_credential_by_key_hash',
  text: `SELECT ${CREDENTIAL_COLUMNS}
           FROM auth_tokens t
           JOIN users u ON u.id = t.user_id
           JOIN aaa_profiles p ON p.user_id = t.user_id
          WHERE t.key_hash = $1`,
};

/**
 * CREDENTIAL_BY_KEY_HASH for many keys at once (requests arriving together), each row numbered `n`
 * by its key's position; the hashes bound as char(64) like the column (looked up by its unique index).
 */
const CREDENTIALS_BY_KEY_HASH: NamedStatement = {
  name: 'auth_credentials_by_key_hash',
  text: `SELECT r.n, ${CREDENTIAL_COLUMNS}
           FROM unnest($1::char(64)[]) WITH ORDINALITY AS r (key_hash, n)
           JOIN auth_tokens t ON t.key_hash = r.key_hash
           JOIN users u ON u.id = t.user_id
           JOIN aaa_profiles p ON p.user_id = t.user_id`,
};

const TOUCH: NamedStatement = {
  name: 'auth_token_touch',
  text: 'UPDATE auth_tokens SET last_used_at = $3 WHERE user_id = $1 AND key_hash = $2 AND last_used_at < $4',
};

@Injectable()
export class AuthTokensRepository {
  /**
   * Credential reads: one arriving while none is under way is read at once (CREDENTIAL_BY_KEY_HASH);
   * the others gather for READ_WINDOW_MS, or until one of CREDENTIAL_READS_IN_FLIGHT reads is done,
   * and share the next statement (CREDENTIALS_BY_KEY_HASH).
   * Each read starts after its request arrived, so it sees every change committed before.
   */
  private readonly credentials = new GroupCommitQueue<string, TokenCredential | undefined>(
    { windowMs: READ_WINDOW_MS, startWhenIdle: true, maxItems: 100, maxGroupsInFlight: CREDENTIAL_READS_IN_FLIGHT },
    (keyHashes) => this.readCredentials(keyHashes),
  );

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findCredentialByKeyHash(keyHash: string): Promise<TokenCredential | undefined> {
    return this.credentials.submit(keyHash);
  }

  private async readCredentials(keyHashes: string[]): Promise<Outcome<TokenCredential | undefined>[]> {
    if (keyHashes.length === 1) {
      const rows = await queryNamed<TokenCredential>(this.dataSource, CREDENTIAL_BY_KEY_HASH, keyHashes);
      return [{ ok: true, value: rows[0] }];
    }
    const rows = await queryNamed<TokenCredential & { n: string }>(this.dataSource, CREDENTIALS_BY_KEY_HASH, [keyHashes]);
    return rowsByPosition(rows, keyHashes.length).map((row) => ({ ok: true, value: row }));
  }

  /**
   * The subscriber's session activity at `now` (see lastUseAt): `now` while a session is open, else
   * its sessions' latest update, null without sessions. Only asked for keys past their own lifetime.
   */
  async findSessionActivity(userId: number, now: Date): Promise<Date | null> {
    const rows: { at: Date | null }[] = await this.dataSource.query(
      `SELECT CASE WHEN bool_or(status = 'open') THEN $2::timestamptz ELSE max(last_update_at) END AS at
         FROM accounting_sessions WHERE user_id = $1`,
      [userId, now],
    );
    return rows[0]?.at ?? null;
  }

  /** Refreshes the last-use stamp unless another request (or replica) already did since `staleBefore`. */
  async touch(userId: number, keyHash: string, now: Date, staleBefore: Date): Promise<void> {
    await queryNamed(this.dataSource, TOUCH, [userId, keyHash, now, staleBefore]);
  }

  /** Creates the user's token or replaces its key (the old key stops working at once). */
  async upsert(userId: number, keyHash: string, now: Date, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO auth_tokens (user_id, key_hash, created, last_used_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (user_id) DO UPDATE SET key_hash = EXCLUDED.key_hash, created = EXCLUDED.created,
                                         last_used_at = EXCLUDED.last_used_at`,
      [userId, keyHash, now],
    );
  }

  async findLiveByUserId(userId: number, now: Date): Promise<TokenWithUser | undefined> {
    const rows: TokenWithUser[] = await this.dataSource.query(
      `SELECT ${TOKEN_WITH_USER_COLUMNS} FROM auth_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.user_id = $2 AND ${LIVE_TOKEN}`,
      [now, userId],
    );
    return rows[0];
  }

  /** Live tokens of owners in `scope`; `withStaff` false leaves out those of staff accounts. */
  async countLive(now: Date, withStaff: boolean, scope: OrganizationScope): Promise<number> {
    const rows: { count: string }[] = await this.dataSource.query(
      `SELECT count(*) AS count FROM auth_tokens t JOIN users u ON u.id = t.user_id
        WHERE ${LIVE_TOKEN} AND ${VISIBLE_OWNER} AND ${organizationInScopeSql(OWNER_ORGANIZATION, '$3')}`,
      [now, withStaff, scopeParameter(scope)],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** A page of live tokens of owners in `scope`, by user id; `withStaff` false leaves out those of staff accounts. */
  async findLivePage(now: Date, withStaff: boolean, scope: OrganizationScope, offset: number, limit: number): Promise<TokenWithUser[]> {
    return this.dataSource.query(
      `SELECT ${TOKEN_WITH_USER_COLUMNS} FROM auth_tokens t JOIN users u ON u.id = t.user_id
        WHERE ${LIVE_TOKEN} AND ${VISIBLE_OWNER} AND ${organizationInScopeSql(OWNER_ORGANIZATION, '$5')} ORDER BY t.user_id LIMIT $3 OFFSET $4`,
      [now, withStaff, limit, offset, scopeParameter(scope)],
    );
  }

  /** Runs `work` in one transaction; pass its manager to this repository's methods. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * The token's owner, share-locked until the transaction ends so it cannot become staff (or be
   * deleted) between the check and the revocation. Locks the user row before the token row, the
   * order every other writer of both uses.
   */
  async lockOwner(userId: number, manager: EntityManager): Promise<TokenOwner | undefined> {
    const rows: TokenOwner[] = await manager.query(
      `SELECT u.id, u.is_staff AS "isStaff", ${OWNER_ORGANIZATION} AS "organization" FROM users u WHERE u.id = $1 FOR SHARE OF u`,
      [userId],
    );
    return rows[0];
  }

  /** Deletes the user's token if it is live; returns whether there was one. */
  async deleteLiveByUserId(userId: number, now: Date, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const result: [unknown[], number] = await manager.query(
      `DELETE FROM auth_tokens t USING users u WHERE u.id = t.user_id AND t.user_id = $2 AND ${LIVE_TOKEN}`,
      [now, userId],
    );
    return result[1] > 0;
  }

  async deleteByUserId(userId: number, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query('DELETE FROM auth_tokens WHERE user_id = $1', [userId]);
  }

  /** Deletes up to `limit` tokens past their sliding lifetime (session activity counts as use); returns how many. */
  async deleteExpired(manager: EntityManager, now: Date, limit: number): Promise<number> {
    const result: [unknown[], number] = await manager.query(
      `DELETE FROM auth_tokens WHERE user_id IN (
         SELECT t.user_id FROM auth_tokens t JOIN users u ON u.id = t.user_id
          WHERE ${tokenExpiredSql('$1::timestamptz')}
          LIMIT $2)`,
      [now, limit],
    );
    return result[1];
  }
}
