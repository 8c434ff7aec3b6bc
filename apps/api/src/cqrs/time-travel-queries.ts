import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { LedgerConfig } from '#application';
import { effectiveAtOf, planRagSummary, type PlanState } from '#domain';
import { auditLogCsv, PlanHistory, PlanReadModels, type AuditLogFilter, type AuditLogPage } from '#projections';
import { planChanges, ragTrendPoints, referencesOf, replayPlanAsAt, retrospectiveEntries, summariseEvent, type TimeAxis, type TrendInterval } from '#plan-views';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { existingPlan } from './plan-queries.js';

type ChangesSince = ReturnType<typeof planChanges>;

/** What changed in a plan between two instants, on one time axis, with the RAG ratings either side. */
export class GetChangesSinceQuery extends Query<ChangesSince> {
  constructor(
    readonly planId: string,
    readonly from: string,
    readonly to: string,
    readonly time: TimeAxis,
  ) {
    super();
  }
}

@QueryHandler(GetChangesSinceQuery)
export class GetChangesSinceHandler implements IQueryHandler<GetChangesSinceQuery> {
  constructor(
    @Inject(PlanHistory) private readonly history: PlanHistory,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}
  async execute({ planId, from, to, time }: GetChangesSinceQuery): Promise<ChangesSince> {
    const events = existingPlan(await this.history.events(planId));
    const before = replayPlanAsAt(events, { asAt: from, time });
    const after = replayPlanAsAt(events, { asAt: to, time });
    const rules = this.config.ragRules;
    const ratings = (state: PlanState, at: string) => Object.fromEntries(Object.entries(planRagSummary(state, at, rules).actions).map(([id, rag]) => [id, rag.rating]));
    return planChanges(events, before, after, { from, to, time }, { before: ratings(before, from), after: ratings(after, to) });
  }
}

export interface RetrospectiveEntries {
  planId: string;
  toleranceHours: number;
  entries: {
    eventId: string;
    revision: number;
    type: string;
    summary: string;
    actor: unknown;
    recordedAt: string;
    effectiveAt: string;
    daysBackDated: number;
    reason: string | null;
  }[];
}

/** Entries effective earlier than they were recorded by more than the tolerance (the ledger's default if none is given). */
export class GetRetrospectiveEntriesQuery extends Query<RetrospectiveEntries> {
  constructor(
    readonly planId: string,
    readonly toleranceHours?: number,
  ) {
    super();
  }
}

@QueryHandler(GetRetrospectiveEntriesQuery)
export class GetRetrospectiveEntriesHandler implements IQueryHandler<GetRetrospectiveEntriesQuery> {
  constructor(
    @Inject(PlanHistory) private readonly history: PlanHistory,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}
  async execute({ planId, toleranceHours = this.config.retrospectiveToleranceHours }: GetRetrospectiveEntriesQuery): Promise<RetrospectiveEntries> {
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
  points: ReturnType<typeof ragTrendPoints>;
}

/** Counts of each RAG rating (and complete) at the end of each interval. */
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
    return { planId, interval, time, rulesVersion: this.config.ragRules.version, points: ragTrendPoints(events, instants, time, this.config.ragRules) };
  }
}

/** A page of the audit log, or (csv) every matching entry as one CSV document, at most a million rows. */
export class GetAuditLogQuery extends Query<AuditLogPage | string> {
  constructor(
    readonly filter: AuditLogFilter,
    readonly format: 'json' | 'csv',
  ) {
    super();
  }
}

@QueryHandler(GetAuditLogQuery)
export class GetAuditLogHandler implements IQueryHandler<GetAuditLogQuery> {
  constructor(@Inject(PlanReadModels) private readonly readModels: PlanReadModels) {}
  async execute({ filter, format }: GetAuditLogQuery): Promise<AuditLogPage | string> {
    if (format === 'json') return this.readModels.auditLog(filter);
    const entries = [];
    let cursor: string | undefined = filter.cursor;
    do {
      const page = this.readModels.auditLog({ ...filter, cursor, limit: 1_000 });
      entries.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor && entries.length < 1_000_000);
    return auditLogCsv(entries);
  }
}

export const TIME_TRAVEL_QUERY_HANDLERS = [GetChangesSinceHandler, GetRetrospectiveEntriesHandler, GetRagTrendHandler, GetAuditLogHandler];
