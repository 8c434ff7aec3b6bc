import type { AccessEvent } from './access-events.js';
import type { Role } from './roles.js';

/**
 * What may be asked of the users, tokens and grants. The application validates the input at its boundary and
 * makes the secrets (a token's random part, a password's scrypt hash): a command carries only what is stored.
 */
export type AccessCommand =
  | { type: 'RegisterUser'; userId: string; displayName: string; organisationId: string }
  | { type: 'IssueToken'; tokenId: string; userId: string; role: Role; tokenSha256: string; expiresAt: string }
  | { type: 'RevokeToken'; tokenId: string; reason: string }
  | { type: 'GrantAccess'; userId: string; role: Role; organisationId: string; planId?: string; expiresAt?: string; reason: string }
  /** `organisationId` is the admin's: another organisation's grant does not exist for them. */
  | { type: 'RevokeAccess'; grantId: string; organisationId: string; reason: string }
  /** The audited repair of an access event that cannot be read: only such an event can be voided. */
  | { type: 'VoidUnreadableEvent'; eventId: string; reason: string }
  | { type: 'SetPassword'; userId: string; role: Role; scheme: 'scrypt'; salt: string; hash: string; N: number; r: number; p: number; keyLength: number };

export type AccessCommandType = AccessCommand['type'];

/** What decideAccess returns: the fact with its id and the reason given for it. */
export type NewAccessEvent = AccessEvent & { eventId: string; reason?: string };
