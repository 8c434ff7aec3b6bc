import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { checkPlanIntegrity } from '#application';
import { DomainError, own, planStreamName, type PlanState } from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import { PlanHistory, PlanReadModels, toPlanSummary, type AsAt, type AuditLogEntry, type PlanScope, type PlanSummary } from '#projections';
import type { Action } from '#domain';
import { EVENT_STORE } from '../ledger.tokens.js';

/**
 * A plan with no events does not exist: the one place a query says so. DomainError PLAN_NOT_FOUND is a 404
 * in the problem filter (and the web pages' not-found page), so no controller maps it.
 */
export function planNotFound(): DomainError {
  return new DomainError('PLAN_NOT_FOUND', 'There is no such plan');
}

/** The events, or PLAN_NOT_FOUND when there are none: what every query over a whole plan's stream starts with. */
export function existingPlan<T extends readonly unknown[]>(events: T): T {
  if (events.length === 0) throw planNotFound();
  return events;
}

/**
 * A plan now (from the read model) or as at an instant (replayed from its events); null if it does not exist then.
 * The state is shared with other readers of the same revision or as-at position (so views derived from it are
 * cached against it, plan-read-cache.ts): read it, never change it.
 */
export class GetPlanQuery extends Query<PlanState | null> {
  constructor(
    readonly planId: string,
    readonly asAt?: AsAt,
  ) {
    super();
  }
}

@QueryHandler(GetPlanQuery)
export class GetPlanHandler implements IQueryHandler<GetPlanQuery> {
  constructor(
    @Inject(PlanReadModels) private readonly readModels: PlanReadModels,
    @Inject(PlanHistory) private readonly history: PlanHistory,
  ) {}
  async execute({ planId, asAt }: GetPlanQuery): Promise<PlanState | null> {
    if (!asAt) return this.readModels.plan(planId);
    const state = await this.history.sharedStateAsAt(planId, asAt);
    return state.exists ? state : null;
  }
}

export class ListPlansQuery extends Query<PlanSummary[]> {
  /** Only plans within these scopes; undefined means every plan (for the operator's own start-up). */
  constructor(readonly scopes?: readonly PlanScope[]) {
    super();
  }
}

@QueryHandler(ListPlansQuery)
export class ListPlansHandler implements IQueryHandler<ListPlansQuery> {
  constructor(@Inject(PlanReadModels) private readonly readModels: PlanReadModels) {}
  async execute({ scopes }: ListPlansQuery): Promise<PlanSummary[]> {
    return this.readModels.plans(scopes).map(toPlanSummary);
  }
}

export class GetPlanEventsQuery extends Query<RecordedEvent[]> {
  constructor(
    readonly planId: string,
    readonly fromRevision: number,
    readonly maxCount: number,
  ) {
    super();
  }
}

@QueryHandler(GetPlanEventsQuery)
export class GetPlanEventsHandler implements IQueryHandler<GetPlanEventsQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async execute({ planId, fromRevision, maxCount }: GetPlanEventsQuery): Promise<RecordedEvent[]> {
    const events = await this.store.readStream(planStreamName(planId), { fromRevision: BigInt(fromRevision), maxCount });
    // Past the end of a plan is an empty page; from the start, an empty stream is no plan.
    return fromRevision === 0 ? existingPlan(events) : events;
  }
}

export class CheckPlanIntegrityQuery extends Query<Awaited<ReturnType<typeof checkPlanIntegrity>>> {
  constructor(readonly planId: string) {
    super();
  }
}

@QueryHandler(CheckPlanIntegrityQuery)
export class CheckPlanIntegrityHandler implements IQueryHandler<CheckPlanIntegrityQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async execute({ planId }: CheckPlanIntegrityQuery) {
    const result = await checkPlanIntegrity(this.store, planId);
    if (result.length === 0 && result.ok) throw planNotFound();
    return result;
  }
}

export interface ActionTimeline {
  action: Action;
  /** Oldest first: every entry that touched the action, with who, when recorded, when effective and why. */
  entries: AuditLogEntry[];
}

/** An action now and its timeline in plain words; PLAN_NOT_FOUND without the plan, null without the action. */
export class GetActionTimelineQuery extends Query<ActionTimeline | null> {
  constructor(
    readonly planId: string,
    readonly actionId: string,
  ) {
    super();
  }
}

@QueryHandler(GetActionTimelineQuery)
export class GetActionTimelineHandler implements IQueryHandler<GetActionTimelineQuery> {
  constructor(
    @Inject(PlanReadModels) private readonly readModels: PlanReadModels,
    @Inject(PlanHistory) private readonly history: PlanHistory,
  ) {}
  async execute({ planId, actionId }: GetActionTimelineQuery): Promise<ActionTimeline | null> {
    existingPlan(await this.history.events(planId));
    // From the plan's cached timeline (equal to replaying every event, plan-timeline.unit.spec.ts): the compact plan view links every action here.
    const now = await this.history.sharedStateAsAt(planId, { asAt: new Date().toISOString(), time: 'recorded' });
    const action = own(now.actions, actionId);
    if (!action) return null;
    return { action, entries: this.readModels.auditLog({ planId, actionId, limit: 10_000 }).entries };
  }
}

export const PLAN_QUERY_HANDLERS = [GetPlanHandler, ListPlansHandler, GetPlanEventsHandler, CheckPlanIntegrityHandler, GetActionTimelineHandler];
