import { createHash } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { LedgerConfig } from '#application';
import { LEDGER_CONFIG } from '../../ledger.tokens.js';
import { ApiError } from '../api-error.js';

const WINDOW_MS = 60_000;

/**
 * Requests per minute per token (or per address without one), counted in fixed one-minute windows.
 * Runs before the access guard, keyed by the token presented. Ours rather than @nestjs/throttler: that
 * package is CommonJS and cannot load the ESM-only Nest 12 under Jest's ESM loader on Node 20 (see docs/security.md).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(@Inject(LEDGER_CONFIG) private readonly config: LedgerConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    // Counted before sign-in is checked, so a flood of bad or missing tokens is limited too.
    const authorization = req.header('authorization');
    const key = authorization ? `token:${createHash('sha256').update(authorization).digest('hex').slice(0, 32)}` : `address:${req.ip ?? 'unknown'}`;
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
      if (this.windows.size > 100_000) this.forgetOldWindows(now);
    }
    window.count += 1;
    const limit = this.config.rateLimitPerMinute;
    res.setHeader('RateLimit-Limit', String(limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - window.count)));
    if (window.count > limit) {
      const retryAfter = Math.ceil((window.startedAt + WINDOW_MS - now) / 1000);
      res.setHeader('Retry-After', String(retryAfter));
      throw new ApiError(429, 'RATE_LIMITED', `Too many requests with this token; try again in ${retryAfter} seconds`);
    }
    return true;
  }

  private forgetOldWindows(now: number): void {
    for (const [key, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(key);
  }
}
