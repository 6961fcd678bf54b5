import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** What a counter limits: see AuthThrottle. Also the `limit` label of timegate_rate_limited_total. */
export type ThrottleScope = 'username' | 'client_ip' | 'calling_station' | 'auth_failures_ip';

export interface ThrottleKey {
  scope: ThrottleScope;
  key: string;
}

/** A key as counted: its window's start and the attempts counted in it, this one included. */
export interface CountedKey extends ThrottleKey {
  windowStart: Date;
  count: number;
}

/** One password or token check's counters: the keys in the order they are locked in, with their limits. */
export interface AttemptCounters {
  keys: ThrottleKey[];
  limits: number[];
  at: Date;
  windowSeconds: number;
}

/**
 * Reserves the attempt (function `auth_throttle_attempt`, migration AuthThrottleAttempt), as a FROM
 * item `a` of the counted keys in lock order (`a.n`): `a.scope`, `a.key`, `a.window_start`,
 * `a.count`. The counters are parameters `$first` to `$first + 4` (see attemptParams); `verified`
 * is a boolean SQL expression, true when the calling statement itself found the credential to
 * check out (nothing is then counted). A statement that reads the subscriber embeds it to reserve
 * and read in one round trip.
 */
export function reservedAttemptSql(first: number, verified: string): string {
  return `auth_throttle_attempt($${first}::varchar[], $${first + 1}::varchar[], $${first + 2}::integer[],
                                $${first + 3}::timestamptz, $${first + 4}::integer, ${verified})
            WITH ORDINALITY AS a(scope, key, window_start, count, n)`;
}

/** The five parameters reservedAttemptSql reads. */
export function attemptParams(counters: AttemptCounters): unknown[] {
  return [counters.keys.map((k) => k.scope), counters.keys.map((k) => k.key), counters.limits, counters.at, counters.windowSeconds];
}

/**
 * The counters, in PostgreSQL so every replica shares one budget (table `auth_throttle`). Each
 * method is one statement: counting is atomic per key (the upsert locks the row), so N parallel
 * attempts see counts 1..N, never the same count twice.
 */
@Injectable()
export class AuthThrottleRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Counts one attempt for every key at `now` and returns the counts. A key whose window has ended
   * (or starts after `now`: a clock set back) starts a new window at `now` with count 1. Keys are
   * locked in the order given: callers pass them in one fixed scope order, so two statements never
   * wait on each other's rows crosswise (no deadlock).
   */
  async count(keys: ThrottleKey[], now: Date, windowSeconds: number): Promise<CountedKey[]> {
    const rows = await this.dataSource.query<{ scope: ThrottleScope; key: string; windowStart: Date; count: number }[]>(
      `INSERT INTO auth_throttle AS t (scope, key, window_start, count)
       SELECT k.scope, k.key, $3::timestamptz, 1
         FROM unnest($1::varchar[], $2::varchar[]) WITH ORDINALITY AS k(scope, key, n)
        ORDER BY k.n
       ON CONFLICT (scope, key) DO UPDATE SET
         window_start = CASE WHEN t.window_start > $3::timestamptz OR t.window_start <= $3::timestamptz - make_interval(secs => $4)
                             THEN $3::timestamptz ELSE t.window_start END,
         count = CASE WHEN t.window_start > $3::timestamptz OR t.window_start <= $3::timestamptz - make_interval(secs => $4)
                      THEN 1 ELSE t.count + 1 END
       RETURNING t.scope, t.key, t.window_start AS "windowStart", t.count`,
      [keys.map((k) => k.scope), keys.map((k) => k.key), now, windowSeconds],
    );
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  /** Reserves one attempt whose credential is yet to be checked (see reservedAttemptSql): one statement, refused or not. */
  async reserve(counters: AttemptCounters): Promise<CountedKey[]> {
    const rows = await this.dataSource.query<CountedKey[]>(
      `SELECT a.scope, a.key, a.window_start AS "windowStart", a.count FROM ${reservedAttemptSql(1, 'false')} ORDER BY a.n`,
      attemptParams(counters),
    );
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  /**
   * Takes back one counted attempt per key, in the window it was counted in (a later window is left
   * alone). The rows are locked first, in the order given (the same order `count` locks them in), so
   * this never deadlocks with a concurrent `count`.
   */
  async uncount(keys: CountedKey[], manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (keys.length === 0) return;
    await manager.query(
      `WITH locked AS (
         SELECT t.scope, t.key
           FROM auth_throttle t
           JOIN unnest($1::varchar[], $2::varchar[], $3::timestamptz[]) WITH ORDINALITY AS k(scope, key, window_start, n)
             ON t.scope = k.scope AND t.key = k.key AND t.window_start = k.window_start
          WHERE t.count > 0
          ORDER BY k.n
            FOR UPDATE OF t
       )
       UPDATE auth_throttle AS t SET count = t.count - 1
         FROM locked WHERE t.scope = locked.scope AND t.key = locked.key`,
      [keys.map((k) => k.scope), keys.map((k) => k.key), keys.map((k) => k.windowStart)],
    );
  }

  /** Deletes the counters whose window ended by `now`. */
  async purgeExpired(now: Date, windowSeconds: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM auth_throttle WHERE window_start <= $1::timestamptz - make_interval(secs => $2)`, [now, windowSeconds]);
  }
}
