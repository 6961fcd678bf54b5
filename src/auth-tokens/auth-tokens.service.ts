import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { inScope, scopeOf } from '../auth/organization-scope.js';
import { Capability, can, canActOn, staffBoundaryAllows, type Principal } from '../auth/policy.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { isoUtc } from '../common/http/iso-date.js';
import { parsePathId } from '../common/http/path-id.js';
import { pageNumberHeaders, parsePageRequest, resolvePage } from '../common/pagination/page-number.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { userUrl } from '../users/user-uuid.js';
import { AuthTokensRepository, type TokenWithUser } from './auth-tokens.repository.js';
import type { AuthTokenDto } from './dto/auth-token.dto.js';
import { assertCredentialUsable, principalFrom, type CredentialLoader, type LoadedCredential, type TokenCredential } from './token-credential.js';
import { isTokenExpired, touchIntervalSeconds } from './token-expiry.js';
import { generateTokenKey, hashTokenKey, isWellFormedTokenKey } from './token-key.js';


export const AUTH_TOKENS_PATH = '/api/auth-tokens/';

/** A page of the listing: the bare array Waldur returns, and its X-Result-Count / Link headers. */
export interface AuthTokenPage {
  items: AuthTokenDto[];
  headers: Record<string, string>;
}

@Injectable()
export class AuthTokensService {
  constructor(
    private readonly tokens: AuthTokensRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Deletes up to `limit` tokens past their sliding lifetime, in the caller's transaction (the
   * scheduled accounting run expires them batch by batch); returns how many.
   */
  deleteExpired(manager: EntityManager, now: Date, limit: number): Promise<number> {
    return this.tokens.deleteExpired(manager, now, limit);
  }

  /**
   * Resolves a presented key to the caller, as Waldur's TokenAuthentication does: unknown key,
   * inactive user, then expiry. A use refreshes the sliding lifetime at most once per touch interval,
   * so polling does not turn every read into a write; `refresh: false` makes a pure read.
   */
  async authenticate(key: string, options: { refresh: boolean } = { refresh: true }): Promise<Principal> {
    if (!isWellFormedTokenKey(key)) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token.');
    const keyHash = hashTokenKey(key);
    const now = this.clock.now();
    const credential = await this.usableCredential(await this.tokens.findCredentialByKeyHash(keyHash), now);
    if (options.refresh) {
      const staleBefore = new Date(now.getTime() - touchIntervalSeconds(credential.tokenLifetime) * 1000);
      if (credential.lastUsedAt < staleBefore) await this.tokens.touch(credential.userId, keyHash, now, staleBefore);
    }
    return principalFrom(credential);
  }

  /**
   * Authenticates a key through a route's credential loader: its one query reads the credential with
   * the route's data; the same checks as `authenticate`, the open sessions it counted standing for the
   * session activity. Read-only: the key's last use is not refreshed.
   */
  async authenticateWith<T extends LoadedCredential>(key: string, loader: CredentialLoader<T>): Promise<T> {
    if (!isWellFormedTokenKey(key)) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token.');
    const now = this.clock.now();
    const loaded = await loader.findCredentialByKeyHash(hashTokenKey(key), now);
    await this.usableCredential(loaded, now, loaded?.openSessions);
    return loaded!;
  }

  /**
   * assertCredentialUsable with the subscriber's sessions counted as use. `openSessions`, when the
   * caller has already counted them, saves the look-up; it is only needed for a key past its own lifetime.
   */
  async usableCredential(credential: TokenCredential | undefined, now: Date, openSessions?: number): Promise<TokenCredential> {
    const activity = credential?.isActive
      ? await this.sessionActivityIfNeeded(credential.userId, credential.lastUsedAt, credential.tokenLifetime, now, openSessions)
      : null;
    return assertCredentialUsable(credential, now, activity);
  }

  private async sessionActivityIfNeeded(userId: number, lastUsedAt: Date, lifetimeSeconds: number | null, now: Date, openSessions?: number): Promise<Date | null> {
    if (!isTokenExpired(lastUsedAt, lifetimeSeconds, now)) return null;
    if (openSessions !== undefined && openSessions > 0) return now;
    return this.tokens.findSessionActivity(userId, now);
  }

