import { UsersService } from '../../users/users.service.js';
import { defineCommand } from '../command.js';
import { formatTable, yesNo } from '../table.js';

export const usersList = defineCommand({
  name: 'users:list',
  description: 'List every account with its staff and active flags, role and organization',
  options: {},
  async run(ctx) {
    const users = await ctx.app.get(UsersService).listSummaries();
    const rows = users.map((user) => [String(user.id), user.username, yesNo(user.isStaff), yesNo(user.isActive), user.role, user.organization || '-']);
    for (const line of formatTable(['ID', 'USERNAME', 'STAFF', 'ACTIVE', 'ROLE', 'ORGANIZATION'], rows)) ctx.print(line);
    ctx.log(`${users.length} user${users.length === 1 ? '' : 's'}`);
  },
});
