import type { Type } from '@nestjs/common';
import type { CredentialLoader } from '../auth-tokens/token-credential.js';

/** The injectable class of a route's credential loader (resolved by the guard from the app's providers). */
export type CredentialLoaderType = Type<CredentialLoader>;

/** AAA roles a profile can hold. `gateway` is a service account for NAS / captive-portal gateways. */
export enum Role {
  Admin = 'admin',
  Moderator = 'moderator',
  User = 'user',
  Gateway = 'gateway',
}

export const ROLES: readonly Role[] = Object.values(Role);

/** What a caller may do. Granted by `is_staff`, by the profile's role, and by named permissions. */
export enum Capability {
  /** List every auth token (Waldur: staff only). */
  TokensReadAll = 'tokens:read_all',
  /** Revoke any user's token. */
  TokensManage = 'tokens:manage',
  /** List and read every subscriber's user_token record and balance. */
  SubscribersRead = 'subscribers:read',
  /** Create, replace and delete subscribers; change their role and permissions. */
  SubscribersWrite = 'subscribers:write',
  /** Change a subscriber's balance (top-ups, corrections). */
  BalancesWrite = 'balances:write',
  /** Manage accounts under /api/users/ (Waldur: staff only). */
  UsersManage = 'users:manage',
  /** Send accounting records and authorization requests for any subscriber (gateways). */
  AccountingWrite = 'accounting:write',
  /** Read any subscriber's sessions and balance ledger. */
  AccountingRead = 'accounting:read',
  /** See and start accounting runs (staff). */
  AccountingRuns = 'accounting:runs',
  /** Manage the RADIUS NAS clients and their shared secrets (staff). */
  NasManage = 'nas:manage',
  /** Cut a session off with a Disconnect-Request to its NAS (admins, within their scope; staff). */
  SessionsDisconnect = 'sessions:disconnect',
}

export const CAPABILITIES: readonly Capability[] = Object.values(Capability);

const ROLE_CAPABILITIES: Record<Role, readonly Capability[]> = {
  [Role.Admin]: [
    Capability.SubscribersRead, Capability.SubscribersWrite, Capability.BalancesWrite, Capability.TokensManage, Capability.AccountingRead,
    Capability.SessionsDisconnect,
  ],
  [Role.Moderator]: [Capability.SubscribersRead, Capability.BalancesWrite, Capability.AccountingRead],
  [Role.Gateway]: [Capability.SubscribersRead, Capability.AccountingWrite],
  [Role.User]: [],
};

/** The authenticated caller, as the guard attaches it to the request. */
export interface Principal {
  userId: number;
  uuid: string;
  username: string;
  isStaff: boolean;
  /** The tenant whose objects the role's capabilities apply to (see organization-scope.ts). */
  organization: string;
  role: Role;
  permissions: readonly string[];
  capabilities: ReadonlySet<Capability>;
}

/**
 * Effective capabilities: staff get everything; otherwise the role's set plus any permission
 * whose name is a capability (e.g. `"balances:write"`). Other permission strings are labels
 * for the client (the seed's `["read", "write"]`) and grant nothing beyond the caller's own record.
 */
export function capabilitiesFor(isStaff: boolean, role: Role, permissions: readonly string[]): ReadonlySet<Capability> {
  if (isStaff) return new Set(CAPABILITIES);
  const granted = new Set<Capability>(ROLE_CAPABILITIES[role] ?? []);
  for (const permission of permissions) {
    if ((CAPABILITIES as readonly string[]).includes(permission)) granted.add(permission as Capability);
  }
  return granted;
}

export function can(principal: Principal, capability: Capability): boolean {
  return principal.capabilities.has(capability);
}

/** May the caller act on this user's own records (self) or on anyone's with the capability? */
export function canActOn(principal: Principal, ownerUserId: number, capability: Capability): boolean {
  return principal.userId === ownerUserId || can(principal, capability);
}

/** An account an action is about: whose it is, and whether it is staff and active. */
export interface AccountRef {
  id: number;
  isStaff: boolean;
}

/**
 * The staff boundary: a staff account is handled only by staff. A caller who is not staff may not
 * change, deactivate, delete, reset the password of, read the token of or revoke the token of a
 * staff account, whatever capabilities it holds (a `users:manage` or `tokens:manage` holder included).
 */
export function staffBoundaryAllows(principal: Principal, target: AccountRef): boolean {
  return principal.isStaff || !target.isStaff;
}

/** Only staff may grant or take away `is_staff` (on any account, their own included). */
export function mayChangeStaffFlag(principal: Principal): boolean {
  return principal.isStaff;
}

/** What an account can do: enough to work out its capabilities. */
export interface AccountPowers {
  isStaff: boolean;
  role: Role;
  permissions: readonly string[];
}

/**
 * Does the caller hold every capability of an account with these powers? Anti-escalation: a role or
 * permission is granted, and another account's password set (no account takeover), only then.
 */
export function holdsEveryCapabilityOf(principal: Principal, target: AccountPowers): boolean {
  for (const capability of capabilitiesFor(target.isStaff, target.role, target.permissions)) {
    if (!can(principal, capability)) return false;
  }
  return true;
}

/**
 * A password change revokes the account's key (one per account), except when callers change their
 * own password: then the key they are using is that key, and it keeps working (as Django keeps the
 * session of a user who changes their own password). A reset by someone else logs the account out.
 */
export function passwordChangeRevokesKey(principal: Principal, targetUserId: number): boolean {
  return principal.userId !== targetUserId;
}

/** Whether an account is in the active staff, the operators who can always get back in. */
export interface StaffStanding {
  isStaff: boolean;
  isActive: boolean;
}

export const LAST_ACTIVE_STAFF_MESSAGE =
  'This is the last active staff account: it cannot be deleted, deactivated or lose is_staff. Make another account staff first.';

/** Does the change (`after` null: deletion) take an account out of the active staff? */
export function leavesActiveStaff(before: StaffStanding, after: StaffStanding | null): boolean {
  return before.isStaff && before.isActive && !(after !== null && after.isStaff && after.isActive);
}

/**
 * What a route requires, declared on every route with @Public(), @Authenticated(),
 * @AuthenticatedWith(loader), @RequireCapability(…) or @MetricsScrape(). Object-level rules (own
 * record or anyone's with a capability) are then decided by the service with `canActOn`, on the row it
 * loads. An authenticated rule may name the route's credential loader: the query that reads the
 * caller's credential together with everything the route answers (a token, nothing to refresh).
 */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'authenticated'; loader?: CredentialLoaderType }
  | { kind: 'capability'; capability: Capability }
  | { kind: 'metrics' };

/** Route-level decision for an authenticated caller (public and metrics routes never get here). */
export function allows(rule: AccessRule, principal: Principal): boolean {
  switch (rule.kind) {
    case 'public':
    case 'authenticated':
      return true;
    case 'capability':
      return can(principal, rule.capability);
    case 'metrics':
      return false;
  }
}
