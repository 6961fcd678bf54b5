import type { DataSource, EntityManager } from 'typeorm';
import type { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { FakeClock } from '../common/time/clock.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import type { UserEntity } from '../users/user.entity.js';
import type { UsersRepository } from '../users/users.repository.js';
import { AuthService, INVALID_CREDENTIALS_MESSAGE } from './auth.service.js';

/** Records every verification, so the test can check each failure path costs one argon2 verify. */
class RecordingHasher {
  readonly verified: (string | null)[] = [];
  async hash(password: string): Promise<string> {
    return `hash:${password}`;
  }
  async verify(hash: string | null, password: string): Promise<boolean> {
    this.verified.push(hash);
    return hash === `hash:${password}`;
  }
}

function user(overrides: Partial<UserEntity>): UserEntity {
  return { id: 7, username: 'ann', passwordHash: 'hash:secret', isActive: true, ...overrides } as UserEntity;
}

function setup(found: UserEntity | null) {
  const hasher = new RecordingHasher();
  const issued: number[] = [];
  const logins: number[] = [];
  const users = {
    findByUsername: async () => found,
    recordLogin: async (id: number) => void logins.push(id),
  } as unknown as UsersRepository;
  const tokens = { issue: async (id: number) => (issued.push(id), 'k'.repeat(40)) } as unknown as AuthTokensService;
  const dataSource = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work({} as EntityManager) } as unknown as DataSource;
  const service = new AuthService(users, hasher as unknown as PasswordHasher, tokens, new FakeClock(), dataSource);
  return { service, hasher, issued, logins };
}

const rejected = (promise: Promise<unknown>) =>
  expect(promise).rejects.toEqual(new DomainError(ErrorCode.InvalidCredentials, INVALID_CREDENTIALS_MESSAGE));

describe('AuthService.login', () => {
  it('issues a key and records the login for the right password', async () => {
    const { service, hasher, issued, logins } = setup(user({}));
    await expect(service.login({ username: 'ann', password: 'secret' })).resolves.toEqual({ token: 'k'.repeat(40) });
    expect(hasher.verified).toEqual(['hash:secret']);
    expect(issued).toEqual([7]);
    expect(logins).toEqual([7]);
  });

  it.each([
    ['an unknown user', null, 1],
    ['a user without a password', user({ passwordHash: null }), 1],
    ['a wrong password', user({}), 1],
  ])('verifies against one hash for %s, then fails the same way', async (_, found, verifications) => {
    const { service, hasher, issued } = setup(found);
    await rejected(service.login({ username: 'ann', password: 'wrong' }));
    expect(hasher.verified).toHaveLength(verifications);
    expect(hasher.verified[0]).toMatch(/^hash:/);
    expect(issued).toEqual([]);
  });

  it('refuses an inactive user even with the right password', async () => {
    const { service, issued } = setup(user({ isActive: false }));
    await rejected(service.login({ username: 'ann', password: 'secret' }));
    expect(issued).toEqual([]);
  });
});
