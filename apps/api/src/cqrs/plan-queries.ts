import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { checkPlanIntegrity, PlanRepository } from '#application';
import { PLAN_STREAM_PREFIX, planIdOfStream, planStreamName, type PlanState } from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import { toPlanSummary, type PlanSummary } from '#projections';
import { EVENT_STORE } from '../ledger.tokens.js';

export class GetPlanQuery extends Query<PlanState> {
  constructor(readonly planId: string) {
    super();
  }
}

@QueryHandler(GetPlanQuery)
export class GetPlanHandler implements IQueryHandler<GetPlanQuery> {
  constructor(@Inject(PlanRepository) private readonly plans: PlanRepository) {}
  execute({ planId }: GetPlanQuery): Promise<PlanState> {
    return this.plans.load(planId);
  }
}

export class ListPlansQuery extends Query<PlanSummary[]> {}

@QueryHandler(ListPlansQuery)
export class ListPlansHandler implements IQueryHandler<ListPlansQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PlanRepository) private readonly plans: PlanRepository,
  ) {}
  async execute(): Promise<PlanSummary[]> {
    const ids = (await this.store.listStreams(PLAN_STREAM_PREFIX)).map((stream) => planIdOfStream(stream)!);
    const states = await Promise.all(ids.map((id) => this.plans.load(id)));
    return states.filter((s) => s.exists).map(toPlanSummary);
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
  execute({ planId, fromRevision, maxCount }: GetPlanEventsQuery): Promise<RecordedEvent[]> {
    return this.store.readStream(planStreamName(planId), { fromRevision: BigInt(fromRevision), maxCount });
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
  execute({ planId }: CheckPlanIntegrityQuery) {
    return checkPlanIntegrity(this.store, planId);
  }
}

export const PLAN_QUERY_HANDLERS = [GetPlanHandler, ListPlansHandler, GetPlanEventsHandler, CheckPlanIntegrityHandler];
