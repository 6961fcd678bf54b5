import { capabilitiesFor, Role, type Principal } from '../auth/policy.js';
import {
  changedFields,
  mayCreate,
  mayDelete,
  mayUpdate,
  mayView,
  patchedState,
  replacedState,
  type EditableState,
  type TargetSubscriber,
} from './subscriber-policy.js';

function principal(role: Role, options: { isStaff?: boolean; permissions?: string[]; userId?: number } = {}): Principal {
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

const staff = principal(Role.Admin, { isStaff: true });
const admin = principal(Role.Admin);
const moderator = principal(Role.Moderator);
const gateway = principal(Role.Gateway);
const user = principal(Role.User, { userId: 2 });

const state: EditableState = {
  username: 'jane',
  organization: 'acme',
  email: 'jane@example.com',
  firstName: 'Jane',
  lastName: 'Smith',
  role: Role.User,
  permissions: ['read'],
  balanceSeconds: 100,
  tokenLifetime: 3600,
  maxSessions: null,
};
const target: TargetSubscriber = { id: 2, isStaff: false, role: Role.User, permissions: ['read'] };

describe('replacedState / patchedState', () => {
  it('PUT resets omitted optional fields to their defaults', () => {
    const desired = replacedState(
      { username: 'jane', organization: 'acme', email: 'jane@example.com', role: Role.User, balance_seconds: 5 },
      7200,
    );
    expect(desired).toEqual({ ...state, firstName: '', lastName: '', permissions: [], balanceSeconds: 5, tokenLifetime: 7200 });
  });

  it('PUT keeps an explicit null token lifetime and de-duplicates permissions', () => {
    const desired = replacedState(
      { username: 'jane', organization: 'acme', email: 'e@x.io', role: Role.User, balance_seconds: 0, token_lifetime: null, permissions: ['a', 'b', 'a'] },
      7200,
    );
    expect(desired.tokenLifetime).toBeNull();
    expect(desired.permissions).toEqual(['a', 'b']);
  });

  it('gives gateway accounts a key that never expires unless a lifetime is given', () => {
    const gateway = { username: 'nas', organization: 'acme', email: 'nas@example.com', role: Role.Gateway, balance_seconds: 0 };
    expect(replacedState(gateway, 7200).tokenLifetime).toBeNull();
    expect(replacedState({ ...gateway, token_lifetime: 600 }, 7200).tokenLifetime).toBe(600);
    expect(replacedState({ ...gateway, role: Role.Moderator }, 7200).tokenLifetime).toBe(7200);
  });

  it('PATCH changes only the given fields', () => {
    expect(patchedState(state, {})).toEqual(state);
    expect(patchedState(state, { balance_seconds: 0, token_lifetime: null, first_name: '' })).toEqual({
      ...state,
      balanceSeconds: 0,
      tokenLifetime: null,
      firstName: '',
    });
  });
});

describe('changedFields', () => {
  it('reports only the fields whose value differs, comparing lists by content', () => {
    expect(changedFields(state, { ...state, permissions: ['read'] }).size).toBe(0);
    expect([...changedFields(state, { ...state, role: Role.Admin, balanceSeconds: 1 })]).toEqual(['role', 'balanceSeconds']);
    expect([...changedFields(state, { ...state, permissions: ['read', 'write'] })]).toEqual(['permissions']);
    expect([...changedFields(state, { ...state, tokenLifetime: null })]).toEqual(['tokenLifetime']);
  });
});

describe('mayView', () => {
  it('allows the own record, or any with subscribers:read', () => {
    expect(mayView(user, 2)).toBe(true);
    expect(mayView(user, 3)).toBe(false);
    for (const caller of [staff, admin, moderator, gateway]) expect(mayView(caller, 3)).toBe(true);
  });
});

describe('mayUpdate', () => {
  const update = (caller: Principal, changes: Partial<EditableState>, options: { password?: boolean; target?: TargetSubscriber } = {}) =>
    mayUpdate(caller, options.target ?? target, state, { ...state, ...changes }, options.password ?? false);

  it('needs balances:write for the balance and subscribers:write for anything else', () => {
    expect(update(moderator, { balanceSeconds: 5 })).toBe(true);
    expect(update(moderator, { email: 'x@example.com' })).toBe(false);
    expect(update(gateway, { balanceSeconds: 5 })).toBe(false);
    expect(update(admin, { balanceSeconds: 5, email: 'x@example.com' })).toBe(true);
    const writerOnly = principal(Role.User, { permissions: ['subscribers:write'] });
    expect(update(writerOnly, { email: 'x@example.com' })).toBe(true);
    expect(update(writerOnly, { balanceSeconds: 5 })).toBe(false);
  });

  it('allows setting the current values (no change), but not to callers who cannot write at all', () => {
    expect(update(moderator, { role: Role.User })).toBe(true);
    expect(update(gateway, {})).toBe(false);
    expect(update(user, {}, { target: { ...target, id: user.userId } })).toBe(false);
  });

  it('counts a given password as a change needing subscribers:write', () => {
    expect(update(moderator, {}, { password: true })).toBe(false);
    expect(update(admin, {}, { password: true })).toBe(true);
  });

  it('refuses a password for an account holding capabilities the caller lacks', () => {
    expect(update(admin, {}, { password: true, target: { ...target, role: Role.Gateway } })).toBe(false);
    expect(update(admin, {}, { password: true, target: { ...target, permissions: ['users:manage'] } })).toBe(false);
    expect(update(staff, {}, { password: true, target: { ...target, role: Role.Gateway } })).toBe(true);
  });

  it('only assigns roles whose capabilities the caller holds', () => {
    expect(update(admin, { role: Role.Moderator })).toBe(true);
    expect(update(admin, { role: Role.Admin })).toBe(true);
    expect(update(admin, { role: Role.Gateway })).toBe(false);
    expect(update(staff, { role: Role.Gateway })).toBe(true);
  });

  it('only grants capability permissions the caller holds; labels and removals are free', () => {
    expect(update(admin, { permissions: ['read', 'write'] })).toBe(true);
    expect(update(admin, { permissions: ['read', 'balances:write'] })).toBe(true);
    expect(update(admin, { permissions: ['read', 'users:manage'] })).toBe(false);
    expect(update(admin, { permissions: [] })).toBe(true);
    const holder = { ...state, permissions: ['users:manage'] };
    expect(mayUpdate(admin, target, holder, { ...holder, email: 'x@example.com' }, false)).toBe(true);
  });

  it('keeps staff records for staff', () => {
    const staffTarget = { ...target, isStaff: true };
    expect(update(admin, { email: 'x@example.com' }, { target: staffTarget })).toBe(false);
    expect(update(admin, {}, { target: staffTarget })).toBe(false);
    expect(update(staff, { email: 'x@example.com' }, { target: staffTarget })).toBe(true);
  });
});

describe('mayCreate', () => {
  it('needs subscribers:write, a role and permissions within reach, balances:write for a starting balance', () => {
    expect(mayCreate(admin, state)).toBe(true);
    expect(mayCreate(moderator, state)).toBe(false);
    expect(mayCreate(admin, { ...state, role: Role.Gateway })).toBe(false);
    expect(mayCreate(admin, { ...state, permissions: ['accounting:write'] })).toBe(false);
    const writerOnly = principal(Role.User, { permissions: ['subscribers:write'] });
    expect(mayCreate(writerOnly, state)).toBe(false);
    expect(mayCreate(writerOnly, { ...state, balanceSeconds: 0 })).toBe(true);
  });
});

describe('mayDelete', () => {
  it('needs subscribers:write; staff records only by staff', () => {
    expect(mayDelete(admin, target)).toBe(true);
    expect(mayDelete(moderator, target)).toBe(false);
    expect(mayDelete(admin, { ...target, isStaff: true })).toBe(false);
    expect(mayDelete(staff, { ...target, isStaff: true })).toBe(true);
  });
});
