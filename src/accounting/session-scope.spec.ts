import { capabilitiesFor, Role, type Principal } from '../auth/policy.js';
import { sessionScopeFor, sessionScopeSql } from './session-scope.js';

function principal(role: Role, isStaff = false, permissions: string[] = []): Principal {
  return { userId: 7, uuid: 'u', username: 'x', isStaff, role, permissions, capabilities: capabilitiesFor(isStaff, role, permissions) };
}

describe('sessionScopeFor', () => {
  it('staff: all; admins and moderators (accounting:read): their organization; others: their own', () => {
    expect(sessionScopeFor(principal(Role.User, true))).toEqual({ kind: 'all' });
    expect(sessionScopeFor(principal(Role.Admin))).toEqual({ kind: 'organization', ofUserId: 7 });
    expect(sessionScopeFor(principal(Role.Moderator))).toEqual({ kind: 'organization', ofUserId: 7 });
    expect(sessionScopeFor(principal(Role.User, false, ['accounting:read']))).toEqual({ kind: 'organization', ofUserId: 7 });
    expect(sessionScopeFor(principal(Role.Gateway))).toEqual({ kind: 'own', userId: 7 });
    expect(sessionScopeFor(principal(Role.User))).toEqual({ kind: 'own', userId: 7 });
  });
});

describe('sessionScopeSql', () => {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };

  it('adds no condition for all, a parameterised one otherwise', () => {
    expect(sessionScopeSql({ kind: 'all' }, 's.user_id', param)).toBeUndefined();
    expect(sessionScopeSql({ kind: 'own', userId: 3 }, 's.user_id', param)).toBe('s.user_id = $1');
    expect(sessionScopeSql({ kind: 'organization', ofUserId: 4 }, 'l.user_id', param)).toMatch(/^l\.user_id IN \(SELECT sp\.user_id FROM aaa_profiles sp\s+WHERE sp\.organization = \(SELECT cp\.organization FROM aaa_profiles cp WHERE cp\.user_id = \$2\)\)$/);
    expect(params).toEqual([3, 4]);
  });
});
