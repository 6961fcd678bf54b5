import { capabilitiesFor, Role, type Principal } from '../auth/policy.js';
import { mayManageVouchers } from './voucher-access.js';

function principal(role: Role, isStaff = false, permissions: string[] = []): Principal {
  return { userId: 1, uuid: 'u', username: 'caller', isStaff, role, permissions, capabilities: capabilitiesFor(isStaff, role, permissions) };
}

describe('mayManageVouchers', () => {
  it('staff: any organization', () => {
    expect(mayManageVouchers(principal(Role.User, true), 'acme', 'lobby')).toBe(true);
  });

  it('an admin: only its own organization', () => {
    expect(mayManageVouchers(principal(Role.Admin), 'lobby', 'lobby')).toBe(true);
    expect(mayManageVouchers(principal(Role.Admin), 'acme', 'lobby')).toBe(false);
    expect(mayManageVouchers(principal(Role.Admin), undefined, 'lobby')).toBe(false);
  });

  it('moderators, gateways and users: never (they may not create subscribers)', () => {
    for (const role of [Role.Moderator, Role.Gateway, Role.User]) expect(mayManageVouchers(principal(role), 'lobby', 'lobby')).toBe(false);
  });

  it('a moderator granted subscribers:write: its own organization', () => {
    expect(mayManageVouchers(principal(Role.Moderator, false, ['subscribers:write']), 'lobby', 'lobby')).toBe(true);
  });
});
