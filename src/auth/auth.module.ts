import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AuthTokensModule } from '../auth-tokens/auth-tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthThrottleModule } from './auth-throttle.module.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { RouteAccessAudit } from './route-access.audit.js';

@Module({
  imports: [AuthTokensModule, UsersModule, DiscoveryModule, AuthThrottleModule],
  controllers: [AuthController],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }, AuthService, RouteAccessAudit],
})
export class AuthModule {}
