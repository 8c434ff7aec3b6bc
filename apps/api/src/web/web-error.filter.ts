import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemFilter } from '../http/problem.filter.js';
import { hrefOf } from '../http/route.decorator.js';
import { renderErrorPage } from './web-error-page.js';

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
    renderErrorPage(req, res, status, message);
  }
}
