import { AccountingQueryService } from '../../accounting/accounting-query.service.js';
import { defineCommand, UsageError } from '../command.js';
import { formatTable } from '../table.js';

function parseLimit(raw: string | undefined): number {
  const limit = raw === undefined ? 100 : Number(raw);
  if (!/^\d+$/.test(raw ?? '100') || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UsageError('--limit must be a whole number from 1 to 1000');
  }
  return limit;
}

/** Who is online: the open sessions with their live figures (as GET /api/v1/accounting/sessions/?status=open for staff). */
export const sessionsOnline = defineCommand({
  name: 'sessions:online',
  description: 'Show who is online: open sessions with live seconds, octets, NAS, caller MAC and charge so far',
  options: {
    username: { type: 'string', placeholder: 'name', description: 'Only this subscriber\'s sessions' },
    nas: { type: 'string', placeholder: 'nas-identifier', description: 'Only sessions of this NAS-Identifier' },
    limit: { type: 'string', placeholder: 'n', description: 'How many sessions to show, newest first (default 100, at most 1000)' },
  },
  check: (args) => void parseLimit(args.limit),
  async run(ctx, args) {
    const { rows, count } = await ctx.app.get(AccountingQueryService).onlineSessions(
      { ...(args.username !== undefined ? { username: args.username } : {}), ...(args.nas !== undefined ? { nasIdentifier: args.nas } : {}) },
      parseLimit(args.limit),
    );
    const table = rows.map((session) => [
      String(session.id),
      session.username,
      session.nas_client_name ?? session.nas_identifier,
      session.nas_client_address ?? session.nas_ip_address ?? '',
      session.calling_station_id,
      session.started_at,
      String(session.seconds_so_far),
      String(session.input_octets),
      String(session.output_octets),
      String(session.charged_so_far),
    ]);
    for (const line of formatTable(['ID', 'USERNAME', 'NAS', 'NAS_ADDRESS', 'CALLER_MAC', 'STARTED', 'SECONDS', 'IN_OCTETS', 'OUT_OCTETS', 'CHARGED'], table)) {
      ctx.print(line);
    }
    ctx.log(`${count} open session${count === 1 ? '' : 's'}${rows.length < count ? ` (newest ${rows.length} shown)` : ''}`);
  },
});
