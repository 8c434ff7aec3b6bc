import { Controller, Get, Inject, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ROLE_NAMES } from './plan-page.js';
import { WebErrorFilter } from './web-error.filter.js';
import { renderPage } from './web-renderer.js';
import { WebSessions, type WebSession } from './web-sessions.js';

/**
 * The evidence-bundle pages: a bundle to download, and the public page where a regulator checks one. The
 * checks run in the browser with the verifier's own build, so the server never sees what is checked.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class BundlePagesController {
  constructor(@Inject(WebSessions) private readonly sessions: WebSessions) {}

  @Get('web/verify')
  verify(@Req() req: Request, @Res() res: Response) {
    renderPage(res, 'verify.njk', pageContext(req, this.sessions.find(req), 'Check an evidence bundle'));
  }
}

/** The layout's needs, as WebController's pages give them: who is signed in, the CSRF token, the navigation. */
export function pageContext(req: Request, session: WebSession | undefined, pageTitle: string) {
  const identity = session?.identity;
  const acting = (req as Request & { actingRole?: string }).actingRole ?? identity?.role;
  return {
    pageTitle,
    identity,
    roleName: acting ? (ROLE_NAMES.get(acting) ?? acting) : undefined,
    csrfToken: session?.csrfToken,
    navigation: [
      { href: '/web/plans', text: 'Plans' },
      { href: '/web/verify', text: 'Check a bundle', active: req.path === '/web/verify' },
    ],
  };
}
