import { Inject, Injectable } from '@nestjs/common';
import { scopeOf } from '../auth/organization-scope.js';
import { Capability, can, type Principal } from '../auth/policy.js';
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
import { LedgerRepository } from './ledger.repository.js';
import { observeSchedule, type ObservedSchedule } from './observed-schedule.js';
import { SessionsRepository, type SessionFilter } from './sessions.repository.js';

export const SESSIONS_PATH = '/api/v1/accounting/sessions/';
export const LEDGER_PATH = '/api/v1/accounting/ledger/';
export const RUNS_PATH = '/api/v1/accounting/runs/';

const SESSION_STATUSES = ['open', 'closed'];

/**
 * Read side of accounting. A subscriber sees only its own sessions and ledger; support (accounting:read)
 * those of its organization's subscribers; staff all (organization-scope.ts).
 */
/** Scheduled runs the observed interval is taken from. */
const SCHEDULE_SAMPLE = 6;

@Injectable()
export class AccountingQueryService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly ledger: LedgerRepository,
    private readonly runs: AccountingRunsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async listSessions(principal: Principal, query: RawQuery): Promise<LimitOffsetPage<SessionDto>> {
    const status = queryValue(query, 'status');
    if (status !== undefined && !SESSION_STATUSES.includes(status)) {
      throw DomainError.field('status', `Select a valid choice. ${status} is not one of the available choices.`);
    }
    const filter: SessionFilter = {
      username: queryValue(query, 'username'),
      nasIdentifier: queryValue(query, 'nas_identifier'),
      status,
      scope: scopeOf(principal),
      ...(can(principal, Capability.AccountingRead) ? {} : { userId: principal.userId }),
    };
    const page = parseLimitOffset(query);
    const { rows, count } = await this.sessions.findPage(filter, page.offset, page.limit);
    return limitOffsetPage(rows.map(toSessionDto), count, page, { baseUrl: this.config.publicUrl, path: SESSIONS_PATH, query });
  }

  async getSession(principal: Principal, rawId: string): Promise<SessionDto> {
    const id = parsePathId(rawId, Number.MAX_SAFE_INTEGER);
    if (id === undefined) throw DomainError.notFound();
    const row = await this.sessions.findById(String(id), scopeOf(principal));
    if (!row || (row.userId !== principal.userId && !can(principal, Capability.AccountingRead))) throw DomainError.notFound();
    return toSessionDto(row);
  }

  async listLedger(principal: Principal, query: RawQuery): Promise<LimitOffsetPage<LedgerEntryDto>> {
    const page = parseLimitOffset(query);
    const { rows, count } = await this.ledger.findPage(
      {
        username: queryValue(query, 'username'),
        scope: scopeOf(principal),
        ...(can(principal, Capability.AccountingRead) ? {} : { userId: principal.userId }),
      },
      page.offset,
      page.limit,
    );
    return limitOffsetPage(rows.map(toLedgerEntryDto), count, page, { baseUrl: this.config.publicUrl, path: LEDGER_PATH, query });
  }

  /** For `accounting:status`: the latest runs (newest first) and how many sessions are open now. */
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
