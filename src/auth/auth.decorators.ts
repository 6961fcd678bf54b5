import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Capability, Principal } from './policy.js';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_CAPABILITY = 'auth:capability';

/** The route needs no credentials (login, schema, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The route is only for callers holding this capability (403 otherwise, after authentication). */
export const RequireCapability = (capability: Capability) => SetMetadata(REQUIRED_CAPABILITY, capability);

export interface AuthenticatedRequest {
  principal?: Principal;
}

/** The authenticated caller; only on routes behind the guard (every non-@Public route). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});
