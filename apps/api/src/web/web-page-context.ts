import { hrefOf, Route } from '../http/route.decorator.js';
import type { Request } from 'express';
import { ROLE_NAMES } from './plan-page.js';
import type { WebSession } from './web-sessions.js';

/**
 * What every page's layout needs: who is signed in, as what, the session's CSRF token, the navigation and a
 * one-off message (shown once, then gone). One function for every web controller, so the layout reads the same.
 */
export function pageContext(req: Request, session: WebSession | undefined, pageTitle: string, current?: 'plans') {
  const identity = session?.identity;
  const flash = session?.flash;
  if (session) session.flash = undefined;
  const acting = (req as Request & { actingRole?: string }).actingRole ?? identity?.role;
  return {
    pageTitle,
    identity,
    roleName: acting ? (ROLE_NAMES.get(acting) ?? acting) : undefined,
    csrfToken: session?.csrfToken,
    flash,
    navigation: [{ href: hrefOf('plansPage'), text: 'Plans', active: current === 'plans' }],
  };
}
