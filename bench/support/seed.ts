import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Bench data written set-based (generate_series), so a million rows take seconds. Every seeded
 * user's key is derived from its id, so the load generator knows them without reading them back:
 * key(id) = md5('bench-key-' || id) || left(md5('bench-key2-' || id), 8), 40 hex characters like a
 * real key; only its SHA-256 is stored, as the service does.
 */
const KEY_SQL = (id: string) => `md5('bench-key-' || ${id}) || left(md5('bench-key2-' || ${id}), 8)`;

export function benchKey(id: number): string {
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  return md5(`bench-key-${id}`) + md5(`bench-key2-${id}`).slice(0, 8);
}

export function benchUsername(id: number): string {
  return `bench_user_${id}`;
}

export interface SeedUsers {
  /** Ids first..last (inclusive) are created. */
  first: number;
  last: number;
  role: 'user' | 'gateway' | 'admin';
  isStaff?: boolean;
  balanceSeconds: number;
  prefix?: string;
}

/** Users, their AAA profiles and live tokens (lifetime: never expires) for ids first..last. */
export async function seedUsers(client: pg.Client, seed: SeedUsers): Promise<void> {
  const prefix = seed.prefix ?? 'bench_user_';
  const params = [seed.first, seed.last];
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO users (id, username, email, is_staff, token_lifetime, date_joined, updated_at)
     SELECT g, '${prefix}' || g, '${prefix}' || g || '@example.com', ${seed.isStaff ? 'true' : 'false'}, NULL, now(), now()
       FROM generate_series($1::int, $2::int) g`,
    params,
  );
  await client.query(
    `INSERT INTO aaa_profiles (user_id, organization, role, permissions, balance_seconds, updated_at)
     SELECT g, 'bench_org_' || (g % 100), '${seed.role}', '{}', ${Number(seed.balanceSeconds)}, now()
       FROM generate_series($1::int, $2::int) g`,
    params,
  );
  await client.query(
    `INSERT INTO auth_tokens (user_id, key_hash, created, last_used_at)
     SELECT g, encode(sha256(convert_to(${KEY_SQL('g')}, 'UTF8')), 'hex'), now(), now()
       FROM generate_series($1::int, $2::int) g`,
    params,
  );
  await client.query(`SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))`);
  await client.query('COMMIT');
}

/**
 * One open session for each user id first..last, stored in arrival order (not by subscriber, so
 * a batch of subscribers is spread over many pages, as in production), as a running network sees them: started 5–60
 * minutes ago, last Interim-Update within the last 2 minutes (not stale), burning its subscriber's
 * balance, which was settled a minute ago (the previous run), with its exhaustion predicted.
 */
export async function seedOpenSessions(client: pg.Client, first: number, last: number): Promise<void> {
  const settledAt = new Date(Date.now() - 60_000);
  await client.query(
    `INSERT INTO accounting_sessions (acct_unique_id, acct_session_id, user_id, username, nas_identifier, nas_ip_address,
                                      nas_port_id, started_at, last_update_at, session_time, input_octets, output_octets,
                                      charged_seconds, status, burning, charged_at)
     SELECT md5('bench-session-' || g), 'bs' || g, g, 'bench_user_' || g, 'bench-nas-' || (g % 500),
            ('192.0.2.' || (g % 250 + 1))::inet, 'port-' || (g % 64),
            now() - make_interval(secs => 300 + g % 3300), now() - make_interval(secs => g % 120),
            300 + g % 3300 - g % 120, g::bigint * 1000, g::bigint * 5000, 240 + g % 3300, 'open', true, $3
       FROM generate_series($1::int, $2::int) g
      ORDER BY md5(g::text)`,
    [first, last, settledAt],
  );
  await client.query(
    `UPDATE aaa_profiles SET open_sessions = 1, settled_at = $3,
                             exhausts_at = $3::timestamptz + make_interval(secs => balance_seconds::float8)
      WHERE user_id BETWEEN $1 AND $2`,
    [first, last, settledAt],
  );
}
