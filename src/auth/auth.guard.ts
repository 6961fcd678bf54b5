import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthTokensService } from '../auth-tokens/auth-tokens.service.js';
import { principalFrom, type CredentialLoader } from '../auth-tokens/token-credential.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AuthThrottle } from './auth-throttle.js';
import { ACCESS_RULE, type AuthenticatedRequest } from './auth.decorators.js';
import { parseAuthorizationHeader } from './authorization-header.js';
import { secretsEqual } from './constant-time.js';
import { allows, type AccessRule, type CredentialLoaderType } from './policy.js';

/**
 * The global guard, where every route's access rule is applied: @Public() passes, @MetricsScrape()
 * checks METRICS_TOKEN, anything else needs a valid token and, for @RequireCapability, the capability
 * (so permission failures come before anything else, DRF's order). @AuthenticatedWith(loader) reads the
 * credential with the route's data in the loader's one query and attaches both. Every token failure
 * counts against the client IP's failed-authentication limit. A route without a rule is refused
 * (and RouteAccessAudit stops the app from booting with one).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    private readonly tokens: AuthTokensService,
    private readonly throttle: AuthThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private readonly loaders = new Map<CredentialLoaderType, CredentialLoader>();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    if (!rule) throw new Error(`${context.getClass().name}.${context.getHandler().name} declares no access rule`);
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    switch (rule.kind) {
      case 'public':
        return true;
      case 'metrics':
        await this.throttle.guardTokenAuthentication(request.ip, async () => this.checkMetricsToken(request.headers.authorization));
        return true;
      case 'authenticated':
      case 'capability': {
        const loader = rule.kind === 'authenticated' && rule.loader ? this.loaderOf(rule.loader) : undefined;
        const principal = await this.throttle.guardTokenAuthentication(request.ip, async () => {
          const key = parseAuthorizationHeader(request.headers.authorization);
          if (!loader) return this.tokens.authenticate(key);
          const loaded = await this.tokens.authenticateWith(key, loader);
          request.loadedCredential = loaded;
          return principalFrom(loaded);
        });
        request.principal = principal;
        if (!allows(rule, principal)) throw DomainError.permissionDenied();
        return true;
      }
    }
  }

  /** The route's credential loader, looked up among the app's providers once. */
  private loaderOf(type: CredentialLoaderType): CredentialLoader {
    const known = this.loaders.get(type);
    if (known) return known;
    const loader = this.moduleRef.get(type, { strict: false });
    if (!loader) throw new Error(`credential loader ${type.name} is not a provider`);
    this.loaders.set(type, loader);
    return loader;
  }

  /** METRICS_TOKEN unset: the scrape is public. Set: `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time. */
  private checkMetricsToken(header: string | undefined): void {
    const expected = this.config.metricsToken;
    if (expected === undefined) return;
    const parts = (header ?? '').trim().split(/\s+/).filter(Boolean);
    if (parts.length !== 2 || parts[0]!.toLowerCase() !== 'bearer') throw DomainError.notAuthenticated();
    if (!secretsEqual(parts[1]!, expected)) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token.');
  }
}
