import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { queryNamed, rowsByPosition, type NamedStatement } from '../database/data-source-options.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { tokenExpiredSql } from '../auth-tokens/token-use-sql.js';
import { organizationInScopeSql, scopeParameter, type OrganizationScope } from '../auth/organization-scope.js';
import { attemptParams, reservedAttemptSql, type AttemptCounters, type CountedKey } from '../auth/auth-throttle.repository.js';
import { exhaustionAtSql, remainingBalanceSql, sessionChargedSql, sessionTargetSql, staleBeforeAt } from './balance-sql.js';
import { sessionScopeSql, type SessionScope } from './session-scope.js';
import type { AccountingRecord } from './radius-attributes.js';
import { voucherExpirySql } from '../vouchers/voucher-sql.js';
import { GroupCommitQueue, READ_WINDOW_MS, type Outcome } from '../database/group-commit.js';

/**
 * Who reported a record, which binds a new session to a NAS client (Disconnect-Requests go only
 * there): the NAS client a RADIUS packet came from, or the gateway account posting HTTP accounting
 * (its linked NAS client, if any).
 */
export type RecordSource = { nasClientId: number | null } | { gatewayUserId: number | null };

/**
 * A record ready to write: its unique id (and the id this service gave it before following
 * FreeRADIUS's acct_unique exactly), when the event happened, and the longest Acct-Session-Time a
 * session first seen at this record may claim (ACCOUNTING_MAX_SESSION_SECONDS), and who reported it.
 */
export interface SessionEvent {
  uniqueId: string;
  legacyId: string;
  record: AccountingRecord;
  at: Date;
  maxSessionSeconds: number;
  source: RecordSource;
}

/**
 * A known session's Acct-Session-Time is believed up to the time since it started (its first
 * record, or what that record claimed) plus this much: NAS clocks and delays differ by a little,
 * never by days. Beyond it the value is clamped and the session flagged.
 */
export const SESSION_TIME_TOLERANCE_SECONDS = 120;

/** What an Interim-Update or Stop did to its session. */
export interface SessionWrite {
  uniqueId: string;
  /** This record's Acct-Session-Time was clamped. */
  clamped: boolean;
}

export interface SessionRow {
  id: string;
  acctUniqueId: string;
  acctSessionId: string;
  userId: number | null;
  username: string;
  nasIdentifier: string;
  nasIpAddress: string | null;
  nasPortId: string;
  callingStationId: string;
  calledStationId: string;
  framedIpAddress: string | null;
  startedAt: Date;
  lastUpdateAt: Date;
  stoppedAt: Date | null;
  sessionTime: string;
  inputOctets: string;
  outputOctets: string;
  chargedSeconds: string;
  overageSeconds: string;
  status: string;
  terminateCause: string | null;
  sessionTimeClamped: boolean;
  /** Live figures at the query's `now`: wall-clock seconds since the start (final duration once closed). */
  secondsSoFar: string;
  /** What settling the session now would have charged in all (its charge once closed), overage included. */
  chargedSoFar: string;
  /** The bound NAS client (see nas_client_id): its name and address (cidr text), or null. */
  nasClientName: string | null;
  nasClientAddress: string | null;
  disconnectStatus: string | null;
  disconnectError: string | null;
  disconnectAt: Date | null;
  coaStatus: string | null;
  coaError: string | null;
  coaAt: Date | null;
  coaSessionTimeout: string | null;
}

export interface SessionFilter {
  scope: SessionScope;
  username?: string;
  status?: string;
  nasIdentifier?: string;
}

export interface SubscriberBalance {
  userId: number;
  username: string;
  isActive: boolean;
  passwordHash: string | null;
  /** The presented key is the subscriber's token (compared in SQL; false when no key was given). */
  keyMatches: boolean;
  /** That key is past its lifetime, the subscriber's sessions counted as use. */
  keyExpired: boolean;
  remainingSeconds: number;
  /** Simultaneous-use limit (null: none). */
  maxSessions: number | null;
  /** Open sessions still live (a stale one, or one closed by a NAS reboot, frees its slot). */
  liveSessions: number;
  /** A voucher with valid_days, once used: when it stops being usable. */
  voucherExpiresAt: Date | null;
}

const SESSION_COLUMNS = `s.id::text AS id, s.acct_unique_id AS "acctUniqueId", s.acct_session_id AS "acctSessionId",
  s.user_id AS "userId", s.username AS "username", s.nas_identifier AS "nasIdentifier", host(s.nas_ip_address) AS "nasIpAddress",
  s.nas_port_id AS "nasPortId", s.calling_station_id AS "callingStationId", s.called_station_id AS "calledStationId",
  host(s.framed_ip_address) AS "framedIpAddress", s.started_at AS "startedAt", s.last_update_at AS "lastUpdateAt",
  s.stopped_at AS "stoppedAt", s.session_time::text AS "sessionTime", s.input_octets::text AS "inputOctets",
  s.output_octets::text AS "outputOctets", ${sessionChargedSql('s', 'p')}::text AS "chargedSeconds",
  s.overage_seconds::text AS "overageSeconds", s.status AS "status", s.terminate_cause AS "terminateCause",
  s.session_time_clamped AS "sessionTimeClamped", n.name AS "nasClientName", n.ip_address::text AS "nasClientAddress",
  s.disconnect_status AS "disconnectStatus", s.disconnect_error AS "disconnectError", s.disconnect_at AS "disconnectAt",
  s.coa_status AS "coaStatus", s.coa_error AS "coaError", s.coa_at AS "coaAt", s.coa_session_timeout::text AS "coaSessionTimeout"`;

