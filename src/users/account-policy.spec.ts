import { capabilitiesFor, leavesActiveStaff, passwordChangeRevokesKey, Role, staffBoundaryAllows, type Principal } from '../auth/policy.js';
import { changedAccountFields, mayCreateAccount, mayDeleteAccount, mayUpdateAccount, type AccountField, type AccountState } from './account-policy.js';

function principal(options: { isStaff?: boolean; role?: Role; permissions?: string[]; userId?: number } = {}): Principal {
  const role = options.role ?? Role.User;
  const permissions = options.permissions ?? [];
  return {
    userId: options.userId ?? 1,
    uuid: '00000000-0000-0000-0000-000000000001',
    username: 'caller',
    isStaff: options.isStaff ?? false,
    organization: 'acme',
    role,
    permissions,
    capabilities: capabilitiesFor(options.isStaff ?? false, role, permissions),
  };
}

const staff = principal({ isStaff: true, role: Role.Admin, userId: 10 });
/** Not staff, but holding users:manage (and the admin role's capabilities). */
const manager = principal({ role: Role.Admin, permissions: ['users:manage', 'tokens:manage'], userId: 20 });
const user = principal({ userId: 30 });

const staffAccount = { id: 40, isStaff: true, role: Role.Admin, permissions: [] };
const plainAccount = { id: 50, isStaff: false, role: Role.User, permissions: [] };
const own = { id: user.userId, isStaff: false, role: Role.User, permissions: [] };

const changes = (...fields: AccountField[]) => new Set<AccountField>(fields);

describe('the staff boundary (policy.ts)', () => {
  it('lets staff handle any account, and others only non-staff accounts', () => {
    expect(staffBoundaryAllows(staff, staffAccount)).toBe(true);
    expect(staffBoundaryAllows(staff, plainAccount)).toBe(true);
    expect(staffBoundaryAllows(manager, staffAccount)).toBe(false);
    expect(staffBoundaryAllows(manager, plainAccount)).toBe(true);
    expect(staffBoundaryAllows(user, own)).toBe(true);
  });

  it('revokes the key on a password change by someone else, never on your own', () => {
    expect(passwordChangeRevokesKey(staff, plainAccount.id)).toBe(true);
    expect(passwordChangeRevokesKey(user, user.userId)).toBe(false);
  });

  it('knows which changes take an account out of the active staff', () => {
    const activeStaff = { isStaff: true, isActive: true };
    expect(leavesActiveStaff(activeStaff, null)).toBe(true);
    expect(leavesActiveStaff(activeStaff, { isStaff: true, isActive: false })).toBe(true);
    expect(leavesActiveStaff(activeStaff, { isStaff: false, isActive: true })).toBe(true);
    expect(leavesActiveStaff(activeStaff, activeStaff)).toBe(false);
    expect(leavesActiveStaff({ isStaff: true, isActive: false }, null)).toBe(false);
    expect(leavesActiveStaff({ isStaff: false, isActive: true }, null)).toBe(false);
  });
});

describe('account policy (/api/users/)', () => {
  const current: AccountState = { username: 'jane', isActive: true, isStaff: false, tokenLifetime: 3600 };

  it('counts only the fields whose value changes', () => {
    expect(changedAccountFields(current, { ...current })).toEqual(new Set());
    expect(changedAccountFields(current, { ...current, tokenLifetime: null, isStaff: true })).toEqual(changes('tokenLifetime', 'isStaff'));
  });

  it('lets users change only their names, e-mail and password on their own account', () => {
    expect(mayUpdateAccount(user, own, changes(), false)).toBe(true);
    for (const field of ['username', 'isActive', 'isStaff', 'tokenLifetime'] as const) {
      expect(mayUpdateAccount(user, own, changes(field), false)).toBe(false);
    }
  });

  it('lets a users:manage holder change a non-staff account, but never is_staff nor a staff account', () => {
    expect(mayUpdateAccount(manager, plainAccount, changes('username', 'isActive', 'tokenLifetime'), false)).toBe(true);
    expect(mayUpdateAccount(manager, plainAccount, changes('isStaff'), false)).toBe(false);
    expect(mayUpdateAccount(manager, { ...plainAccount, id: manager.userId }, changes('isStaff'), false)).toBe(false);
    expect(mayUpdateAccount(manager, staffAccount, changes(), false)).toBe(false);
    expect(mayUpdateAccount(manager, staffAccount, changes('isActive'), false)).toBe(false);
  });

  it('sets the password of another account only when it can do no more than the caller', () => {
    expect(mayUpdateAccount(manager, plainAccount, changes(), true)).toBe(true);
    expect(mayUpdateAccount(manager, { ...plainAccount, role: Role.Admin }, changes(), true)).toBe(true);
    expect(mayUpdateAccount(manager, { ...plainAccount, permissions: ['nas:manage'] }, changes(), true)).toBe(false);
    const usersManagerOnly = principal({ permissions: ['users:manage'], userId: 60 });
    expect(mayUpdateAccount(usersManagerOnly, { ...plainAccount, role: Role.Admin }, changes(), true)).toBe(false);
    expect(mayUpdateAccount(usersManagerOnly, plainAccount, changes(), true)).toBe(true);
    expect(mayUpdateAccount(user, own, changes(), true)).toBe(true);
    expect(mayUpdateAccount(staff, { ...plainAccount, permissions: ['nas:manage'] }, changes(), true)).toBe(true);
  });

  it('lets staff change anything, is_staff included', () => {
    expect(mayUpdateAccount(staff, staffAccount, changes('isStaff', 'isActive', 'tokenLifetime', 'username'), false)).toBe(true);
    expect(mayUpdateAccount(staff, plainAccount, changes('isStaff'), false)).toBe(true);
  });

  it('creates and deletes staff accounts only for staff', () => {
    expect(mayCreateAccount(manager, false)).toBe(true);
    expect(mayCreateAccount(manager, true)).toBe(false);
    expect(mayCreateAccount(staff, true)).toBe(true);
    expect(mayCreateAccount(user, false)).toBe(false);
    expect(mayDeleteAccount(manager, plainAccount)).toBe(true);
    expect(mayDeleteAccount(manager, staffAccount)).toBe(false);
    expect(mayDeleteAccount(staff, staffAccount)).toBe(true);
    expect(mayDeleteAccount(user, plainAccount)).toBe(false);
  });
});
