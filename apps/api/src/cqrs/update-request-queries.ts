import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { LedgerConfig } from '#application';
import { requireRound, type PlanState } from '#domain';
import { PlanHistory, PlanReadModels, updateRequestList, updateRoundView, type PlanScope, type UpdateRequestFilters, type UpdateRequestList, type UpdateRoundView } from '#projections';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { planNotFound } from './plan-queries.js';

/** When a list is read: now (the read model), or as at an instant on either time axis (replayed). */
export interface UpdateRequestsWhen {
  asAt?: string;
  time: 'recorded' | 'effective';
}

/**
 * What each action owes, over the plans in `scopes` (or the one plan `planId` names within them): each plan as
 * it stood at the instant, the rules applied at that instant. A plan outside the scopes is not found.
 */
export class ListUpdateRequestsQuery extends Query<UpdateRequestList> {
  constructor(
    readonly scopes: readonly PlanScope[] | undefined,
    readonly when: UpdateRequestsWhen,
    readonly filters: UpdateRequestFilters & { planId?: string },
  ) {
    super();
  }
}

@QueryHandler(ListUpdateRequestsQuery)
export class ListUpdateRequestsHandler implements IQueryHandler<ListUpdateRequestsQuery> {
  constructor(
    @Inject(PlanReadModels) private readonly readModels: PlanReadModels,
    @Inject(PlanHistory) private readonly history: PlanHistory,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async execute({ scopes, when, filters }: ListUpdateRequestsQuery): Promise<UpdateRequestList> {
    const asAt = when.asAt ?? new Date().toISOString();
    let current = this.readModels.plans(scopes);
    if (filters.planId !== undefined) {
      current = current.filter((plan) => plan.id === filters.planId);
      if (current.length === 0) throw planNotFound();
    }
    const plans: PlanState[] = [];
    for (const plan of current) {
      if (!when.asAt) plans.push(plan);
      else {
        const then = await this.history.sharedStateAsAt(plan.id, { asAt, time: when.time });
        if (then.exists) plans.push(then);
      }
    }
    const { planId: _planId, ...rest } = filters;
    return updateRequestList(plans, asAt, when.time, rest, this.config.ragRules);
  }
}

/** A plan's update rounds, newest first, or one of them (ROUND_NOT_FOUND when the id is not one). */
export class GetUpdateRoundsQuery extends Query<UpdateRoundView[]> {
  constructor(
    readonly planId: string,
    readonly roundId?: string,
  ) {
    super();
  }
}

@QueryHandler(GetUpdateRoundsQuery)
export class GetUpdateRoundsHandler implements IQueryHandler<GetUpdateRoundsQuery> {
  constructor(@Inject(PlanHistory) private readonly history: PlanHistory) {}

  async execute({ planId, roundId }: GetUpdateRoundsQuery): Promise<UpdateRoundView[]> {
    const now = new Date().toISOString();
    // Replayed, not the read model: what answered a round is read from when each entry was recorded, which
    // only the events (the history the read model leaves out) say of a submission or a completion.
    const plan = await this.history.sharedStateAsAt(planId, { asAt: now, time: 'recorded' });
    if (!plan.exists) throw planNotFound();
    if (roundId !== undefined) return [updateRoundView(plan, requireRound(plan, roundId), now)];
    return [...plan.updates.rounds].reverse().map((round) => updateRoundView(plan, round, now));
  }
}

export const UPDATE_REQUEST_QUERY_HANDLERS = [ListUpdateRequestsHandler, GetUpdateRoundsHandler];
