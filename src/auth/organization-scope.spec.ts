import { DomainError } from '../common/errors/domain-error.js';
import {
  assertInScope,
  assertMayAssignOrganization,
  EVERY_ORGANIZATION,
  inScope,
  nasClientScope,
  organizationInScopeSql,
  scopeOf,
  scopeParameter,
  subscriberInScopeSql,
} from './organization-scope.js';

describe('organization scope', () => {
  const acme = scopeOf({ isStaff: false, organization: 'acme' });
  const unassigned = scopeOf({ isStaff: false, organization: '' });
  const staff = scopeOf({ isStaff: true, organization: 'acme' });

  it('staff see every organization, anyone else only their own', () => {
    expect(staff).toBe(EVERY_ORGANIZATION);
    expect(inScope(staff, 'rival')).toBe(true);
    expect(inScope(acme, 'acme')).toBe(true);
    expect(inScope(acme, 'rival')).toBe(false);
    expect(inScope(acme, 'ACME')).toBe(false);
  });

  it("'' is a tenant of its own, never every organization", () => {
    expect(scopeParameter(unassigned)).toBe('');
    expect(inScope(unassigned, '')).toBe(true);
    expect(inScope(unassigned, 'acme')).toBe(false);
    expect(inScope(acme, '')).toBe(false);
  });

  it('a shared NAS client (null) is in staff scope only, and serves every organization', () => {
    expect(inScope(acme, null)).toBe(false);
    expect(inScope(unassigned, null)).toBe(false);
    expect(inScope(staff, null)).toBe(true);
    expect(nasClientScope(null)).toBe(EVERY_ORGANIZATION);
    expect(nasClientScope('acme')).toEqual(acme);
    expect(nasClientScope('')).toEqual(unassigned);
  });

  it('single objects: 404 outside the scope; writes: 400 naming organization', () => {
    const thrown = (work: () => void): DomainError | undefined => {
      try {
        work();
        return undefined;
      } catch (error) {
        return error as DomainError;
      }
    };
    expect(thrown(() => assertInScope(acme, 'acme'))).toBeUndefined();
    expect(thrown(() => assertInScope(acme, 'rival'))?.message).toBe('Not found.');
    expect(thrown(() => assertMayAssignOrganization(staff, null))).toBeUndefined();
    expect(thrown(() => assertMayAssignOrganization(acme, 'acme'))).toBeUndefined();
    for (const organization of ['rival', '', null]) {
      expect(thrown(() => assertMayAssignOrganization(acme, organization))?.fieldErrors).toEqual({ organization: ['You may only use your own organization.'] });
    }
  });

  it('SQL predicates read one parameter, null for staff', () => {
    expect(scopeParameter(staff)).toBeNull();
    expect(organizationInScopeSql('p.organization', '$3')).toBe('($3::text IS NULL OR p.organization = $3::text)');
    expect(subscriberInScopeSql('s.user_id', '$2')).toContain('scope_p.user_id = s.user_id AND scope_p.organization = $2::text');
  });
});
