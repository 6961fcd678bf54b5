import { capabilitiesFor, Role, type Principal } from '../auth/policy.js';
import { mayManageVouchers, maySeeBatch } from './voucher-access.js';

function principal(role: Role, isStaff = false, permissions: string[] = [], organization = 'lobby'): Principal {
  return { userId: 1, uuid: 'u', username: 'caller', isStaff, role, permissions, organization, capabilities: capabilitiesFor(isStaff, role, permissions) };
}

describe('mayManageVouchers', () => {
  it('staff and admins; moderators, gateways and users never (they may not create subscribers)', () => {
    expect(mayManageVouchers(principal(Role.User, true))).toBe(true);
    expect(mayManageVouchers(principal(Role.Admin))).toBe(true);
    for (const role of [Role.Moderator, Role.Gateway, Role.User]) expect(mayManageVouchers(principal(role))).toBe(false);
  });

  it('a moderator granted subscribers:write (moderators give time already): yes', () => {
    expect(mayManageVouchers(principal(Role.Moderator, false, ['subscribers:write']))).toBe(true);
  });
});

describe('maySeeBatch', () => {
  it('staff: any organization; an admin: only its own', () => {
    expect(maySeeBatch(principal(Role.User, true, [], 'acme'), 'lobby')).toBe(true);
    expect(maySeeBatch(principal(Role.Admin, false, [], 'lobby'), 'lobby')).toBe(true);
    expect(maySeeBatch(principal(Role.Admin, false, [], 'acme'), 'lobby')).toBe(false);
    expect(maySeeBatch(principal(Role.Admin, false, [], ''), 'lobby')).toBe(false);
  });

  it('a moderator of the organization: no', () => {
    expect(maySeeBatch(principal(Role.Moderator), 'lobby')).toBe(false);
  });
});
