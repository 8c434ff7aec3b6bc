import type { AccessEvent } from './access-events.js';
import { dictionary, own, setOwn, type Dictionary } from '../shared/dictionary.js';
import { roleAllows, type Permission, type Role } from './roles.js';

export interface User {
  userId: string;
  displayName: string;
  organisationId: string;
}

export interface IssuedToken {
  tokenId: string;
  userId: string;
  role: Role;
  tokenSha256: string;
  expiresAt: string;
  revoked: boolean;
}

export interface Grant {
  grantId: string;
  userId: string;
  role: Role;
  organisationId: string;
  planId?: string;
  expiresAt?: string;
  revoked: boolean;
  grantedBy: string;
  grantedAt: string;
  reason?: string;
}

/** A local account's password as stored: never the password itself. */
export interface LocalPassword {
  userId: string;
  role: Role;
  scheme: 'scrypt';
  salt: string;
  hash: string;
  N: number;
  r: number;
  p: number;
  keyLength: number;
  setAt: string;
}

/**
 * An event of the access stream that could not be read: an unknown type, or data its type's schema refuses.
 * The fold skips it and goes on (sign-in and start-up must not stop on one bad entry, and a later revocation
 * must still count); `ledger doctor` lists it until an AccessEventVoided names it.
 */
export interface UnreadableAccessEvent {
  revision: number;
  eventId: string;
  type: string;
  recordedAt: string;
  reason: string;
}

export interface AccessState {
  revision: number;
  /** Keyed by ids from outside: prototype-less (see dictionary.ts), read with `own`. */
  users: Dictionary<User>;
  tokens: Dictionary<IssuedToken>;
  grants: Dictionary<Grant>;
  /** By user id; a Map because the id comes from a sign-in form. */
  passwords: Map<string, LocalPassword>;
  /** By event id: events the fold skipped because they could not be read, and not yet voided. */
  unreadable: Map<string, UnreadableAccessEvent>;
}

export function initialAccessState(): AccessState {
  return { revision: -1, users: dictionary(), tokens: dictionary(), grants: dictionary(), passwords: new Map(), unreadable: new Map() };
}

export type StoredAccessEvent = AccessEvent & {
  revision: number;
  recordedAt: string;
  actor: string;
  reason?: string;
};

/** Fold access events in place into a state the caller owns (the cache keeps one per process). */
export function applyAccessEvent(state: AccessState, event: StoredAccessEvent): AccessState {
  state.revision = event.revision;
  switch (event.type) {
    case 'UserRegistered':
      setOwn(state.users, event.data.userId, { ...event.data });
      return state;
    case 'TokenIssued':
      setOwn(state.tokens, event.data.tokenId, { ...event.data, revoked: false });
      return state;
    case 'TokenRevoked': {
      const token = own(state.tokens, event.data.tokenId);
      if (token) token.revoked = true;
      return state;
    }
    case 'AccessGranted':
      setOwn(state.grants, event.data.grantId, { ...event.data, revoked: false, grantedBy: event.actor, grantedAt: event.recordedAt, reason: event.reason });
      return state;
    case 'AccessRevoked': {
      const grant = own(state.grants, event.data.grantId);
      if (grant) grant.revoked = true;
      return state;
    }
    case 'PasswordSet':
      state.passwords.set(event.data.userId, { ...event.data, setAt: event.recordedAt });
      return state;
    case 'AccessEventVoided':
      state.unreadable.delete(event.data.voidedEventId);
      return state;
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled access event ${(unreachable as { type: string }).type}`);
    }
  }
}

/** The authenticated person: from a local token or an external identity provider. */
export interface Identity {
  userId: string;
  displayName: string;
  organisationId: string;
  /** The role held in their own organisation. */
  role: Role;
  /** How they signed in: a bearer token, the identity provider, or a browser session (local password, or a one-time link). */
  via: 'local-token' | 'oidc' | 'password' | 'sign-in-link';
  tokenId?: string;
}

export type Decision = { outcome: 'allowed'; roles: Role[] } | { outcome: 'forbidden'; roles: Role[] } | { outcome: 'not-found' };

/** Roles a person holds on one plan (of one organisation) at an instant: their own, plus live grants. */
export function rolesOnPlan(identity: Identity, access: AccessState, plan: { organisationId: string; planId: string }, now: string): Role[] {
  const roles = new Set<Role>();
  if (identity.organisationId === plan.organisationId) roles.add(identity.role);
  for (const grant of Object.values(access.grants)) {
    if (grant.revoked || grant.userId !== identity.userId || grant.organisationId !== plan.organisationId) continue;
    if (grant.planId && grant.planId !== plan.planId) continue;
    if (grant.expiresAt && grant.expiresAt <= now) continue;
    roles.add(grant.role);
  }
  return [...roles];
}

/**
 * May this person do this to this plan? A plan they hold no role on does not exist for them
 * (404, not 403), so its existence does not leak across organisations.
 */
export function authorisePlan(identity: Identity, access: AccessState, plan: { organisationId: string; planId: string }, permission: Permission, now: string): Decision {
  const roles = rolesOnPlan(identity, access, plan, now);
  if (roles.length === 0) return { outcome: 'not-found' };
  return roles.some((role) => roleAllows(role, permission)) ? { outcome: 'allowed', roles } : { outcome: 'forbidden', roles };
}

/** Organisation-wide permissions (create a plan, manage grants, read the access log) come from one's own role only. */
export function authoriseOrganisation(identity: Identity, permission: Permission): boolean {
  return roleAllows(identity.role, permission);
}

/**
 * Permissions whose routes act on the caller's own organisation (create a plan in it, manage its access, read
 * its access log): a grant from another organisation must never count for them, or an admin grant on one plan
 * of a neighbouring council would let its holder manage their own council's access.
 */
export const OWN_ORGANISATION_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>(['plan.create', 'access.manage', 'access-log.read']);

/**
 * May this person use an organisation-wide route (one without a plan in its address)? For the permissions of
 * OWN_ORGANISATION_PERMISSIONS, only their own role counts; for the others (list plans, read the audit log),
 * their own role or a live grant giving the permission somewhere, the handler then scoping what they see.
 */
export function authoriseOrganisationRoute(identity: Identity, access: AccessState, permission: Permission, now: string): boolean {
  if (roleAllows(identity.role, permission)) return true;
  if (OWN_ORGANISATION_PERMISSIONS.has(permission)) return false;
  return scopesAllowing(identity, access, now, permission).length > 0;
}

export interface PlanScope {
  organisationId: string;
  /** One plan; absent means every plan of the organisation. */
  planId?: string;
}

/**
 * Where a person holds a role allowing `permission` (or any role at all, without one): their own
 * organisation through their own role, and the organisations and plans of their live grants.
 */
export function scopesAllowing(identity: Identity, access: AccessState, now: string, permission?: Permission): PlanScope[] {
  const allows = (role: Role) => !permission || roleAllows(role, permission);
  const scopes: PlanScope[] = [];
  if (allows(identity.role)) scopes.push({ organisationId: identity.organisationId });
  for (const grant of Object.values(access.grants)) {
    if (grant.revoked || grant.userId !== identity.userId || (grant.expiresAt && grant.expiresAt <= now) || !allows(grant.role)) continue;
    scopes.push({ organisationId: grant.organisationId, ...(grant.planId ? { planId: grant.planId } : {}) });
  }
  return scopes;
}
