import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthTokensModule } from '../auth-tokens/auth-tokens.module.js';
import { AuthGuard } from './auth.guard.js';

@Module({
  imports: [AuthTokensModule],
  controllers: [],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
