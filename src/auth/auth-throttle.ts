import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError, ErrorCode, ThrottledError } from '../common/errors/domain-error.js';
import type { AuthFailureCode } from '../common/errors/http-exception.filter.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig, RateLimitConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { authFailures, rateLimited } from '../observability/metrics.js';
import { AuthThrottleRepository, type AttemptCounters, type CountedKey, type ThrottleKey, type ThrottleScope } from './auth-throttle.repository.js';
import { overLimit } from './rate-limit.js';

/** Longest username key kept for the per-username limit (User-Name may have 253 characters). */
const USERNAME_KEY_MAX = 150;
/** Longest Calling-Station-Id key kept (the attribute may have 253 octets). */
const STATION_KEY_MAX = 64;

/** Where a password or token check comes from, for the per-source limit. */
export type AttemptSource =
  /** The HTTP client's address (Fastify's `request.ip`, see TRUST_PROXY): POST /api/auth/login/. */
  | { clientIp: string }
  /** The subscriber's device as its gateway reports it (Calling-Station-Id, usually its MAC): authorize and RADIUS. */
  | { callingStation: string }
  /** Nothing that identifies the subscriber's device: only the per-username limit applies. */
  | undefined;

/** One password or token check about to happen. */
export interface PasswordAttempt {
  username: string;
  source: AttemptSource;
}

/** The counted attempt: released when the credential checks out, kept (a failure) otherwise. */
export interface Reservation {
  keys: CountedKey[];
}

export type ReserveResult = { allowed: true; reservation: Reservation } | { allowed: false; retryAfterSeconds: number };

/** The order keys are locked in within one statement (see AuthThrottleRepository.count). */
const SCOPE_ORDER: ThrottleScope[] = ['username', 'client_ip', 'calling_station', 'auth_failures_ip'];

/**
 * Rate limits on guessing credentials, counted in PostgreSQL (so replicas share one budget) in
 * fixed windows of RATE_LIMIT_WINDOW_SECONDS that start at a key's first counted attempt, on the
 * injected clock:
 * - every password or token check (login, POST /api/v1/authorize/, RADIUS Access-Request) first
 *   reserves one attempt per username and per source, in one atomic statement (for authorize and
 *   RADIUS, the statement that also reads the subscriber, and compares a key's digest); past either
 *   limit it is refused without being checked (and not counted). A credential that checks out gives its
 *   reservation back, so successful logins never count and subscribers behind one NAT are not
 *   locked out by each other's successes; a wrong one stays counted. N parallel attempts therefore
 *   check at most `limit` credentials;
 * - failed token authentications per IP (a wrong, expired or inactive user's key): past the limit
 *   they get 429 instead of 401. Valid keys are never throttled (keys have 160 bits: this limit is
 *   against scanning load, not guessing), so it counts after the fact.
 */
@Injectable()
export class AuthThrottle {
  private readonly limits: RateLimitConfig;
  private lastPurgeMs?: number;

  constructor(
    private readonly counters: AuthThrottleRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limits = config.rateLimits;
  }

  /** Reserves one attempt for the username and the source: one round trip, refused or not. */
  async reserve(attempt: PasswordAttempt): Promise<ReserveResult> {
    const counters = await this.countersFor(attempt);
    return counters ? this.verdict(await this.counters.reserve(counters), counters.at) : { allowed: true, reservation: { keys: [] } };
  }

  /**
   * The counters an attempt reserves, for a statement that reserves it itself (reservedAttemptSql);
   * expired counters are purged first when due. Undefined when no limit applies to it.
   */
  async countersFor(attempt: PasswordAttempt): Promise<AttemptCounters | undefined> {
    const keys = this.attemptKeys(attempt);
    if (keys.length === 0) return undefined;
    const at = this.clock.now();
    await this.purgeIfDue(at);
    return { keys, limits: keys.map((key) => this.limitOf(key.scope)), at, windowSeconds: this.limits.windowSeconds };
  }

