import { Module } from '@nestjs/common';
import { AccountingModule } from '../accounting/accounting.module.js';
import { AuthTokensModule } from '../auth-tokens/auth-tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AaaProfilesController } from './aaa-profiles.controller.js';
import { AaaProfilesRepository } from './aaa-profiles.repository.js';
import { AaaProfilesService } from './aaa-profiles.service.js';

/** The user_token API (/api/v1/user_token/): subscribers, their AAA profiles, tokens and balances. */
@Module({
  imports: [AuthTokensModule, UsersModule, AccountingModule],
  controllers: [AaaProfilesController],
  providers: [AaaProfilesRepository, AaaProfilesService],
})
export class AaaProfilesModule {}
