import { AccountingReplayService } from '../../accounting/accounting-replay.service.js';
import { defineCommand, UsageError } from '../command.js';
import { formatTable } from '../table.js';

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
  return Number(raw);
}

/** The quarantine: accounting records refused (400 / dropped) or not applied, newest first. */
export const accountingRejected = defineCommand({
  name: 'accounting:rejected',
  description: 'List accounting records that were refused or could not be applied (kept for accounting:replay)',
  options: {
    pending: { type: 'boolean', description: 'Only those no replay has applied yet' },
    limit: { type: 'string', placeholder: 'n', description: 'How many to show (default 20)' },
  },
  check: (args) => void parseLimit(args.limit),
  async run(ctx, args) {
    const query = { limit: String(parseLimit(args.limit)), ...(args.pending ? { pending: 'true' } : {}) };
    const page = await ctx.app.get(AccountingReplayService).list(query);
    ctx.print(`${page.count} record(s)${args.pending ? ' pending' : ''}`);
    if (page.results.length === 0) return;
    const rows = page.results.map((record) => [
      String(record.id),
      record.received_at,
      `${record.source} ${record.source_detail}`,
      record.reason,
      record.replayed_at === null ? (record.replay_result === null ? 'pending' : `failed again: ${record.replay_result}`) : `replayed: ${record.replay_result ?? ''}`,
    ]);
    for (const line of formatTable(['ID', 'RECEIVED', 'FROM', 'REASON', 'REPLAY'], rows)) ctx.print(line);
  },
});

/** Applies kept records again once their cause is fixed; a record that fails again stays pending. */
export const accountingReplay = defineCommand({
  name: 'accounting:replay',
  description: 'Apply refused accounting records again: one (--id) or every pending one (--all), oldest first',
  options: {
    id: { type: 'string', placeholder: 'n', description: 'The record to replay (accounting:rejected lists them)' },
    all: { type: 'boolean', description: 'Replay every pending record' },
  },
  check(args) {
    if ((args.id === undefined) === !args.all) throw new UsageError('give either --id <n> or --all');
    if (args.id !== undefined && !/^\d+$/.test(args.id)) throw new UsageError('--id must be a record id');
  },
  async run(ctx, args) {
    const replays = ctx.app.get(AccountingReplayService);
    if (args.id !== undefined) {
      const record = await replays.replayOne(args.id);
      if (record.replayed_at === null) throw new Error(`record ${record.id} failed again: ${record.replay_result ?? ''}`);
      ctx.print(`record ${record.id} replayed: ${record.replay_result ?? ''}`);
      return;
    }
    const summary = await replays.replayAll();
    ctx.print(`replayed ${summary.applied}, failed again ${summary.failed}`);
    if (summary.failed > 0) throw new Error(`${summary.failed} record(s) failed again (they stay pending)`);
  },
});
