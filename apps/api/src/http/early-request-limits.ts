import type { NextFunction, Request, Response } from 'express';
import type { LedgerConfig } from '#application';
import { ApiError } from './api-error.js';

const EVIDENCE_UPLOAD = /^\/plans\/[^/]+\/actions\/[^/]+\/evidence\/?$/;
/** The action page's form for the same upload: the same limit, with room for the form's fields and framing. */
const EVIDENCE_FORM = /^\/web\/plans\/[^/]+\/actions\/[^/]+\/evidence\/?$/;
const EVIDENCE_FORM_ALLOWANCE = 64 * 1024;
const PLAN_IMPORT = /^\/plans\/import\/?$/;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The web service's form posts: they sign in by session cookie (or are the sign-in itself), never by a bearer token. */
const WEB_FORM_POST = /^\/(sign-in|sign-out|web\/)/;

/**
 * Refuse what can be refused from the headers alone, before a byte of the body is read: a Content-Length over
 * the route's limit (413), and a write with no Authorization header at all (401). Express's body parsers
 * would otherwise read (and discard) the whole declared body before answering, holding the connection for as
 * long as the client cares to trickle it. Both answers close the connection, so the unread body is not drained.
 */
export function earlyRequestLimits(config: Pick<LedgerConfig, 'bodyLimit' | 'evidenceLimit'>) {
  const jsonLimit = parseSize(config.bodyLimit);
  const evidenceLimit = parseSize(config.evidenceLimit);
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = req.header('content-length');
    // originalUrl: under Nest's middleware mount, req.path is relative to the mount point, not the route.
    const urlPath = (req.originalUrl || req.url).split('?')[0]!;
    // Imports check their declared size themselves (FILE_TOO_LARGE, against LEDGER_IMPORT_MAX_BYTES), before reading.
    const limit =
      req.method !== 'POST' ? jsonLimit
      : PLAN_IMPORT.test(urlPath) ? Infinity
      : EVIDENCE_UPLOAD.test(urlPath) ? evidenceLimit
      : EVIDENCE_FORM.test(urlPath) ? evidenceLimit + EVIDENCE_FORM_ALLOWANCE
      : jsonLimit;
    // Node has already refused a Content-Length that is not a number, so only the size is left to check.
    if (declared !== undefined && Number(declared) > limit) {
      res.setHeader('Connection', 'close');
      next(new ApiError(413, 'BODY_TOO_LARGE', `The request body may be at most ${limit} bytes here; this one says it is ${declared.slice(0, 20)} bytes`, [{ path: 'body', problem: `is larger than ${limit} bytes` }]));
      return;
    }
    // Every API route but GET /health and GET /api/docs needs a token; an API write without one need not be read.
    if (WRITES.has(req.method) && req.header('authorization') === undefined && !WEB_FORM_POST.test(urlPath)) {
      res.setHeader('Connection', 'close');
      next(new ApiError(401, 'TOKEN_MISSING', 'Sign in: send your access token as "Authorization: Bearer <token>"'));
      return;
    }
    next();
  };
}

/** "1mb", "500kb", "100b", as LEDGER_BODY_LIMIT is written (binary multiples, as Express reads them). */
export function parseSize(size: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(size.trim());
  if (!match) throw new RangeError(`Not a size: ${size}`);
  const unit = match[2]!.toLowerCase();
  return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}
