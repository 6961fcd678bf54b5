import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AuthTokensModule } from '../auth-tokens/auth-tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthThrottle } from './auth-throttle.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { LoginThrottleGuard } from './login-throttle.guard.js';
import { RouteAccessAudit } from './route-access.audit.js';

@Module({
  imports: [AuthTokensModule, UsersModule, DiscoveryModule],
  controllers: [AuthController],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }, AuthService, AuthThrottle, LoginThrottleGuard, RouteAccessAudit],
  exports: [AuthThrottle],
})
export class AuthModule {}
