import { randomBytes } from 'node:crypto';
import { NasClientsService } from '../../radius/nas-clients.service.js';
import { defineCommand, UsageError } from '../command.js';

/** Lets a gateway speak RADIUS to the service (the same as POST /api/v1/nas/). */
export const nasAdd = defineCommand({
  name: 'nas:add',
  description: 'Add a RADIUS NAS client (gateway): its address or network and its shared secret',
  options: {
    name: { type: 'string', placeholder: 'name', required: true, description: 'A unique label (matched to NAS-Identifier for sessions without NAS-IP-Address)' },
    ip: { type: 'string', placeholder: 'address|cidr', required: true, description: 'Where its packets come from: an address (192.0.2.10) or a network (192.0.2.0/24)' },
    secret: { type: 'string', placeholder: 'secret', description: 'The shared secret (default: a new random one, printed once)' },
    'coa-port': { type: 'string', placeholder: 'port', description: 'Its CoA/Disconnect port (default 3799)' },
    'coa-enabled': {
      type: 'string',
      placeholder: 'true|false',
      description: 'Send it CoA-Requests (new Session-Timeout) when a balance changes during its sessions (default true)',
    },
    'require-message-authenticator': {
      type: 'string',
      placeholder: 'true|false',
      description: 'Drop its Access-Requests without a valid Message-Authenticator (BlastRADIUS; default true)',
    },
    gateway: { type: 'string', placeholder: 'username', description: 'The gateway account whose HTTP accounting is this NAS\'s (Disconnect-Requests for those sessions go here)' },
    organization: {
      type: 'string',
      placeholder: 'organization',
      description: "The organization it serves (default: the gateway account's; none: shared by every organization)",
    },
  },
  check(args) {
    if (args['coa-port'] !== undefined && !/^\d{1,5}$/.test(args['coa-port'])) throw new UsageError('--coa-port must be a port number from 1 to 65535');
    for (const flag of ['coa-enabled', 'require-message-authenticator'] as const) {
      const value = args[flag];
      if (value !== undefined && value !== 'true' && value !== 'false') throw new UsageError(`--${flag} must be true or false`);
    }
  },
  async run(ctx, args) {
    const coaPort = args['coa-port'] === undefined ? undefined : Number(args['coa-port']);
    const coaText = args['coa-enabled'];
    const requireText = args['require-message-authenticator'];
    // 24 random bytes: 32 characters of base64url.
    const secret = args.secret ?? randomBytes(24).toString('base64url');
    const client = await ctx.app.get(NasClientsService).add({
      name: args.name,
      ip_address: args.ip,
      secret,
      ...(coaPort !== undefined ? { coa_port: coaPort } : {}),
      ...(coaText !== undefined ? { coa_enabled: coaText === 'true' } : {}),
      ...(requireText !== undefined ? { require_message_authenticator: requireText === 'true' } : {}),
      ...(args.gateway !== undefined ? { gateway: args.gateway } : {}),
      ...(args.organization !== undefined ? { organization: args.organization } : {}),
    });
    ctx.print(`nas: ${client.name} (id ${client.id}) ${client.ip_address}, CoA port ${client.coa_port}${client.coa_enabled ? '' : ' (CoA off)'}`);
    if (args.secret === undefined) ctx.print(`secret: ${secret}`);
    ctx.log(args.secret === undefined ? 'Configure this secret on the NAS; it is not shown again.' : 'Configure the same secret on the NAS.');
  },
});
