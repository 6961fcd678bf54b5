import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { LedgerKind } from './balance-ledger.entity.js';
import { sessionScopeSql, type SessionScope } from './session-scope.js';

export interface LedgerRow {
  id: string;
  userId: number | null;
  username: string;
  kind: LedgerKind;
  deltaSeconds: string;
  overageSeconds: string;
  balanceAfter: string;
  sessionId: string | null;
  actorUsername: string | null;
  reason: string;
  createdAt: Date;
}

export interface LedgerFilter {
  scope: SessionScope;
  username?: string;
}

const LEDGER_SELECT = `SELECT l.id::text AS id, l.user_id AS "userId", l.username AS "username", l.kind AS "kind",
                l.delta_seconds::text AS "deltaSeconds", l.overage_seconds::text AS "overageSeconds",
                l.balance_after::text AS "balanceAfter", l.session_id::text AS "sessionId",
                a.username AS "actorUsername", l.reason AS "reason", l.created_at AS "createdAt"
           FROM balance_ledger l LEFT JOIN users a ON a.id = l.actor_user_id`;

/** The filter's conditions; its parameters are numbered from `$${offset + 1}`. */
function ledgerWhere(filter: LedgerFilter, offset: number): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${offset + params.length}`;
  };
  const scoped = sessionScopeSql(filter.scope, 'l.user_id', param);
  if (scoped) clauses.push(scoped);
  if (filter.username !== undefined) clauses.push(`l.username = ${param(filter.username)}`);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export interface ManualChange {
  userId: number;
  kind: LedgerKind;
  deltaSeconds: number;
  balanceAfter: number;
  actorUserId: number | null;
  reason: string;
  at: Date;
}

@Injectable()
export class LedgerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recordManualChange(manager: EntityManager, change: ManualChange): Promise<void> {
    await manager.query(
      `INSERT INTO balance_ledger (user_id, username, kind, delta_seconds, balance_after, actor_user_id, reason, created_at)
       SELECT u.id, u.username, $2, $3, $4, $5, $6, $7 FROM users u WHERE u.id = $1`,
      [change.userId, change.kind, change.deltaSeconds, change.balanceAfter, change.actorUserId, change.reason, change.at],
    );
  }

  /** One top-up row per new subscriber (`seconds` each, from 0), in one statement. */
  async recordOpeningBalances(manager: EntityManager, userIds: number[], seconds: number, actorUserId: number | null, reason: string, at: Date): Promise<void> {
    await manager.query(
      `INSERT INTO balance_ledger (user_id, username, kind, delta_seconds, balance_after, actor_user_id, reason, created_at)
       SELECT u.id, u.username, $2, $3, $3, $4, $5, $6 FROM users u WHERE u.id = ANY($1::integer[]) ORDER BY u.id`,
      [userIds, LedgerKind.TopUp, seconds, actorUserId, reason, at],
    );
  }

  async findPage(filter: LedgerFilter, offset: number, limit: number): Promise<{ rows: LedgerRow[]; count: number }> {
    const { where, params } = ledgerWhere(filter, 0);
    const [rows, counted] = await Promise.all([
      this.dataSource.query(
        `${LEDGER_SELECT} ${where} ORDER BY l.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ) as Promise<LedgerRow[]>,
      this.dataSource.query(`SELECT count(*) AS count FROM balance_ledger l ${where}`, params) as Promise<{ count: string }[]>,
    ]);
    return { rows, count: Number(counted[0]?.count ?? 0) };
  }

  /** Up to `limit` rows of the filter with an id below `beforeId` (null: from the newest), newest first: a keyset page for exports. */
  async findBatch(filter: LedgerFilter, beforeId: string | null, limit: number): Promise<LedgerRow[]> {
    const { where, params } = ledgerWhere(filter, 2);
    return this.dataSource.query(
      `${LEDGER_SELECT} ${where ? `${where} AND` : 'WHERE'} ($1::bigint IS NULL OR l.id < $1::bigint) ORDER BY l.id DESC LIMIT $2`,
      [beforeId, limit, ...params],
    );
  }
}
