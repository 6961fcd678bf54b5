import type { CliCommand } from '../command.js';
import { accountingRejected, accountingReplay } from './accounting-rejected.command.js';
import { accountingRun } from './accounting-run.command.js';
import { accountingStatus } from './accounting-status.command.js';
import { balanceAdd, balanceSet } from './balance.command.js';
import { subscribersMaxSessions } from './max-sessions.command.js';
import { nasAdd } from './nas-add.command.js';
import { nasList } from './nas-list.command.js';
import { nasRemove } from './nas-remove.command.js';
import { sessionsOnline } from './sessions-online.command.js';
import { usersCreateStaff } from './users-create-staff.command.js';
import { usersList } from './users-list.command.js';
import { vouchersCreate } from './vouchers-create.command.js';

/**
 * Every command `npm run cli -- <name>` knows, in the order `help` lists them.
 * To add one: write commands/<name>.command.ts with `defineCommand({...})` and add it here.
 */
export const COMMANDS: readonly CliCommand[] = [usersCreateStaff, usersList, accountingRun, accountingStatus, accountingRejected, accountingReplay, sessionsOnline, balanceSet, balanceAdd, subscribersMaxSessions, vouchersCreate, nasAdd, nasList, nasRemove];
