import { NasClientsService } from '../../radius/nas-clients.service.js';
import { defineCommand } from '../command.js';
import { formatTable, yesNo } from '../table.js';

export const nasList = defineCommand({
  name: 'nas:list',
  description: 'List the RADIUS NAS clients (secrets are never shown)',
  options: {},
  async run(ctx) {
    const clients = await ctx.app.get(NasClientsService).listAll();
    const rows = clients.map((client) => [String(client.id), client.name, client.ip_address, String(client.coa_port), yesNo(client.coa_enabled), client.created_at, client.organization ?? '(shared)']);
    for (const line of formatTable(['ID', 'NAME', 'IP_ADDRESS', 'COA_PORT', 'COA', 'CREATED', 'ORGANIZATION'], rows)) ctx.print(line);
    ctx.log(`${clients.length} NAS client${clients.length === 1 ? '' : 's'}`);
  },
});
