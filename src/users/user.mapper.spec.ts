import type { UserEntity } from './user.entity.js';
import { toUserResponse } from './user.mapper.js';

const user = (overrides: Partial<UserEntity> = {}): UserEntity =>
  Object.assign(
    {
      id: 7,
      uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      username: 'jane',
      email: 'jane@example.com',
      firstName: 'Jane',
      lastName: 'Smith',
      passwordHash: '$argon2id$v=19$secret',
      isActive: true,
      isStaff: false,
      tokenLifetime: 3600,
      dateJoined: new Date('2030-01-01T00:00:00.123Z'),
      lastLogin: null,
      updatedAt: new Date('2030-01-02T00:00:00Z'),
    },
    overrides,
  );

describe('toUserResponse', () => {
  it('shows the documented fields in order, never the hash or internal columns', () => {
    const response = toUserResponse(user(), 'https://api.example.com');
    expect(Object.keys(response)).toEqual([
      'url', 'uuid', 'username', 'email', 'first_name', 'last_name', 'full_name',
      'is_active', 'is_staff', 'token_lifetime', 'date_joined', 'last_login',
    ]);
    expect(response).toEqual({
      url: 'https://api.example.com/api/users/3fa85f6457174562b3fc2c963f66afa6/',
      uuid: '3fa85f6457174562b3fc2c963f66afa6',
      username: 'jane',
      email: 'jane@example.com',
      first_name: 'Jane',
      last_name: 'Smith',
      full_name: 'Jane Smith',
      is_active: true,
      is_staff: false,
      token_lifetime: 3600,
      date_joined: '2030-01-01T00:00:00Z',
      last_login: null,
    });
    expect(JSON.stringify(response)).not.toContain('argon2');
  });

  it('trims full_name when a name part is blank and formats last_login', () => {
    const response = toUserResponse(user({ firstName: '', lastName: 'Smith', lastLogin: new Date('2030-02-03T04:05:06Z') }), 'http://x');
    expect(response.full_name).toBe('Smith');
    expect(response.last_login).toBe('2030-02-03T04:05:06Z');
    expect(toUserResponse(user({ firstName: '', lastName: '' }), 'http://x').full_name).toBe('');
  });
});
