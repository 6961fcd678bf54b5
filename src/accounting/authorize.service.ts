import { Inject, Injectable } from '@nestjs/common';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { hashTokenKey, isWellFormedTokenKey } from '../auth-tokens/token-key.js';
import { AuthThrottle } from '../auth/auth-throttle.js';
import type { OrganizationScope } from '../auth/organization-scope.js';
import { DomainError } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PasswordHasher } from '../users/password-hasher.js';
import type { AuthorizeRequestDto, AuthorizeResultDto } from './dto/authorize.dto.js';
import { SessionsRepository, type SubscriberBalance } from './sessions.repository.js';
import { authorizeDecisions } from '../observability/metrics.js';

/** Why a subscriber is rejected, besides `too_many_attempts` (whose message says when to retry). */
type RejectReason = 'inactive_user' | 'invalid_credentials' | 'token_expired' | 'voucher_expired' | 'no_balance' | 'too_many_sessions';

const REJECT_MESSAGES: Record<RejectReason, string> = {
  inactive_user: 'User inactive or deleted.',
  invalid_credentials: 'Invalid username, password or token.',
  token_expired: 'Token has expired.',
  voucher_expired: 'This voucher has expired.',
  no_balance: 'No time left on this account.',
  too_many_sessions: 'Too many sessions open for this account: end one first.',
};

/** The secret a subscriber typed: its password, one of its tokens, or for RADIUS PAP either. */
type Credential = { kind: 'password' | 'token' | 'pap'; secret: string };

/** Which credential checked out: the password, the token, or none (a wrong one, or an unknown user). */
type CredentialMatch = 'password' | 'token' | 'mismatch';

/**
 * Simultaneous-use, checked here as FreeRADIUS's Simultaneous-Use is: authorize creates no session,
 * so it counts the live open ones. Two logins racing before either Start arrives are both accepted
 * (the limit holds for the logins after those sessions started); accounting then records every
 * session a NAS reports, since refusing a Start would only lose the charge of time really used.
 */
function atSessionLimit(subscriber: SubscriberBalance): boolean {
  return subscriber.maxSessions !== null && subscriber.liveSessions >= subscriber.maxSessions;
}

/** Counts one decision in timegate_authorize_decisions_total and passes it on. */
function counted(source: 'http' | 'radius', decision: AuthorizeResultDto): AuthorizeResultDto {
  authorizeDecisions.inc({ source, result: decision.result, reason: decision.reason ?? 'none' });
  return decision;
}

/**
 * What a gateway asks before and during a session: may this subscriber start one now
 * (rlm_sqlcounter's question, answered with Session-Timeout = remaining seconds), and how much
 * time does the calling subscriber have left (the captive-portal poll, read-only).
 */
