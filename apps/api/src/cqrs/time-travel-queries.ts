import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { LedgerConfig } from '#application';
import { effectiveAtOf, planRagSummary, type PlanState, type StoredPlanEvent } from '#domain';
import {
  PlanHistory,
  PlanReadModels,
  planChanges,
  ragTrendPoints,
  referencesOf,
  replayPlanAsAt,
  retrospectiveEntries,
  summariseEvent,
  type AuditLogFilter,
  type AuditLogPage,
  type PlanChanges,
  type RagTrendPoint,
  type TimeAxis,
  type TrendInterval,
} from '#projections';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { existingPlan } from './plan-queries.js';

/**
 * What inspectors and quality assurance read — the plan's changes between two instants, its back-dated
 * entries, RAG over time and the audit log — as queries, so the JSON API and the web pages run the same
 * handler and can never disagree. A plan with no events is PLAN_NOT_FOUND (existingPlan), as every query over a
 * whole plan's stream answers it: the API's problem filter and the web's error page both make it a 404.
 */

export class GetPlanChangesQuery extends Query<PlanChanges> {
  constructor(
    readonly planId: string,
    readonly from: string,
    readonly to: string,
    readonly time: TimeAxis,
  ) {
    super();
  }
}

@QueryHandler(GetPlanChangesQuery)
export class GetPlanChangesHandler implements IQueryHandler<GetPlanChangesQuery> {
  constructor(
    @Inject(PlanHistory) private readonly history: PlanHistory,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}
  async execute({ planId, from, to, time }: GetPlanChangesQuery): Promise<PlanChanges> {
    const events = existingPlan(await this.history.events(planId));
    const before = replayPlanAsAt(events, { asAt: from, time });
    const after = replayPlanAsAt(events, { asAt: to, time });
    const rules = this.config.ragRules;
    const ratings = (state: PlanState, at: string) => Object.fromEntries(Object.entries(planRagSummary(state, at, rules).actions).map(([id, rag]) => [id, rag.rating]));
    return planChanges(events, before, after, { from, to, time }, { before: ratings(before, from), after: ratings(after, to) });
  }
}

export interface RetrospectiveEntry {
  eventId: string;
  revision: number;
  type: string;
  summary: string;
  actor: StoredPlanEvent['metadata']['actor'];
  recordedAt: string;
  effectiveAt: string;
  daysBackDated: number;
  reason: string | null;
}

export interface RetrospectiveEntries {
  planId: string;
  toleranceHours: number;
  entries: RetrospectiveEntry[];
}

export class GetRetrospectiveEntriesQuery extends Query<RetrospectiveEntries> {
  constructor(
    readonly planId: string,
    readonly toleranceHours: number,
  ) {
    super();
  }
}

@QueryHandler(GetRetrospectiveEntriesQuery)
export class GetRetrospectiveEntriesHandler implements IQueryHandler<GetRetrospectiveEntriesQuery> {
  constructor(@Inject(PlanHistory) private readonly history: PlanHistory) {}
  async execute({ planId, toleranceHours }: GetRetrospectiveEntriesQuery): Promise<RetrospectiveEntries> {
    const events = existingPlan(await this.history.events(planId));
    const refs = referencesOf(replayPlanAsAt(events, { asAt: new Date().toISOString(), time: 'recorded' }));
    return {
      planId,
      toleranceHours,
      entries: retrospectiveEntries(events, toleranceHours * 3_600_000).map((e) => ({
        eventId: e.eventId,
        revision: e.revision,
        type: e.type,
        summary: summariseEvent(e, refs),
        actor: e.metadata.actor,
        recordedAt: e.recordedAt,
        effectiveAt: effectiveAtOf(e),
        daysBackDated: Math.floor((Date.parse(e.recordedAt) - Date.parse(effectiveAtOf(e))) / 86_400_000),
        reason: e.metadata.reason ?? null,
      })),
    };
  }
}

export interface RagTrend {
  planId: string;
  interval: TrendInterval;
  time: TimeAxis;
  rulesVersion: string;
  points: RagTrendPoint[];
}

