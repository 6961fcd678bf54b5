import { capabilitiesFor, Role, type Principal } from '../auth/policy.js';
import { sessionScopeFor, sessionScopeSql } from './session-scope.js';

function principal(role: Role, isStaff = false, permissions: string[] = []): Principal {
  return { userId: 7, uuid: 'u', username: 'caller', isStaff, role, permissions, organization: 'lobby', capabilities: capabilitiesFor(isStaff, role, permissions) };
}

describe('sessionScopeFor', () => {
  it('staff: every organization; accounting:read holders: their organization; others: their own rows there', () => {
    expect(sessionScopeFor(principal(Role.User, true))).toEqual({ organization: { organization: null } });
    expect(sessionScopeFor(principal(Role.Admin))).toEqual({ organization: { organization: 'lobby' } });
    expect(sessionScopeFor(principal(Role.Moderator))).toEqual({ organization: { organization: 'lobby' } });
    expect(sessionScopeFor(principal(Role.User, false, ['accounting:read']))).toEqual({ organization: { organization: 'lobby' } });
    expect(sessionScopeFor(principal(Role.Gateway))).toEqual({ organization: { organization: 'lobby' }, userId: 7 });
    expect(sessionScopeFor(principal(Role.User))).toEqual({ organization: { organization: 'lobby' }, userId: 7 });
  });
});

describe('sessionScopeSql', () => {
  it('binds the organization (null for staff) and, for own rows, the subscriber', () => {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    expect(sessionScopeSql({ organization: { organization: null } }, 's.user_id', param)).toContain('$1::text IS NULL OR EXISTS');
    expect(sessionScopeSql({ organization: { organization: 'lobby' }, userId: 3 }, 'l.user_id', param)).toMatch(/scope_p\.user_id = l\.user_id .* AND l\.user_id = \$3$/s);
    expect(params).toEqual([null, 'lobby', 3]);
  });
});
