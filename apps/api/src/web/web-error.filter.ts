import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemFilter } from '../http/problem.filter.js';
import { correlationIdOf } from '../http/request-context.js';
import { hrefOf } from '../http/route.decorator.js';
import { renderPage } from './web-renderer.js';
import { attachedSession } from './web-sessions.js';

const TITLES = new Map<number, string>([
  [400, 'There is a problem with the address'],
  [403, 'You cannot do this'],
  [404, 'Page not found'],
  [409, 'This could not be done'],
  [412, 'The plan has changed'],
  [413, 'That is too large'],
  [422, 'This could not be done'],
  [429, 'Too many requests'],
]);

/**
 * Errors on a page become a page: the same classification as the JSON API (one mapping of errors to
 * status), rendered as HTML. Not signed in sends the browser to the sign-in page and back again.
 */
@Catch()
export class WebErrorFilter implements ExceptionFilter {
  private readonly problems = new ProblemFilter();
  private readonly logger = new Logger('WebErrorFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (res.headersSent) return;
    const [status, , message] = this.problems.classify(error);
    if (status >= 500) this.logger.error(`${req.method} ${req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (status === 401 && req.method === 'GET') {
      res.redirect(303, `${hrefOf('signInPage')}?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    const session = attachedSession(req);
    renderPage(
      res,
      'error.njk',
      {
        pageTitle: status === 401 ? 'Sign in to continue' : (TITLES.get(status) ?? 'Sorry, there is a problem with the service'),
        message: status === 401 ? 'Your session has ended. Sign in again to continue.' : message,
        correlationId: correlationIdOf(req),
        identity: session?.identity,
        csrfToken: session?.csrfToken,
      },
      status,
    );
  }
}
