import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ZodError } from 'zod';
import { ConflictError, PlanChangedError } from '#application';
import { DomainError, UnknownEventTypeError, type DomainErrorCode, type ErrorDetail } from '#domain';
import { InvalidEventError, WrongExpectedRevisionError } from '#event-store';
import { EvidenceBundleError, type EvidenceBundleErrorCode } from '#evidence';
import { InvalidCursorError } from '#projections';
import { ImportError, type ImportErrorCode } from '#importer';
import { ApiError } from './api-error.js';
import { correlationIdOf } from './request-context.js';
import { RawBodyError } from './validation.js';
import { PlanQuarantinedError } from './plan-quarantine.guard.js';
import { renderErrorPage, wantsErrorPage } from '../web/web-error-page.js';

/** Did the request reach a route (its error is the route's), or did nothing serve the address? */
function routeOfRequest(req: Request): boolean {
  return Boolean((req.route as { path?: string } | undefined)?.path);
}

const STATUS_OF: Record<DomainErrorCode, number> = {
  PLAN_NOT_FOUND: 404,
  ACTION_NOT_FOUND: 404,
  RECOMMENDATION_NOT_FOUND: 404,
  WORKSTREAM_NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  PLAN_ALREADY_EXISTS: 409,
  DUPLICATE_REFERENCE: 409,
  ACTION_COMPLETED: 409,
  ACTION_NOT_COMPLETED: 409,
  RECOMMENDATION_ALREADY_SIGNED_OFF: 409,
  NO_CHANGE: 422,
  SAME_LEAD: 422,
  NOT_CORRECTABLE: 422,
  INVALID_CORRECTION: 422,
  VALIDATION_FAILED: 400,
  SUBMISSION_NOT_FOUND: 404,
  SUBMISSION_NOT_PENDING: 409,
  SUBMISSION_NOT_CLOSED: 409,
  ALREADY_RESUBMITTED: 409,
  INVALID_RESUBMISSION: 422,
  SELF_APPROVAL: 403,
  // 409, not 403: the caller may act on updates; this one is someone else's to withdraw or resubmit.
  NOT_SUBMITTER: 409,
  ACTOR_REQUIRED: 403,
  LEAD_NOT_FOUND: 422,
  NOTHING_DUE: 409,
  ROUND_NOT_FOUND: 404,
  ROUND_CLOSED: 409,
  ALREADY_REMINDED: 409,
};

/** A file that cannot be imported: where in the request the problem is, what it is, and its status. */
const IMPORT_PROBLEM: Record<ImportErrorCode, [status: number, path: string, problem: string]> = {
  FILE_NOT_FOUND: [400, 'body.file', 'is missing'],
  FILE_TOO_LARGE: [413, 'body.file', 'is larger than the ledger imports'],
  EMPTY_FILE: [422, 'body.file', 'holds nothing to import'],
  NOT_TEXT: [415, 'body.file', 'is not UTF-8 text'],
  UNSUPPORTED_FORMAT: [415, 'body.file', 'is not a format the ledger imports'],
  MALFORMED_CSV: [422, 'body.file', 'is not well-formed CSV'],
  UNREADABLE_SPREADSHEET: [422, 'body.file', 'cannot be read as an Excel workbook'],
  SHEET_NOT_FOUND: [422, 'body.sheet', 'is not a sheet of the workbook'],
  NO_HEADER_ROW: [422, 'body.file', 'has no header row naming its columns'],
  NOTHING_TO_IMPORT: [422, 'body.file', 'has no rows under its header'],
  INVALID_MAPPING: [400, 'body.mapping', 'is not a valid column mapping'],
  INVALID_OPTIONS: [400, 'body', 'is not valid'],
  INVALID_ROW: [422, 'body.file', 'holds a row the plan cannot take'],
  PLAN_NOT_FOUND: [404, 'body.planId', 'is not a plan'],
  REJECTED_BY_PLAN: [409, 'body.file', 'conflicts with what the plan holds'],
  FIXTURES_NOT_FOUND: [500, 'body', "the demo plan's files are missing"],
  FILE_ALREADY_IMPORTED: [409, 'body.file', 'is already in a plan: import it into that plan (planId), or send newPlan=true'],
};

/** A bundle that cannot be built for what the caller asked. INVALID_BUNDLE_REQUEST means the stored events themselves cannot be bundled: ours, a 500. */
const BUNDLE_STATUS = new Map<EvidenceBundleErrorCode, number>([
  ['PLAN_NOT_FOUND', 404],
  ['PREVIOUS_BUNDLE_REJECTED', 422],
]);

function importProblem(error: ImportError): [number, string, string, ErrorDetail[]] {
  const [status, path, problem] = IMPORT_PROBLEM[error.code];
  const details = error.rows.length > 0 ? error.rows.slice(0, 20).map((row) => ({ path: `${path}.rows.${row}`, problem })) : [{ path, problem }];
  return [status, error.code, error.message, details];
}

