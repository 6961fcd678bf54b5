import { Module } from '@nestjs/common';
import { AuthThrottleRepository } from './auth-throttle.repository.js';
import { AuthThrottle } from './auth-throttle.js';

/** The rate limits on password and token checks, shared by login, the guard, authorize and RADIUS. */
@Module({
  providers: [AuthThrottleRepository, AuthThrottle],
  exports: [AuthThrottle],
})
export class AuthThrottleModule {}
