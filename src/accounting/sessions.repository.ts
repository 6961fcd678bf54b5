import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { queryNamed, type NamedStatement } from '../database/data-source-options.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { remainingBalanceSql, staleBeforeAt } from './balance-sql.js';
import type { AccountingRecord } from './radius-attributes.js';

/** A record ready to write: its unique id and when the event happened. */
export interface SessionEvent {
  uniqueId: string;
  record: AccountingRecord;
  at: Date;
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
}

export interface SessionFilter {
  userId?: number;
  username?: string;
  status?: string;
  nasIdentifier?: string;
}

export interface SubscriberBalance {
  userId: number;
  username: string;
  isActive: boolean;
  passwordHash: string | null;
  tokenKeyHash: string | null;
  tokenLastUsedAt: Date | null;
  tokenLifetime: number | null;
  remainingSeconds: number;
  openSessions: number;
}

const SESSION_COLUMNS = `s.id::text AS id, s.acct_unique_id AS "acctUniqueId", s.acct_session_id AS "acctSessionId",
  s.user_id AS "userId", s.username AS "username", s.nas_identifier AS "nasIdentifier", host(s.nas_ip_address) AS "nasIpAddress",
  s.nas_port_id AS "nasPortId", s.calling_station_id AS "callingStationId", s.called_station_id AS "calledStationId",
  host(s.framed_ip_address) AS "framedIpAddress", s.started_at AS "startedAt", s.last_update_at AS "lastUpdateAt",
  s.stopped_at AS "stoppedAt", s.session_time::text AS "sessionTime", s.input_octets::text AS "inputOctets",
  s.output_octets::text AS "outputOctets", s.charged_seconds::text AS "chargedSeconds",
  s.overage_seconds::text AS "overageSeconds", s.status AS "status", s.terminate_cause AS "terminateCause"`;

/** Values for the insert columns shared by Start, Interim-Update and Stop. `$11` is the start time. */
/** `user` is the subscriber's id, or its User-Name for statements that look the id up themselves. */
function insertParams(event: SessionEvent, user: number | string | null, startedAt: Date): unknown[] {
  const r = event.record;
  return [
    event.uniqueId, r.acctSessionId, user, r.userName, r.nasIdentifier, r.nasIpAddress, r.nasPortId,
    r.callingStationId, r.calledStationId, r.framedIpAddress, startedAt, event.at, r.sessionTime ?? 0,
    r.inputOctets ?? '0', r.outputOctets ?? '0',
  ];
}

const INSERT_COLUMNS = `(acct_unique_id, acct_session_id, user_id, username, nas_identifier, nas_ip_address, nas_port_id,
  calling_station_id, called_station_id, framed_ip_address, started_at, last_update_at, session_time, input_octets, output_octets`;


/** Start and Interim-Update arrive for every session every few minutes: prepared by name (planned once per connection). */
/** `$3` is the User-Name: the subscriber is looked up in the same statement (one round trip per record). */
const USER_BY_NAME = '(SELECT id FROM users WHERE username = $3)';

const INSERT_START: NamedStatement = {
  name: 'sessions_insert_start',
  text: `INSERT INTO accounting_sessions ${INSERT_COLUMNS}, status)
         VALUES ($1, $2, ${USER_BY_NAME}, $4, $5, $6::inet, $7, $8, $9, $10::inet, $11, $12, $13, $14, $15, 'open')
         ON CONFLICT (acct_unique_id) DO NOTHING RETURNING id`,
};

const UPSERT_INTERIM: NamedStatement = {
  name: 'sessions_upsert_interim',
  text: `INSERT INTO accounting_sessions AS s ${INSERT_COLUMNS}, status)
         VALUES ($1, $2, ${USER_BY_NAME}, $4, $5, $6::inet, $7, $8, $9, $10::inet, $11, $12, $13, $14, $15, 'open')
         ON CONFLICT (acct_unique_id) DO UPDATE SET
           last_update_at = GREATEST(s.last_update_at, EXCLUDED.last_update_at),
           session_time = GREATEST(s.session_time, EXCLUDED.session_time),
           input_octets = GREATEST(s.input_octets, EXCLUDED.input_octets),
           output_octets = GREATEST(s.output_octets, EXCLUDED.output_octets),
           framed_ip_address = COALESCE(EXCLUDED.framed_ip_address, s.framed_ip_address)
         WHERE s.status = 'open'
         RETURNING (xmax = 0) AS inserted`,
};

