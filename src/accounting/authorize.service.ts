import { Inject, Injectable } from '@nestjs/common';
import { assertCredentialUsable } from '../auth-tokens/token-credential.js';
import { isTokenExpired } from '../auth-tokens/token-expiry.js';
import { hashTokenKey, isWellFormedTokenKey } from '../auth-tokens/token-key.js';
import { parseAuthorizationHeader } from '../auth/authorization-header.js';
import { secretsEqual } from '../auth/constant-time.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { isoUtc } from '../common/http/iso-date.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { BalanceRepository } from './balance.repository.js';
import type { AuthorizeRequestDto, AuthorizeResultDto, BalancePollDto } from './dto/authorize.dto.js';
import { SessionsRepository } from './sessions.repository.js';
import { authorizeDecisions } from '../observability/metrics.js';

type RejectReason = 'unknown_user' | 'inactive_user' | 'invalid_credentials' | 'token_expired' | 'no_balance';

const REJECT_MESSAGES: Record<RejectReason, string> = {
  unknown_user: 'Unknown user.',
  inactive_user: 'User inactive or deleted.',
  invalid_credentials: 'Invalid password or token.',
  token_expired: 'Token has expired.',
  no_balance: 'No time left on this account.',
};

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
    private readonly balances: BalanceRepository,
    private readonly passwords: PasswordHasher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** POST /api/v1/authorize/. */
  async authorize(request: AuthorizeRequestDto): Promise<AuthorizeResultDto> {
    return counted('http', await this.decide(request));
  }

  private async decide(request: AuthorizeRequestDto): Promise<AuthorizeResultDto> {
    if (request.password !== undefined && request.token !== undefined) {
      throw DomainError.field('non_field_errors', 'Give either a password or a token, not both.');
    }
    const now = this.clock.now();
    const subscriber = await this.sessions.findSubscriberBalance(request.username, now);
    const reject = (reason: RejectReason): AuthorizeResultDto => ({
      result: 'reject',
      username: request.username,
      reason,
      message: REJECT_MESSAGES[reason],
    });
    if (!subscriber) return reject('unknown_user');
    if (!subscriber.isActive) return reject('inactive_user');
    if (request.password !== undefined && !(await this.passwords.verify(subscriber.passwordHash, request.password))) {
      return reject('invalid_credentials');
    }
    if (request.token !== undefined) {
      if (!isWellFormedTokenKey(request.token) || subscriber.tokenKeyHash === null || !secretsEqual(hashTokenKey(request.token), subscriber.tokenKeyHash)) {
        return reject('invalid_credentials');
      }
      if (isTokenExpired(subscriber.tokenLastUsedAt!, subscriber.tokenLifetime, now)) return reject('token_expired');
    }
    if (subscriber.remainingSeconds <= 0) return reject('no_balance');
    return {
      result: 'accept',
      username: subscriber.username,
      session_timeout: subscriber.remainingSeconds,
      acct_interim_interval: this.config.accounting.interimIntervalSeconds,
    };
  }

  /**
   * RADIUS PAP (Access-Request): the one secret a subscriber types may be their password or a live
   * token (a captive portal's voucher). The same decision as `authorize`, tried as a password first.
   */
  async authorizePap(username: string, secret: string): Promise<AuthorizeResultDto> {
    const byPassword = await this.decide({ username, password: secret });
    if (byPassword.reason !== 'invalid_credentials' || !isWellFormedTokenKey(secret)) return counted('radius', byPassword);
    return counted('radius', await this.decide({ username, token: secret }));
  }

  /**
   * The captive-portal poll for the calling token: one read-only query (credential and balance
   * together), no write — not even the token's last-use stamp.
   */
  async poll(authorization: string | undefined): Promise<BalancePollDto> {
    const key = parseAuthorizationHeader(authorization);
    if (!isWellFormedTokenKey(key)) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token.');
    const now = this.clock.now();
    const row = await this.balances.findPollRow(hashTokenKey(key), now);
    assertCredentialUsable(row, now);
    const remaining = Math.max(0, Number(row!.storedBalance) - Number(row!.uncharged));
    const open = Number(row!.openSessions);
    const sessionTimeout = open > 0 ? Math.floor(remaining / open) : remaining;
    return {
      balance_seconds: remaining,
      status: remaining === 0 ? 'exhausted' : open > 0 ? 'active' : 'idle',
      session_timeout: sessionTimeout,
      expires_at: open > 0 ? isoUtc(new Date(now.getTime() + sessionTimeout * 1000)) : null,
    };
  }
}