  /**
   * The verdict on an attempt reserved at `at` (its keys as counted). A refused attempt was not
   * counted: only checked credentials use up the budget.
   */
  verdict(counted: CountedKey[], at: Date): ReserveResult {
    const over = overLimit(counted, (scope) => this.limitOf(scope), this.limits.windowSeconds, at);
    if (!over) return { allowed: true, reservation: { keys: counted } };
    rateLimited.inc({ limit: over.scope });
    return { allowed: false, retryAfterSeconds: over.retryAfterSeconds };
  }

  /** The credential checked out: the attempt does not count (in `manager`'s transaction when given). */
  async release(reservation: Reservation, manager?: EntityManager): Promise<void> {
    await this.counters.uncount(reservation.keys, manager);
  }

  /**
   * Runs a token authentication from `clientIp`; a failure (wrong or expired key, inactive user) is
   * counted for the IP and, past AUTH_FAILURE_RATE_LIMIT_PER_IP, becomes a 429.
   */
  async guardTokenAuthentication<T>(clientIp: string, authenticate: () => Promise<T>): Promise<T> {
    try {
      return await authenticate();
    } catch (error) {
      if (!(error instanceof DomainError) || !isTokenFailure(error.code) || this.limits.authFailuresPerIp === 0) throw error;
      const now = this.clock.now();
      await this.purgeIfDue(now);
      const counted = await this.counters.count([{ scope: 'auth_failures_ip', key: clientIp }], now, this.limits.windowSeconds);
      const over = overLimit(counted, (scope) => this.limitOf(scope), this.limits.windowSeconds, now);
      if (!over) throw error;
      this.onAuthFailure(error.code);
      rateLimited.inc({ limit: over.scope });
      throw new ThrottledError(over.retryAfterSeconds);
    }
  }

  /** Every authentication failure, as the exception filter turns it into a response: counted by reason. */
  onAuthFailure(code: AuthFailureCode): void {
    authFailures.inc({ reason: code });
  }

  private attemptKeys(attempt: PasswordAttempt): ThrottleKey[] {
    const keys: ThrottleKey[] = [{ scope: 'username', key: attempt.username.slice(0, USERNAME_KEY_MAX).toLowerCase() }];
    if (attempt.source && 'clientIp' in attempt.source) keys.push({ scope: 'client_ip', key: attempt.source.clientIp });
    if (attempt.source && 'callingStation' in attempt.source) {
      keys.push({ scope: 'calling_station', key: stationKey(attempt.source.callingStation) });
    }
    return keys
      .filter((key) => this.limitOf(key.scope) > 0 && key.key !== '')
      .sort((a, b) => SCOPE_ORDER.indexOf(a.scope) - SCOPE_ORDER.indexOf(b.scope));
  }

  private limitOf(scope: ThrottleScope): number {
    switch (scope) {
      case 'username':
        return this.limits.loginFailuresPerUsername;
      case 'client_ip':
      case 'calling_station':
        return this.limits.loginFailuresPerIp;
      case 'auth_failures_ip':
        return this.limits.authFailuresPerIp;
    }
  }

  /** Expired counters are deleted at most once a window per process, before a count. */
  private async purgeIfDue(now: Date): Promise<void> {
    const windowMs = this.limits.windowSeconds * 1000;
    if (this.lastPurgeMs !== undefined && Math.abs(now.getTime() - this.lastPurgeMs) < windowMs) return;
    this.lastPurgeMs = now.getTime();
    await this.counters.purgeExpired(now, this.limits.windowSeconds);
  }
}

function isTokenFailure(code: ErrorCode): code is ErrorCode.InvalidToken | ErrorCode.TokenExpired | ErrorCode.UserInactive {
  return code === ErrorCode.InvalidToken || code === ErrorCode.TokenExpired || code === ErrorCode.UserInactive;
}

/** A MAC address in any of its usual spellings (`AA-BB-…`, `aa:bb:…`, `aabb.cc…`) counts as one station. */
function stationKey(callingStation: string): string {
  const hex = callingStation.replace(/[-:.\s]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(hex) ? hex : callingStation.trim().slice(0, STATION_KEY_MAX).toLowerCase();
}