/** Sessions as the NAS reports them. Charging columns are never written here (see ChargingRepository). */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async findUserIdByUsername(username: string, manager: EntityManager = this.dataSource.manager): Promise<number | null> {
    const rows: { id: number }[] = await manager.query('SELECT id FROM users WHERE username = $1', [username]);
    return rows[0]?.id ?? null;
  }

  async findByUniqueId(uniqueId: string, manager: EntityManager = this.dataSource.manager): Promise<{ id: string; userId: number | null } | undefined> {
    const rows = await manager.query(
      'SELECT id::text AS id, user_id AS "userId" FROM accounting_sessions WHERE acct_unique_id = $1',
      [uniqueId],
    );
    return rows[0];
  }

  /** Start: opens the session; a retransmitted Start (or one after Stop) changes nothing. */
  async insertStart(event: SessionEvent): Promise<boolean> {
    const rows = await queryNamed(this.dataSource, INSERT_START, insertParams(event, event.record.userName, event.at));
    return rows.length > 0;
  }

  /**
   * Interim-Update: refreshes an open session (figures only ever grow, so reordered updates are harmless),
   * or creates it when its Start was lost. Never reopens a closed session. Returns what happened.
   */
  async upsertInterim(event: SessionEvent): Promise<'created' | 'updated' | 'ignored'> {
    const startedAt = new Date(event.at.getTime() - (event.record.sessionTime ?? 0) * 1000);
    const rows = await queryNamed<{ inserted: boolean }>(this.dataSource, UPSERT_INTERIM, insertParams(event, event.record.userName, startedAt));
    if (rows.length === 0) return 'ignored';
    return rows[0]!.inserted ? 'created' : 'updated';
  }

  /**
   * Stop: closes the session with the NAS's final figures (or creates it closed when only the Stop
   * arrived). A session the server closed itself (stale, NAS reboot, no balance) takes the late
   * Stop's figures; a repeated Stop changes nothing. Run in a transaction that holds the profile lock.
   */
  async upsertStop(manager: EntityManager, event: SessionEvent, userId: number | null): Promise<{ id: string; created: boolean } | undefined> {
    const startedAt = new Date(event.at.getTime() - (event.record.sessionTime ?? 0) * 1000);
    const params = [...insertParams(event, userId, startedAt), event.record.terminateCause, event.record.sessionTime];
    const rows: { id: string; inserted: boolean }[] = await manager.query(
      `INSERT INTO accounting_sessions AS s ${INSERT_COLUMNS}, status, stopped_at, terminate_cause, stop_received)
       VALUES ($1, $2, $3, $4, $5, $6::inet, $7, $8, $9, $10::inet, $11, $12, $13, $14, $15, 'closed', $12, $16, true)
       ON CONFLICT (acct_unique_id) DO UPDATE SET
         status = 'closed',
         stopped_at = GREATEST(s.started_at, EXCLUDED.stopped_at),
         last_update_at = GREATEST(s.last_update_at, EXCLUDED.last_update_at),
         session_time = COALESCE($17::bigint, GREATEST(0, floor(extract(epoch FROM (EXCLUDED.stopped_at - s.started_at))))::bigint),
         input_octets = GREATEST(s.input_octets, EXCLUDED.input_octets),
         output_octets = GREATEST(s.output_octets, EXCLUDED.output_octets),
         framed_ip_address = COALESCE(EXCLUDED.framed_ip_address, s.framed_ip_address),
         terminate_cause = COALESCE(EXCLUDED.terminate_cause, s.terminate_cause),
         stop_received = true
       WHERE s.stop_received = false
       RETURNING id::text AS id, (xmax = 0) AS inserted`,
      params,
    );
    const row = rows[0];
    return row ? { id: row.id, created: row.inserted } : undefined;
  }

  async findPage(filter: SessionFilter, offset: number, limit: number): Promise<{ rows: SessionRow[]; count: number }> {
    const { where, params } = sessionWhere(filter);
    const [rows, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT ${SESSION_COLUMNS} FROM accounting_sessions s ${where} ORDER BY s.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ) as Promise<SessionRow[]>,
      this.dataSource.query(`SELECT count(*) AS count FROM accounting_sessions s ${where}`, params) as Promise<{ count: string }[]>,
    ]);
    return { rows, count: Number(counted[0]?.count ?? 0) };
  }

  async countOpen(): Promise<number> {
    const rows: { count: string }[] = await this.dataSource.query("SELECT count(*) AS count FROM accounting_sessions WHERE status = 'open'");
    return Number(rows[0]?.count ?? 0);
  }

  async findById(id: string): Promise<SessionRow | undefined> {
    const rows: SessionRow[] = await this.dataSource.query(`SELECT ${SESSION_COLUMNS} FROM accounting_sessions s WHERE s.id = $1`, [id]);
    return rows[0];
  }

  /** Everything authorizing a subscriber needs, with the exact remaining balance at `now`, in one query. */
  async findSubscriberBalance(username: string, now: Date): Promise<SubscriberBalance | undefined> {
    const rows: (Omit<SubscriberBalance, 'remainingSeconds' | 'openSessions'> & { remainingSeconds: string; openSessions: string })[] =
      await this.dataSource.query(
        `SELECT u.id AS "userId", u.username AS "username", u.is_active AS "isActive", u.password_hash AS "passwordHash",
                t.key_hash AS "tokenKeyHash", t.last_used_at AS "tokenLastUsedAt", u.token_lifetime AS "tokenLifetime",
                ${remainingBalanceSql('p', '$2::timestamptz', '$3::timestamptz')} AS "remainingSeconds",
                (SELECT count(*) FROM accounting_sessions os WHERE os.user_id = u.id AND os.status = 'open') AS "openSessions"
           FROM users u JOIN aaa_profiles p ON p.user_id = u.id LEFT JOIN auth_tokens t ON t.user_id = u.id
          WHERE u.username = $1`,
        [username, now, staleBeforeAt(now, this.config.accounting.staleAfterSeconds)],
      );
    const row = rows[0];
    return row ? { ...row, remainingSeconds: Number(row.remainingSeconds), openSessions: Number(row.openSessions) } : undefined;
  }
}

function sessionWhere(filter: SessionFilter): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.userId !== undefined) add('s.user_id = ?', filter.userId);
  if (filter.username !== undefined) add('s.username = ?', filter.username);
  if (filter.status !== undefined) add('s.status = ?', filter.status);
  if (filter.nasIdentifier !== undefined) add('s.nas_identifier = ?', filter.nasIdentifier);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
