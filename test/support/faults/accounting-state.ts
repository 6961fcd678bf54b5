import { sessionChargedSql } from '../../../src/accounting/balance-sql.js';
import type { DataSource } from 'typeorm';
import { ACCOUNTING_LOCK_KEY } from '../../../src/accounting/accounting-run.service.js';

export interface SessionRow {
  id: string;
  userId: number;
  status: string;
  startedAt: Date;
  sessionTime: number;
  charged: number;
  overage: number;
}

/** Sessions as charged so far (a burning session up to its subscriber's settled_at: sessionChargedSql). */
export async function sessionRows(dataSource: DataSource, userIds: number[]): Promise<SessionRow[]> {
  const rows: { id: string; user_id: number; status: string; started_at: Date; session_time: string; charged: string; overage: string }[] =
    await dataSource.query(
      `SELECT s.id::text AS id, s.user_id, s.status, s.started_at, s.session_time, ${sessionChargedSql('s', 'p')} AS charged, s.overage_seconds AS overage
         FROM accounting_sessions s LEFT JOIN aaa_profiles p ON p.user_id = s.user_id WHERE s.user_id = ANY($1::int[]) ORDER BY s.id`,
      [userIds],
    );
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    status: row.status,
    startedAt: new Date(row.started_at),
    sessionTime: Number(row.session_time),
    charged: Number(row.charged),
    overage: Number(row.overage),
  }));
}

export async function balances(dataSource: DataSource, userIds: number[]): Promise<Map<number, number>> {
  const rows: { user_id: number; balance: string }[] = await dataSource.query(
    'SELECT user_id, balance_seconds AS balance FROM aaa_profiles WHERE user_id = ANY($1::int[])',
    [userIds],
  );
  return new Map(rows.map((row) => [row.user_id, Number(row.balance)]));
}

/** Sum of the session rows of the ledger per user (negative: seconds paid from the balance). */
export async function ledgerSessionDeltas(dataSource: DataSource, userIds: number[]): Promise<Map<number, number>> {
  const rows: { user_id: number; delta: string }[] = await dataSource.query(
    `SELECT user_id, SUM(delta_seconds) AS delta FROM balance_ledger WHERE kind = 'session' AND user_id = ANY($1::int[]) GROUP BY user_id`,
    [userIds],
  );
  return new Map(rows.map((row) => [row.user_id, Number(row.delta)]));
}

/** The backend holding the accounting run's advisory lock in this database, if a run is in progress. */
export async function accountingLockHolder(dataSource: DataSource): Promise<number | undefined> {
  const rows: { pid: number }[] = await dataSource.query(
    `SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [ACCOUNTING_LOCK_KEY],
  );
  return rows[0]?.pid;
}

/**
 * The money invariants for a set of subscribers, whatever happened: for each, balance never below 0
 * and initial − balance == the seconds actually paid (charged − overage, summed over its sessions).
 * Returns a description of every violation.
 */
export function balanceProblems(initial: Map<number, number>, current: Map<number, number>, sessions: SessionRow[]): string[] {
  const paid = new Map<number, number>();
  for (const session of sessions) paid.set(session.userId, (paid.get(session.userId) ?? 0) + session.charged - session.overage);
  const problems: string[] = [];
  for (const [userId, start] of initial) {
    const balance = current.get(userId);
    if (balance === undefined) problems.push(`user ${userId}: no profile`);
    else if (balance < 0) problems.push(`user ${userId}: balance ${balance} < 0`);
    else if (start - balance !== (paid.get(userId) ?? 0)) {
      problems.push(`user ${userId}: balance went ${start} → ${balance} (−${start - balance}) but sessions paid ${paid.get(userId) ?? 0}`);
    }
  }
  return problems;
}
