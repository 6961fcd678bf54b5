import type { DataSource, EntityManager } from 'typeorm';
import type { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { DomainError, ErrorCode, ThrottledError } from '../common/errors/domain-error.js';
import { FakeClock } from '../common/time/clock.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import type { UserEntity } from '../users/user.entity.js';
import type { UsersRepository } from '../users/users.repository.js';
import type { AuthThrottle, PasswordAttempt, Reservation, ReserveResult } from './auth-throttle.js';
import { AuthService, INVALID_CREDENTIALS_MESSAGE } from './auth.service.js';

/** Records every verification, so the test can check each failure path costs one argon2 verify. */
class RecordingHasher {
  readonly verified: (string | null | undefined)[] = [];
  async verifyInConstantWork(hash: string | null | undefined, password: string): Promise<boolean> {
    this.verified.push(hash);
    return hash === `hash:${password}`;
  }
}

/** Records reservations and releases; refuses every attempt when `refuse` is set. */
class RecordingThrottle {
  readonly attempts: PasswordAttempt[] = [];
  readonly released: { reservation: Reservation; inTransaction: boolean }[] = [];
  constructor(private readonly refuse?: number) {}
  async reserve(attempt: PasswordAttempt): Promise<ReserveResult> {
    this.attempts.push(attempt);
    if (this.refuse !== undefined) return { allowed: false, retryAfterSeconds: this.refuse };
    return { allowed: true, reservation: { keys: [] } };
  }
  async release(reservation: Reservation, manager?: EntityManager): Promise<void> {
    this.released.push({ reservation, inTransaction: manager !== undefined });
  }
}

function user(overrides: Partial<UserEntity>): UserEntity {
  return { id: 7, username: 'ann', passwordHash: 'hash:secret', isActive: true, ...overrides } as UserEntity;
}

function setup(found: UserEntity | null, throttle = new RecordingThrottle()) {
  const hasher = new RecordingHasher();
  const issued: number[] = [];
  const logins: number[] = [];
  const users = {
    findByUsername: async () => found,
    recordLogin: async (id: number) => void logins.push(id),
  } as unknown as UsersRepository;
  const tokens = { issue: async (id: number) => (issued.push(id), 'k'.repeat(40)) } as unknown as AuthTokensService;
  const dataSource = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work({} as EntityManager) } as unknown as DataSource;
  const service = new AuthService(users, hasher as unknown as PasswordHasher, tokens, throttle as unknown as AuthThrottle, new FakeClock(), dataSource);
  return { service, hasher, issued, logins, throttle };
}

const rejected = (promise: Promise<unknown>) =>
  expect(promise).rejects.toEqual(new DomainError(ErrorCode.InvalidCredentials, INVALID_CREDENTIALS_MESSAGE));

describe('AuthService.login', () => {
  it('reserves the attempt, issues a key, records the login and gives the reservation back in the same transaction', async () => {
    const { service, hasher, issued, logins, throttle } = setup(user({}));
    await expect(service.login({ username: 'ann', password: 'secret' }, '192.0.2.1')).resolves.toEqual({ token: 'k'.repeat(40) });
    expect(throttle.attempts).toEqual([{ username: 'ann', source: { clientIp: '192.0.2.1' } }]);
    expect(hasher.verified).toEqual(['hash:secret']);
    expect(issued).toEqual([7]);
    expect(logins).toEqual([7]);
    expect(throttle.released).toEqual([{ reservation: { keys: [] }, inTransaction: true }]);
  });

  it.each([
    ['an unknown user', null],
    ['a user without a password', user({ passwordHash: null })],
    ['a wrong password', user({})],
  ])('verifies once for %s, then fails the same way and keeps the attempt counted', async (_, found) => {
    const { service, hasher, issued, throttle } = setup(found);
    await rejected(service.login({ username: 'ann', password: 'wrong' }, '192.0.2.1'));
    expect(hasher.verified).toHaveLength(1);
    expect(issued).toEqual([]);
    expect(throttle.released).toEqual([]);
  });

  it('refuses an inactive user even with the right password', async () => {
    const { service, issued } = setup(user({ isActive: false }));
    await rejected(service.login({ username: 'ann', password: 'secret' }, '192.0.2.1'));
    expect(issued).toEqual([]);
  });

  it('answers a refused reservation with 429 without looking the user up or verifying anything', async () => {
    const { service, hasher, issued } = setup(user({}), new RecordingThrottle(42));
    await expect(service.login({ username: 'ann', password: 'secret' }, '192.0.2.1')).rejects.toEqual(new ThrottledError(42));
    expect(hasher.verified).toEqual([]);
    expect(issued).toEqual([]);
  });
});