/** The session row with its live figures at `now` (`$1`, with `$2` the stale cut-off) and its bound NAS client. */
const SESSION_SELECT = `SELECT ${SESSION_COLUMNS},
  (CASE WHEN s.status = 'open' THEN GREATEST(0, floor(extract(epoch FROM ($1::timestamptz - s.started_at))))::bigint
        ELSE s.session_time END)::text AS "secondsSoFar",
  (CASE WHEN s.status = 'open' THEN ${sessionTargetSql('s', '$1::timestamptz', '$2::timestamptz')} ELSE s.charged_seconds END)::text AS "chargedSoFar"
  FROM accounting_sessions s LEFT JOIN nas_clients n ON n.id = s.nas_client_id LEFT JOIN aaa_profiles p ON p.user_id = s.user_id`;

/**
 * Values for the insert columns shared by Start, Interim-Update and Stop. `$11` is the start time.
 * `user` is the subscriber's id, or its User-Name for statements that look the id up themselves.
 * A session first seen now is believed for at most `maxSessionSeconds` (`$13`, flagged in `$16`).
 * `$17`/`$18` are the record's source (see NAS_CLIENT); each statement's own parameters start at `$19`.
 */
function insertParams(event: SessionEvent, user: number | string | null, startedAt: Date): unknown[] {
  const r = event.record;
  const reported = r.sessionTime ?? 0;
  return [
    event.uniqueId, r.acctSessionId, user, r.userName, r.nasIdentifier, r.nasIpAddress, r.nasPortId,
    r.callingStationId, r.calledStationId, r.framedIpAddress, startedAt, event.at, Math.min(reported, event.maxSessionSeconds),
    r.inputOctets ?? '0', r.outputOctets ?? '0', reported > event.maxSessionSeconds,
    ...recordSourceParams(event.source),
  ];
}

/** When a session first seen at this Interim-Update or Stop started: its event time minus its (bounded) session time. */
function claimedStart(event: SessionEvent): Date {
  return new Date(event.at.getTime() - Math.min(event.record.sessionTime ?? 0, event.maxSessionSeconds) * 1000);
}

const INSERT_COLUMNS = `(acct_unique_id, acct_session_id, user_id, username, nas_identifier, nas_ip_address, nas_port_id,
  calling_station_id, called_station_id, framed_ip_address, started_at, last_update_at, session_time, input_octets, output_octets,
  session_time_clamped, nas_client_id`;

/** The NAS client a record's source binds to: the packet's (`nasClientParam`), else the one linked to the posting gateway account. */
export function boundNasClientSql(nasClientParam: string, gatewayUserParam: string): string {
  return `COALESCE(${nasClientParam}::integer, (SELECT n.id FROM nas_clients n WHERE n.gateway_user_id = ${gatewayUserParam}::integer))`;
}

/** A record source as the two parameters boundNasClientSql reads. */
export function recordSourceParams(source: RecordSource): [number | null, number | null] {
  return ['nasClientId' in source ? source.nasClientId : null, 'gatewayUserId' in source ? source.gatewayUserId : null];
}

/** The NAS client a new session is bound to ($17/$18). Never changed afterwards. */
const NAS_CLIENT = boundNasClientSql('$17', '$18');

/** An organization outside the scope in `scope` (the profile `p` of an account with no profile: ''). */
function outsideScopeSql(scope: string): string {
  return `NOT ${organizationInScopeSql("COALESCE(p.organization, '')", scope)}`;
}

/**
 * Asked for the records a gateway or NAS client of an organization reports (a group's in one
 * statement): per record (`$1` its User-Name, `$2`/`$3` its two unique ids, `$4` its reporter's
 * organization scope, `$5` its position), whether it names a subscriber outside that scope: its
 * User-Name's, or that of the session its ids already name. Prepared by name.
 */
const NAME_SUBSCRIBERS_OUTSIDE: NamedStatement = {
  name: 'sessions_name_subscribers_outside',
  text: `SELECT r.n,
                EXISTS (SELECT 1 FROM users u LEFT JOIN aaa_profiles p ON p.user_id = u.id
                         WHERE u.username = r.username AND ${outsideScopeSql('r.organization')})
             OR EXISTS (SELECT 1 FROM accounting_sessions s LEFT JOIN aaa_profiles p ON p.user_id = s.user_id
                         WHERE s.acct_unique_id IN (r.unique_id, r.legacy_id) AND s.user_id IS NOT NULL
                           AND ${outsideScopeSql('r.organization')}) AS outside
           FROM unnest($1::text[], $2::char(32)[], $3::char(32)[], $4::text[], $5::int[]) AS r (username, unique_id, legacy_id, organization, n)`,
};

/** Start and Interim-Update arrive for every session every few minutes: prepared by name (planned once per connection). */
/** `$3` is the User-Name: the subscriber is looked up in the same statement (one round trip per record). */
const USER_BY_NAME = '(SELECT id FROM users WHERE username = $3)';
/** The session's id: `$19` (the legacy id) when a session opened before the change has it, else `$1`. */
const RESOLVED_ID = 'COALESCE((SELECT l.acct_unique_id FROM accounting_sessions l WHERE l.acct_unique_id = $19), $1)';

/** Seconds a known session `s` can have lasted by `at` (a timestamptz SQL expression), tolerance included. */
function believableSessionTime(at: string): string {
  return `(GREATEST(0, floor(extract(epoch FROM (${at} - s.started_at))))::bigint + ${SESSION_TIME_TOLERANCE_SECONDS})`;
}

