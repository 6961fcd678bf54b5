import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthThrottle } from './auth-throttle.js';

/** On POST /api/auth/login/: refuses a client IP or a username that has tried too often (429). */
@Injectable()
export class LoginThrottleGuard implements CanActivate {
  constructor(private readonly throttle: AuthThrottle) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    this.throttle.beforeLogin(request.ip, (request.body as { username?: unknown } | undefined)?.username);
    return true;
  }
}