export interface ProblemBody {
  code: string;
  message: string;
  details: ErrorDetail[];
  correlationId: string;
  /** FILE_ALREADY_IMPORTED: the plan that already holds the file. */
  plan?: { planId: string; title: string };
}

/** The one place errors become HTTP: a stable code, a plain message, the field paths, the correlation id. Never a stack. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const [status, code, message, details] = this.classify(error);
    // A quarantined plan is already reported once, by the projector: not a stack per request.
    if (status >= 500 && !(error instanceof PlanQuarantinedError)) this.logger.error(`${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    // The web pages' addresses, and a browser lost at an address nothing serves, get a page, not JSON.
    if (!res.headersSent && wantsErrorPage(req, routeOfRequest(req))) return renderErrorPage(req, res, status, message);
    const body: ProblemBody = { code, message, details, correlationId: correlationIdOf(req), ...(error instanceof ImportError && error.plan ? { plan: error.plan } : {}) };
    if (!res.headersSent) res.status(status).json(body);
  }

  /** Public for the web pages' filter, which renders the same classification as HTML. */
  classify(error: unknown): [number, string, string, ErrorDetail[]] {
    if (error instanceof ApiError) return [error.status, error.code, error.message, error.details];
    if (error instanceof ImportError) return importProblem(error);
    if (error instanceof EvidenceBundleError && BUNDLE_STATUS.has(error.code)) return [BUNDLE_STATUS.get(error.code)!, error.code, error.message, []];
    if (error instanceof PlanQuarantinedError) {
      const { revision, eventId, reason } = error.quarantined;
      return [503, error.code, error.message, [{ path: 'planId', problem: `is quarantined at revision ${revision} (event ${eventId}): ${reason}` }]];
    }
    if (error instanceof DomainError) return [STATUS_OF[error.code] ?? 422, error.code, error.message, error.details];
    if (error instanceof PlanChangedError) return [412, error.code, error.message, [{ path: 'headers.if-match', problem: `the plan is now at revision ${error.actual}` }]];
    if (error instanceof ConflictError) return [409, error.code, error.message, error.cause.details];
    // The store refuses what JSON or the canonical form cannot hold: still the caller's input, never a 500.
    if (error instanceof InvalidEventError) {
      const details = error.details.length > 0 ? error.details.map((d) => ({ path: `event.${d.path}`, problem: d.problem })) : [{ path: 'body', problem: error.message }];
      return [400, 'VALIDATION_FAILED', 'Some of what was sent cannot be stored as it is; nothing was recorded', details];
    }
    if (error instanceof WrongExpectedRevisionError) return [409, 'CONFLICT', 'The plan was changed by someone else at the same moment; try again', []];
    if (error instanceof InvalidCursorError) return [400, 'VALIDATION_FAILED', error.message, [{ path: 'query.cursor', problem: 'is not a cursor this ledger gave out' }]];
    if (error instanceof UnknownEventTypeError) return [500, 'UNREADABLE_EVENT', 'A stored event could not be read; the ledger operator has been told', []];
    if (error instanceof ZodError) {
      return [400, 'VALIDATION_FAILED', 'Some of what was sent is not valid', error.issues.map((i) => ({ path: i.path.map(String).join('.'), problem: i.message }))];
    }
    // Nest wraps body-parser's errors in an HttpException; the original (with its type) is the cause.
    const bodyParserError = (error instanceof HttpException && error.cause ? error.cause : error) as { type?: string; status?: number };
    if (bodyParserError instanceof RawBodyError) return [400, 'VALIDATION_FAILED', 'The request body cannot be read', [{ path: bodyParserError.path, problem: bodyParserError.problem }]];
    if (bodyParserError?.type === 'entity.too.large') return [413, 'BODY_TOO_LARGE', 'The request body is larger than the ledger accepts', [{ path: 'body', problem: 'is too large' }]];
    if (bodyParserError?.type === 'entity.parse.failed') return [400, 'MALFORMED_JSON', 'The request body is not valid JSON', [{ path: 'body', problem: 'is not valid JSON' }]];
    if (bodyParserError?.type && typeof bodyParserError.status === 'number' && bodyParserError.status < 500) {
      return [bodyParserError.status, 'BAD_REQUEST', 'The request body could not be read', [{ path: 'body', problem: bodyParserError.type }]];
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const code = status === 404 ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : status === 429 ? 'RATE_LIMITED' : `HTTP_${status}`;
      const message = status === 404 ? 'There is nothing at this address' : status === 429 ? 'Too many requests with this token; wait a minute and try again' : error.message;
      return [status, code, message, []];
    }
    return [500, 'INTERNAL_ERROR', 'Something went wrong on our side. Quote the correlation id if you report it.', []];
  }
}
