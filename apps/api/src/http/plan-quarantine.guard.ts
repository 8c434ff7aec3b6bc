import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { PlanProjector, type QuarantinedPlan } from '#projections';

/** A plan the projector could not fold: reads and writes of it wait for a repair (see docs/operations.md). */
export class PlanQuarantinedError extends Error {
  readonly code = 'PLAN_QUARANTINED';
  constructor(readonly quarantined: QuarantinedPlan) {
    super(
      `This plan is out of service: its entry at revision ${quarantined.revision} cannot be read, so it is quarantined until the ledger operator repairs it`,
    );
  }
}

/**
 * Runs after AccessGuard, so only someone who may see the plan learns that it is quarantined (others get the
 * 404 they would get anyway). Every route with a plan in its path answers 503 while the plan is quarantined:
 * its read models stop at the last good event, and a write would be decided on a state that is not the plan's.
 */
@Injectable()
export class PlanQuarantineGuard implements CanActivate {
  constructor(@Inject(PlanProjector) private readonly projector: PlanProjector) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const planId = req.params?.planId;
    if (typeof planId !== 'string') return true;
    const quarantined = this.projector.quarantined(planId);
    if (quarantined) throw new PlanQuarantinedError(quarantined);
    return true;
  }
}
