import { NasClientsService } from '../../radius/nas-clients.service.js';
import { defineCommand } from '../command.js';

export const nasRemove = defineCommand({
  name: 'nas:remove',
  description: 'Remove a RADIUS NAS client: its packets are dropped from now on',
  options: {
    name: { type: 'string', placeholder: 'name|id', required: true, description: 'The client\'s name (or id)' },
  },
  async run(ctx, args) {
    const client = await ctx.app.get(NasClientsService).removeByNameOrId(args.name);
    ctx.print(`removed: ${client.name} (id ${client.id}) ${client.ip_address}`);
  },
});
