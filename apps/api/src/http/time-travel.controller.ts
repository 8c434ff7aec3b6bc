import { Controller, Get, Inject, Param, Query as QueryParams, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { GetActionTimelineQuery } from '../cqrs/plan-queries.js';
import { identityOf } from './auth/identity.js';
import { AccessControl, type LedgerConfig } from '#application';
import { own, scopesAllowing, effectiveAtOf, planRagSummary, type PlanState, type StoredPlanEvent } from '#domain';
import { auditLogCsv, intervalEnds, PlanHistory, PlanReadModels, planChanges, ragTrendPoints, referencesOf, retrospectiveEntries, summariseEvent, replayPlanAsAt } from '#projections';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { ApiError } from './api-error.js';
import { AuditLogQuery, ChangesSinceQuery, RagTrendQuery, RetrospectiveQuery } from './time-travel.queries.js';
import { parseRequest } from './validation.js';

/** What inspectors and quality assurance come for: the plan in time, what changed, who did what. */
@Controller()
export class TimeTravelController {
  constructor(
    @Inject(PlanHistory) private readonly history: PlanHistory,
    @Inject(PlanReadModels) private readonly readModels: PlanReadModels,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  @Get('plans/:planId/changes-since')
  async changesSince(@Param('planId') planId: string, @QueryParams() query: unknown) {
    const { from, to = new Date().toISOString(), time } = parseRequest(ChangesSinceQuery, query, 'query');
    const events = await this.planEvents(planId);
    const before = replayPlanAsAt(events, { asAt: from, time });
    const after = replayPlanAsAt(events, { asAt: to, time });
    const rules = this.config.ragRules;
    const ratings = (state: PlanState, at: string) => Object.fromEntries(Object.entries(planRagSummary(state, at, rules).actions).map(([id, rag]) => [id, rag.rating]));
    return planChanges(events, before, after, { from, to, time }, { before: ratings(before, from), after: ratings(after, to) });
  }

  @Get('plans/:planId/retrospective-entries')
  async retrospective(@Param('planId') planId: string, @QueryParams() query: unknown) {
    const { toleranceHours = this.config.retrospectiveToleranceHours } = parseRequest(RetrospectiveQuery, query, 'query');
    const events = await this.planEvents(planId);
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

  @Get('plans/:planId/rag-trend')
  async ragTrend(@Param('planId') planId: string, @QueryParams() query: unknown) {
    const { from, to, interval, time } = parseRequest(RagTrendQuery, query, 'query');
    const instants = intervalEnds(from, to, interval);
    if (instants.length > 500) throw new ApiError(400, 'VALIDATION_FAILED', 'That is too many intervals; widen the interval or shorten the range', [{ path: 'query.interval', problem: 'gives more than 500 points' }]);
    const events = await this.planEvents(planId);
    return {
      planId,
      interval,
      time,
      rulesVersion: this.config.ragRules.version,
      points: ragTrendPoints(events, instants, time, this.config.ragRules),
    };
  }

  @Get('plans/:planId/actions/:actionId/history')
  async actionHistory(@Param('planId') planId: string, @Param('actionId') actionId: string) {
    // The same query the web service's action page reads.
    const found = await this.queries.execute(new GetActionTimelineQuery(planId, actionId));
    if (!found) throw new ApiError(404, 'ACTION_NOT_FOUND', `There is no action ${actionId} in this plan`);
    const { action, entries } = found;
    return {
      planId,
      actionId,
      ref: action.ref,
      description: action.description,
      timeline: entries.map((e) => ({ at: e.effectiveAt, recordedAt: e.recordedAt, actor: e.actor.displayName, type: e.type, summary: e.summary, reason: e.reason, eventId: e.eventId })),
    };
  }

  @Get('audit-log')
  async auditLog(@QueryParams() query: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { format, ...unscoped } = parseRequest(AuditLogQuery, query, 'query');
    // Only what the reader may see: their organisation (by their own role) and the plans granted to them.
    const filter = { ...unscoped, scopes: scopesAllowing(identityOf(req), await this.access.state(), new Date().toISOString(), 'audit-log.read') };
    if (format === 'csv') {
      const entries = [];
      let cursor: string | undefined = filter.cursor;
      do {
        const page = this.readModels.auditLog({ ...filter, cursor, limit: 1_000 });
        entries.push(...page.entries);
        cursor = page.nextCursor;
      } while (cursor && entries.length < 1_000_000);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="audit-log.csv"');
      return auditLogCsv(entries);
    }
    return this.readModels.auditLog(filter);
  }

  private async planEvents(planId: string): Promise<StoredPlanEvent[]> {
    const events = await this.history.events(planId);
    if (events.length === 0) throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan');
    return events;
  }
}
