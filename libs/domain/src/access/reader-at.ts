import { own } from '../shared/dictionary.js';
import type { AccessState } from './access-state.js';
import { roleAllows, type Permission } from './roles.js';

/**
 * May this registered person still read this plan at `now`, whoever is asking? For work done on their behalf
 * when they are not signed in (a reminder naming the plan): a live grant on the plan or its organisation with a
 * role that allows it, or membership of the plan's organisation with a live credential (an unexpired, unrevoked
 * token, or a password) whose role allows it. Someone known only through the identity provider, with no grant,
 * has no role the ledger can see between sign-ins, so nothing is sent on their behalf.
 */
export function personMay(access: AccessState, userId: string, plan: { organisationId: string; planId: string }, permission: Permission, now: string): boolean {
  const user = own(access.users, userId);
  if (!user) return false;
  for (const grant of Object.values(access.grants)) {
    if (grant.revoked || grant.userId !== userId || grant.organisationId !== plan.organisationId) continue;
    if (grant.planId && grant.planId !== plan.planId) continue;
    if (grant.expiresAt && grant.expiresAt <= now) continue;
    if (roleAllows(grant.role, permission)) return true;
  }
  if (user.organisationId !== plan.organisationId) return false;
  for (const token of Object.values(access.tokens)) {
    if (token.userId === userId && !token.revoked && token.expiresAt > now && roleAllows(token.role, permission)) return true;
  }
  const password = access.passwords.get(userId);
  return password !== undefined && roleAllows(password.role, permission);
}
