import {
  can,
  Capability,
  holdsEveryCapabilityOf,
  mayChangeStaffFlag,
  staffBoundaryAllows,
  type AccountPowers,
  type AccountRef,
  type Principal,
} from '../auth/policy.js';

/**
 * Who may change what on an account under `/api/users/`. Pure functions over the caller and the
 * stored row, so the rules are unit-tested apart from HTTP and SQL (as subscriber-policy.ts is for
 * the user_token API); the service applies them to the row it has locked.
 */

/** The fields of an account whose change is decided here (names, e-mail and password are the owner's). */
export interface AccountState {
  username: string;
  isActive: boolean;
  isStaff: boolean;
  tokenLifetime: number | null;
}

export type AccountField = keyof AccountState;

/** Fields only holders of users:manage may change, on their own account too (a sliding lifetime is a security setting). */
const MANAGED_FIELDS: readonly AccountField[] = ['username', 'isActive', 'isStaff', 'tokenLifetime'];

/** The fields whose value actually changes (sending the stored value is no change). */
export function changedAccountFields(current: AccountState, desired: AccountState): Set<AccountField> {
  return new Set((Object.keys(desired) as AccountField[]).filter((field) => desired[field] !== current[field]));
}

/**
 * PATCH: the caller sees the account (its own, or anyone's with users:manage: checked before, 404
 * otherwise). Username, is_active, is_staff and token_lifetime need users:manage; is_staff needs
 * staff; a staff account is changed only by staff, whatever the fields; and another account's
 * password is set only when that account can do no more than the caller (no takeover).
 */
export function mayUpdateAccount(
  principal: Principal,
  target: AccountRef & AccountPowers,
  changed: ReadonlySet<AccountField>,
  passwordGiven: boolean,
): boolean {
  if (!staffBoundaryAllows(principal, target)) return false;
  if (changed.has('isStaff') && !mayChangeStaffFlag(principal)) return false;
  if (passwordGiven && principal.userId !== target.id && !holdsEveryCapabilityOf(principal, target)) return false;
  return can(principal, Capability.UsersManage) || !MANAGED_FIELDS.some((field) => changed.has(field));
}

/** POST (the route needs users:manage): only staff may create a staff account. */
export function mayCreateAccount(principal: Principal, isStaff: boolean): boolean {
  return can(principal, Capability.UsersManage) && (!isStaff || mayChangeStaffFlag(principal));
}

/** DELETE (the route needs users:manage): a staff account only by staff. */
export function mayDeleteAccount(principal: Principal, target: AccountRef): boolean {
  return can(principal, Capability.UsersManage) && staffBoundaryAllows(principal, target);
}
