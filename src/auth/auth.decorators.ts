import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ApiSecurity, type SecurityRequirementObject } from '@nestjs/swagger';
import type { LoadedCredential } from '../auth-tokens/token-credential.js';
import type { AccessRule, Capability, CredentialLoaderType, Principal } from './policy.js';

/** Every route carries exactly one access rule; the global AuthGuard applies it (see policy.ts `allows`). */
export const ACCESS_RULE = 'auth:access-rule';

/**
 * The OpenAPI security scheme of every authenticated operation: an API key in `Authorization` whose
 * value is the whole header, `Token <key>` or `Bearer <key>`. One scheme per header, so a generated
 * client given `auth: "Token <key>"` sends exactly that (two schemes on one header make such clients
 * send both, the second overwriting the first: `Bearer Token <key>`).
 */
export const TOKEN_AUTH_SCHEME = 'tokenAuth';
/** /metrics: `Authorization: Bearer <METRICS_TOKEN>`, required only when METRICS_TOKEN is set. */
export const METRICS_AUTH_SCHEME = 'metricsAuth';

/**
 * What the schema says a rule needs (`{}`: no credentials). Public operations list nothing here; the
 * document marks every operation without a requirement `security: []` (see createOpenApiDocument).
 */
function securityOf(rule: AccessRule): SecurityRequirementObject[] {
  switch (rule.kind) {
    case 'public':
      return [];
    case 'metrics':
      return [{}, { [METRICS_AUTH_SCHEME]: [] }];
    case 'authenticated':
    case 'capability':
      return [{ [TOKEN_AUTH_SCHEME]: [] }];
  }
}

/**
 * Sets the access rule on a handler or a controller, and documents it as the operation's OpenAPI
 * `security`. On a controller, every route handler without a rule of its own is documented with the
 * controller's rule (the guard resolves rules the same way: the handler's wins).
 */
function accessRule(rule: AccessRule): ClassDecorator & MethodDecorator {
  const documentOn = (prototype: object, name: string | symbol, descriptor: PropertyDescriptor) => {
    for (const requirement of securityOf(rule)) ApiSecurity(requirement)(prototype, name, descriptor);
  };
  return (target: object, name?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (name !== undefined && descriptor !== undefined) {
      Reflect.defineMetadata(ACCESS_RULE, rule, descriptor.value as object);
      documentOn(target, name, descriptor);
      return;
    }
    Reflect.defineMetadata(ACCESS_RULE, rule, target);
    const prototype = (target as { prototype: object }).prototype;
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const handler = Object.getOwnPropertyDescriptor(prototype, key);
      const isRoute = typeof handler?.value === 'function' && Reflect.hasMetadata(PATH_METADATA, handler.value as object);
      if (isRoute && !Reflect.hasMetadata(ACCESS_RULE, handler.value as object)) documentOn(prototype, key, handler);
    }
  };
}

/** The route needs no credentials (login, schema, health). */
export const Public = () => accessRule({ kind: 'public' });

/**
 * Any valid token. Used where the service decides per object (own record, or anyone's with a
 * capability) because the decision needs the row the service loads anyway.
 */
export const Authenticated = () => accessRule({ kind: 'authenticated' });

/**
 * Any valid token, read by the route's credential loader in the same query as what the route answers
 * (one round trip for the whole request). The guard attaches the loaded row: read it with @LoadedCredentialRow().
 */
export const AuthenticatedWith = (loader: CredentialLoaderType) => accessRule({ kind: 'authenticated', loader });

/** The route is only for callers holding this capability (403 otherwise, after authentication). */
export const RequireCapability = (capability: Capability) => accessRule({ kind: 'capability', capability });

/** The Prometheus scrape: public when METRICS_TOKEN is unset, else `Authorization: Bearer <METRICS_TOKEN>`. */
export const MetricsScrape = () => accessRule({ kind: 'metrics' });

export interface AuthenticatedRequest {
  principal?: Principal;
  /** On @AuthenticatedWith routes: the row the route's loader read with the caller's credential. */
  loadedCredential?: LoadedCredential;
}

/** The authenticated caller; only on routes behind the guard (every non-@Public route). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});

/** The row an @AuthenticatedWith route's loader read for the caller (its credential and the route's data). */
export const LoadedCredentialRow = createParamDecorator((_: unknown, context: ExecutionContext): LoadedCredential => {
  const row = context.switchToHttp().getRequest<AuthenticatedRequest>().loadedCredential;
  if (!row) throw new Error('LoadedCredentialRow used on a route without @AuthenticatedWith');
  return row;
});
