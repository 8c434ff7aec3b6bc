import * as client from 'openid-client';
import { identityFromClaims, type WebSignInSettings } from '#application';
import type { Identity } from '#domain';
import type { PendingOidcSignIn } from './web-sessions.js';

/** Why a sign-in through the identity provider did not complete: each is a page in words, never a 500. */
export class OidcSignInError extends Error {
  constructor(
    readonly status: 400 | 403 | 502,
    readonly code: 'OIDC_SIGN_IN_REFUSED' | 'OIDC_NO_LEDGER_ROLE' | 'OIDC_PROVIDER_UNAVAILABLE',
    message: string,
    /** The provider's or the library's own words, for a person reporting the problem. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Only an http issuer on this machine (a test's provider, a developer's) may skip TLS; anywhere else it is refused. */
function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * Browser sign-in through the council's identity provider: the authorisation-code flow with PKCE, with
 * state and nonce checked (openid-client). The provider's role and organisation claims map to the ledger's
 * Identity exactly as its bearer tokens do (identityFromClaims), so a browser and an API client signed in
 * by the same person hold the same role.
 */
export class OidcSignIn {
  private configuration?: Promise<client.Configuration>;

  constructor(readonly settings: WebSignInSettings) {}

  get providerName(): string {
    return this.settings.providerName;
  }

  /** The provider's metadata, discovered once (and again after a failure, so a provider that was down is retried). */
  private discover(): Promise<client.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.settings.issuer);
      this.configuration = client
        .discovery(issuer, this.settings.clientId, { redirect_uris: [this.settings.redirectUrl], response_types: ['code'] }, client.ClientSecretPost(this.settings.clientSecret), {
          ...(isLoopback(issuer) ? { execute: [client.allowInsecureRequests] } : {}),
          timeout: 10,
        })
        .catch((error: unknown) => {
          this.configuration = undefined;
          throw new OidcSignInError(502, 'OIDC_PROVIDER_UNAVAILABLE', `The sign-in service (${this.settings.providerName}) could not be reached. Try again in a few minutes, or sign in with a ledger account.`, describe(error));
        });
    }
    return this.configuration;
  }

  /** Where to send the browser, and what its session must remember to check the way back. */
  async begin(next: string, now: number): Promise<{ url: string; pending: PendingOidcSignIn }> {
    const config = await this.discover();
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending: PendingOidcSignIn = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, next, startedAt: now };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /**
   * The identity the provider vouches for, from the callback's query string. The address checked is the
   * configured redirect URL with the query the browser brought, never one built from the request's Host.
   */
  async complete(query: string, pending: PendingOidcSignIn | undefined): Promise<Identity> {
    if (!pending) {
      throw new OidcSignInError(400, 'OIDC_SIGN_IN_REFUSED', 'This sign-in was not started here, has been used already or took longer than 10 minutes. Start again from the sign-in page.');
    }
    const config = await this.discover();
    const current = new URL(this.settings.redirectUrl);
    current.search = query;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new OidcSignInError(400, 'OIDC_SIGN_IN_REFUSED', 'The sign-in could not be completed, so you are not signed in. Start again from the sign-in page.', describe(error));
    }
    const claims = tokens.claims();
    if (!claims) throw new OidcSignInError(400, 'OIDC_SIGN_IN_REFUSED', 'The sign-in service sent no ID token, so you are not signed in.');
    let identity = identityFromClaims(claims, this.settings);
    // Providers that keep the role and organisation out of the ID token (scoped claims) give them from userinfo.
    if (!identity && tokens.access_token) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        identity = identityFromClaims({ ...info, sub: claims.sub, ...(claims.oid ? { oid: claims.oid } : {}) }, this.settings);
      } catch (error) {
        throw new OidcSignInError(502, 'OIDC_PROVIDER_UNAVAILABLE', "The sign-in service's account details could not be read, so you are not signed in.", describe(error));
      }
    }
    if (!identity) {
      throw new OidcSignInError(
        403,
        'OIDC_NO_LEDGER_ROLE',
        `Your account is known to ${this.settings.providerName} but gives you no role in the ledger (claim "${this.settings.roleClaim}") or no organisation (claim "${this.settings.organisationClaim}"). Ask your organisation's ledger administrator.`,
      );
    }
    return identity;
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}
