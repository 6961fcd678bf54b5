import { checkMaxSessions, checkOrganization } from '../../aaa-profiles/dto/field-rules.js';
import type { FieldRule } from '../../common/validation/field-rule.js';
import type { CreateVoucherBatchDto } from '../../vouchers/dto/create-voucher-batch.dto.js';
import { checkValidDays, checkVoucherBalance, checkVoucherCount, checkVoucherPrefix } from '../../vouchers/voucher-rules.js';
import { vouchersCsvLines } from '../../vouchers/vouchers-csv.js';
import { VouchersService } from '../../vouchers/vouchers.service.js';
import { defineCommand, UsageError } from '../command.js';

interface Args {
  count: string;
  seconds: string;
  organization: string;
  prefix?: string;
  'valid-days'?: string;
  'max-sessions'?: string;
}

/** A whole-number option checked by the API's own rule, so both refuse the same values with the same words. */
function integerOption(name: string, raw: string, rule: FieldRule): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const problem = rule(Number.isNaN(value) ? raw : value);
  if (problem) throw new UsageError(`--${name}: ${problem} (got "${raw}")`);
  return value;
}

function stringOption(name: string, raw: string, rule: FieldRule): string {
  const problem = rule(raw);
  if (problem) throw new UsageError(`--${name}: ${problem} (got "${raw}")`);
  return raw;
}

function batchInput(args: Args): CreateVoucherBatchDto {
  return {
    count: integerOption('count', args.count, checkVoucherCount),
    balance_seconds: integerOption('seconds', args.seconds, checkVoucherBalance),
    organization: stringOption('organization', args.organization, checkOrganization),
    prefix: args.prefix === undefined ? undefined : stringOption('prefix', args.prefix, checkVoucherPrefix),
    valid_days: args['valid-days'] === undefined ? undefined : integerOption('valid-days', args['valid-days'], checkValidDays),
    max_sessions: args['max-sessions'] === undefined ? undefined : integerOption('max-sessions', args['max-sessions'], checkMaxSessions),
  };
}

export const vouchersCreate = defineCommand({
  name: 'vouchers:create',
  description: 'Create a batch of vouchers; prints username,code,balance_seconds as CSV on stdout (the codes are shown this once unless SECRETS_KEY is set)',
  options: {
    count: { type: 'string', placeholder: 'n', required: true, description: 'How many vouchers (1 to 10000)' },
    seconds: { type: 'string', placeholder: 'n', required: true, description: 'Seconds each voucher holds' },
    organization: { type: 'string', placeholder: 'name', required: true, description: "The vouchers' organization" },
    prefix: { type: 'string', placeholder: 'text', description: 'Starts every username (then 8 random characters)' },
    'valid-days': { type: 'string', placeholder: 'n', description: 'Days usable, counted from the first session' },
    'max-sessions': { type: 'string', placeholder: 'n', description: 'Sessions open at once per voucher' },
  },
  check: (args) => void batchInput(args),
  async run(ctx, args) {
    const batch = await ctx.app.get(VouchersService).create({ cli: true }, batchInput(args));
    for (const line of vouchersCsvLines(batch.vouchers)) ctx.print(line);
    ctx.log(`Batch ${batch.id}: ${batch.count} voucher(s) for "${batch.organization}".`);
    ctx.log(
      batch.codes_kept
        ? `The codes are kept encrypted under SECRETS_KEY: GET /api/v1/vouchers/${batch.id}/?format=csv downloads them again.`
        : 'SECRETS_KEY is not set: these codes are not stored anywhere but as hashes. Keep this output.',
    );
  },
});
