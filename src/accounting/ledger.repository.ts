import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { scopeParameter, subscriberInScopeSql, type OrganizationScope } from '../auth/organization-scope.js';
import { LedgerKind } from './balance-ledger.entity.js';

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

  /** Rows of subscribers in `filter.scope` only, newest first. */
  async findPage(filter: { scope: OrganizationScope; userId?: number; username?: string }, offset: number, limit: number): Promise<{ rows: LedgerRow[]; count: number }> {
    const params: unknown[] = [scopeParameter(filter.scope)];
    const clauses: string[] = [subscriberInScopeSql('l.user_id', '$1')];
    if (filter.userId !== undefined) {
      params.push(filter.userId);
      clauses.push(`l.user_id = $${params.length}`);
    }
    if (filter.username !== undefined) {
      params.push(filter.username);
      clauses.push(`l.username = $${params.length}`);
    }
    const where = `WHERE ${clauses.join(' AND ')}`;
    const [rows, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT l.id::text AS id, l.user_id AS "userId", l.username AS "username", l.kind AS "kind",
                l.delta_seconds::text AS "deltaSeconds", l.overage_seconds::text AS "overageSeconds",
                l.balance_after::text AS "balanceAfter", l.session_id::text AS "sessionId",
                a.username AS "actorUsername", l.reason AS "reason", l.created_at AS "createdAt"
           FROM balance_ledger l LEFT JOIN users a ON a.id = l.actor_user_id
           ${where} ORDER BY l.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ) as Promise<LedgerRow[]>,
      this.dataSource.query(`SELECT count(*) AS count FROM balance_ledger l ${where}`, params) as Promise<{ count: string }[]>,
    ]);
    return { rows, count: Number(counted[0]?.count ?? 0) };
  }
}
