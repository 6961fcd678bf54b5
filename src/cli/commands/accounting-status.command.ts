import { AccountingQueryService } from '../../accounting/accounting-query.service.js';
import type { ObservedSchedule } from '../../accounting/observed-schedule.js';
import { defineCommand, UsageError } from '../command.js';
import { formatTable } from '../table.js';

function parseLimit(raw: string | undefined): number {
  const limit = raw === undefined ? 10 : Number(raw);
  if (!/^\d+$/.test(raw ?? '10') || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UsageError('--limit must be a whole number from 1 to 1000');
  }
  return limit;
}

/** What the services' schedule did, from their recorded runs: this command's own settings say nothing about it. */
function describeSchedule(schedule: ObservedSchedule): string {
  if (!schedule.last) return 'no scheduled run recorded (the service schedule is off or has not run yet; runs come from accounting:run or the API)';
  const last = `last ${schedule.last.startedAt.toISOString()} by ${schedule.last.instance}`;
  if (schedule.intervalSeconds === null) return `one scheduled run so far (${last})`;
  return `every ~${schedule.intervalSeconds} s, as the service runs it (${last})`;
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
    const { runs, openSessions, schedule } = await ctx.app.get(AccountingQueryService).status(limit);
    ctx.print(`schedule: ${describeSchedule(schedule)}`);
    ctx.print(`stale after: ${ctx.config.accounting.staleAfterSeconds} s without an update`);
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
