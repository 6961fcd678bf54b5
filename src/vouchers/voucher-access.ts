import { inScope, scopeOf } from '../auth/organization-scope.js';
import { can, Capability, type Principal } from '../auth/policy.js';

/**
 * Who may create vouchers and see batches at all: staff, or a caller who may create subscribers and
 * give them time (subscribers:write and balances:write: an organization's admins). Which
 * organizations is the tenant rule's (src/auth/organization-scope.ts): staff any, others their own.
 */
export function mayManageVouchers(principal: Principal): boolean {
  return principal.isStaff || (can(principal, Capability.SubscribersWrite) && can(principal, Capability.BalancesWrite));
}

/** May the caller see the batch of `organization`? (Otherwise it answers 404, as if it did not exist.) */
export function maySeeBatch(principal: Principal, organization: string): boolean {
  return mayManageVouchers(principal) && inScope(scopeOf(principal), organization);
}
