import { DomainError } from '../common/errors/domain-error.js';
import { parseUserFilters } from './user-filters.js';

describe('users list filters', () => {
  it('reads exact username and boolean flags', () => {
    expect(parseUserFilters({})).toEqual({});
    expect(parseUserFilters({ username: 'jane', is_active: 'true', is_staff: 'False' })).toEqual({ username: 'jane', isActive: true, isStaff: false });
    expect(parseUserFilters({ is_active: '0', is_staff: '1' })).toEqual({ isActive: false, isStaff: true });
  });

  it('ignores empty values and takes the last of repeated ones', () => {
    expect(parseUserFilters({ username: '', is_active: '' })).toEqual({});
    expect(parseUserFilters({ is_staff: ['true', 'false'] })).toEqual({ isStaff: false });
  });

  it('rejects other boolean values naming the parameter', () => {
    let caught: unknown;
    try {
      parseUserFilters({ is_active: 'yes please', is_staff: 'maybe' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).fieldErrors).toEqual({ is_active: ['Must be a valid boolean.'], is_staff: ['Must be a valid boolean.'] });
  });
});