@Injectable()
export class AuthorizeService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly passwords: PasswordHasher,
    private readonly throttle: AuthThrottle,
    private readonly tokens: AuthTokensService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** POST /api/v1/authorize/, for the subscribers in the gateway's `scope` (anyone else is an unknown user). */
  async authorize(request: AuthorizeRequestDto, scope: OrganizationScope): Promise<AuthorizeResultDto> {
    if (request.password !== undefined && request.token !== undefined) {
      throw DomainError.field('non_field_errors', 'Give either a password or a token, not both.');
    }
    const credential: Credential | undefined =
      request.password !== undefined ? { kind: 'password', secret: request.password }
      : request.token !== undefined ? { kind: 'token', secret: request.token }
      : undefined;
    return counted('http', await this.decide(request.username, credential, request.calling_station_id, scope));
  }

  /**
   * RADIUS PAP (Access-Request): the one secret a subscriber types may be their password or a live
   * token (a captive portal's voucher). The same decision as `authorize`; a secret shaped like a key
   * is tried as the key first (no password hash for a portal's key), then as the password. One
   * attempt against the limits either way.
   */
  async authorizePap(username: string, secret: string, callingStation: string | undefined, scope: OrganizationScope): Promise<AuthorizeResultDto> {
    return counted('radius', await this.decide(username, { kind: 'pap', secret }, callingStation, scope));
  }

  /**
   * With a credential, the attempt is first reserved against the per-username limit and the
   * per-station one (Calling-Station-Id, when the gateway gives it): past either, `too_many_attempts`
   * and nothing is counted. The reservation is made by the statement that reads the subscriber,
   * which also compares a key's digest: a key that checks out is never counted, one round trip in
   * all. A password (or a PAP secret that is not the key) is verified here with argon2 and its
   * reservation given back when it checks out: two round trips. An unknown user and a wrong
   * credential get the same answer after the same work (one argon2 verification, or for a token
   * none). Inactive, expired and no balance are told only once the credential checked out. A
   * subscriber of another organization than `scope` is not even read: an unknown user, in every way.
   */
  private async decide(
    username: string, credential: Credential | undefined, callingStation: string | undefined, scope: OrganizationScope,
  ): Promise<AuthorizeResultDto> {
    const reject = (reason: RejectReason, message = REJECT_MESSAGES[reason]): AuthorizeResultDto => ({ result: 'reject', username, reason, message });
    const counters = credential
      ? await this.throttle.countersFor({ username, source: callingStation ? { callingStation } : undefined })
      : undefined;
    const now = this.clock.now();
    const keyHash = credential && credential.kind !== 'password' && isWellFormedTokenKey(credential.secret) ? hashTokenKey(credential.secret) : null;
    const { subscriber, attempt } = await this.sessions.findSubscriberForAttempt(username, now, keyHash, counters, scope);
    const reserved = attempt && counters ? this.throttle.verdict(attempt, counters.at) : undefined;
    if (reserved && !reserved.allowed) {
      return { result: 'reject', username, reason: 'too_many_attempts', message: `Too many failed attempts; retry in ${reserved.retryAfterSeconds} s.` };
    }
    const match = credential ? await this.check(subscriber, credential) : undefined;
    if (!subscriber || match === 'mismatch') return reject('invalid_credentials');
    // A matching key was not counted; a password that checks out gives its counted attempt back.
    if (reserved && match === 'password') await this.throttle.release(reserved.reservation);
    if (!subscriber.isActive) return reject('inactive_user');
    if (match === 'token' && subscriber.keyExpired) return reject('token_expired');
    const voucherSecondsLeft = subscriber.voucherExpiresAt && Math.floor((subscriber.voucherExpiresAt.getTime() - now.getTime()) / 1000);
    if (voucherSecondsLeft !== null && voucherSecondsLeft <= 0) return reject('voucher_expired');
    if (subscriber.remainingSeconds <= 0) return reject('no_balance');
    if (atSessionLimit(subscriber)) return reject('too_many_sessions');
    return {
      result: 'accept',
      username: subscriber.username,
      // A voucher's session ends when its validity does, if that comes before its time runs out.
      session_timeout: voucherSecondsLeft === null ? subscriber.remainingSeconds : Math.min(subscriber.remainingSeconds, voucherSecondsLeft),
      acct_interim_interval: this.config.accounting.interimIntervalSeconds,
    };
  }

  /**
   * The same work whether or not the subscriber exists. A key (a token, or a PAP secret shaped like
   * one: a portal's voucher) was compared by digest in the subscriber's statement, no argon2;
   * otherwise, or when it is not the key, one argon2 verification of the password.
   */
  private async check(subscriber: SubscriberBalance | undefined, credential: Credential): Promise<CredentialMatch> {
    if (credential.kind !== 'password' && subscriber?.keyMatches) return 'token';
    if (credential.kind === 'token') return 'mismatch';
    return (await this.passwords.verifyInConstantWork(subscriber?.passwordHash, credential.secret)) ? 'password' : 'mismatch';
  }

}
