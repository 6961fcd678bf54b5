import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A session to cut off, with where its Disconnect-Request goes (null when no NAS client matches). */
export interface DisconnectRow {
  id: string;
  acctSessionId: string;
  username: string;
  callingStationId: string;
  nasIdentifier: string;
  nasIpAddress: string | null;
  /** The NAS's address: the session's NAS-IP-Address, or a single-host client named as its NAS-Identifier. */
  targetAddress: string | null;
  coaPort: number | null;
  secret: string | null;
}

export type DisconnectStatus = 'pending' | 'ack' | 'nak' | 'timeout' | 'no_nas';

/** The Disconnect-Request columns of accounting_sessions. */
@Injectable()
export class RadiusSessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The sessions (not yet asked to disconnect) with their NAS client: the most specific network holding
   * the session's NAS-IP-Address, or, for a session without one, the single-host client named as its
   * NAS-Identifier. Marks them pending in the same statement.
   */
  async claimForDisconnect(sessionIds: string[]): Promise<DisconnectRow[]> {
    if (sessionIds.length === 0) return [];
    return this.dataSource.query(
      `WITH claimed AS (
         UPDATE accounting_sessions s SET disconnect_status = 'pending', disconnect_attempts = 0
          WHERE s.id = ANY($1::bigint[]) AND s.disconnect_status IS NULL
          RETURNING s.id, s.acct_session_id, s.username, s.calling_station_id, s.nas_identifier, s.nas_ip_address)
       SELECT c.id::text AS id, c.acct_session_id AS "acctSessionId", c.username AS "username",
              c.calling_station_id AS "callingStationId", c.nas_identifier AS "nasIdentifier",
              host(c.nas_ip_address) AS "nasIpAddress",
              CASE WHEN n.id IS NULL THEN NULL ELSE host(COALESCE(c.nas_ip_address, n.ip_address)) END AS "targetAddress",
              n.coa_port AS "coaPort", n.secret AS "secret"
         FROM claimed c
         LEFT JOIN LATERAL (
           SELECT n.* FROM nas_clients n
            WHERE (c.nas_ip_address IS NOT NULL AND c.nas_ip_address <<= n.ip_address)
               OR (c.nas_ip_address IS NULL AND n.name = c.nas_identifier
                   AND masklen(n.ip_address) = CASE family(n.ip_address) WHEN 4 THEN 32 ELSE 128 END)
            ORDER BY masklen(n.ip_address) DESC LIMIT 1) n ON true
        ORDER BY c.id`,
      [sessionIds],
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
