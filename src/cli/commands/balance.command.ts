import { BalanceService } from '../../accounting/balance.service.js';
import { defineCommand, UsageError, type CliContext } from '../command.js';

function parseSeconds(raw: string, allowNegative: boolean): number {
  const pattern = allowNegative ? /^[+-]?\d+$/ : /^\+?\d+$/;
  if (!pattern.test(raw)) throw new UsageError(`--seconds must be a whole number${allowNegative ? '' : ' of 0 or more'} (got "${raw}")`);
  return Number(raw);
}

async function change(ctx: CliContext, mode: 'set' | 'add', args: { username: string; seconds: string; reason?: string }): Promise<void> {
  const seconds = parseSeconds(args.seconds, mode === 'add');
  const reason = args.reason ?? `cli balance:${mode}`;
  const result = await ctx.app.get(BalanceService).changeByUsername(args.username, mode, seconds, { actorUserId: null, reason });
  const delta = result.balance - result.previous;
  ctx.print(`user: ${args.username} (id ${result.userId})`);
  ctx.print(`balance: ${result.previous} s -> ${result.balance} s (${delta >= 0 ? '+' : ''}${delta} s)`);
  ctx.log('Open sessions were charged up to now first; the change is in the balance ledger.');
}

const options = {
  username: { type: 'string', placeholder: 'name', required: true, description: 'The subscriber' },
  seconds: { type: 'string', placeholder: 'n', required: true, description: 'Seconds (use --seconds=-60 for a negative amount)' },
  reason: { type: 'string', placeholder: 'text', description: 'Why, for the ledger' },
} as const;

export const balanceSet = defineCommand({
  name: 'balance:set',
  description: "Set a subscriber's remaining balance, in seconds (recorded in the ledger)",
  options,
  check: (args) => void parseSeconds(args.seconds, false),
  run: (ctx, args) => change(ctx, 'set', args),
});

export const balanceAdd = defineCommand({
  name: 'balance:add',
  description: "Top up (or with a negative number, reduce) a subscriber's balance, in seconds",
  options,
  check: (args) => void parseSeconds(args.seconds, true),
  run: (ctx, args) => change(ctx, 'add', args),
});