/**
 * What an Interim-Update changes in its known, open session: figures only ever grow, and the
 * reported Acct-Session-Time (`reported`, an SQL expression) is believed only up to what the session
 * can have lasted (else clamped and flagged).
 */
function interimUpdateSql(reported: string): string {
  return `ON CONFLICT (acct_unique_id) DO UPDATE SET
           last_update_at = GREATEST(s.last_update_at, EXCLUDED.last_update_at),
           session_time = GREATEST(s.session_time, LEAST(${reported}, ${believableSessionTime('EXCLUDED.last_update_at')})),
           session_time_clamped = s.session_time_clamped OR ${reported} > ${believableSessionTime('EXCLUDED.last_update_at')},
           input_octets = GREATEST(s.input_octets, EXCLUDED.input_octets),
           output_octets = GREATEST(s.output_octets, EXCLUDED.output_octets),
           framed_ip_address = COALESCE(EXCLUDED.framed_ip_address, s.framed_ip_address)
         WHERE s.status = 'open'`;
}

/** The reported Acct-Session-Time of the record (of RECORDS) an upsert's conflicting row belongs to. */
const REPORTED = '(SELECT r2.reported FROM r r2 WHERE EXCLUDED.acct_unique_id IN (r2.unique_id, r2.legacy_id) LIMIT 1)';

/** Run in the transaction that locked the subscriber's profile (by User-Name, `$3`). */
const INSERT_START: NamedStatement = {
  name: 'sessions_insert_start',
  text: `INSERT INTO accounting_sessions ${INSERT_COLUMNS}, status)
         VALUES (${RESOLVED_ID}, $2, ${USER_BY_NAME}, $4, $5, $6::inet, $7, $8, $9, $10::inet, $11, $12, $13, $14, $15, $16, ${NAS_CLIENT}, 'open')
         ON CONFLICT (acct_unique_id) DO NOTHING RETURNING acct_unique_id, id::text AS id, user_id`,
};

/** INSERT_COLUMNS' values for a record `r` of RECORDS (its session id resolved, its NAS client bound), `userId` its subscriber. */
function recordValuesSql(r: string, userId: string): string {
  return `COALESCE((SELECT l.acct_unique_id FROM accounting_sessions l WHERE l.acct_unique_id = ${r}.legacy_id), ${r}.unique_id),
          ${r}.acct_session_id, ${userId}, ${r}.user_name, ${r}.nas_identifier,
          ${r}.nas_ip_address::inet, ${r}.nas_port_id, ${r}.calling_station_id, ${r}.called_station_id, ${r}.framed_ip_address::inet,
          ${r}.started_at, ${r}.last_update_at, ${r}.session_time, ${r}.input_octets, ${r}.output_octets, ${r}.clamped,
          ${boundNasClientSql(`${r}.nas_client_id`, `${r}.gateway_user_id`)}`;
}

/**
 * Many records as rows `r` (recordArrays: `$1`–`$18`, `$19` the reported Acct-Session-Times), numbered
 * `n` in order (the ids are char(32) like the column, so that they are looked up by its unique index).
 */
const RECORDS = `r AS (
  SELECT * FROM unnest($1::char(32)[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                       $10::timestamptz[], $11::timestamptz[], $12::bigint[], $13::bigint[], $14::bigint[], $15::boolean[], $16::integer[],
                       $17::integer[], $18::char(32)[], $19::bigint[])
    WITH ORDINALITY AS r (unique_id, acct_session_id, user_name, nas_identifier, nas_ip_address, nas_port_id, calling_station_id,
                          called_station_id, framed_ip_address, started_at, last_update_at, session_time, input_octets,
                          output_octets, clamped, nas_client_id, gateway_user_id, legacy_id, reported, n))`;

/**
 * A profile `p`'s settled_at once settled up to `$20` (now) when no session burns its balance
 * (open_sessions 0): now itself, as ChargingRepository.settleSubscribers would make it. Otherwise
 * settled_at as it is (settled by the caller, it is then within the last second).
 */
const SETTLED_AT_NOW = `(CASE WHEN p.open_sessions = 0 THEN $20::timestamptz ELSE p.settled_at END)`;

/**
 * Many Starts in one statement (a group commit's Starts), their subscribers locked and settled up
 * to `$20` (now) first, except those none of whose sessions burns (SettlementService.open), which
 * this statement settles by moving settled_at to now (SETTLED_AT_NOW): one row per element of the
 * arrays, in order, each resolved and bound exactly as INSERT_START does for one. A Start whose
 * session exists (or that repeats an earlier one of the same arrays) inserts nothing. A new session
 * whose target charge is 0 at now (it started less than a second ago; `$21` the stale cut-off) and
 * whose subscriber has a profile settled within the last second burns from the start: written once,
 * charged up to its subscriber's settled_at (0 s), counted in its open_sessions by the same
 * statement, which predicts the subscriber's exhaustion again (as
 * ChargingRepository.predictExhaustion does), as the settlement would have done in three more writes. The
 * others are left to the settlement (`burning` false). Prepared by name: arrays make it one
 * statement whatever the group's size.
 */
