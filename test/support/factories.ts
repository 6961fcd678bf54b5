import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { DataSource } from 'typeorm';
import { Role } from '../../src/auth/policy.js';
import { generateTokenKey, hashTokenKey } from '../../src/auth-tokens/token-key.js';
import type { FakeClock } from '../../src/common/time/clock.js';

export interface SubscriberOptions {
  username?: string;
  organization?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  role?: Role;
  permissions?: string[];
  isStaff?: boolean;
  isActive?: boolean;
  balanceSeconds?: number;
  /** Seconds; null never expires. Defaults to one day. */
  tokenLifetime?: number | null;
  password?: string;
  /** Create a token (default true). */
  withToken?: boolean;
}

export interface CreatedSubscriber {
  id: number;
  uuid: string;
  username: string;
  organization: string;
  email: string;
  /** The plaintext key (undefined when created withToken: false). */
  token: string;
  password?: string;
}

let sequence = 0;

/** Unique, valid usernames so tests never depend on each other's data. */
export function uniqueUsername(prefix = 'user'): string {
  sequence += 1;
  return `${prefix}_${sequence}_${randomBytes(3).toString('hex')}`;
}

/** Per-test data, written straight to the database (the API under test is not used to set up). */
export class Factories {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: FakeClock,
  ) {}

  async subscriber(options: SubscriberOptions = {}): Promise<CreatedSubscriber> {
    const username = options.username ?? uniqueUsername(options.role ?? 'user');
    const email = options.email ?? `${username}@example.com`;
    const organization = options.organization ?? 'acme_corp';
    const now = this.clock.now();
    const passwordHash = options.password ? await argon2.hash(options.password) : null;
    const [user] = await this.dataSource.query(
      `INSERT INTO users (username, email, first_name, last_name, password_hash, is_active, is_staff, token_lifetime, date_joined, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id, uuid`,
      [
        username,
        email,
        options.firstName ?? '',
        options.lastName ?? '',
        passwordHash,
        options.isActive ?? true,
        options.isStaff ?? false,
        options.tokenLifetime === undefined ? 86400 : options.tokenLifetime,
        now,
      ],
    );
    await this.dataSource.query(
      `INSERT INTO aaa_profiles (user_id, organization, role, permissions, balance_seconds, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [user.id, organization, options.role ?? Role.User, options.permissions ?? [], options.balanceSeconds ?? 0, now],
    );
    let token = '';
    if (options.withToken ?? true) {
      token = generateTokenKey();
      await this.dataSource.query(
        'INSERT INTO auth_tokens (user_id, key_hash, created, last_used_at) VALUES ($1, $2, $3, $3)',
        [user.id, hashTokenKey(token), now],
      );
    }
    return { id: user.id, uuid: user.uuid, username, organization, email, token, password: options.password };
  }

  staff(options: SubscriberOptions = {}): Promise<CreatedSubscriber> {
    return this.subscriber({ role: Role.Admin, isStaff: true, ...options, username: options.username ?? uniqueUsername('staff') });
  }
}
