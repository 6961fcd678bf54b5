import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `auth_throttle_attempt`: reserves one password or token check against its counters in a single
 * call, so the statement that reads the subscriber can reserve the attempt too (one round trip).
 * It locks each key's counter in the order given (creating it, or starting a new window when the
 * old one ended or starts after `p_at`: a clock set back), then decides with every key locked:
 * - a key already at its limit: the attempt is refused, and nothing is counted;
 * - else one attempt is counted on every key.
 * With `p_verified` (the calling statement checked the credential and it checks out) nothing is
 * ever counted, as a released reservation: the counters are only read, without locking them (the
 * decision is the same as if the attempt came just before any concurrent one), so an accepted
 * key writes nothing.
 * Returns every key in the order given with its window start and the attempt's count (this
 * attempt included: refused when it exceeds the limit, as overLimit reads it). VOLATILE: each of
 * its statements sees the latest committed counters, so N parallel calls count 1..N.
 */
export class AuthThrottleAttempt1795581100000 implements MigrationInterface {
    name = 'AuthThrottleAttempt1795581100000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
CREATE FUNCTION auth_throttle_attempt(p_scopes varchar[], p_keys varchar[], p_limits integer[], p_at timestamptz, p_window_seconds integer, p_verified boolean)
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

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP FUNCTION auth_throttle_attempt(varchar[], varchar[], integer[], timestamptz, integer, boolean)`);
    }

}
