import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Query, Res, type StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags, getSchemaPath,
} from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, RequireCapability } from '../auth/auth.decorators.js';
import { scopeOf } from '../auth/organization-scope.js';
import { Capability, type Principal } from '../auth/policy.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import { csvFile, listFormat } from '../common/http/csv.js';
import type { LimitOffsetPage } from '../common/pagination/limit-offset.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { toDryRunDto, toRunDto } from './accounting.mapper.js';
import { AccountingIngestService } from './accounting-ingest.service.js';
import { AccountingQueryService } from './accounting-query.service.js';
import { AccountingReplayService } from './accounting-replay.service.js';
import { AccountingRunService } from './accounting-run.service.js';
import { AccountingResultDto } from './dto/accounting-request.dto.js';
import { ACCOUNTING_REQUEST_EXAMPLES } from './dto/accounting-request.schema.js';
import { AccountingRunDto, AccountingRunPageDto, DryRunResultDto, StartRunDto } from './dto/accounting-run.dto.js';
import { type LedgerEntryDto, LedgerPageDto } from './dto/ledger-entry.dto.js';
import { RejectedRecordDto, RejectedRecordPageDto } from './dto/rejected-record.dto.js';
import { SessionDto, SessionPageDto } from './dto/session.dto.js';

/** `?format=csv` (DRF's format parameter): the same list as CSV, streamed. */
const ApiListFormats = (page: Function, what: string) =>
  applyDecorators(
    ApiExtraModels(page),
    ApiQuery({
      name: 'format',
      required: false,
      enum: ['json', 'csv'],
      description:
        `\`csv\`: every ${what} the filters select (limit and offset do not apply), newest first, as \`text/csv\` with a header row ` +
        '(RFC 4180 quoting; text starting with = + - @ gets a leading \' against spreadsheet formulas), streamed. Any other value: 404.',
    }),
    ApiOkResponse({
      content: {
        'application/json': { schema: { $ref: getSchemaPath(page) } },
        'text/csv': { schema: { type: 'string' } },
      },
    }),
  );

/** DRF LimitOffsetPagination's query parameters. */
const ApiLimitOffsetQuery = () =>
  applyDecorators(
    ApiQuery({ name: 'limit', required: false, type: 'integer', description: 'Number of results to return per page.' }),
    ApiQuery({ name: 'offset', required: false, type: 'integer', description: 'The initial index from which to return the results.' }),
  );

@ApiTags('accounting')
@ApiResponse({ status: 401, description: 'Unauthorized', type: ErrorDetailDto })
@Controller('api/v1/accounting')
export class AccountingController {
  constructor(
    private readonly ingestService: AccountingIngestService,
    private readonly queries: AccountingQueryService,
    private readonly runs: AccountingRunService,
    private readonly replays: AccountingReplayService,
  ) {}

  @Post()
  @HttpCode(200)
  @RequireCapability(Capability.AccountingWrite)
  @ApiOperation({
    operationId: 'accounting_create',
    summary: 'Record an accounting request (Start, Interim-Update, Stop, Accounting-On, Accounting-Off)',
    description:
      'A JSON object keyed by RADIUS attribute names, as FreeRADIUS rlm_rest sends it (plain values or its typed ' +
      '`{"type", "value": [...]}` form). Idempotent: retransmits change nothing. Gateways (role `gateway`) only. ' +
      'Sessions are identified as FreeRADIUS 3.2\'s acct_unique policy does (or by the Acct-Unique-Session-Id sent). ' +
      'Only identifying and timing attributes can refuse a record; an unreadable informational one is ignored. ' +
      'A refused record is kept for replay (`/api/v1/accounting/rejected/`). ' +
      "A record for a subscriber of another organization than the gateway's is kept there too (reason `other_organization`), " +
      'charges nobody and answers `quarantined`.',
  })
  @ApiBody({ schema: { $ref: '#/components/schemas/AccountingRequestDto' }, examples: ACCOUNTING_REQUEST_EXAMPLES })
  @ApiOkResponse({ type: AccountingResultDto })
  @ApiResponse({ status: 400, description: 'Invalid attributes, e.g. `{"Acct-Session-Time": ["A valid integer from 0 to 4294967295 is required."]}`' })
  @ApiResponse({ status: 403, type: ErrorDetailDto })
  async ingest(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<AccountingResultDto> {
    const result = await this.ingestService.ingest(body, {
      source: 'http', detail: principal.username, reportedBy: { gatewayUserId: principal.userId }, scope: scopeOf(principal),
    });
    return {
      result: result.action,
      ...(result.acctUniqueId !== undefined ? { acct_unique_id: result.acctUniqueId } : {}),
      ...(result.sessionsClosed !== undefined ? { sessions_closed: result.sessionsClosed } : {}),
    };
  }

  @Get('sessions')
  @Authenticated()
  @ApiOperation({
    operationId: 'accounting_sessions_list',
    summary: 'Sessions, newest first, with live figures (`?status=open`: who is online)',
    description:
      'Staff see every session; admins and moderators those of their organization\'s subscribers; anyone else only their own. ' +
      'Open sessions carry live figures at the moment of the request: `seconds_so_far`, `charged_so_far`, octets, ' +
      'the NAS (`nas_identifier`, `nas_ip_address`, the bound `nas_client_name` / `nas_client_address`) and the caller\'s MAC (`calling_station_id`).',
  })
  @ApiQuery({ name: 'username', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'closed'] })
  @ApiQuery({ name: 'nas_identifier', required: false })
  @ApiLimitOffsetQuery()
  @ApiListFormats(SessionPageDto, 'session')
  listSessions(@CurrentPrincipal() principal: Principal, @Query() query: RawQuery): Promise<LimitOffsetPage<SessionDto>> | StreamableFile {
    if (listFormat(query) === 'csv') return csvFile('sessions', this.queries.sessionsCsv(principal, query));
    return this.queries.listSessions(principal, query);
  }

