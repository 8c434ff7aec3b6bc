import type { Request, Response } from 'express';
import type { Identity } from '#domain';
import { ApiError } from '../api-error.js';

const WINDOW_MS = 60_000;

interface Window {
  startedAt: number;
  count: number;
}

/**
 * Requests per key in fixed one-minute windows, holding at most maxKeys windows: a flood of new keys (new
 * addresses) evicts the oldest windows instead of growing the map without end.
 */
export class FixedWindowCounter {
  // Insertion order is start order (a renewed window is re-inserted), so the oldest windows come first.
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    readonly maxKeys: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Count one request for the key. */
  hit(key: string): { over: boolean; remaining: number; retryAfterSeconds: number } {
    const now = this.clock();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      this.windows.delete(key);
      this.makeRoom(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { over: window.count > this.limit, remaining: Math.max(0, this.limit - window.count), retryAfterSeconds: this.retryAfter(window, now) };
  }

  /** Has the key used up this window already? Counts nothing. */
  exhausted(key: string): { over: boolean; retryAfterSeconds: number } {
    const now = this.clock();
    const window = this.windows.get(key);
    if (!window || now - window.startedAt >= WINDOW_MS) return { over: false, retryAfterSeconds: 0 };
    return { over: window.count >= this.limit, retryAfterSeconds: this.retryAfter(window, now) };
  }

  get size(): number {
    return this.windows.size;
  }

  private retryAfter(window: Window, now: number): number {
    return Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
  }

  private makeRoom(now: number): void {
    for (const [key, window] of this.windows) {
      if (this.windows.size < this.maxKeys && now - window.startedAt < WINDOW_MS) return;
      this.windows.delete(key);
    }
  }
}

/**
 * The ledger's three limits. Signed-in requests count against the person (however the header was spelt, and
 * from wherever), so respelling "Bearer" or changing address buys nothing. A failed sign-in counts against the
 * address, with a much lower limit, so a new garbage token per request runs out quickly and costs one small
 * window per address, not one per token. Public routes count against the address; /health counts nowhere.
 */
export class RateLimits {
  readonly people: FixedWindowCounter;
  readonly failedSignIns: FixedWindowCounter;
  readonly addresses: FixedWindowCounter;

  constructor(limits: { perMinute: number; failedSignInsPerMinute: number; maxTracked?: number }, clock: () => number = Date.now) {
    const maxTracked = limits.maxTracked ?? 50_000;
    this.people = new FixedWindowCounter(limits.perMinute, maxTracked, clock);
    this.failedSignIns = new FixedWindowCounter(limits.failedSignInsPerMinute, maxTracked, clock);
    this.addresses = new FixedWindowCounter(limits.perMinute, maxTracked, clock);
  }

  /** Before sign-in is checked: an address that has used up its failed sign-ins is refused without the work. */
  refuseAddressAfterFailures(req: Request, res: Response): void {
    const verdict = this.failedSignIns.exhausted(addressOf(req));
    if (verdict.over) throw limited(res, this.failedSignIns.limit, verdict.retryAfterSeconds, 'Too many failed sign-ins from this address');
  }

  failedSignIn(req: Request): void {
    this.failedSignIns.hit(addressOf(req));
  }

  signedIn(identity: Identity, res: Response): void {
    // The person, not the token: a person with two tokens, or a token sent with its scheme respelt, is one caller.
    const verdict = this.people.hit(`${identity.via}\u0000${identity.organisationId}\u0000${identity.userId}`);
    setLimitHeaders(res, this.people.limit, verdict.remaining);
    if (verdict.over) throw limited(res, this.people.limit, verdict.retryAfterSeconds, 'Too many requests from you');
  }

  anonymous(req: Request, res: Response): void {
    const verdict = this.addresses.hit(addressOf(req));
    setLimitHeaders(res, this.addresses.limit, verdict.remaining);
    if (verdict.over) throw limited(res, this.addresses.limit, verdict.retryAfterSeconds, 'Too many requests from this address');
  }
}

function addressOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function setLimitHeaders(res: Response, limit: number, remaining: number): void {
  res.setHeader('RateLimit-Limit', String(limit));
  res.setHeader('RateLimit-Remaining', String(remaining));
}

function limited(res: Response, limit: number, retryAfter: number, what: string): ApiError {
  res.setHeader('Retry-After', String(retryAfter));
  setLimitHeaders(res, limit, 0);
  return new ApiError(429, 'RATE_LIMITED', `${what}; try again in ${retryAfter} seconds`);
}
