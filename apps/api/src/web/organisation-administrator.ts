import type { Request } from 'express';
import { authoriseOrganisation, type Identity } from '#domain';
import { ApiError } from '../http/api-error.js';
import { identityOf } from '../http/auth/identity.js';

/** The signed-in administrator of their own organisation: that comes from one's own role only, never from a grant on some other organisation's plan. */
export function organisationAdministrator(req: Request): Identity {
  const identity = identityOf(req);
  if (!authoriseOrganisation(identity, 'access.manage')) {
    throw new ApiError(403, 'FORBIDDEN', `Your role (${identity.role}) in your organisation does not allow this (access: manage)`, [{ path: 'authorization', problem: 'needs access.manage' }]);
  }
  return identity;
}
