import { Controller, Inject, Param, Query as QueryParams, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { AccessControl, EvidenceFiles, type CommandResult, type LedgerConfig } from '#application';
import { actorFromIdentity, identityOf } from './auth/identity.js';
import { effectiveBeforePlanWarnings, own, openSubmissionsOf, pendingSubmissions, PlanCommandSchemas, scopesAllowing, type PlanCommand, type PlanState, type Submission } from '#domain';
import type { RecordedEvent } from '#event-store';
import { BoundedCache } from '#projections';
import { compactPlanViewParts, derivedFrom, fullPlanViewOpen, partsBytes, ragKeyOf, ragSummaryTail } from '../cqrs/plan-read-cache.js';
import { sendRepresentation } from './conditional-response.js';
import { ExecutePlanCommand } from '../cqrs/plan-commands.js';
import { CheckPlanIntegrityQuery, GetPlanEventsQuery, GetPlanQuery, ListPlansQuery, planNotFound } from '../cqrs/plan-queries.js';
import { ApiError } from './api-error.js';
import { actorOf, correlationIdOf, expectedRevisionOf } from './request-context.js';
import { bodySchemaOf, EventsQuery, EvidenceUploadQuery, withEffectiveAt } from './route-table.js';
import { hrefOf, Route } from './route.decorator.js';
import { routeOf } from './auth/access.guard.js';
import { parseRequest } from './validation.js';
import { AsAtQuery } from './time-travel.queries.js';
import { LEDGER_CONFIG } from '../ledger.tokens.js';

@Controller()
export class PlansController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(EvidenceFiles) private readonly evidenceFiles: EvidenceFiles,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(AccessControl) private readonly access: AccessControl,
  ) {}

  @Route('listPlans')
  async listPlans(@Req() req: Request) {
    const scopes = scopesAllowing(identityOf(req), await this.access.state(), new Date().toISOString());
    return this.queries.execute(new ListPlansQuery(scopes));
  }

  @Route('createPlan')
  createPlan(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(uuidv7(), req, res);
  }

  @Route('getPlan')
  async getPlan(@Param('planId') planId: string, @QueryParams() query: unknown, @Req() req: Request, @Res() res: Response) {
    const { asAt, time, knownAt, view } = parseRequest(AsAtQuery, query, 'query');
    const when = asAt ? { asAt, time, ...(knownAt ? { knownAt } : {}) } : undefined;
    const state = await this.queries.execute(new GetPlanQuery(planId, when));
    if (!state) throw asAt ? new ApiError(404, 'PLAN_NOT_FOUND', `The plan did not exist at ${asAt} (${time} time)`) : planNotFound();
    const at = asAt ?? new Date().toISOString();
    const rules = this.config.ragRules;
    // The view's bytes are made once per state and view (an as-at state's from the actions' own, kept against
    // each action object); the RAG summary's once per state and RAG key. Only the instants are the request's
    // own, sent between them: the response is what JSON.stringify of the whole would give. The compact view is a
    // kept run of parts, one per action (each kept against its action object): written as they are, so a new
    // as-at state copies none of them, and compressed once as a whole (its gzip form kept against the run).
    const viewParts = derivedFrom(state, `plan-parts:${view}`, (): readonly Buffer[] => (view === 'full' ? [fullPlanViewOpen(state)] : compactPlanViewParts(state, actionHistoryHrefs(state.id))), partsBytes);
    const instants = Buffer.from(`,"asAt":${JSON.stringify(when ?? null)},"rag":{"asAt":${JSON.stringify(new Date(at).toISOString())}`, 'utf8');
    const body = [viewParts, instants, ragSummaryTail(state, at, rules)];
    // Present state only: the ETag is the revision to write on top of (If-Match reads the number before the
    // dot), and the rest of what the response depends on: the viewer's role (what they may see), the view,
    // and the RAG key (the date, and slips or assessments taking effect). You cannot write on top of the past.
    const etag = when ? undefined : `"${state.revision}.${tagOf(actorFromIdentity(req).role ?? '', view, ragKeyOf(state, at, rules))}"`;
    await sendRepresentation(req, res, { body, contentType: 'application/json; charset=utf-8', etag, cacheControl: 'private, no-cache', vary: ['Authorization', 'Cookie'] });
  }

  @Route('getPlanEvents')
  async getEvents(@Param('planId') planId: string, @QueryParams() query: unknown) {
    const { fromRevision, maxCount } = parseRequest(EventsQuery, query, 'query');
    const events = await this.queries.execute(new GetPlanEventsQuery(planId, fromRevision, maxCount));
    return { planId, events: events.map(toEventJson) };
  }

  @Route('checkPlanIntegrity')
  getIntegrity(@Param('planId') planId: string) {
    return this.queries.execute(new CheckPlanIntegrityQuery(planId));
  }

  @Route('addWorkstream')
  addWorkstream(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('addRecommendation')
  addRecommendation(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('signOffRecommendation')
  signOff(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('addAction')
  addAction(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('recordProgressUpdate')
  recordProgress(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('changeActionStatus')
  changeStatus(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('reassignAction')
  reassign(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('slipTargetDate')
  slipTarget(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('assessRag')
  assessRag(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('attachEvidence')
  async attachEvidence(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const actor = actorOf(req);
    const { name, reason, effectiveAt } = parseRequest(EvidenceUploadQuery, req.query, 'query');
    const mediaType = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (bytes.length === 0) throw new ApiError(400, 'VALIDATION_FAILED', 'Send the file as the request body', [{ path: 'body', problem: 'is empty' }]);
    const { sha256, size } = await this.evidenceFiles.put(bytes);
    const command = parseRequest(PlanCommandSchemas.AttachEvidence.strict(), { actionId, name, mediaType, size, sha256, reason, effectiveAt }, 'body');
    return this.dispatch(planId, { type: 'AttachEvidence', ...command } as PlanCommand, actor, req, res);
  }

  @Route('completeAction')
  complete(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('reopenAction')
  reopen(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('recordAuditOutcome')
  recordAudit(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('correctEntry')
  correct(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('setApprovalRequirement')
  setApprovalRequirement(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('getApprovalQueue')
  async approvalQueue(@Param('planId') planId: string) {
    const state = await this.currentPlan(planId);
    return { planId, submissions: pendingSubmissions(state).map((s) => submissionJson(s, state)) };
  }

  @Route('getMySubmissions')
  async mySubmissions(@Param('planId') planId: string, @Req() req: Request) {
    const state = await this.currentPlan(planId);
    return { planId, submissions: openSubmissionsOf(state, actorOf(req).id).map((s) => submissionJson(s, state)) };
  }

  @Route('acceptUpdate')
  acceptUpdate(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('rejectUpdate')
  rejectUpdate(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('withdrawUpdate')
  withdrawUpdate(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('resubmitUpdate')
  resubmitUpdate(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  private async currentPlan(planId: string): Promise<PlanState> {
    const state = (await this.queries.execute(new GetPlanQuery(planId, undefined))) as PlanState | undefined;
    if (!state) throw planNotFound();
    return state;
  }

  /** A JSON write: actor from the identity, body validated against the command's schema, path parameters filled in. */
  private run(planId: string, req: Request, res: Response) {
    const route = routeOf(req)!;
    const actor = actorOf(req);
    const body = withEffectiveAt(route, parseRequest(bodySchemaOf(route)!, req.body, 'body'));
    const fromPath = Object.fromEntries(Object.entries(route.fromPath ?? {}).map(([param, field]) => [field, req.params[param]]));
    // A new plan belongs to the signed-in person's organisation: the tenant never comes from the body.
    const tenant = route.command === 'CreatePlan' ? { organisationId: identityOf(req).organisationId } : {};
    return this.dispatch(planId, { type: route.command!, ...body, ...fromPath, ...tenant } as PlanCommand, actor, req, res);
  }

  private async dispatch(planId: string, command: PlanCommand, actor: ReturnType<typeof actorOf>, req: Request, res: Response) {
    const expectedRevision = expectedRevisionOf(req);
    const meta = { actor, correlationId: correlationIdOf(req), causationId: randomUUID() };
    const result: CommandResult = await this.commands.execute(new ExecutePlanCommand(planId, command, meta, expectedRevision));
    res.setHeader('ETag', `"${result.revision}"`);
    res.setHeader('Location', hrefOf('getPlan', { planId }));
    const touched = new Set(result.events.map((e) => (e.data as { actionId?: string }).actionId).filter(Boolean));
    return {
      planId,
      revision: result.revision,
      events: result.events.map((e) => ({ eventId: e.eventId, type: e.type, data: e.data })),
      warnings: [...[...touched].flatMap((id) => own(result.state.actions, id!)?.warnings ?? []), ...effectiveBeforePlanWarnings(result.state, result.events)],
    };
  }
}

/** A short, stable digest of what a representation depends on besides the revision. */
function tagOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 12);
}

export function toEventJson(e: RecordedEvent) {
  return { ...e, revision: Number(e.revision), position: Number(e.position) };
}

/** A submission with the action it is about, as it stands now, so an approver can judge it without another request. */
function submissionJson(submission: Submission, state: PlanState) {
  const action = own(state.actions, submission.actionId);
  return {
    ...submission,
    action: action ? { actionId: action.id, ref: action.ref, description: action.description, leads: action.leads, status: action.status, target: action.target.text } : null,
  };
}

/**
 * Each action's history link (hrefOf('getActionHistory')), kept per plan and action id: a new as-at state's view
 * names all its actions' links, and its actions' kept JSON is checked against them.
 */
const HISTORY_HREFS = new BoundedCache<string, Map<string, string>>(256);

function actionHistoryHrefs(planId: string): (actionId: string) => string {
  const hrefs = HISTORY_HREFS.getOrSet(planId, () => new Map());
  return (actionId) => {
    let href = hrefs.get(actionId);
    if (href === undefined) {
      href = hrefOf('getActionHistory', { planId, actionId });
      // A plan has a few hundred actions; a map past that many ids is not kept growing.
      if (hrefs.size < 100_000) hrefs.set(actionId, href);
    }
    return href;
  };
}
