import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Actor } from '#domain';
import { actorFromIdentity } from './auth/identity.js';
import { ApiError } from './api-error.js';

const CORRELATION_HEADER = 'x-correlation-id';

/** Every request gets a correlation id (the caller's, if it sent a sane one), echoed in the response. */
export function correlationIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const sent = req.header(CORRELATION_HEADER);
  const id = sent && /^[\w.:-]{1,100}$/.test(sent) ? sent : randomUUID();
  (req as Request & { correlationId: string }).correlationId = id;
  res.setHeader('X-Correlation-Id', id);
  next();
}

export function correlationIdOf(req: Request): string {
  return (req as Request & { correlationId?: string }).correlationId ?? randomUUID();
}

/** Who is acting: the signed-in identity (see auth/identity.ts). The request body can never set it. */
export function actorOf(req: Request): Actor {
  return actorFromIdentity(req);
}

/** If-Match: "<revision>" pins a write to the revision the caller read. */
export function expectedRevisionOf(req: Request): number | undefined {
  const raw = req.header('if-match');
  if (raw === undefined) return undefined;
  // A plan read's ETag is "<revision>.<what else the response depends on>": the revision is what a write checks.
  const match = /^(?:W\/)?"?(-?\d{1,15})(?:\.[\w-]{1,40})?"?$/.exec(raw.trim());
  if (!match) throw new ApiError(400, 'VALIDATION_FAILED', 'If-Match must be the ETag of the plan you read, e.g. "12"', [{ path: 'headers.if-match', problem: 'is not a revision' }]);
  return Number(match[1]);
}
