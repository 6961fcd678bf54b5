import { AccountingQueryService } from '../../accounting/accounting-query.service.js';
import { defineCommand, UsageError } from '../command.js';
import { formatTable } from '../table.js';

function parseLimit(raw: string | undefined): number {
  const limit = raw === undefined ? 10 : Number(raw);
  if (!/^\d+$/.test(raw ?? '10') || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UsageError('--limit must be a whole number from 1 to 1000');
  }
  return limit;
}

export const accountingStatus = defineCommand({
  name: 'accounting:status',
  description: 'Show the latest accounting runs, the schedule and how many sessions are open',
  options: {
    limit: { type: 'string', placeholder: 'n', description: 'How many runs to show (default 10)' },
  },
  check: (args) => void parseLimit(args.limit),
  async run(ctx, args) {
    const limit = parseLimit(args.limit);
    const { runs, openSessions } = await ctx.app.get(AccountingQueryService).status(limit);
    const { scheduleEnabled, intervalSeconds, staleAfterSeconds } = ctx.config.accounting;
    ctx.print(`schedule: ${scheduleEnabled ? `every ${intervalSeconds} s in each service process (one runs at a time)` : 'off (ACCOUNTING_SCHEDULE_ENABLED=false): run accounting:run from cron'}`);
    ctx.print(`stale after: ${staleAfterSeconds} s without an update`);
    ctx.print(`open sessions: ${openSessions}`);
    if (runs.length === 0) {
      ctx.print('no accounting run yet');
      return;
    }
    const rows = runs.map((run) => [
      String(run.id),
      run.started_at,
      run.finished_at === null ? '-' : `${((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000).toFixed(0)} s`,
      String(run.sessions_charged),
      String(run.seconds_charged),
      String(run.sessions_stopped),
      String(run.stale_closed),
      String(run.tokens_expired),
      run.error ?? (run.finished_at === null ? 'running' : 'ok'),
    ]);
    for (const line of formatTable(['RUN', 'STARTED', 'TOOK', 'CHARGED', 'SECONDS', 'STOPPED', 'STALE', 'TOKENS', 'RESULT'], rows)) ctx.print(line);
  },
});
