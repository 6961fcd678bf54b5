/**
 * Organizations are tenants: the one place that says which organizations a caller may see and act on.
 *
 * The rule
 * - Staff see every organization. Every other account (admin, moderator, gateway, user, whatever
 *   permissions it holds) sees only its own profile's `organization`, and its role's capabilities
 *   apply only there: to subscribers, accounts, tokens, sessions, ledger rows and NAS clients. An
 *   object outside the scope does not exist for the caller: 404 for one object, left out of lists,
 *   and a gateway's authorize answers as for an unknown user; an accounting record for a subscriber
 *   outside it is quarantined (accounting_rejected, reason `other_organization`) and charges nobody.
 * - The empty organization `''` is a tenant like any other (the accounts nobody put in an
 *   organization): a non-staff account with `''` sees the other `''` accounts and nothing else. It
 *   never means "every organization"; only staff have that (`EVERY_ORGANIZATION`).
 * - A NAS client's organization (nas_clients.organization) scopes the RADIUS packets it sends the
 *   same way; null there means a shared NAS client (staff's), which serves every organization.
 *
 * The API (everything else in the service goes through these)
 * - `scopeOf(principal)`: the caller's scope; `nasClientScope(organization)`: a NAS client's.
 * - Single objects, in services: `inScope(scope, organization)`; `assertInScope(...)` throws the 404.
 * - Writes naming an organization: `assertMayAssignOrganization(scope, organization)` (400 on the
 *   `organization` field): nobody creates or moves an object into an organization outside their scope.
 * - Lists and lookups, in repositories' SQL: pass `scopeParameter(scope)` as one bound parameter and
 *   put `organizationInScopeSql(column, '$n')` (a column holding an organization) or
 *   `subscriberInScopeSql(userIdColumn, '$n')` (a column holding a users.id: sessions, ledger rows)
 *   in the WHERE clause. The parameter is null for staff, so one prepared statement serves both.
 *   A row with no subscriber (user_id NULL: a record for an unknown username) is staff's only.
 */
import { DomainError } from '../common/errors/domain-error.js';

/** Which organizations a caller may see: one, or (`organization: null`, staff only) all of them. */
export interface OrganizationScope {
  readonly organization: string | null;
}

export const EVERY_ORGANIZATION: OrganizationScope = Object.freeze({ organization: null });

export const OTHER_ORGANIZATION_MESSAGE = 'You may only use your own organization.';

/** The caller's scope: staff see every organization, anyone else only their own (`''` included). */
export function scopeOf(caller: { isStaff: boolean; organization: string }): OrganizationScope {
  return caller.isStaff ? EVERY_ORGANIZATION : { organization: caller.organization };
}

/** A NAS client's scope: its organization, or every organization for a shared (null) one. */
export function nasClientScope(organization: string | null): OrganizationScope {
  return organization === null ? EVERY_ORGANIZATION : { organization };
}

/** Is an object of `organization` in the scope? Null (a NAS client shared by every organization) is in staff's only. */
export function inScope(scope: OrganizationScope, organization: string | null): boolean {
  return scope.organization === null || scope.organization === organization;
}

/** 404 for an object outside the scope: the caller does not learn that it exists. */
export function assertInScope(scope: OrganizationScope, organization: string | null): void {
  if (!inScope(scope, organization)) throw DomainError.notFound();
}

/** Creating or moving an object into `organization` (400 naming the field when outside the scope). */
export function assertMayAssignOrganization(scope: OrganizationScope, organization: string | null): void {
  if (!inScope(scope, organization)) throw DomainError.field('organization', OTHER_ORGANIZATION_MESSAGE);
}

/** The bound parameter the SQL predicates read: null (every organization) or the one organization. */
export function scopeParameter(scope: OrganizationScope): string | null {
  return scope.organization;
}

/** SQL: `column` (an organization) is in the scope bound at `param` (e.g. `'$3'`). */
export function organizationInScopeSql(column: string, param: string): string {
  return `(${param}::text IS NULL OR ${column} = ${param}::text)`;
}

/** SQL: the subscriber whose users.id is in `userIdColumn` is in the scope bound at `param`. */
export function subscriberInScopeSql(userIdColumn: string, param: string): string {
  return `(${param}::text IS NULL OR EXISTS (SELECT 1 FROM aaa_profiles scope_p WHERE scope_p.user_id = ${userIdColumn} AND scope_p.organization = ${param}::text))`;
}
