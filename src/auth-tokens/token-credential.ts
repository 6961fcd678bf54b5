import { capabilitiesFor, type Principal, type Role } from '../auth/policy.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { isTokenExpired, lastUseAt } from './token-expiry.js';

/** What authenticating a key needs, read in one indexed query. */
export interface TokenCredential {
  userId: number;
  uuid: string;
  username: string;
  isActive: boolean;
  isStaff: boolean;
  tokenLifetime: number | null;
  role: Role;
  permissions: string[];
  lastUsedAt: Date;
}

/**
 * Waldur's TokenAuthentication checks, in its order: unknown key, inactive user, expired token, with
 * the subscriber's session activity counted as use (see lastUseAt; null: none or not needed).
 * Shared by the guard and the balance poll (which reads the credential in the same query as the balance).
 */
export function assertCredentialUsable(credential: TokenCredential | undefined, now: Date, sessionActivityAt: Date | null = null): TokenCredential {
  if (!credential) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token.');
  if (!credential.isActive) throw new DomainError(ErrorCode.UserInactive, 'User inactive or deleted.');
  if (isTokenExpired(lastUseAt(credential.lastUsedAt, sessionActivityAt), credential.tokenLifetime, now)) {
    throw new DomainError(ErrorCode.TokenExpired, 'Token has expired.');
  }
  return credential;
}

export function principalFrom(credential: TokenCredential): Principal {
  return {
    userId: credential.userId,
    uuid: credential.uuid,
    username: credential.username,
    isStaff: credential.isStaff,
    role: credential.role,
    permissions: credential.permissions,
    capabilities: capabilitiesFor(credential.isStaff, credential.role, credential.permissions),
  };
}
