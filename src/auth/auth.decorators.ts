import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { AccessRule, Capability, Principal } from './policy.js';

/** Every route carries exactly one access rule; the global AuthGuard applies it (see policy.ts `allows`). */
export const ACCESS_RULE = 'auth:access-rule';

/** The route needs no credentials (login, schema, health). */
export const Public = () => SetMetadata<string, AccessRule>(ACCESS_RULE, { kind: 'public' });

/**
 * Any valid token. Used where the service decides per object (own record, or anyone's with a
 * capability) because the decision needs the row the service loads anyway.
 */
export const Authenticated = () => SetMetadata<string, AccessRule>(ACCESS_RULE, { kind: 'authenticated' });

/** The route is only for callers holding this capability (403 otherwise, after authentication). */
export const RequireCapability = (capability: Capability) =>
  SetMetadata<string, AccessRule>(ACCESS_RULE, { kind: 'capability', capability });

/** The Prometheus scrape: public when METRICS_TOKEN is unset, else `Authorization: Bearer <METRICS_TOKEN>`. */
export const MetricsScrape = () => SetMetadata<string, AccessRule>(ACCESS_RULE, { kind: 'metrics' });

export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The authenticated caller; only on routes behind the guard (every non-@Public route). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});