/** The plan rated at each of `instants` (the ends of the intervals, from intervalEnds). */
export class GetRagTrendQuery extends Query<RagTrend> {
  constructor(
    readonly planId: string,
    readonly instants: readonly string[],
    readonly interval: TrendInterval,
    readonly time: TimeAxis,
  ) {
    super();
  }
}

@QueryHandler(GetRagTrendQuery)
export class GetRagTrendHandler implements IQueryHandler<GetRagTrendQuery> {
  constructor(
    @Inject(PlanHistory) private readonly history: PlanHistory,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}
  async execute({ planId, instants, interval, time }: GetRagTrendQuery): Promise<RagTrend> {
    const events = existingPlan(await this.history.events(planId));
    const rules = this.config.ragRules;
    // Each point through the history's cached timeline: its snapshots are already built for this plan.
    const points = await ragTrendPointsVia(this.history, planId, events, instants, time, rules);
    return { planId, interval, time, rulesVersion: rules.version, points };
  }
}

async function ragTrendPointsVia(history: PlanHistory, planId: string, events: StoredPlanEvent[], instants: readonly string[], time: TimeAxis, rules: LedgerConfig['ragRules']): Promise<RagTrendPoint[]> {
  const states = new Map<string, PlanState>();
  for (const at of instants) states.set(at, await history.sharedStateAsAt(planId, { asAt: at, time }));
  return ragTrendPoints(events, instants, time, rules, (when) => states.get(when.asAt)!);
}

/** When the plan's history starts on each time axis: the first entry's recorded and earliest effective instants. */
export class GetPlanTimeSpanQuery extends Query<{ firstRecordedAt: string; firstEffectiveAt: string }> {
  constructor(readonly planId: string) {
    super();
  }
}

@QueryHandler(GetPlanTimeSpanQuery)
export class GetPlanTimeSpanHandler implements IQueryHandler<GetPlanTimeSpanQuery> {
  constructor(@Inject(PlanHistory) private readonly history: PlanHistory) {}
  async execute({ planId }: GetPlanTimeSpanQuery) {
    const events = existingPlan(await this.history.events(planId));
    let firstEffective = Number.POSITIVE_INFINITY;
    for (const e of events) firstEffective = Math.min(firstEffective, Date.parse(effectiveAtOf(e)));
    return { firstRecordedAt: events[0]!.recordedAt, firstEffectiveAt: new Date(firstEffective).toISOString() };
  }
}

/** One page of the audit log, within the reader's scopes (the filter's scopes are always set by the caller). */
/** The most entries one audit log read returns when asked for every page (the CSV export). */
export const AUDIT_LOG_ALL_LIMIT = 1_000_000;

/**
 * The filtered audit log: one page from the cursor (the API's JSON, the web page), or every page from it up to
 * a million entries (`reach: 'all'`, what both CSV exports render with auditLogCsv). One query, two renderings.
 */
export class GetAuditLogQuery extends Query<AuditLogPage> {
  constructor(
    readonly filter: AuditLogFilter,
    readonly reach: 'page' | 'all' = 'page',
  ) {
    super();
  }
}

@QueryHandler(GetAuditLogQuery)
export class GetAuditLogHandler implements IQueryHandler<GetAuditLogQuery> {
  constructor(@Inject(PlanReadModels) private readonly readModels: PlanReadModels) {}
  async execute({ filter, reach }: GetAuditLogQuery): Promise<AuditLogPage> {
    if (reach === 'page') return this.readModels.auditLog(filter);
    const entries = [];
    let cursor: string | undefined = filter.cursor;
    do {
      const page = this.readModels.auditLog({ ...filter, cursor, limit: 1_000 });
      entries.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor && entries.length < AUDIT_LOG_ALL_LIMIT);
    return { entries };
  }
}

export const TIME_TRAVEL_QUERY_HANDLERS = [GetPlanChangesHandler, GetRetrospectiveEntriesHandler, GetRagTrendHandler, GetAuditLogHandler, GetPlanTimeSpanHandler];
