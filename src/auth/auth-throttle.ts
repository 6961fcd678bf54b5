import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode, ThrottledError } from '../common/errors/domain-error.js';
import type { AuthFailureCode } from '../common/errors/http-exception.filter.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { authFailures, rateLimited } from '../observability/metrics.js';
import { FixedWindowCounter } from './rate-limit.js';

/** Longest username key kept for the per-username limit (the column is 128 characters). */
const USERNAME_KEY_MAX = 150;

/**
 * Rate limits on guessing credentials, per client IP (Fastify's `request.ip`; set TRUST_PROXY behind
 * a reverse proxy) and per username, in memory per process, on the injected clock:
 * - failed logins per IP and per username: past either limit, logins from that IP / for that username
 *   are refused, right password or not, until the window ends. Unknown and existing usernames count and
 *   answer the same, so the limit reveals nothing. Successful logins and invalid bodies do not count,
 *   so users behind one NAT are not locked out by each other's successful logins;
 * - failed token authentications per IP (a wrong, expired or inactive user's key): past the limit they
 *   get 429 instead of 401. Valid keys are never throttled, so clients sharing a NAT with a scanner
 *   keep working (keys have 160 bits: the limit is against scanning load, not guessing).
 * Successful requests and requests without credentials cost nothing here.
 */
@Injectable()
export class AuthThrottle {
  private readonly loginFailuresPerIp: FixedWindowCounter;
  private readonly loginFailuresPerUsername: FixedWindowCounter;
  private readonly authFailuresPerIp: FixedWindowCounter;

  constructor(
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const { windowSeconds, loginFailuresPerIp, loginFailuresPerUsername, authFailuresPerIp } = config.rateLimits;
    const windowMs = windowSeconds * 1000;
    this.loginFailuresPerIp = new FixedWindowCounter(loginFailuresPerIp, windowMs);
    this.loginFailuresPerUsername = new FixedWindowCounter(loginFailuresPerUsername, windowMs);
    this.authFailuresPerIp = new FixedWindowCounter(authFailuresPerIp, windowMs);
  }

  /** Before a login is checked: refuses an IP or a username that has failed too often. */
  beforeLogin(ip: string, username: unknown): void {
    const now = this.clock.now().getTime();
    const ipWait = this.loginFailuresPerIp.waitSeconds(ip, now);
    if (ipWait > 0) throw this.throttled('login_ip', ipWait);
    const key = usernameKey(username);
    const userWait = key === undefined ? 0 : this.loginFailuresPerUsername.waitSeconds(key, now);
    if (userWait > 0) throw this.throttled('login_username', userWait);
  }

  /**
   * Every authentication failure, as the exception filter turns it into a response: counted by
   * reason, and answered with 429 instead when the IP has failed with keys too often.
   */
  onAuthFailure(code: AuthFailureCode, request: FastifyRequest): DomainError | undefined {
    authFailures.inc({ reason: code });
    const now = this.clock.now().getTime();
    switch (code) {
      case ErrorCode.InvalidCredentials: {
        this.loginFailuresPerIp.hit(request.ip, now);
        const key = usernameKey((request.body as { username?: unknown } | undefined)?.username);
        if (key !== undefined) this.loginFailuresPerUsername.hit(key, now);
        return undefined;
      }
      case ErrorCode.InvalidToken:
      case ErrorCode.TokenExpired:
      case ErrorCode.UserInactive: {
        const wait = this.authFailuresPerIp.hit(request.ip, now);
        return wait > 0 ? this.throttled('auth_failures_ip', wait) : undefined;
      }
      case ErrorCode.NotAuthenticated:
        return undefined;
    }
  }

  /** Forgets every count (tests). */
  reset(): void {
    this.loginFailuresPerIp.reset();
    this.loginFailuresPerUsername.reset();
    this.authFailuresPerIp.reset();
  }

  private throttled(limit: string, waitSeconds: number): ThrottledError {
    rateLimited.inc({ limit });
    return new ThrottledError(waitSeconds);
  }
}

/** Usernames as the limit counts them: case-folded, so case variants share one budget. */
function usernameKey(username: unknown): string | undefined {
  if (typeof username !== 'string' || username === '') return undefined;
  return username.slice(0, USERNAME_KEY_MAX).toLowerCase();
}
