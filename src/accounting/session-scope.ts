import { Capability, can, type Principal } from '../auth/policy.js';

/**
 * Whose sessions and ledger rows a caller sees and acts on:
 * - `all`: staff;
 * - `organization`: a holder of accounting:read (admins, moderators) who is not staff: subscribers
 *   whose aaa_profiles.organization is the caller's own;
 * - `own`: everyone else, their own rows only.
 * The one place this rule lives (the organizations-as-tenants work may swap it for its own).
 */
export type SessionScope = { kind: 'all' } | { kind: 'organization'; ofUserId: number } | { kind: 'own'; userId: number };

export function sessionScopeFor(principal: Principal): SessionScope {
  if (principal.isStaff) return { kind: 'all' };
  if (can(principal, Capability.AccountingRead)) return { kind: 'organization', ofUserId: principal.userId };
  return { kind: 'own', userId: principal.userId };
}

/**
 * The scope as a SQL condition on a row's subscriber id column (`userColumn`); `param` adds a
 * parameter and returns its placeholder. Rows of no subscriber (user_id null) are staff's only.
 */
export function sessionScopeSql(scope: SessionScope, userColumn: string, param: (value: unknown) => string): string | undefined {
  switch (scope.kind) {
    case 'all':
      return undefined;
    case 'organization':
      return `${userColumn} IN (SELECT sp.user_id FROM aaa_profiles sp
                                 WHERE sp.organization = (SELECT cp.organization FROM aaa_profiles cp WHERE cp.user_id = ${param(scope.ofUserId)}))`;
    case 'own':
      return `${userColumn} = ${param(scope.userId)}`;
    default: {
      const unreachable: never = scope;
      throw new Error(`Unhandled scope ${JSON.stringify(unreachable)}`);
    }
  }
}