  @Get('sessions/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'accounting_sessions_retrieve', summary: 'One session' })
  @ApiParam({ name: 'id', type: 'integer' })
  @ApiOkResponse({ type: SessionDto })
  @ApiResponse({ status: 404, type: ErrorDetailDto })
  getSession(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.queries.getSession(principal, id);
  }

  @Get('ledger')
  @Authenticated()
  @ApiOperation({
    operationId: 'accounting_ledger_list',
    summary: 'Balance ledger: top-ups, adjustments and closed sessions\' charges, newest first',
    description: 'Scoped as the sessions list: staff all; admins and moderators their organization\'s subscribers; anyone else their own.',
  })
  @ApiQuery({ name: 'username', required: false })
  @ApiLimitOffsetQuery()
  @ApiListFormats(LedgerPageDto, 'ledger row')
  listLedger(@CurrentPrincipal() principal: Principal, @Query() query: RawQuery): Promise<LimitOffsetPage<LedgerEntryDto>> | StreamableFile {
    if (listFormat(query) === 'csv') return csvFile('ledger', this.queries.ledgerCsv(principal, query));
    return this.queries.listLedger(principal, query);
  }

  @Get('rejected')
  @RequireCapability(Capability.AccountingRuns)
  @ApiOperation({
    operationId: 'accounting_rejected_list',
    summary: 'Accounting records refused or not applied, newest first (staff)',
    description: 'Kept as received with the reason, until replayed or ACCOUNTING_REJECTED_RETENTION_DAYS pass. `pending=true`: not applied yet.',
  })
  @ApiQuery({ name: 'pending', required: false, type: 'boolean' })
  @ApiLimitOffsetQuery()
  @ApiOkResponse({ type: RejectedRecordPageDto })
  @ApiResponse({ status: 403, type: ErrorDetailDto })
  listRejected(@Query() query: RawQuery) {
    return this.replays.list(query);
  }

  @Post('rejected/:id/replay')
  @HttpCode(200)
  @RequireCapability(Capability.AccountingRuns)
  @ApiOperation({
    operationId: 'accounting_rejected_replay',
    summary: 'Apply a refused accounting record again (staff)',
    description: 'Parses and applies the stored body as if it had just arrived. The record answers with `replayed_at` set when it was applied, or `replay_result` saying why it failed again.',
  })
  @ApiParam({ name: 'id', type: 'integer' })
  @ApiOkResponse({ type: RejectedRecordDto })
  @ApiResponse({ status: 404, type: ErrorDetailDto })
  @ApiResponse({ status: 403, type: ErrorDetailDto })
  replayRejected(@Param('id') id: string) {
    return this.replays.replayOne(id);
  }

  @Get('runs')
  @RequireCapability(Capability.AccountingRuns)
  @ApiOperation({ operationId: 'accounting_runs_list', summary: 'Accounting runs, newest first (staff)' })
  @ApiLimitOffsetQuery()
  @ApiOkResponse({ type: AccountingRunPageDto })
  @ApiResponse({ status: 403, type: ErrorDetailDto })
  listRuns(@Query() query: RawQuery) {
    return this.queries.listRuns(query);
  }

  @Post('runs')
  @RequireCapability(Capability.AccountingRuns)
  @ApiOperation({
    operationId: 'accounting_runs_create',
    summary: 'Run accounting now (staff)',
    description: '201 with the run record; with `dry_run` 200 and what a run would do (nothing is changed); 409 when another run is in progress.',
  })
  @ApiBody({ type: StartRunDto, required: false })
  @ApiResponse({ status: 201, type: AccountingRunDto })
  @ApiResponse({ status: 200, type: DryRunResultDto })
  @ApiResponse({ status: 409, type: ErrorDetailDto })
  @ApiResponse({ status: 403, type: ErrorDetailDto })
  async startRun(@Body() body: StartRunDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const outcome = await this.runs.run({ trigger: 'api', dryRun: body.dry_run === true });
    switch (outcome.status) {
      case 'skipped':
        throw new DomainError(ErrorCode.Conflict, `Not started: ${outcome.reason}.`);
      case 'dry-run':
        void reply.status(200);
        return toDryRunDto(outcome.startedAt, outcome.counts);
      case 'finished':
      case 'failed':
        void reply.status(201);
        return toRunDto(outcome.run);
    }
  }
}
