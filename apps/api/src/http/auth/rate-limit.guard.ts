import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { routeOf } from './access.guard.js';
import { RateLimits } from './rate-limits.js';

/**
 * The first guard, before anyone is identified: /health passes untouched (a load balancer's probe must never
 * be limited); public routes count against the address; elsewhere an address that has used up its failed
 * sign-ins is refused before its token is even looked at. The person's own limit is counted by AccessGuard
 * once the token says who they are. Ours rather than @nestjs/throttler: see docs/architecture.md.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(@Inject(RateLimits) private readonly limits: RateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const route = routeOf(req);
    if (route?.key === 'getHealth') return true;
    if (route?.permission === 'public') this.limits.anonymous(req, res);
    else this.limits.refuseAddressAfterFailures(req, res);
    return true;
  }
}
