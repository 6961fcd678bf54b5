import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { remainingBalanceSql } from '../accounting/balance-sql.js';

/** A session to cut off, with where its Disconnect-Request goes (null when it is bound to no NAS client). */
export interface DisconnectRow {
  id: string;
  acctSessionId: string;
  username: string;
  callingStationId: string;
  nasIdentifier: string;
  nasIpAddress: string | null;
  /** The bound NAS client's address (see claimForDisconnect). */
  targetAddress: string | null;
  coaPort: number | null;
  /** As stored: sealed when SECRETS_KEY is set (NasSecretCipher.reveal). */
  secret: string | null;
}

export type DisconnectStatus = 'pending' | 'ack' | 'nak' | 'timeout' | 'no_nas';

/** A live session whose NAS gets a CoA-Request with the new Session-Timeout. */
export interface CoaRow extends DisconnectRow {
  /** Its NAS client takes CoA-Requests (null: bound to none). */
  coaEnabled: boolean | null;
  /** The subscriber's remaining balance shared by its live sessions, whole seconds (at least 1). */
  sessionTimeout: number;
}

export type CoaStatus = 'ack' | 'nak' | 'timeout' | 'no_nas' | 'disabled';

/** The Disconnect- and CoA-Request columns of accounting_sessions. */
@Injectable()
export class RadiusSessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The sessions (not yet asked to disconnect) with the NAS client they are bound to
   * (accounting_sessions.nas_client_id: the client that reported them), and nothing else: the
   * NAS-IP-Address or NAS-Identifier a record carries never chooses where a Disconnect-Request goes.
   * The target is the client's address; for a client that is a network, the session's NAS-IP-Address
   * when it lies inside that network, else none. Marks them pending in the same statement.
   */
  async claimForDisconnect(sessionIds: string[]): Promise<DisconnectRow[]> {
    if (sessionIds.length === 0) return [];
    // A session an admin already tried to disconnect while it was open (NAK, timeout) is asked again.
    return this.dataSource.query(
      claimSql(`s.id = ANY($1::bigint[]) AND (s.disconnect_status IS NULL OR (s.disconnect_status <> 'pending' AND s.disconnect_at < s.stopped_at))`, ''),
      [sessionIds],
    );
  }

  /**
   * An admin's Disconnect-Request for an open session: claimed (pending since `now`) unless one is
   * already waiting for its NAS, or was just acknowledged and the session is being closed (either
   * older than `pendingBefore` is taken to be from a process that died). Undefined when the session
   * is not open or already being disconnected.
   */
  async claimOpenForDisconnect(sessionId: string, now: Date, pendingBefore: Date): Promise<DisconnectRow | undefined> {
    const rows: DisconnectRow[] = await this.dataSource.query(
      claimSql(
        `s.id = $1 AND s.status = 'open' AND (s.disconnect_status IS NULL OR s.disconnect_status NOT IN ('pending', 'ack') OR s.disconnect_at < $3)`,
        ', disconnect_at = $2, disconnect_error = NULL',
      ),
      [sessionId, now, pendingBefore],
    );
    return rows[0];
  }

  /**
   * The live (open, not stale) sessions of these subscribers with where a CoA-Request for each goes
   * (as claimForDisconnect: the bound NAS client only) and the new Session-Timeout: the remaining
   * balance at `now` divided by the subscriber's live sessions, rounded down. Subscribers left with
   * less than a second per session are not listed: the exhaustion timer stops and disconnects those.
   */
  async findCoaTargets(userIds: number[], now: Date, staleBefore: Date): Promise<CoaRow[]> {
    if (userIds.length === 0) return [];
    const rows: (Omit<CoaRow, 'sessionTimeout'> & { sessionTimeout: string })[] = await this.dataSource.query(
      `WITH figures AS (
         SELECT p.user_id, ${remainingBalanceSql('p', '$2::timestamptz', '$3::timestamptz')} AS remaining,
                (SELECT count(*) FROM accounting_sessions ls WHERE ls.user_id = p.user_id AND ls.status = 'open' AND ls.last_update_at >= $3) AS live
           FROM aaa_profiles p WHERE p.user_id = ANY($1::int[])
       )
       SELECT c.id::text AS id, c.acct_session_id AS "acctSessionId", c.username AS "username",
              c.calling_station_id AS "callingStationId", c.nas_identifier AS "nasIdentifier",
              host(c.nas_ip_address) AS "nasIpAddress", ${NAS_TARGET_SQL} AS "targetAddress",
              n.coa_port AS "coaPort", n.secret AS "secret", n.coa_enabled AS "coaEnabled",
              (f.remaining / f.live)::text AS "sessionTimeout"
         FROM accounting_sessions c
         JOIN figures f ON f.user_id = c.user_id AND f.live > 0 AND f.remaining >= f.live
         LEFT JOIN nas_clients n ON n.id = c.nas_client_id
        WHERE c.status = 'open' AND c.last_update_at >= $3
        ORDER BY c.id`,
      [userIds, now, staleBefore],
    );
    return rows.map((row) => ({ ...row, sessionTimeout: Number(row.sessionTimeout) }));
  }

  /** The outcome of the latest CoA-Request for these sessions (and the Session-Timeout it carried, null if none was sent). */
  async recordCoa(sessionIds: string[], status: CoaStatus, attempts: number, at: Date, error: string | null, sessionTimeout: number | null): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE accounting_sessions SET coa_status = $2, coa_attempts = $3, coa_at = $4, coa_error = $5, coa_session_timeout = $6
        WHERE id = ANY($1::bigint[])`,
      [sessionIds, status, attempts, at, error === null ? null : error.slice(0, 64), sessionTimeout],
    );
  }

  async record(sessionIds: string[], status: DisconnectStatus, attempts: number, at: Date, error: string | null): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE accounting_sessions SET disconnect_status = $2, disconnect_attempts = $3, disconnect_at = $4, disconnect_error = $5
        WHERE id = ANY($1::bigint[])`,
      [sessionIds, status, attempts, at, error === null ? null : error.slice(0, 64)],
    );
  }
}

/** Marks the sessions `where` selects pending (plus `set`) and returns them with their bound NAS client's target (see claimForDisconnect). */
function claimSql(where: string, set: string): string {
  return `WITH claimed AS (
         UPDATE accounting_sessions s SET disconnect_status = 'pending', disconnect_attempts = 0${set}
          WHERE ${where}
          RETURNING s.id, s.acct_session_id, s.username, s.calling_station_id, s.nas_identifier, s.nas_ip_address, s.nas_client_id)
       SELECT c.id::text AS id, c.acct_session_id AS "acctSessionId", c.username AS "username",
              c.calling_station_id AS "callingStationId", c.nas_identifier AS "nasIdentifier",
              host(c.nas_ip_address) AS "nasIpAddress",
              ${NAS_TARGET_SQL} AS "targetAddress",
              n.coa_port AS "coaPort", n.secret AS "secret"
         FROM claimed c
         LEFT JOIN nas_clients n ON n.id = c.nas_client_id
        ORDER BY c.id`;
}

/**
 * Where a request for session `c` goes: its bound NAS client `n`'s address; for a client that is a
 * network, the session's NAS-IP-Address when it lies inside that network, else none (null).
 */
export const NAS_TARGET_SQL = `CASE WHEN masklen(n.ip_address) = CASE family(n.ip_address) WHEN 4 THEN 32 ELSE 128 END THEN host(n.ip_address)
                   WHEN c.nas_ip_address <<= n.ip_address THEN host(c.nas_ip_address) END`;
