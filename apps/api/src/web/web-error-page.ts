import type { Request, Response } from 'express';
import { correlationIdOf } from '../http/request-context.js';
import { renderPage } from './web-renderer.js';
import { attachedSession } from './web-sessions.js';

const TITLES = new Map<number, string>([
  [400, 'There is a problem with the address'],
  [403, 'You cannot do this'],
  [404, 'Page not found'],
  [405, 'Page not found'],
  [409, 'This could not be done'],
  [412, 'The plan has changed'],
  [413, 'That is too large'],
  [422, 'This could not be done'],
  [429, 'Too many requests'],
]);

/** An error as a page in the service's layout, with the status, a plain message and the reference to quote. */
export function renderErrorPage(req: Request, res: Response, status: number, message: string): void {
  const session = attachedSession(req);
  renderPage(
    res,
    'error.njk',
    {
      pageTitle: status === 401 ? 'Sign in to continue' : (TITLES.get(status) ?? 'Sorry, there is a problem with the service'),
      message: status === 401 ? 'Your session has ended. Sign in again to continue.' : status === 404 && message === 'There is nothing at this address' ? 'If you typed the address, check it is right. If you followed a link, it may be out of date.' : message,
      correlationId: correlationIdOf(req),
      identity: session?.identity,
      csrfToken: session?.csrfToken,
    },
    status,
  );
}

/**
 * Which failed requests are answered with a page rather than JSON: everything under /web (the pages),
 * and an address nothing serves when a browser asks for HTML. The JSON API keeps its JSON errors.
 */
export function wantsErrorPage(req: Request, routed: boolean): boolean {
  if (req.path === '/web' || req.path.startsWith('/web/')) return true;
  if (routed) return false;
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html') && !accept.includes('application/json');
}
