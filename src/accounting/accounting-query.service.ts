import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/policy.js';
import { csvRecord } from '../common/http/csv.js';
import { Clock } from '../common/time/clock.js';
import { EVERY_ORGANIZATION } from '../auth/organization-scope.js';
import { DomainError } from '../common/errors/domain-error.js';
import { parsePathId } from '../common/http/path-id.js';
import { limitOffsetPage, parseLimitOffset, type LimitOffsetPage } from '../common/pagination/limit-offset.js';
import { queryValue, type RawQuery } from '../common/pagination/query-url.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { toLedgerEntryDto, toRunDto, toSessionDto } from './accounting.mapper.js';
import { AccountingRunsRepository } from './accounting-runs.repository.js';
import type { AccountingRunDto } from './dto/accounting-run.dto.js';
import type { LedgerEntryDto } from './dto/ledger-entry.dto.js';
import type { SessionDto } from './dto/session.dto.js';
import { LedgerRepository, type LedgerFilter } from './ledger.repository.js';
import { observeSchedule, type ObservedSchedule } from './observed-schedule.js';
import { sessionScopeFor } from './session-scope.js';
import { SessionsRepository, type SessionFilter } from './sessions.repository.js';

export const SESSIONS_PATH = '/api/v1/accounting/sessions/';
export const LEDGER_PATH = '/api/v1/accounting/ledger/';
export const RUNS_PATH = '/api/v1/accounting/runs/';

const SESSION_STATUSES = ['open', 'closed'];

/** Scheduled runs the observed interval is taken from. */
const SCHEDULE_SAMPLE = 6;

/** Rows read per query while streaming a CSV export (keyset pages, newest first). */
const EXPORT_BATCH = 1000;

/** The CSV columns of the exports, in order: the JSON list's fields. */
const SESSION_CSV_COLUMNS: readonly (keyof SessionDto)[] = [
  'id', 'acct_unique_id', 'acct_session_id', 'username', 'nas_identifier', 'nas_ip_address', 'nas_port_id', 'calling_station_id',
  'called_station_id', 'framed_ip_address', 'started_at', 'last_update_at', 'stopped_at', 'session_time', 'seconds_so_far',
  'input_octets', 'output_octets', 'charged_seconds', 'charged_so_far', 'overage_seconds', 'status', 'terminate_cause',
  'session_time_clamped', 'nas_client_name', 'nas_client_address', 'disconnect_status', 'disconnect_error', 'disconnect_at',
  'coa_status', 'coa_error', 'coa_at', 'coa_session_timeout',
];
const LEDGER_CSV_COLUMNS: readonly (keyof LedgerEntryDto)[] = [
  'id', 'username', 'kind', 'delta_seconds', 'overage_seconds', 'balance_after', 'session_id', 'actor', 'reason', 'created_at',
];

/**
 * Read side of accounting. Whose sessions and ledger rows a caller sees is sessionScopeFor's rule
 * (staff: all; admins and moderators: their organization's subscribers; anyone else: their own).
 */