const INSERT_STARTS: NamedStatement = {
  name: 'sessions_insert_starts',
  text: `WITH ${RECORDS},
         opening AS (
           SELECT r.*, u.id AS user_id, ${SETTLED_AT_NOW} AS settled_at,
                  (${SETTLED_AT_NOW} > $20::timestamptz - interval '1 second'
                   AND r.last_update_at >= $21::timestamptz AND r.started_at > $20::timestamptz - interval '1 second') AS burning
             FROM r LEFT JOIN users u ON u.username = r.user_name LEFT JOIN aaa_profiles p ON p.user_id = u.id
         ),
         inserted AS (
           INSERT INTO accounting_sessions ${INSERT_COLUMNS}, status, burning, charged_at)
           SELECT ${recordValuesSql('o', 'o.user_id')}, 'open', o.burning, CASE WHEN o.burning THEN o.settled_at END
             FROM opening o ORDER BY o.n
           ON CONFLICT (acct_unique_id) DO NOTHING RETURNING acct_unique_id, id, user_id, burning
         ),
         counted AS (
           UPDATE aaa_profiles p
              SET settled_at = ${SETTLED_AT_NOW},
                  open_sessions = p.open_sessions + c.n,
                  exhausts_at = ${exhaustionAtSql(SETTLED_AT_NOW, 'p.balance_seconds', 'p.open_sessions + c.n')}
             FROM (SELECT user_id, count(*)::int AS n FROM inserted WHERE burning GROUP BY user_id) c
            WHERE p.user_id = c.user_id
         )
         SELECT acct_unique_id, id::text AS id, user_id, burning FROM inserted`,
};

