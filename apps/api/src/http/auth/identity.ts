import type { Request } from 'express';
import type { Actor, Identity, Role } from '#domain';
import { ApiError } from '../api-error.js';

type WithIdentity = Request & { identity?: Identity; actingRole?: Role };

export function setIdentity(req: Request, identity: Identity, actingRole: Role): void {
  (req as WithIdentity).identity = identity;
  (req as WithIdentity).actingRole = actingRole;
}

export function identityOf(req: Request): Identity {
  const identity = (req as WithIdentity).identity;
  if (!identity) throw new ApiError(401, 'TOKEN_MISSING', 'Sign in: send your access token as "Authorization: Bearer <token>"');
  return identity;
}

/** The actor recorded on events: who, with the role they acted in, and their organisation. Never from the body. */
export function actorFromIdentity(req: Request): Actor {
  const identity = identityOf(req);
  return {
    id: identity.userId,
    displayName: identity.displayName,
    role: (req as WithIdentity).actingRole ?? identity.role,
    organisation: identity.organisationId,
  };
}
