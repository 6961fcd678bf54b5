import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { parsePathId } from '../common/http/path-id.js';
import { limitOffsetPage, parseLimitOffset, type LimitOffsetPage } from '../common/pagination/limit-offset.js';
import { parseQueryBoolean, queryValue, type RawQuery } from '../common/pagination/query-url.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { accountingReplays } from '../observability/metrics.js';
import { toRejectedRecordDto } from './accounting.mapper.js';
import { AccountingIngestService } from './accounting-ingest.service.js';
import type { RejectedRecordDto } from './dto/rejected-record.dto.js';
import { RejectedRecordsRepository, type RejectedRow } from './rejected-records.repository.js';

export const REJECTED_PATH = '/api/v1/accounting/rejected/';

const REPLAY_BATCH = 500;

export interface ReplaySummary {
  applied: number;
  failed: number;
}

/**
 * The quarantine's read and replay side: refused records are listed, and replayed (parsed and
 * applied again exactly as when they arrived) once their cause is fixed. Applying is idempotent
 * (a record already applied answers `duplicate`), so replaying twice is harmless.
 */
@Injectable()
export class AccountingReplayService {
  private readonly logger = new Logger('Accounting');

  constructor(
    private readonly rejected: RejectedRecordsRepository,
    private readonly ingest: AccountingIngestService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Newest first; `?pending=true` only those no replay has applied. */
  async list(query: RawQuery): Promise<LimitOffsetPage<RejectedRecordDto>> {
    const raw = queryValue(query, 'pending');
    const pending = raw === undefined || raw.trim() === '' ? undefined : parseQueryBoolean(raw);
    if (raw !== undefined && raw.trim() !== '' && pending === undefined) throw DomainError.field('pending', 'Must be a valid boolean.');
    const page = parseLimitOffset(query);
    const { rows, count } = await this.rejected.findPage(pending, page.offset, page.limit);
    return limitOffsetPage(rows.map(toRejectedRecordDto), count, page, { baseUrl: this.config.publicUrl, path: REJECTED_PATH, query });
  }

  async replayOne(rawId: string): Promise<RejectedRecordDto> {
    const id = parsePathId(rawId, Number.MAX_SAFE_INTEGER);
    const row = id === undefined ? undefined : await this.rejected.findById(String(id));
    if (!row) throw DomainError.notFound();
    await this.replay(row);
    return toRejectedRecordDto((await this.rejected.findById(row.id))!);
  }

  /** Every pending record, oldest first (a Start before its Stop). */
  async replayAll(): Promise<ReplaySummary> {
    const summary: ReplaySummary = { applied: 0, failed: 0 };
    for (let after = '0'; ; ) {
      const rows = await this.rejected.findPending(after, REPLAY_BATCH);
      for (const row of rows) summary[(await this.replay(row)) ? 'applied' : 'failed'] += 1;
      if (rows.length < REPLAY_BATCH) return summary;
      after = rows[rows.length - 1]!.id;
    }
  }

  /** Applies one kept record; marks it replayed, or records why it failed again (it stays pending). */
  private async replay(row: RejectedRow): Promise<boolean> {
    try {
      const result = await this.ingest.replay(row.body, row.reportedBy);
      await this.rejected.markReplay(row.id, this.clock.now(), result.action);
      accountingReplays.inc({ result: 'applied' });
      this.logger.log(`Replayed refused accounting record ${row.id}: ${result.action}`);
      return true;
    } catch (error) {
      const reason = error instanceof DomainError ? `invalid_attributes: ${JSON.stringify(error.fieldErrors ?? error.message)}` : `apply_failed: ${error instanceof Error ? error.message : String(error)}`;
      await this.rejected.markReplay(row.id, null, reason);
      accountingReplays.inc({ result: 'failed' });
      this.logger.warn(`Replay of refused accounting record ${row.id} failed again: ${reason}`);
      return false;
    }
  }
}
