import { Capability, can, canActOn, CAPABILITIES, holdsEveryCapabilityOf, Role, staffBoundaryAllows, type Principal } from '../auth/policy.js';

/**
 * Who may see and change which subscriber fields in the user_token API. Pure functions over the
 * caller and the stored state, so the rules are unit-tested apart from HTTP and SQL.
 */

/** What PUT / PATCH may set (the password aside, which is never read back). */
export interface EditableState {
  username: string;
  organization: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  permissions: string[];
  balanceSeconds: number;
  tokenLifetime: number | null;
  /** Simultaneous-use limit; null: none. */
  maxSessions: number | null;
}

export type EditableField = keyof EditableState;

/** The request fields, snake_case as on the wire; undefined = not given. */
export interface SubscriberInput {
  username?: string;
  organization?: string;
  email?: string;
  role?: Role;
  balance_seconds?: number;
  password?: string;
  first_name?: string;
  last_name?: string;
  permissions?: string[];
  token_lifetime?: number | null;
  max_sessions?: number | null;
}

/** The body of a create or a full replace: the required fields are there. */
export type FullSubscriberInput = SubscriberInput &
  Required<Pick<SubscriberInput, 'username' | 'organization' | 'email' | 'role' | 'balance_seconds'>>;

/** A subscriber being changed or deleted: who it is and what it can do. */
export interface TargetSubscriber {
  id: number;
  isStaff: boolean;
  role: Role;
  permissions: readonly string[];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * The token lifetime a subscriber gets when none is given: gateway accounts (a NAS, a captive
 * portal's back end) keep one key for good, so theirs never expires; everyone else gets the
 * configured default (TOKEN_LIFETIME_DEFAULT_SECONDS).
 */
export function defaultTokenLifetime(role: Role, configuredDefault: number | null): number | null {
  return role === Role.Gateway ? null : configuredDefault;
}

/** POST and PUT: the required fields as given; omitted optional ones take their defaults. */
export function replacedState(input: FullSubscriberInput, configuredTokenLifetime: number | null): EditableState {
  return {
    username: input.username,
    organization: input.organization,
    email: input.email,
    firstName: input.first_name ?? '',
    lastName: input.last_name ?? '',
    role: input.role,
    permissions: unique(input.permissions ?? []),
    balanceSeconds: input.balance_seconds,
    tokenLifetime: input.token_lifetime === undefined ? defaultTokenLifetime(input.role, configuredTokenLifetime) : input.token_lifetime,
    maxSessions: input.max_sessions ?? null,
  };
}

/** PATCH: the current state with the given fields replaced. */
export function patchedState(current: EditableState, input: SubscriberInput): EditableState {
  return {
    username: input.username ?? current.username,
    organization: input.organization ?? current.organization,
    email: input.email ?? current.email,
    firstName: input.first_name ?? current.firstName,
    lastName: input.last_name ?? current.lastName,
    role: input.role ?? current.role,
    permissions: input.permissions === undefined ? current.permissions : unique(input.permissions),
    balanceSeconds: input.balance_seconds ?? current.balanceSeconds,
    tokenLifetime: input.token_lifetime === undefined ? current.tokenLifetime : input.token_lifetime,
    maxSessions: input.max_sessions === undefined ? current.maxSessions : input.max_sessions,
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** The fields whose value actually changes (setting the same value is no change). */
export function changedFields(current: EditableState, desired: EditableState): Set<EditableField> {
  const changed = new Set<EditableField>();
  for (const field of Object.keys(desired) as EditableField[]) {
    const before = current[field];
    const after = desired[field];
    const same = Array.isArray(before) && Array.isArray(after) ? sameList(before, after) : before === after;
    if (!same) changed.add(field);
  }
  return changed;
}

/** Anti-escalation: a role may only be given by a caller who holds all of its capabilities. */
export function mayAssignRole(principal: Principal, role: Role): boolean {
  return holdsEveryCapabilityOf(principal, { isStaff: false, role, permissions: [] });
}

/** Anti-escalation: a permission naming a capability may only be granted by a caller who holds it. */
export function mayGrantPermissions(principal: Principal, permissions: readonly string[]): boolean {
  return permissions.every((permission) => !(CAPABILITIES as readonly string[]).includes(permission) || can(principal, permission as Capability));
}

/** The whole list needs subscribers:read. */
export function mayList(principal: Principal): boolean {
  return can(principal, Capability.SubscribersRead);
}

/** Own record, or anyone's with subscribers:read. Others do not learn that the record exists (404). */
export function mayView(principal: Principal, subscriberId: number): boolean {
  return canActOn(principal, subscriberId, Capability.SubscribersRead);
}

/**
 * The checks that need no stored state, made before any work (hashing a password is slow):
 * a PUT / PATCH needs subscribers:write or balances:write (a plain subscriber may not change even
 * its own record), and a given password always counts as a change needing subscribers:write.
 */
export function mayAttemptUpdate(principal: Principal, passwordGiven: boolean): boolean {
  if (passwordGiven) return can(principal, Capability.SubscribersWrite);
  return can(principal, Capability.SubscribersWrite) || can(principal, Capability.BalancesWrite);
}

/**
 * PUT / PATCH: only the fields that change count. The balance needs balances:write, anything else
 * (a given password always counts) subscribers:write; roles and capability permissions only up to the
 * caller's own capabilities; a password only for a subscriber who can do no more than the caller
 * (no account takeover); staff records only by staff.
 */
export function mayUpdate(
  principal: Principal,
  target: TargetSubscriber,
  current: EditableState,
  desired: EditableState,
  passwordGiven: boolean,
): boolean {
  if (!mayAttemptUpdate(principal, passwordGiven) || !staffBoundaryAllows(principal, target)) return false;
  const changed = changedFields(current, desired);
  if (changed.has('balanceSeconds') && !can(principal, Capability.BalancesWrite)) return false;
  const otherChanges = [...changed].some((field) => field !== 'balanceSeconds') || passwordGiven;
  if (otherChanges && !can(principal, Capability.SubscribersWrite)) return false;
  if (changed.has('role') && !mayAssignRole(principal, desired.role)) return false;
  if (changed.has('permissions')) {
    const added = desired.permissions.filter((permission) => !current.permissions.includes(permission));
    if (!mayGrantPermissions(principal, added)) return false;
  }
  if (passwordGiven && !holdsEveryCapabilityOf(principal, target)) return false;
  return true;
}

/** POST: subscribers:write, a role and permissions within the caller's capabilities, a starting balance only with balances:write. */
export function mayCreate(principal: Principal, state: EditableState): boolean {
  return (
    can(principal, Capability.SubscribersWrite) &&
    mayAssignRole(principal, state.role) &&
    mayGrantPermissions(principal, state.permissions) &&
    (state.balanceSeconds === 0 || can(principal, Capability.BalancesWrite))
  );
}

/** DELETE: subscribers:write; staff records only by staff. */
export function mayDelete(principal: Principal, target: TargetSubscriber): boolean {
  return can(principal, Capability.SubscribersWrite) && staffBoundaryAllows(principal, target);
}
