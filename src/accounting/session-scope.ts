import { scopeOf, scopeParameter, subscriberInScopeSql, type OrganizationScope } from '../auth/organization-scope.js';
import { Capability, can, type Principal } from '../auth/policy.js';

/**
 * Whose sessions and ledger rows a caller sees and acts on: the tenant rule (organization-scope.ts:
 * staff every organization, anyone else its own) narrowed, for a caller without accounting:read
 * (subscribers, gateways), to its own rows. Rows of no subscriber (user_id null) are staff's only.
 */
export interface SessionScope {
  readonly organization: OrganizationScope;
  /** Set for callers without accounting:read: only this subscriber's rows. */
  readonly userId?: number;
}

export function sessionScopeFor(principal: Principal): SessionScope {
  const organization = scopeOf(principal);
  return can(principal, Capability.AccountingRead) ? { organization } : { organization, userId: principal.userId };
}

/**
 * The scope as a SQL condition on a row's subscriber id column (`userColumn`); `param` adds a
 * parameter and returns its placeholder.
 */
export function sessionScopeSql(scope: SessionScope, userColumn: string, param: (value: unknown) => string): string {
  const inOrganization = subscriberInScopeSql(userColumn, param(scopeParameter(scope.organization)));
  return scope.userId === undefined ? inOrganization : `${inOrganization} AND ${userColumn} = ${param(scope.userId)}`;
}
