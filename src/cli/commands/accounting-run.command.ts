import { AccountingRunService } from '../../accounting/accounting-run.service.js';
import { defineCommand } from '../command.js';
import { formatTable } from '../table.js';

/** Ops' manual run, and the entry point for a cron job / Kubernetes CronJob (ACCOUNTING_SCHEDULE_ENABLED=false). */
export const accountingRun = defineCommand({
  name: 'accounting:run',
  description: 'Run accounting now (charge open sessions, stop exhausted ones, close stale ones, expire tokens)',
  options: {
    'dry-run': { type: 'boolean', description: 'Show what a run would do now, changing nothing' },
  },
  async run(ctx, args) {
    const outcome = await ctx.app.get(AccountingRunService).run({ trigger: 'cli', dryRun: args['dry-run'] });
    const table = (counts: { sessionsCharged: number; secondsCharged: number; sessionsStopped: number; staleClosed: number; tokensExpired: number }) =>
      formatTable(
        ['STEP', 'COUNT'],
        [
          ['sessions charged', String(counts.sessionsCharged)],
          ['seconds charged', String(counts.secondsCharged)],
          ['stopped (no balance)', String(counts.sessionsStopped)],
          ['stale closed', String(counts.staleClosed)],
          ['tokens expired', String(counts.tokensExpired)],
        ],
      );
    switch (outcome.status) {
      case 'skipped':
        ctx.print(`skipped: ${outcome.reason}`);
        return;
      case 'dry-run':
        ctx.print(`dry run at ${outcome.startedAt.toISOString()}: a run now would do this (nothing was changed)`);
        for (const line of table(outcome.counts)) ctx.print(line);
        return;
      case 'finished':
      case 'failed': {
        const { run } = outcome;
        const seconds = ((run.finishedAt ?? run.startedAt).getTime() - run.startedAt.getTime()) / 1000;
        ctx.print(`run ${run.id} ${outcome.status} in ${seconds.toFixed(2)} s`);
        for (const line of table(run)) ctx.print(line);
        if (outcome.status === 'failed') throw new Error(`accounting run ${run.id} failed: ${outcome.error.message}`);
      }
    }
  },
});
