import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Role, type Identity } from '#domain';

type VerifyKey = Awaited<ReturnType<typeof importSPKI>>;
import { AuthenticationError } from './access-control.js';

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** One of: a JWKS document file, a JWKS URL, or a PEM public key file. */
  jwksFile?: string;
  jwksUrl?: string;
  publicKeyFile?: string;
  /** Claim with the person's roles (Entra ID app roles: "roles"). */
  roleClaim: string;
  /** Claim naming the organisation (Entra ID tenant: "tid"). */
  organisationClaim: string;
}

/**
 * Validates bearer JWTs from a council's identity provider (Entra ID / Azure AD or any OIDC issuer):
 * signature against the configured keys, issuer, audience and expiry. Maps claims to an Identity.
 */
export class OidcVerifier {
  private keys?: JWTVerifyGetKey | VerifyKey;

  constructor(private readonly settings: OidcSettings) {}

  private async key(): Promise<JWTVerifyGetKey | VerifyKey> {
    if (this.keys) return this.keys;
    const { jwksFile, jwksUrl, publicKeyFile } = this.settings;
    if (jwksFile) this.keys = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, 'utf8')));
    else if (jwksUrl) this.keys = createRemoteJWKSet(new URL(jwksUrl));
    else if (publicKeyFile) {
      const pem = readFileSync(publicKeyFile, 'utf8');
      this.keys = await importSPKI(pem, pem.includes('BEGIN PUBLIC KEY') ? detectAlgorithm(pem) : 'RS256');
    } else throw new Error('OIDC is configured without keys: set LEDGER_OIDC_JWKS_FILE, LEDGER_OIDC_JWKS_URL or LEDGER_OIDC_PUBLIC_KEY_FILE');
    return this.keys;
  }

  async verify(token: string): Promise<Identity> {
    let payload: JWTPayload;
    try {
      const key = await this.key();
      ({ payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], { issuer: this.settings.issuer, audience: this.settings.audience }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError('TOKEN_EXPIRED', 'Your sign-in has expired; sign in again');
      throw new AuthenticationError('TOKEN_INVALID', 'The access token could not be verified');
    }
    const identity = identityFromClaims(payload, this.settings);
    if (!identity) {
      throw new AuthenticationError('TOKEN_INVALID', `The access token lacks a ledger role (${this.settings.roleClaim}), an organisation (${this.settings.organisationClaim}) or a subject`);
    }
    return identity;
  }
}

/**
 * The person an identity provider's claims describe, or undefined when they name no ledger role, no
 * organisation or no subject. One mapping for the API's bearer tokens and the browser's sign-in.
 */
export function identityFromClaims(claims: Record<string, unknown>, settings: { roleClaim: string; organisationClaim: string }): Identity | undefined {
  const claim = (name: string): unknown => (Object.hasOwn(claims, name) ? claims[name] : undefined);
  const roles = ([] as unknown[]).concat(claim(settings.roleClaim) ?? []);
  const role = roles.map((r) => String(r).toLowerCase().replace(/^ledger\./, '')).find((r) => Role.safeParse(r).success);
  const organisationId = claim(settings.organisationClaim);
  const oid = claim('oid');
  const sub = claim('sub');
  const userId = typeof oid === 'string' && oid ? oid : typeof sub === 'string' && sub ? sub : undefined;
  if (!role || typeof organisationId !== 'string' || !organisationId || !userId) return undefined;
  const name = claim('name') ?? claim('preferred_username');
  const displayName = typeof name === 'string' && name.trim() ? name.trim().slice(0, 200) : userId;
  return { userId, displayName, organisationId, role: role as Identity['role'], via: 'oidc' };
}

function detectAlgorithm(pem: string): string {
  // Ed25519 SPKI keys are short; RSA keys are long. EC P-256 sits between.
  const length = pem.replace(/-----[^-]+-----|\s/g, '').length;
  if (length < 80) return 'EdDSA';
  if (length < 200) return 'ES256';
  return 'RS256';
}
