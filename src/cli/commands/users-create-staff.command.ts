import { UsersService } from '../../users/users.service.js';
import { defineCommand } from '../command.js';

/** First start and recovery: a staff account and a token to call the API with. */
export const usersCreateStaff = defineCommand({
  name: 'users:create-staff',
  description: 'Create a staff account (or make an existing one active staff) and print a fresh API token for it',
  options: {
    username: { type: 'string', placeholder: 'name', required: true, description: 'Account name (lowercase letters, numbers and @/./+/-/_)' },
    email: { type: 'string', placeholder: 'email', description: 'E-mail address to set' },
    password: { type: 'string', placeholder: 'password', description: 'Password to set, for POST /api/auth/login/ (the token works without one)' },
  },
  async run(ctx, args) {
    const result = await ctx.app.get(UsersService).ensureStaffWithFreshToken(args.username, { email: args.email, password: args.password });
    ctx.print(`user: ${result.user.username} (id ${result.user.id}, ${result.created ? 'created' : 'existing'})`);
    ctx.print(`token: ${result.token}`);
    ctx.log('Use it as `Authorization: Token <key>`. Any previous token of this user no longer works.');
  },
});
