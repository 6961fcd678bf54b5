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
  organization: string;
  role: Role;
  permissions: string[];
  lastUsedAt: Date;
}

/** A credential read in the same query as what its route answers (see @AuthenticatedWith). */
export interface LoadedCredential extends TokenCredential {
  /** The subscriber's open sessions, counted by that query: they keep the key in use past its lifetime. */
  openSessions: number;
}

/**
 * A route's credential loader: one indexed lookup by key hash returning the credential and the
 * route's data, or nothing for an unknown key. The guard checks the credential like any other
 * (inactive user, expiry with open sessions counted as use) and writes nothing: such a route does not
 * refresh the key's sliding lifetime.
 */
export interface CredentialLoader<T extends LoadedCredential = LoadedCredential> {
  findCredentialByKeyHash(keyHash: string, now: Date): Promise<T | undefined>;
}

/**
 * Waldur's TokenAuthentication checks, in its order: unknown key, inactive user, expired token, with
 * the subscriber's session activity counted as use (see lastUseAt; null: none or not needed).
 * Shared by every way the guard authenticates a key (the credential alone, or with a route's loader).
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
    organization: credential.organization,
    role: credential.role,
    permissions: credential.permissions,
    capabilities: capabilitiesFor(credential.isStaff, credential.role, credential.permissions),
  };
}
