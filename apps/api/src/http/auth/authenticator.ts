import type { Request } from 'express';
import { AccessControl, AuthenticationError, OidcVerifier } from '#application';
import type { AccessState, Identity } from '#domain';

/**
 * Bearer tokens: the ledger's own (`lgr_…`, issued with `ledger tokens issue`) or a JWT from the
 * council's identity provider when OIDC is configured. The identity is the only source of the actor.
 */
export class Authenticator {
  constructor(
    private readonly access: AccessControl,
    private readonly oidc?: OidcVerifier,
  ) {}

  /** `accessNow`: the access state the request is authorised against (the guard reads it once a request). */
  async authenticate(req: Request, accessNow?: () => Promise<AccessState>): Promise<Identity> {
    const header = req.header('authorization');
    if (!header) throw new AuthenticationError('TOKEN_MISSING', 'Sign in: send your access token as "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new AuthenticationError('TOKEN_INVALID', 'The Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    if (token.startsWith('lgr_')) return this.access.authenticateLocalToken(token, accessNow);
    if (this.oidc && token.split('.').length === 3) return this.oidc.verify(token);
    throw new AuthenticationError('TOKEN_INVALID', 'The access token is not one this ledger accepts');
  }
}
