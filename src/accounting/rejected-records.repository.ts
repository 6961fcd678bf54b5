import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { queryReturning } from '../database/raw-query.js';
import type { RecordSource } from './sessions.repository.js';

export type RejectedRecordSource = 'http' | 'radius';

/** A refused record to keep: where it came from, what it said and why it was refused. */
export interface RejectedRecord {
  receivedAt: Date;
  source: RejectedRecordSource;
  sourceDetail: string;
  reportedBy: RecordSource;
  body: unknown;
  reason: string;
  errors: Record<string, string[]> | null;
}

export interface RejectedRow extends RejectedRecord {
  id: string;
  replayedAt: Date | null;
  replayResult: string | null;
}

const COLUMNS = `id::text AS id, received_at AS "receivedAt", source, source_detail AS "sourceDetail", body, reason, errors,
  replayed_at AS "replayedAt", replay_result AS "replayResult",
  CASE WHEN source = 'radius' THEN json_build_object('nasClientId', nas_client_id) ELSE json_build_object('gatewayUserId', gateway_user_id) END AS "reportedBy"`;

/** The quarantine of accounting records (accounting_rejected). */
@Injectable()
export class RejectedRecordsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(record: RejectedRecord): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO accounting_rejected (received_at, source, source_detail, body, reason, errors, nas_client_id, gateway_user_id)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7, $8) RETURNING id::text AS id`,
      [record.receivedAt, record.source, record.sourceDetail.slice(0, 300), JSON.stringify(record.body ?? null), record.reason,
        record.errors === null ? null : JSON.stringify(record.errors),
        'nasClientId' in record.reportedBy ? record.reportedBy.nasClientId : null, 'gatewayUserId' in record.reportedBy ? record.reportedBy.gatewayUserId : null],
    );
    return rows[0]!.id;
  }

  /** Newest first; `pending` keeps only records no replay has applied yet. */
  async findPage(pending: boolean | undefined, offset: number, limit: number): Promise<{ rows: RejectedRow[]; count: number }> {
    const where = pending === undefined ? '' : pending ? 'WHERE replayed_at IS NULL' : 'WHERE replayed_at IS NOT NULL';
    const [rows, counted] = await Promise.all([
      this.dataSource.query(`SELECT ${COLUMNS} FROM accounting_rejected ${where} ORDER BY id DESC LIMIT $1 OFFSET $2`, [limit, offset]) as Promise<RejectedRow[]>,
      this.dataSource.query(`SELECT count(*) AS count FROM accounting_rejected ${where}`) as Promise<{ count: string }[]>,
    ]);
    return { rows, count: Number(counted[0]?.count ?? 0) };
  }

  async findById(id: string): Promise<RejectedRow | undefined> {
    const rows: RejectedRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM accounting_rejected WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Records not yet applied, oldest first (a Start before its Stop), after `afterId`. */
  async findPending(afterId: string, limit: number): Promise<RejectedRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM accounting_rejected WHERE replayed_at IS NULL AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }

  /** A replay's outcome: `replayedAt` set when it applied the record, null when it failed again. */
  async markReplay(id: string, replayedAt: Date | null, result: string): Promise<void> {
    await this.dataSource.query('UPDATE accounting_rejected SET replayed_at = $2, replay_result = $3 WHERE id = $1', [id, replayedAt, result]);
  }

  /** Retention: deletes up to `limit` records received before `before`; returns how many. */
  async deleteReceivedBefore(manager: EntityManager, before: Date, limit: number): Promise<number> {
    const deleted = await queryReturning<{ id: string }>(
      manager,
      'DELETE FROM accounting_rejected WHERE id IN (SELECT id FROM accounting_rejected WHERE received_at < $1 ORDER BY id LIMIT $2) RETURNING id',
      [before, limit],
    );
    return deleted.length;
  }
}