/** The records' rows as INSERT_STARTS's and UPSERT_INTERIMS's arrays (column by column): insertParams with the User-Name as the user (its username value, the same string, left out). */
function recordArrays(events: SessionEvent[], startedAt: (event: SessionEvent) => Date): unknown[] {
  const rows = events.map((event) => [...insertParams(event, event.record.userName, startedAt(event)), event.legacyId]);
  const columns = [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  return columns.map((column) => rows.map((row) => {
    const value = row[column];
    return value instanceof Date ? value.toISOString() : value;
  }));
}

/**
 * `$20` is the Acct-Session-Time as reported: a known session takes it only up to what it can have lasted.
 * `joining` says the session is open, has a subscriber and does not burn its balance yet (new, or
 * taken out of the count as stale by a settlement): it must be settled like a Start.
 */
const UPSERT_INTERIM: NamedStatement = {
  name: 'sessions_upsert_interim',
  text: `INSERT INTO accounting_sessions AS s ${INSERT_COLUMNS}, status)
         VALUES (${RESOLVED_ID}, $2, ${USER_BY_NAME}, $4, $5, $6::inet, $7, $8, $9, $10::inet, $11, $12, $13, $14, $15, $16, ${NAS_CLIENT}, 'open')
         ${interimUpdateSql('$20::bigint')}
         RETURNING (xmax = 0) AS inserted, acct_unique_id, id::text AS id, user_id, $20::bigint > session_time AS clamped,
                   (NOT burning AND user_id IS NOT NULL) AS joining`,
};

/**
 * Many Interim-Updates in one statement (a group commit's), each as UPSERT_INTERIM, for distinct
 * sessions (the statement cannot change a row twice). `$19` are their reported Acct-Session-Times,
 * found again for a row by its id (the record's, or its legacy id). Returns the session's
 * session_time: the caller works out whether the record's was clamped.
 *
 * A session it creates (its Start was lost) for a subscriber none of whose sessions burns (the group
 * holds its profile lock) burns from its insert when the subscriber's balance covers the targets
 * of all such sessions of the statement: charged its target at `$20` (now; not stale by `$21`),
 * and the subscriber settled at now in the same statement (balance, open_sessions, prediction), as
 * the settlement would have done (settled_at moves to now when nothing burns; each session is
 * brought to its target, then burns from now). The others are left to the settlement (`joining`).
 */
const UPSERT_INTERIMS: NamedStatement = {
  name: 'sessions_upsert_interims',
  text: `WITH ${RECORDS},
         opening AS (
           SELECT o.n, o.user_id, o.target,
                  COALESCE(o.idle AND o.last_update_at >= $21::timestamptz
                           AND SUM(o.target) OVER (PARTITION BY o.user_id) <= o.balance_seconds, false) AS burning
             FROM (SELECT x.n, x.last_update_at, u.id AS user_id, p.balance_seconds,
                          p.open_sessions = 0 AS idle,
                          ${sessionTargetSql('x', '$20::timestamptz', '$21::timestamptz')} AS target
                     FROM (SELECT r.*, 'open'::text AS status FROM r) x
                     LEFT JOIN users u ON u.username = x.user_name
                     LEFT JOIN aaa_profiles p ON p.user_id = u.id) o
         ),
         written AS (
           INSERT INTO accounting_sessions AS s ${INSERT_COLUMNS}, status, burning, charged_seconds, charged_at)
           SELECT ${recordValuesSql('r', 'o.user_id')}, 'open', o.burning,
                  CASE WHEN o.burning THEN o.target ELSE 0 END, CASE WHEN o.burning THEN $20::timestamptz END
             FROM r JOIN opening o ON o.n = r.n ORDER BY r.n
           ${interimUpdateSql(REPORTED)}
           RETURNING (xmax = 0) AS inserted, acct_unique_id, id, user_id, session_time, burning, charged_seconds
         ),
         counted AS (
           UPDATE aaa_profiles p
              SET balance_seconds = p.balance_seconds - c.charged,
                  settled_at = $20::timestamptz,
                  open_sessions = p.open_sessions + c.n,
                  exhausts_at = ${exhaustionAtSql('$20::timestamptz', 'p.balance_seconds - c.charged', 'p.open_sessions + c.n')}
             FROM (SELECT user_id, count(*)::int AS n, SUM(charged_seconds) AS charged FROM written WHERE inserted AND burning GROUP BY user_id) c
            WHERE p.user_id = c.user_id
         )
         SELECT inserted, acct_unique_id, id::text AS id, user_id, session_time::text AS session_time,
                (NOT burning AND user_id IS NOT NULL) AS joining
           FROM written`,
};

/**
 * Sessions as the NAS reports them. Charging columns are written by ChargingRepository, with two
 * exceptions, so that a new session is written once: a group's Starts are written already burning by
 * INSERT_STARTS (their subscribers settled just before, see SettlementService.open), and the
 * sessions a group's Interim-Updates create for subscribers none of whose sessions burns, charged and
 * burning from their insert, by UPSERT_INTERIMS.
 */
@Injectable()
export class SessionsRepository {
  /**
   * Attempts (authorize and RADIUS Access-Requests with a credential) read together: those arriving
   * while earlier reads are in flight gather for READ_WINDOW_MS and share one statement
   * (SUBSCRIBERS_FOR_ATTEMPTS), one round trip for the lot; one alone is read by
   * SUBSCRIBER_FOR_ATTEMPT, without waiting.
   */
  private readonly attempts = new GroupCommitQueue<AttemptRead, AttemptRow>(
    { windowMs: READ_WINDOW_MS, startWhenIdle: true, maxItems: 100, maxGroupsInFlight: 4 },
    (reads) => this.readAttempts(reads),
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async readAttempts(reads: AttemptRead[]): Promise<Outcome<AttemptRow>[]> {
    if (reads.length === 1) {
      const [read] = reads as [AttemptRead];
      const rows = await queryNamed<AttemptRow>(this.dataSource, SUBSCRIBER_FOR_ATTEMPT, [
        read.username, read.now, read.keyHash, read.staleBefore, read.scope, ...attemptParams(read.counters),
      ]);
      return [{ ok: true, value: rows[0]! }];
    }
    const windowSeconds = reads[0]!.counters.windowSeconds;
    const rows = await queryNamed<AttemptRow & { n: string }>(this.dataSource, SUBSCRIBERS_FOR_ATTEMPTS, [
      reads.map((read) => read.username), reads.map((read) => read.now), reads.map((read) => read.keyHash),
      reads.map((read) => read.staleBefore), reads.map((read) => read.scope),
      reads.map((read) => JSON.stringify({ scopes: read.counters.keys.map((k) => k.scope), keys: read.counters.keys.map((k) => k.key), limits: read.counters.limits })),
      reads.map((read) => read.counters.at), reads.map((_, index) => index + 1), windowSeconds,
    ]);
    return rowsByPosition(rows, reads.length).map((row) => (
      row ? { ok: true, value: row } : { ok: false, error: new Error('authorize: no row for an attempt of the statement') }
    ));
  }

  async findUserIdByUsername(username: string, manager: EntityManager = this.dataSource.manager): Promise<number | null> {
    const rows: { id: number }[] = await manager.query('SELECT id FROM users WHERE username = $1', [username]);
    return rows[0]?.id ?? null;
  }

  /** Which of these records (a group's, in its transaction) name a subscriber outside their reporter's scope: one answer per record, in order. */
  async nameSubscribersOutside(
    manager: EntityManager, records: { scope: OrganizationScope; username: string; uniqueIds: [string, string] }[],
  ): Promise<boolean[]> {
    const rows = await queryNamed<{ n: number; outside: boolean }>(manager, NAME_SUBSCRIBERS_OUTSIDE, [
      records.map((record) => record.username), records.map((record) => record.uniqueIds[0]), records.map((record) => record.uniqueIds[1]),
      records.map((record) => scopeParameter(record.scope)), records.map((_, index) => index + 1),
    ]);
    return rowsByPosition(rows, records.length).map((row) => row?.outside ?? false);
  }

  /** The subscriber of a session (null: none, or no such session). A session's subscriber never changes once set. */
  async findSessionUserId(manager: EntityManager, sessionId: string): Promise<number | null> {
    const rows: { userId: number | null }[] = await manager.query('SELECT user_id AS "userId" FROM accounting_sessions WHERE id = $1', [sessionId]);
    return rows[0]?.userId ?? null;
  }

  /** The event's session by its id, or by its legacy id when it was opened before the id followed FreeRADIUS. */
  async findForEvent(event: SessionEvent, manager: EntityManager = this.dataSource.manager): Promise<{ id: string; userId: number | null; uniqueId: string } | undefined> {
    const rows = await manager.query(
      `SELECT id::text AS id, user_id AS "userId", acct_unique_id AS "uniqueId" FROM accounting_sessions
        WHERE acct_unique_id = ANY($1::char(32)[]) ORDER BY acct_unique_id = $2 DESC LIMIT 1`,
      [[event.uniqueId, event.legacyId], event.legacyId],
    );
    return rows[0];
  }

  /**
   * Start: opens the session; a retransmitted Start (or one after Stop) changes nothing. Returns the
   * new session, to be settled in the same transaction (it starts burning its subscriber's balance).
   */
  async insertStart(manager: EntityManager, event: SessionEvent): Promise<{ uniqueId: string; id: string; userId: number | null } | undefined> {
    const rows = await queryNamed<{ acct_unique_id: string; id: string; user_id: number | null }>(
      manager, INSERT_START, [...insertParams(event, event.record.userName, event.at), event.legacyId],
    );
    const row = rows[0];
    return row && { uniqueId: row.acct_unique_id, id: row.id, userId: row.user_id };
  }

  /**
   * Many Starts at once (a group commit's, in the transaction that locked their subscribers and
   * settled them up to `now`, see SettlementService.open): as insertStart for each, in order, in one
   * statement; a session that can burn its balance at once does (see INSERT_STARTS). Returns, per
   * event, its new session, or undefined when it inserted nothing (a retransmitted Start, one after
   * its Stop, or a repeat of an earlier event of the same call).
   */
  async insertStarts(manager: EntityManager, events: SessionEvent[], now: Date): Promise<({ uniqueId: string; id: string; userId: number | null; burning: boolean } | undefined)[]> {
    const rows = await queryNamed<{ acct_unique_id: string; id: string; user_id: number | null; burning: boolean }>(
      manager, INSERT_STARTS, [...recordArrays(events, (event) => event.at), events.map(() => 0), now, staleBeforeAt(now, this.config.accounting.staleAfterSeconds)],
    );
    const inserted = new Map(rows.map((row) => [row.acct_unique_id, row]));
    return events.map((event) => {
      const row = inserted.get(event.uniqueId);
      if (!row) return undefined;
      inserted.delete(event.uniqueId);
      return { uniqueId: row.acct_unique_id, id: row.id, userId: row.user_id, burning: row.burning };
    });
  }

  /**
   * Interim-Update: refreshes an open session (figures only ever grow, so reordered updates are harmless),
   * or creates it when its Start was lost. Never reopens a closed session. Returns what happened, and,
   * when the session does not burn its subscriber's balance yet (`joining`), its id and subscriber.
   */
  async upsertInterim(event: SessionEvent, manager?: EntityManager): Promise<{ action: 'created' | 'updated' | 'ignored'; joining?: { id: string; userId: number } } & SessionWrite> {
    const params = [...insertParams(event, event.record.userName, claimedStart(event)), event.legacyId, event.record.sessionTime ?? 0];
    const rows = await queryNamed<{ inserted: boolean; acct_unique_id: string; id: string; user_id: number | null; clamped: boolean; joining: boolean }>(
      manager ?? this.dataSource, UPSERT_INTERIM, params,
    );
    const row = rows[0];
    if (!row) return { action: 'ignored', uniqueId: event.uniqueId, clamped: false };
    return {
      action: row.inserted ? 'created' : 'updated', uniqueId: row.acct_unique_id, clamped: row.clamped,
      joining: row.joining && row.user_id !== null ? { id: row.id, userId: row.user_id } : undefined,
    };
  }

  /**
   * Many Interim-Updates at once, for distinct sessions (a group commit's, in its transaction): as
   * upsertInterim for each, in one statement. Returns, per event, what upsertInterim returns.
   */
  async upsertInterims(
    manager: EntityManager, events: SessionEvent[], now: Date,
  ): Promise<({ action: 'created' | 'updated' | 'ignored'; joining?: { id: string; userId: number } } & SessionWrite)[]> {
    const rows = await queryNamed<{ inserted: boolean; acct_unique_id: string; id: string; user_id: number | null; session_time: string; joining: boolean }>(
      manager, UPSERT_INTERIMS,
      [...recordArrays(events, claimedStart), events.map((event) => event.record.sessionTime ?? 0), now, staleBeforeAt(now, this.config.accounting.staleAfterSeconds)],
    );
    const byId = new Map(rows.map((row) => [row.acct_unique_id, row]));
    return events.map((event) => {
      const row = byId.get(event.uniqueId) ?? byId.get(event.legacyId);
      if (!row) return { action: 'ignored', uniqueId: event.uniqueId, clamped: false };
      return {
        action: row.inserted ? 'created' : 'updated', uniqueId: row.acct_unique_id, clamped: (event.record.sessionTime ?? 0) > Number(row.session_time),
        joining: row.joining && row.user_id !== null ? { id: row.id, userId: row.user_id } : undefined,
      };
    });
  }

  /**
   * Stop: closes the session with the NAS's final figures (or creates it closed when only the Stop
   * arrived). A session the server closed itself (stale, NAS reboot, no balance) takes the late
   * Stop's figures; a repeated Stop changes nothing. The final Acct-Session-Time is believed only up
   * to what the session can have lasted. Run in a transaction that holds the profile lock, with the
   * event's uniqueId already resolved (findForEvent).
   */
  async upsertStop(manager: EntityManager, event: SessionEvent, userId: number | null): Promise<{ id: string; created: boolean; clamped: boolean } | undefined> {
    const params = [...insertParams(event, userId, claimedStart(event)), event.record.terminateCause, event.record.sessionTime];
    const rows: { id: string; inserted: boolean; clamped: boolean }[] = await manager.query(
      `INSERT INTO accounting_sessions AS s ${INSERT_COLUMNS}, status, stopped_at, terminate_cause, stop_received)
       VALUES ($1, $2, $3, $4, $5, $6::inet, $7, $8, $9, $10::inet, $11, $12, $13, $14, $15, $16, ${NAS_CLIENT}, 'closed', $12, $19, true)
       ON CONFLICT (acct_unique_id) DO UPDATE SET
         status = 'closed',
         stopped_at = GREATEST(s.started_at, EXCLUDED.stopped_at),
         last_update_at = GREATEST(s.last_update_at, EXCLUDED.last_update_at),
         session_time = CASE WHEN $20::bigint IS NULL
                             THEN GREATEST(0, floor(extract(epoch FROM (EXCLUDED.stopped_at - s.started_at))))::bigint
                             ELSE LEAST($20::bigint, ${believableSessionTime('EXCLUDED.stopped_at')}) END,
         session_time_clamped = s.session_time_clamped OR COALESCE($20::bigint > ${believableSessionTime('EXCLUDED.stopped_at')}, false),
         input_octets = GREATEST(s.input_octets, EXCLUDED.input_octets),
         output_octets = GREATEST(s.output_octets, EXCLUDED.output_octets),
         framed_ip_address = COALESCE(EXCLUDED.framed_ip_address, s.framed_ip_address),
         terminate_cause = COALESCE(EXCLUDED.terminate_cause, s.terminate_cause),
         stop_received = true
       WHERE s.stop_received = false
       RETURNING id::text AS id, (xmax = 0) AS inserted, COALESCE($20::bigint > session_time, false) AS clamped`,
      params,
    );
    const row = rows[0];
    return row ? { id: row.id, created: row.inserted, clamped: row.clamped } : undefined;
  }

  async findPage(filter: SessionFilter, now: Date, offset: number, limit: number): Promise<{ rows: SessionRow[]; count: number }> {
    const live = this.liveParams(now);
    const { where, params } = sessionWhere(filter, live.length);
    const [rows, counted] = await Promise.all([
      this.dataSource.query(
        `${SESSION_SELECT} ${where} ORDER BY s.id DESC LIMIT $${live.length + params.length + 1} OFFSET $${live.length + params.length + 2}`,
        [...live, ...params, limit, offset],
      ) as Promise<SessionRow[]>,
      this.dataSource.query(`SELECT count(*) AS count FROM accounting_sessions s ${sessionWhere(filter, 0).where}`, params) as Promise<{ count: string }[]>,
    ]);
    return { rows, count: Number(counted[0]?.count ?? 0) };
  }

  /** Up to `limit` sessions of the filter with an id below `beforeId` (null: from the newest), newest first: a keyset page for exports. */
  async findBatch(filter: SessionFilter, now: Date, beforeId: string | null, limit: number): Promise<SessionRow[]> {
    const live = this.liveParams(now);
    const { where, params } = sessionWhere(filter, live.length + 2);
    const keyset = `${where ? `${where} AND` : 'WHERE'} ($3::bigint IS NULL OR s.id < $3::bigint)`;
    return this.dataSource.query(`${SESSION_SELECT} ${keyset} ORDER BY s.id DESC LIMIT $4`, [...live, beforeId, limit, ...params]);
  }

  async countOpen(): Promise<number> {
    const rows: { count: string }[] = await this.dataSource.query("SELECT count(*) AS count FROM accounting_sessions WHERE status = 'open'");
    return Number(rows[0]?.count ?? 0);
  }

  /** The session if the scope sees it. */
  async findById(id: string, scope: SessionScope, now: Date): Promise<SessionRow | undefined> {
    const live = this.liveParams(now);
    const { where, params } = sessionWhere({ scope }, live.length + 1);
    const rows: SessionRow[] = await this.dataSource.query(
      `${SESSION_SELECT} ${where ? `${where} AND` : 'WHERE'} s.id = $3`,
      [...live, id, ...params],
    );
    return rows[0];
  }

  private liveParams(now: Date): [Date, Date] {
    return [now, staleBeforeAt(now, this.config.accounting.staleAfterSeconds)];
  }

  /**
   * Everything authorizing a subscriber needs, with the exact remaining balance at `now`, in one
   * statement. `keyHash` (the digest of the presented key, when the secret is shaped like one) is
   * compared in the statement. With `counters` the same statement reserves the attempt first
   * (reservedAttemptSql), verified when the key matched: a key that checks out costs this one
   * round trip and nothing to give back. `attempt` is then the keys as counted (see AuthThrottle.verdict).
   * A subscriber outside `scope` (the asking gateway's or NAS client's organization) is not read at
   * all: it is an unknown user, counted and answered as one. Attempts arriving while others are being
   * read share their statement (one round trip for all of them, see `attempts`).
   */
  async findSubscriberForAttempt(
    username: string,
    now: Date,
    keyHash: string | null,
    counters: AttemptCounters | undefined,
    scope: OrganizationScope,
  ): Promise<{ subscriber?: SubscriberBalance; attempt?: CountedKey[] }> {
    const staleBefore = staleBeforeAt(now, this.config.accounting.staleAfterSeconds);
    if (!counters) {
      const rows = await queryNamed<SubscriberBalanceRow>(this.dataSource, SUBSCRIBER_FOR_AUTHORIZE, [username, now, keyHash, staleBefore, scopeParameter(scope)]);
      return { subscriber: rows[0] && subscriberBalance(rows[0]) };
    }
    const row = await this.attempts.submit({ username, now, keyHash, staleBefore, scope: scopeParameter(scope), counters });
    return {
      subscriber: row.userId === null ? undefined : subscriberBalance(row as SubscriberBalanceRow),
      attempt: row.attempt.map((key) => ({ ...key, windowStart: new Date(key.windowStart) })),
    };
  }
}

type SubscriberBalanceRow = Omit<SubscriberBalance, 'remainingSeconds' | 'liveSessions'> & { remainingSeconds: string; liveSessions: string };

function subscriberBalance(row: SubscriberBalanceRow): SubscriberBalance {
  return {
    userId: row.userId, username: row.username, isActive: row.isActive, passwordHash: row.passwordHash,
    keyMatches: row.keyMatches, keyExpired: row.keyExpired, remainingSeconds: Number(row.remainingSeconds),
    maxSessions: row.maxSessions, liveSessions: Number(row.liveSessions), voucherExpiresAt: row.voucherExpiresAt,
  };
}

/**
 * The subscriber authorize decides on (`$1` its username, at `$2`; `$4` the stale-before instant;
 * `$5` the caller's organization scope: a subscriber outside it is not found).
 * Its live sessions are counted only when it has a simultaneous-use limit (the index on open
 * sessions by user makes it one probe); a voucher's expiry is worked out only when it has valid_days.
 * `$3` is the presented key's digest, or null: compared here, and the key's expiry (its subscriber's
 * sessions counted as use, see tokenExpiredSql) is only worked out for the key that matched.
 */
function subscriberColumnsSql(username: string, now: string, keyHash: string, staleBefore: string, scope: string): string {
  return `SELECT u.id AS "userId", u.username AS "username", u.is_active AS "isActive", u.password_hash AS "passwordHash",
         COALESCE(t.key_hash = ${keyHash}, false) AS "keyMatches",
         CASE WHEN t.key_hash = ${keyHash} THEN ${tokenExpiredSql(now)} ELSE false END AS "keyExpired",
         ${remainingBalanceSql('p', now, staleBefore)} AS "remainingSeconds",
         p.max_sessions AS "maxSessions",
         CASE WHEN p.max_sessions IS NULL THEN 0 ELSE (SELECT count(*) FROM accounting_sessions ls
                WHERE ls.user_id = u.id AND ls.status = 'open' AND ls.last_update_at >= ${staleBefore}) END AS "liveSessions",
         ${voucherExpirySql('v', 'u')} AS "voucherExpiresAt"
    FROM users u JOIN aaa_profiles p ON p.user_id = u.id LEFT JOIN auth_tokens t ON t.user_id = u.id LEFT JOIN vouchers v ON v.user_id = u.id
   WHERE u.username = ${username} AND ${organizationInScopeSql('p.organization', scope)}`;
}

const SUBSCRIBER_COLUMNS = subscriberColumnsSql('$1', '$2::timestamptz', '$3', '$4::timestamptz', '$5');

/** Asked on every authorize without a credential to check: prepared by name. */
const SUBSCRIBER_FOR_AUTHORIZE: NamedStatement = { name: 'authorize_subscriber', text: SUBSCRIBER_COLUMNS };

/**
 * Asked on every Access-Request and authorize with a credential: the attempt reserved ($6–$10)
 * with the subscriber read, one row whatever happens (subscriber columns null for an unknown user).
 */
const SUBSCRIBER_FOR_ATTEMPT: NamedStatement = {
  name: 'authorize_subscriber_attempt',
  text: `WITH s AS (${SUBSCRIBER_COLUMNS})
         SELECT s.*,
                (SELECT json_agg(json_build_object('scope', a.scope, 'key', a.key, 'windowStart', a.window_start, 'count', a.count) ORDER BY a.n)
                   FROM ${reservedAttemptSql(6, 'COALESCE((SELECT s."keyMatches" FROM s), false)')}) AS attempt
           FROM (VALUES (1)) AS one (x) LEFT JOIN s ON true`,
};

/**
 * SUBSCRIBER_FOR_ATTEMPT for many attempts in one statement (attempts arriving together): one row
 * per attempt, in order, `n` its position. Each attempt's username, instant, key digest, stale
 * cut-off, scope and counters ({scopes, keys, limits} as JSON, reserved at `at`) are arrays; the
 * attempts are reserved one after another, so two attempts on one key within the statement count
 * as two, exactly as two statements would.
 */
const SUBSCRIBERS_FOR_ATTEMPTS: NamedStatement = {
  name: 'authorize_subscribers_attempts',
  text: `SELECT r.n, s.*,
                (SELECT json_agg(json_build_object('scope', a.scope, 'key', a.key, 'windowStart', a.window_start, 'count', a.count) ORDER BY a.n)
                   FROM auth_throttle_attempt(ARRAY(SELECT json_array_elements_text(r.counters -> 'scopes'))::varchar[],
                                              ARRAY(SELECT json_array_elements_text(r.counters -> 'keys'))::varchar[],
                                              ARRAY(SELECT json_array_elements_text(r.counters -> 'limits'))::integer[],
                                              r.at, $9::integer, COALESCE(s."keyMatches", false))
                        WITH ORDINALITY AS a(scope, key, window_start, count, n)) AS attempt
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[], $5::text[], $6::json[], $7::timestamptz[], $8::int[])
                AS r (username, now, key_hash, stale_before, organization, counters, at, n)
           LEFT JOIN LATERAL (${subscriberColumnsSql('r.username', 'r.now', 'r.key_hash', 'r.stale_before', 'r.organization')}) s ON true
          ORDER BY r.n`,
};

/** One attempt waiting to be read with others (see SessionsRepository.findSubscriberForAttempt). */
interface AttemptRead {
  username: string;
  now: Date;
  keyHash: string | null;
  staleBefore: Date;
  scope: string | null;
  counters: AttemptCounters;
}

type AttemptRow = Partial<SubscriberBalanceRow> & { attempt: (CountedKey & { windowStart: string })[] };

/** The filter's conditions; its parameters are numbered from `$${offset + 1}`. */
function sessionWhere(filter: SessionFilter, offset: number): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${offset + params.length}`;
  };
  const scoped = sessionScopeSql(filter.scope, 's.user_id', param);
  if (scoped) clauses.push(scoped);
  if (filter.username !== undefined) clauses.push(`s.username = ${param(filter.username)}`);
  if (filter.status !== undefined) clauses.push(`s.status = ${param(filter.status)}`);
  if (filter.nasIdentifier !== undefined) clauses.push(`s.nas_identifier = ${param(filter.nasIdentifier)}`);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
