import { AaaProfilesService } from '../../aaa-profiles/aaa-profiles.service.js';
import { MAX_SESSIONS_LIMIT } from '../../aaa-profiles/dto/field-rules.js';
import { defineCommand, UsageError } from '../command.js';

/** `--max-sessions n` (1..MAX_SESSIONS_LIMIT) or `none` (no limit). */
export function parseMaxSessions(raw: string): number | null {
  if (raw === 'none') return null;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_SESSIONS_LIMIT) {
    throw new UsageError(`--max-sessions must be a whole number from 1 to ${MAX_SESSIONS_LIMIT}, or none (got "${raw}")`);
  }
  return Number(raw);
}

export const subscribersMaxSessions = defineCommand({
  name: 'subscribers:max-sessions',
  description: 'Set how many sessions a subscriber may have open at once (simultaneous-use), or none for no limit',
  options: {
    username: { type: 'string', placeholder: 'name', required: true, description: 'The subscriber' },
    'max-sessions': { type: 'string', placeholder: 'n|none', required: true, description: `1 to ${MAX_SESSIONS_LIMIT}, or none` },
  },
  check: (args) => void parseMaxSessions(args['max-sessions']),
  async run(ctx, args) {
    const maxSessions = parseMaxSessions(args['max-sessions']);
    const userId = await ctx.app.get(AaaProfilesService).setMaxSessionsByUsername(args.username, maxSessions);
    ctx.print(`user: ${args.username} (id ${userId})`);
    ctx.print(`max_sessions: ${maxSessions ?? 'none'}`);
  },
});
