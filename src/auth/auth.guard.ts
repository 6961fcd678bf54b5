import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import { IS_PUBLIC, REQUIRED_CAPABILITY, type AuthenticatedRequest } from './auth.decorators.js';
import { parseAuthorizationHeader } from './authorization-header.js';
import { can, type Capability } from './policy.js';

/**
 * Global guard: every route needs a valid token unless marked @Public(); a route's
 * @RequireCapability is checked here too, so permission failures come before anything else (DRF order).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AuthTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const key = parseAuthorizationHeader(request.headers.authorization);
    const principal = await this.tokens.authenticate(key);
    request.principal = principal;
    const capability = this.reflector.getAllAndOverride<Capability | undefined>(REQUIRED_CAPABILITY, targets);
    if (capability && !can(principal, capability)) throw DomainError.permissionDenied();
    return true;
  }
}