  /** Issues a fresh key for the user (replacing any old one) and returns it; only its hash is kept. */
  async issue(userId: number, manager?: EntityManager): Promise<string> {
    const key = generateTokenKey();
    await this.tokens.upsert(userId, hashTokenKey(key), this.clock.now(), manager);
    return key;
  }

  async revoke(userId: number, manager?: EntityManager): Promise<void> {
    await this.tokens.deleteByUserId(userId, manager);
  }

  async findLive(userId: number): Promise<TokenWithUser | undefined> {
    return this.tokens.findLiveByUserId(userId, this.clock.now());
  }

  /**
   * Live tokens, ordered by user id, one Waldur page (`page`, `page_size`); the route needs
   * tokens:read_all. Staff tokens are listed to staff only (the staff boundary of policy.ts), and
   * only tokens of the caller's organization to anyone else (organization-scope.ts).
   */
  async list(principal: Principal, query: RawQuery): Promise<AuthTokenPage> {
    const requested = parsePageRequest(query);
    const now = this.clock.now();
    const withStaff = principal.isStaff;
    const scope = scopeOf(principal);
    const count = await this.tokens.countLive(now, withStaff, scope);
    const page = resolvePage(requested, count);
    const rows = await this.tokens.findLivePage(now, withStaff, scope, page.offset, page.pageSize);
    return {
      items: rows.map((row) => this.toDto(row)),
      headers: pageNumberHeaders(page, count, { baseUrl: this.config.publicUrl, path: AUTH_TOKENS_PATH, query }),
    };
  }

  /**
   * The caller's own live token, or anyone's for readers of all tokens and token managers; a staff
   * account's token only for staff. Invisible, expired, missing and malformed ids all answer the
   * same 404, so ids do not leak.
   */
  async retrieve(principal: Principal, rawUserId: string): Promise<AuthTokenDto> {
    const userId = parsePathId(rawUserId);
    if (userId === undefined || !this.mayRead(principal, userId)) throw DomainError.notFound();
    const row = await this.tokens.findLiveByUserId(userId, this.clock.now());
    if (!row || !staffBoundaryAllows(principal, { id: row.userId, isStaff: row.isStaff }) || !inScope(scopeOf(principal), row.organization)) {
      throw DomainError.notFound();
    }
    return this.toDto(row);
  }

  /**
   * Revokes a live token: the caller's own, or anyone's with TokensManage; a staff account's token
   * only by staff (for others it does not exist: 404, as for GET). The account is untouched.
   */
  async destroy(principal: Principal, rawUserId: string): Promise<void> {
    const userId = parsePathId(rawUserId);
    if (userId === undefined || !canActOn(principal, userId, Capability.TokensManage)) throw DomainError.notFound();
    const deleted = await this.tokens.transaction(async (manager) => {
      const owner = await this.tokens.lockOwner(userId, manager);
      if (!owner || !staffBoundaryAllows(principal, owner) || !inScope(scopeOf(principal), owner.organization)) return false;
      return this.tokens.deleteLiveByUserId(userId, this.clock.now(), manager);
    });
    if (!deleted) throw DomainError.notFound();
  }

  private mayRead(principal: Principal, userId: number): boolean {
    return canActOn(principal, userId, Capability.TokensReadAll) || can(principal, Capability.TokensManage);
  }

  /** Row → Waldur's item, fields in the documented order; the key (hash) never leaves the service. */
  private toDto(row: TokenWithUser): AuthTokenDto {
    const base = this.config.publicUrl;
    return {
      url: `${base}${AUTH_TOKENS_PATH}${row.userId}/`,
      created: isoUtc(row.created),
      user: userUrl(base, row.uuid),
      user_first_name: row.firstName,
      user_last_name: row.lastName,
      user_username: row.username,
      user_is_active: row.isActive,
      user_token_lifetime: row.tokenLifetime,
    };
  }
}
