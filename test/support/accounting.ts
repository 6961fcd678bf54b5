import { randomBytes } from 'node:crypto';
import { AccountingRunService, type RunOutcome } from '../../src/accounting/accounting-run.service.js';
import { sessionChargedSql } from '../../src/accounting/balance-sql.js';
import type { TestApp } from './test-app.js';

/** Epoch seconds of a Date, as a NAS sends Event-Timestamp. */
export const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

export interface SessionIdentity {
  'User-Name': string;
  'Acct-Session-Id': string;
  'NAS-Identifier': string;
  'NAS-IP-Address'?: string;
}

export function sessionIdentity(username: string, nas = 'nas-1'): SessionIdentity {
  return { 'User-Name': username, 'Acct-Session-Id': randomBytes(4).toString('hex'), 'NAS-Identifier': nas };
}

/** A gateway posting RADIUS accounting to the service, the way rlm_rest would. */
export class Gateway {
  constructor(
    private readonly t: TestApp,
    readonly token: string,
  ) {}

  async send(body: Record<string, unknown>, expectedStatus = 200) {
    const response = await this.t.api().post('/api/v1/accounting/').set('Authorization', `Bearer ${this.token}`).send(body);
    if (response.status !== expectedStatus) {
      throw new Error(`accounting ${JSON.stringify(body)} → ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body as { result: string; acct_unique_id?: string; sessions_closed?: number };
  }

  start(id: SessionIdentity, extra: Record<string, unknown> = {}) {
    return this.send({ 'Acct-Status-Type': 'Start', ...id, ...extra });
  }

  interim(id: SessionIdentity, sessionTime: number, extra: Record<string, unknown> = {}) {
    return this.send({ 'Acct-Status-Type': 'Interim-Update', ...id, 'Acct-Session-Time': sessionTime, ...extra });
  }

  stop(id: SessionIdentity, sessionTime: number, extra: Record<string, unknown> = {}) {
    return this.send({ 'Acct-Status-Type': 'Stop', ...id, 'Acct-Session-Time': sessionTime, 'Acct-Terminate-Cause': 'User-Request', ...extra });
  }
}

export async function runAccounting(t: TestApp, dryRun = false): Promise<RunOutcome> {
  return t.app.get(AccountingRunService).run({ trigger: 'api', dryRun });
}

export interface SessionState {
  status: string;
  charged: number;
  overage: number;
  sessionTime: number;
  terminateCause: string | null;
}

/** A session's charge so far: for a burning session, up to its subscriber's settled_at (the balance rule's own fragment). */
export async function sessionsOf(t: TestApp, username: string): Promise<(SessionState & { acctSessionId: string })[]> {
  const rows: { status: string; charged: string; overage: string; session_time: string; terminate_cause: string | null; acct_session_id: string }[] =
    await t.dataSource.query(
      `SELECT s.status, ${sessionChargedSql('s', 'p')} AS charged, s.overage_seconds AS overage, s.session_time, s.terminate_cause, s.acct_session_id
         FROM accounting_sessions s LEFT JOIN aaa_profiles p ON p.user_id = s.user_id WHERE s.username = $1 ORDER BY s.id`,
      [username],
    );
  return rows.map((row) => ({
    status: row.status,
    charged: Number(row.charged),
    overage: Number(row.overage),
    sessionTime: Number(row.session_time),
    terminateCause: row.terminate_cause,
    acctSessionId: row.acct_session_id,
  }));
}

export async function storedBalance(t: TestApp, userId: number): Promise<number> {
  const rows: { balance: string }[] = await t.dataSource.query('SELECT balance_seconds AS balance FROM aaa_profiles WHERE user_id = $1', [userId]);
  return Number(rows[0]!.balance);
}

export async function ledgerOf(t: TestApp, userId: number) {
  const rows: { kind: string; delta: string; overage: string; balance_after: string; reason: string }[] = await t.dataSource.query(
    `SELECT kind, delta_seconds AS delta, overage_seconds AS overage, balance_after, reason FROM balance_ledger WHERE user_id = $1 ORDER BY id`,
    [userId],
  );
  return rows.map((row) => ({ kind: row.kind, delta: Number(row.delta), overage: Number(row.overage), balanceAfter: Number(row.balance_after), reason: row.reason }));
}
