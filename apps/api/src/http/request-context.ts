import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { Actor } from '#domain';
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

/**
 * Who is acting. Until access control lands, the X-Actor header names the person (it will be replaced by
 * the authenticated identity). The request body can never set the actor.
 */
export function actorOf(req: Request): Actor {
  const raw = req.header('x-actor');
  const name = raw?.replace(/\s+/g, ' ').trim();
  if (!name) throw new ApiError(401, 'ACTOR_REQUIRED', 'Say who you are: send an X-Actor header with your name', [{ path: 'headers.x-actor', problem: 'is missing or empty' }]);
  const parsed = Actor.safeParse({ id: name, displayName: name });
  if (!parsed.success) throw new ApiError(400, 'VALIDATION_FAILED', 'The X-Actor header is not valid', [{ path: 'headers.x-actor', problem: 'must be at most 200 characters' }]);
  return parsed.data;
}

/** If-Match: "<revision>" pins a write to the revision the caller read. */
export function expectedRevisionOf(req: Request): number | undefined {
  const raw = req.header('if-match');
  if (raw === undefined) return undefined;
  const match = /^(?:W\/)?"?(-?\d{1,15})"?$/.exec(raw.trim());
  if (!match) throw new ApiError(400, 'VALIDATION_FAILED', 'If-Match must be the ETag of the plan you read, e.g. "12"', [{ path: 'headers.if-match', problem: 'is not a revision' }]);
  return Number(match[1]);
}
