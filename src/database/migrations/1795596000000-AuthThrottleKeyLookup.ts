import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `auth_throttle_attempt`, same contract (see AuthThrottleAttempt): its read-only branch (a verified
 * credential: every accepted Access-Request and authorize) looks each key's counter up by the primary
 * key. The plain LEFT JOIN was planned as a hash join over a sequential scan of auth_throttle (the
 * unnest is estimated at 100 rows): about 1 ms per call with a few thousand counters. A LATERAL
 * lookup with LIMIT 1 is not flattened into such a join.
 */
export class AuthThrottleKeyLookup1795596000000 implements MigrationInterface {
    name = 'AuthThrottleKeyLookup1795596000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
CREATE OR REPLACE FUNCTION auth_throttle_attempt(p_scopes varchar[], p_keys varchar[], p_limits integer[], p_at timestamptz, p_window_seconds integer, p_verified boolean)
RETURNS TABLE (scope varchar, key varchar, window_start timestamptz, count integer)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  starts timestamptz[] := '{}';
  counts integer[] := '{}';
  started timestamptz;
  counted integer;
  refused boolean := false;
BEGIN
  IF p_verified THEN
    -- Never counted: the counters are only read (an ended window counts 0), no row locked or written.
    RETURN QUERY
      SELECT k.scope::varchar, k.key::varchar, COALESCE(t.window_start, p_at), COALESCE(t.count, 0) + 1
        FROM unnest(p_scopes, p_keys) WITH ORDINALITY AS k(scope, key, n)
        LEFT JOIN LATERAL (
          SELECT c.window_start, c.count FROM auth_throttle AS c
           WHERE c.scope = k.scope AND c.key = k.key
             AND c.window_start <= p_at AND c.window_start > p_at - make_interval(secs => p_window_seconds)
           LIMIT 1) AS t ON true
       ORDER BY k.n;
    RETURN;
  END IF;
  FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
    INSERT INTO auth_throttle AS t (scope, key, window_start, count) VALUES (p_scopes[i], p_keys[i], p_at, 0)
    ON CONFLICT (scope, key) DO UPDATE SET
      window_start = CASE WHEN t.window_start > p_at OR t.window_start <= p_at - make_interval(secs => p_window_seconds)
                          THEN p_at ELSE t.window_start END,
      count = CASE WHEN t.window_start > p_at OR t.window_start <= p_at - make_interval(secs => p_window_seconds)
                   THEN 0 ELSE t.count END
    RETURNING t.window_start, t.count INTO started, counted;
    starts := starts || started;
    counts := counts || counted;
    refused := refused OR counted >= p_limits[i];
  END LOOP;
  IF NOT refused THEN
    UPDATE auth_throttle AS t SET count = t.count + 1
      FROM unnest(p_scopes, p_keys) AS k(scope, key)
     WHERE t.scope = k.scope AND t.key = k.key;
  END IF;
  RETURN QUERY SELECT p_scopes[n]::varchar, p_keys[n]::varchar, starts[n], counts[n] + 1
                 FROM generate_subscripts(p_keys, 1) AS n ORDER BY n;
END
$fn$`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
CREATE OR REPLACE FUNCTION auth_throttle_attempt(p_scopes varchar[], p_keys varchar[], p_limits integer[], p_at timestamptz, p_window_seconds integer, p_verified boolean)
RETURNS TABLE (scope varchar, key varchar, window_start timestamptz, count integer)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  starts timestamptz[] := '{}';
  counts integer[] := '{}';
  started timestamptz;
  counted integer;
  refused boolean := false;
BEGIN
  IF p_verified THEN
    -- Never counted: the counters are only read (an ended window counts 0), no row locked or written.
    RETURN QUERY
      SELECT k.scope::varchar, k.key::varchar, COALESCE(t.window_start, p_at), COALESCE(t.count, 0) + 1
        FROM unnest(p_scopes, p_keys) WITH ORDINALITY AS k(scope, key, n)
        LEFT JOIN auth_throttle AS t
          ON t.scope = k.scope AND t.key = k.key
         AND t.window_start <= p_at AND t.window_start > p_at - make_interval(secs => p_window_seconds)
       ORDER BY k.n;
    RETURN;
  END IF;
  FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
    INSERT INTO auth_throttle AS t (scope, key, window_start, count) VALUES (p_scopes[i], p_keys[i], p_at, 0)
    ON CONFLICT (scope, key) DO UPDATE SET
      window_start = CASE WHEN t.window_start > p_at OR t.window_start <= p_at - make_interval(secs => p_window_seconds)
                          THEN p_at ELSE t.window_start END,
      count = CASE WHEN t.window_start > p_at OR t.window_start <= p_at - make_interval(secs => p_window_seconds)
                   THEN 0 ELSE t.count END
    RETURNING t.window_start, t.count INTO started, counted;
    starts := starts || started;
    counts := counts || counted;
    refused := refused OR counted >= p_limits[i];
  END LOOP;
  IF NOT refused THEN
    UPDATE auth_throttle AS t SET count = t.count + 1
      FROM unnest(p_scopes, p_keys) AS k(scope, key)
     WHERE t.scope = k.scope AND t.key = k.key;
  END IF;
  RETURN QUERY SELECT p_scopes[n]::varchar, p_keys[n]::varchar, starts[n], counts[n] + 1
                 FROM generate_subscripts(p_keys, 1) AS n ORDER BY n;
END
$fn$`);
    }

}
