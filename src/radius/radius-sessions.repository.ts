import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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

/** The Disconnect-Request columns of accounting_sessions. */
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
    return this.dataSource.query(
      `WITH claimed AS (
         UPDATE accounting_sessions s SET disconnect_status = 'pending', disconnect_attempts = 0
          WHERE s.id = ANY($1::bigint[]) AND s.disconnect_status IS NULL
          RETURNING s.id, s.acct_session_id, s.username, s.calling_station_id, s.nas_identifier, s.nas_ip_address, s.nas_client_id)
       SELECT c.id::text AS id, c.acct_session_id AS "acctSessionId", c.username AS "username",
              c.calling_station_id AS "callingStationId", c.nas_identifier AS "nasIdentifier",
              host(c.nas_ip_address) AS "nasIpAddress",
              CASE WHEN masklen(n.ip_address) = CASE family(n.ip_address) WHEN 4 THEN 32 ELSE 128 END THEN host(n.ip_address)
                   WHEN c.nas_ip_address <<= n.ip_address THEN host(c.nas_ip_address) END AS "targetAddress",
              n.coa_port AS "coaPort", n.secret AS "secret"
         FROM claimed c
         LEFT JOIN nas_clients n ON n.id = c.nas_client_id
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