@Injectable()
export class AccountingQueryService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly ledger: LedgerRepository,
    private readonly runs: AccountingRunsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The list's filters (`username`, `status`, `nas_identifier`) within the caller's scope. */
  private sessionFilter(principal: Principal, query: RawQuery): SessionFilter {
    const status = queryValue(query, 'status');
    if (status !== undefined && !SESSION_STATUSES.includes(status)) {
      throw DomainError.field('status', `Select a valid choice. ${status} is not one of the available choices.`);
    }
    return { scope: sessionScopeFor(principal), username: queryValue(query, 'username'), nasIdentifier: queryValue(query, 'nas_identifier'), status };
  }

  /** Sessions with their live figures at this instant (seconds so far, charged so far). */
  async listSessions(principal: Principal, query: RawQuery): Promise<LimitOffsetPage<SessionDto>> {
    const filter = this.sessionFilter(principal, query);
    const page = parseLimitOffset(query);
    const { rows, count } = await this.sessions.findPage(filter, this.clock.now(), page.offset, page.limit);
    return limitOffsetPage(rows.map(toSessionDto), count, page, { baseUrl: this.config.publicUrl, path: SESSIONS_PATH, query });
  }

  /**
   * `?format=csv`: every session the list's filters select (limit and offset do not apply), newest
   * first, read in keyset batches and streamed. The filters are checked before the first byte.
   */
  sessionsCsv(principal: Principal, query: RawQuery): AsyncIterable<string> {
    const filter = this.sessionFilter(principal, query);
    const now = this.clock.now();
    return csvChunks(SESSION_CSV_COLUMNS, async (beforeId) => (await this.sessions.findBatch(filter, now, beforeId, EXPORT_BATCH)).map(toSessionDto));
  }

  /** For `sessions:online`: the open sessions (every subscriber's), newest first. */
  async onlineSessions(filter: { username?: string; nasIdentifier?: string }, limit: number): Promise<{ rows: SessionDto[]; count: number }> {
    const { rows, count } = await this.sessions.findPage({ scope: { organization: EVERY_ORGANIZATION }, status: 'open', ...filter }, this.clock.now(), 0, limit);
    return { rows: rows.map(toSessionDto), count };
  }

  async getSession(principal: Principal, rawId: string): Promise<SessionDto> {
    const id = parsePathId(rawId, Number.MAX_SAFE_INTEGER);
    if (id === undefined) throw DomainError.notFound();
    const row = await this.sessions.findById(String(id), sessionScopeFor(principal), this.clock.now());
    if (!row) throw DomainError.notFound();
    return toSessionDto(row);
  }

  private ledgerFilter(principal: Principal, query: RawQuery): LedgerFilter {
    return { scope: sessionScopeFor(principal), username: queryValue(query, 'username') };
  }

  async listLedger(principal: Principal, query: RawQuery): Promise<LimitOffsetPage<LedgerEntryDto>> {
    const page = parseLimitOffset(query);
    const { rows, count } = await this.ledger.findPage(this.ledgerFilter(principal, query), page.offset, page.limit);
    return limitOffsetPage(rows.map(toLedgerEntryDto), count, page, { baseUrl: this.config.publicUrl, path: LEDGER_PATH, query });
  }

  /** `?format=csv` on the ledger: as sessionsCsv. */
  ledgerCsv(principal: Principal, query: RawQuery): AsyncIterable<string> {
    const filter = this.ledgerFilter(principal, query);
    return csvChunks(LEDGER_CSV_COLUMNS, async (beforeId) => (await this.ledger.findBatch(filter, beforeId, EXPORT_BATCH)).map(toLedgerEntryDto));
  }

  /** The latest runs, the open sessions, and the schedule as the recorded scheduled runs show it. */
  async status(limit: number): Promise<{ runs: AccountingRunDto[]; openSessions: number; schedule: ObservedSchedule }> {
    const [{ rows }, openSessions, scheduled] = await Promise.all([
      this.runs.findPage(0, limit),
      this.sessions.countOpen(),
      this.runs.findRecentScheduled(SCHEDULE_SAMPLE),
    ]);
    return { runs: rows.map(toRunDto), openSessions, schedule: observeSchedule(scheduled) };
  }

  /** Newest first. */
  async listRuns(query: RawQuery): Promise<LimitOffsetPage<AccountingRunDto>> {
    const page = parseLimitOffset(query);
    const { rows, count } = await this.runs.findPage(page.offset, page.limit);
    return limitOffsetPage(rows.map(toRunDto), count, page, { baseUrl: this.config.publicUrl, path: RUNS_PATH, query });
  }
}

/** The header record, then one chunk of records per batch until a batch comes back short. */
async function* csvChunks<T extends { id: number }>(columns: readonly (keyof T)[], batch: (beforeId: string | null) => Promise<T[]>): AsyncIterable<string> {
  yield csvRecord(columns as readonly string[]);
  let beforeId: string | null = null;
  for (;;) {
    const rows = await batch(beforeId);
    if (rows.length > 0) yield rows.map((row) => csvRecord(columns.map((column) => row[column] as string | number | boolean | null))).join('');
    if (rows.length < EXPORT_BATCH) return;
    beforeId = String(rows[rows.length - 1]!.id);
  }
}
