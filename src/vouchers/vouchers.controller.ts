import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, RequireCapability } from '../auth/auth.decorators.js';
import { Capability, type Principal } from '../auth/policy.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { CreateVoucherBatchDto } from './dto/create-voucher-batch.dto.js';
import { VoucherBatchDto } from './dto/voucher-batch.dto.js';
import { parseBatchId, parseVoucherFormat, type VoucherFormat } from './voucher-params.js';
import { vouchersCsv } from './vouchers-csv.js';
import { VouchersService } from './vouchers.service.js';

const FORMAT_QUERY = ApiQuery({
  name: 'format',
  required: false,
  enum: ['json', 'csv'],
  description: '`csv`: `username,code,balance_seconds`, one line per voucher (text/csv, as a download).',
});

/** A batch as JSON or as the CSV an operator prints. */
function batchContent(description: string) {
  return {
    description,
    content: {
      'application/json': { schema: { $ref: getSchemaPath(VoucherBatchDto) } },
      'text/csv': { schema: { type: 'string' as const }, example: 'username,code,balance_seconds\r\nlobby-k7m4xq9r,h3tz8kq2wa,3600\r\n' },
    },
  };
}

function answer(reply: FastifyReply, batch: VoucherBatchDto, format: VoucherFormat): VoucherBatchDto | string {
  if (format === 'json') return batch;
  void reply.header('content-type', 'text/csv; charset=utf-8');
  void reply.header('content-disposition', `attachment; filename="vouchers-${batch.id}.csv"`);
  return vouchersCsv(batch.vouchers);
}

/** `/api/v1/vouchers/`: time sold on paper. Admins of the batch's organization, and staff. */
@ApiTags('vouchers')
@ApiExtraModels(VoucherBatchDto)
@ApiResponse({ status: 401, description: 'No, malformed, unknown or expired token.', type: ErrorDetailDto })
@RequireCapability(Capability.SubscribersWrite)
@Controller('api/v1/vouchers')
export class VouchersController {
  constructor(private readonly service: VouchersService) {}

  @Post()
  @ApiOperation({
    operationId: 'vouchers_create',
    summary: 'Create a batch of vouchers (one transaction)',
    description:
      'Creates `count` subscribers of `organization`, each holding `balance_seconds`, with a random username ' +
      '(`prefix` + 8 characters) and a 10-character code as its password (lowercase, no 0/o/1/l/i). ' +
      'The codes are stored hashed (argon2id); the answer shows them. With SECRETS_KEY set they are also kept ' +
      'encrypted so the batch can be downloaded again; without it this answer is the only time they are shown. ' +
      'Admins create vouchers for their own organization; staff for any.',
  })
  @FORMAT_QUERY
  @ApiBody({ type: CreateVoucherBatchDto, examples: { lobby: { summary: 'A hundred one-hour vouchers', value: { count: 100, balance_seconds: 3600, organization: 'lobby', prefix: 'lobby-', valid_days: 30, max_sessions: 1 } } } })
  @ApiResponse({ status: 201, ...batchContent('The batch with every code.') })
  @ApiResponse({
    status: 400,
    description: 'Invalid body or `format`, naming the field.',
    schema: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, example: { count: ['Ensure this value is less than or equal to 10000.'] } },
  })
  @ApiResponse({ status: 403, description: 'Not an admin of that organization (nor staff).', type: ErrorDetailDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateVoucherBatchDto,
    @Query() query: RawQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VoucherBatchDto | string> {
    const format = parseVoucherFormat(query);
    void reply.status(201);
    return answer(reply, await this.service.create({ principal }, body), format);
  }

  @Get(':batch')
  @ApiOperation({
    operationId: 'vouchers_retrieve',
    summary: 'A batch and its vouchers: remaining balance, first use, expiry, and the codes when kept',
    description: '`code` is null when the batch was created without SECRETS_KEY (the codes were shown once, at creation).',
  })
  @ApiParam({ name: 'batch', format: 'uuid', description: 'The batch id from the creation answer.' })
  @FORMAT_QUERY
  @ApiResponse({ status: 200, ...batchContent('The batch.') })
  @ApiResponse({ status: 400, description: 'Invalid `format`.', schema: { type: 'object', example: { format: ['Select a valid choice: json or csv.'] } } })
  @ApiResponse({ status: 403, description: 'The caller may not create subscribers.', type: ErrorDetailDto })
  @ApiResponse({ status: 404, description: "No such batch, or another organization's.", type: ErrorDetailDto })
  async retrieve(
    @CurrentPrincipal() principal: Principal,
    @Param('batch') batch: string,
    @Query() query: RawQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VoucherBatchDto | string> {
    const format = parseVoucherFormat(query);
    return answer(reply, await this.service.retrieve(principal, parseBatchId(batch)), format);
  }
}
