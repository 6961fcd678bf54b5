import { can, Capability, type Principal } from '../auth/policy.js';

/**
 * Who may create vouchers for an organization, and see its batches: staff for any organization;
 * otherwise a caller who may create subscribers and give them time (subscribers:write and
 * balances:write: an organization's admins) and only for the organization of its own AAA profile.
 * One function, so that the tenant rule of organizations can take its place.
 */
export function mayManageVouchers(principal: Principal, callerOrganization: string | undefined, organization: string): boolean {
  if (principal.isStaff) return true;
  return can(principal, Capability.SubscribersWrite) && can(principal, Capability.BalancesWrite) && callerOrganization === organization;
}
