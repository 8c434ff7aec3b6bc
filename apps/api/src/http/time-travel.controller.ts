import { Controller, Inject, Param, Query as QueryParams, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { GetActionTimelineQuery } from '../cqrs/plan-queries.js';
import { GetAuditLogQuery, GetPlanChangesQuery, GetRagTrendQuery, GetRetrospectiveEntriesQuery } from '../cqrs/time-travel-queries.js';
import { identityOf } from './auth/identity.js';
import { AccessControl, type LedgerConfig } from '#application';
import { scopesAllowing } from '#domain';
import { intervalEnds } from '#plan-views';
import { auditLogCsv } from '#projections';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { ApiError } from './api-error.js';
import { Route } from './route.decorator.js';
import { AuditLogQuery, ChangesSinceQuery, RagTrendQuery, RetrospectiveQuery } from './time-travel.queries.js';
import { parseRequest } from './validation.js';

/** What inspectors and quality assurance come for: the plan in time, what changed, who did what. */
@Controller()
export class TimeTravelController {
  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  @Route('getChangesSince')
  async changesSince(@Param('planId') planId: string, @QueryParams() query: unknown) {
    const { from, to = new Date().toISOString(), time } = parseRequest(ChangesSinceQuery, query, 'query');
    return await this.queries.execute(new GetPlanChangesQuery(planId, from, to, time));
  }

  @Route('listRetrospectiveEntries')
  async retrospective(@Param('planId') planId: string, @QueryParams() query: unknown) {
    const { toleranceHours = this.config.retrospectiveToleranceHours } = parseRequest(RetrospectiveQuery, query, 'query');
    return await this.queries.execute(new GetRetrospectiveEntriesQuery(planId, toleranceHours));
  }

  @Route('getRagTrend')
  async ragTrend(@Param('planId') planId: string, @QueryParams() query: unknown) {
    const { from, to, interval, time } = parseRequest(RagTrendQuery, query, 'query');
    const instants = intervalEnds(from, to, interval);
    if (instants.length > 500) throw new ApiError(400, 'VALIDATION_FAILED', 'That is too many intervals; widen the interval or shorten the range', [{ path: 'query.interval', problem: 'gives more than 500 points' }]);
    return await this.queries.execute(new GetRagTrendQuery(planId, instants, interval, time));
  }

  @Route('getActionHistory')
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

  @Route('getAuditLog')
  async auditLog(@QueryParams() query: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { format, ...unscoped } = parseRequest(AuditLogQuery, query, 'query');
    // Only what the reader may see: their organisation (by their own role) and the plans granted to them.
    const filter = { ...unscoped, scopes: scopesAllowing(identityOf(req), await this.access.state(), new Date().toISOString(), 'audit-log.read') };
    if (format === 'csv') {
      const csv = auditLogCsv((await this.queries.execute(new GetAuditLogQuery(filter, 'all'))).entries);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="audit-log.csv"');
      return csv;
    }
    return this.queries.execute(new GetAuditLogQuery(filter));
  }
}
