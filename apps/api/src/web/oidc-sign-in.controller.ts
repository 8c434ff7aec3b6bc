import {Controller, Inject, Req, Res, UseFilters } from '@nestjs/common';
import { Route } from '../http/route.decorator.js';
import type { Request, Response } from 'express';
import { ApiError } from '../http/api-error.js';
import { correlationIdOf } from '../http/request-context.js';
import { OidcSignIn, OidcSignInError } from './oidc-sign-in.js';
import { renderPage } from './web-renderer.js';
import { safeNext } from './safe-next.js';
import { WebErrorFilter } from './web-error.filter.js';
import { WebSessions } from './web-sessions.js';

/**
 * Sign-in through the council's identity provider: /sign-in/oidc sends the browser there with a fresh
 * state, nonce and PKCE challenge kept in its (anonymous) session; the provider sends it back to the
 * callback, which checks all three, and on success starts a NEW session for the person the provider
 * vouches for. Without LEDGER_OIDC_CLIENT_ID and friends both addresses are Page not found.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class OidcSignInController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(OidcSignIn) private readonly oidc: OidcSignIn | null,
  ) {}

  @Route('oidcSignInStart')
  async begin(@Req() req: Request, @Res() res: Response) {
    const oidc = this.configured();
    const session = this.sessions.ensure(req, res);
    try {
      const { url, pending } = await oidc.begin(safeNext(req.query.next), Date.now());
      session.oidc = pending;
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, url);
    } catch (error) {
      this.refuse(req, res, error);
    }
  }

  @Route('oidcSignInCallback')
  async callback(@Req() req: Request, @Res() res: Response) {
    const oidc = this.configured();
    const session = this.sessions.find(req);
    // Good once: whatever happens next, this state and verifier are spent.
    const pending = session ? this.sessions.takeOidcSignIn(session) : undefined;
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    try {
      const identity = await oidc.complete(query, pending);
      // A new session id at sign-in: the anonymous one that started the flow is worth nothing after it.
      this.sessions.start(req, res, identity);
      res.redirect(303, pending!.next);
    } catch (error) {
      this.refuse(req, res, error);
    }
  }

  /** A sign-in that did not complete is a page saying why and leading back to the sign-in page; the person stays signed out. */
  private refuse(req: Request, res: Response, error: unknown): void {
    if (!(error instanceof OidcSignInError)) throw error;
    const session = this.sessions.find(req);
    renderPage(
      res,
      'sign-in-failed.njk',
      {
        pageTitle: error.status === 502 ? 'The sign-in service is not answering' : 'You are not signed in',
        message: error.message,
        detail: error.detail,
        correlationId: correlationIdOf(req),
        csrfToken: session?.csrfToken,
      },
      error.status,
    );
  }

  private configured(): OidcSignIn {
    if (!this.oidc) throw new ApiError(404, 'OIDC_NOT_CONFIGURED', 'Signing in through an identity provider is not set up here. Sign in with your ledger account.');
    return this.oidc;
  }
}
