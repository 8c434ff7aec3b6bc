import { Controller, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { AccessControl } from '#application';
import { authorisePlan, scopesAllowing, type PlanState } from '#domain';
import type { UpdateRequestView } from '#projections';
import { GetUpdateRoundsQuery, ListUpdateRequestsQuery } from '../cqrs/update-request-queries.js';
import { identityOf } from '../http/auth/identity.js';
import { hrefOf, Route } from '../http/route.decorator.js';
import { PlanForms, type FieldErrors, type PlanFormSpec } from './web-form.js';
import { WebErrorFilter } from './web-error.filter.js';
import { currentPlanOrNotFound, errorSummaryOf, pageContext, refuseQuery } from './web-page-context.js';
import { renderPage } from './web-renderer.js';
import { WebSessions } from './web-sessions.js';


const KIND_WORDS = new Map<string, string>([
  ['cadence', 'Regular update'],
  ['target-window', 'Target date coming up'],
  ['overdue', 'Target date passed'],
  ['audit-follow-up', 'Audit follow-up'],
]);

const ROUND_STATUS = new Map<string, { text: string; classes: string }>([
  ['open', { text: 'Open', classes: 'govuk-tag--blue' }],
  ['past-due', { text: 'Past its due date', classes: 'govuk-tag--orange' }],
  ['closed', { text: 'Closed', classes: 'govuk-tag--grey' }],
]);

const OPEN_ROUND_FORM: PlanFormSpec = {
  form: 'round',
  command: 'OpenUpdateRound',
  fields: [
    { name: 'title', id: 'round-title', label: 'The title', required: "Enter the round's title, for example October 2012 monitoring", commandField: 'title' },
    { name: 'dueBy', id: 'round-dueBy', label: 'The due date', required: 'Enter the date updates are due by', commandField: 'dueBy', date: { future: true, example: '10 11 2012' } },
    { name: 'reason', id: 'round-reason', label: 'The note', commandField: 'reason' },
  ],
  success: 'Update round opened: every lead with an action due an update is asked for one',
  toCommand: (ctx) => ({ title: ctx.values.title, dueBy: ctx.dates.get('dueBy'), reason: ctx.values.reason?.trim() || undefined }),
};

function closeRoundForm(roundId: string): PlanFormSpec {
  return {
    form: 'close',
    command: 'CloseUpdateRound',
    fields: [{ name: 'reason', id: 'close-reason', label: 'The note', commandField: 'reason' }],
    success: 'Update round closed: what was not received is recorded',
    toCommand: (ctx) => ({ roundId, reason: ctx.values.reason?.trim() || undefined }),
  };
}

interface FormState {
  errors: FieldErrors;
  values: Record<string, string>;
  changes: string[];
  revision?: number;
}
const FRESH: FormState = { errors: {}, values: {}, changes: [] };

function requestView(r: UpdateRequestView) {
  return { ...r, kindText: KIND_WORDS.get(r.kind) ?? r.kind, progressHref: `${r.link}#record-progress`, actionHref: r.link };
}

/**
 * Update requests in the browser: each person's actions due an update, a plan's update rounds (open one,
 * see who was asked and what did not come back, close it) and the manager's escalation list. Reads through
 * the update-request queries and writes through PlanForms to the command bus, as the JSON API's routes do.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class UpdatePagesController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(PlanForms) private readonly forms: PlanForms,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(AccessControl) private readonly access: AccessControl,
  ) {}

  /** A person's actions are those led by a lead the plan's manager named them the contact for: the API's `?mine=true`, the same query. */
  @Route('myUpdatesDuePage')
  async myUpdatesDue(@Req() req: Request, @Res() res: Response) {
    refuseQuery(req);
    const identity = identityOf(req);
    const scopes = scopesAllowing(identity, await this.access.state(), new Date().toISOString(), 'plan.read');
    const list = await this.queries.execute(new ListUpdateRequestsQuery(scopes, { time: 'recorded' }, { contactUserId: identity.userId }));
    const plans = list.byPlan.filter((plan) => plan.requests.length > 0).map((plan) => ({ planId: plan.planId, title: plan.title, requests: plan.requests.map(requestView) }));
    renderPage(res, 'my-updates-due.njk', { ...pageContext(req, this.sessions.find(req), 'My actions due an update', 'due'), plans, asAt: list.asAt });
  }

  @Route('updateRoundsPage')
  async rounds(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    refuseQuery(req);
    await this.renderRounds(req, res, planId, FRESH);
  }

  @Route('openRoundFromPage')
  async openRound(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const outcome = await this.forms.submit(req, planId, '', OPEN_ROUND_FORM);
    if (!outcome.ok) return this.renderRounds(req, res, planId, outcome, outcome.status);
    this.sessions.flash(req, outcome.success);
    const [newest] = await this.queries.execute(new GetUpdateRoundsQuery(planId));
    res.redirect(303, newest ? hrefOf('updateRoundPage', { planId, roundId: newest.roundId }) : hrefOf('updateRoundsPage', { planId }));
  }

  @Route('updateRoundPage')
  async round(@Param('planId') planId: string, @Param('roundId') roundId: string, @Req() req: Request, @Res() res: Response) {
    refuseQuery(req);
    await this.renderRound(req, res, planId, roundId, FRESH);
  }

  @Route('closeRoundFromPage')
  async closeRound(@Param('planId') planId: string, @Param('roundId') roundId: string, @Req() req: Request, @Res() res: Response) {
    // Unknown (or hostile) ids are the query's ROUND_NOT_FOUND, a 404 page, before anything is sent.
    await this.queries.execute(new GetUpdateRoundsQuery(planId, roundId));
    const outcome = await this.forms.submit(req, planId, '', closeRoundForm(roundId));
    if (!outcome.ok) return this.renderRound(req, res, planId, roundId, outcome, outcome.status);
    this.sessions.flash(req, outcome.success);
    res.redirect(303, hrefOf('updateRoundPage', { planId, roundId }));
  }

  @Route('escalationsPage')
  async escalations(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    refuseQuery(req);
    const state = await currentPlanOrNotFound(this.queries, planId);
    const list = await this.queries.execute(new ListUpdateRequestsQuery(undefined, { time: 'recorded' }, { planId, escalated: true }));
    renderPage(res, 'escalations.njk', { ...pageContext(req, this.sessions.find(req), `Escalations: ${state.title}`, 'plans'), plan: { id: state.id, title: state.title }, requests: list.requests.map(requestView), asAt: list.asAt });
  }

  private async renderRounds(req: Request, res: Response, planId: string, form: FormState, status = 200): Promise<void> {
    const state = await currentPlanOrNotFound(this.queries, planId);
    const rounds = await this.queries.execute(new GetUpdateRoundsQuery(planId));
    renderPage(
      res,
      'update-rounds.njk',
      {
        ...pageContext(req, this.sessions.find(req), `Update rounds: ${state.title}`, 'plans'),
        plan: { id: state.id, title: state.title },
        rounds: rounds.map((r) => ({ ...r, statusTag: ROUND_STATUS.get(r.status), href: hrefOf('updateRoundPage', { planId, roundId: r.roundId }) })),
        canRequest: await this.mayRequest(req, state),
        action: hrefOf('openRoundFromPage', { planId }),
        revision: form.revision ?? state.revision,
        values: form.values,
        errors: form.errors,
        errorSummary: errorSummaryOf(form.errors, new Map([['round-dueBy', 'round-dueBy-day']])),
        changes: form.changes,
      },
      status,
    );
  }

  private async renderRound(req: Request, res: Response, planId: string, roundId: string, form: FormState, status = 200): Promise<void> {
    const state = await currentPlanOrNotFound(this.queries, planId);
    const [round] = await this.queries.execute(new GetUpdateRoundsQuery(planId, roundId));
    const received = new Set(round!.received);
    renderPage(
      res,
      'update-round.njk',
      {
        ...pageContext(req, this.sessions.find(req), `${round!.title}: ${state.title}`, 'plans'),
        plan: { id: state.id, title: state.title },
        round: {
          ...round!,
          statusTag: ROUND_STATUS.get(round!.status),
          requests: round!.requests.map((r) => ({ ...r, kindText: KIND_WORDS.get(r.kind) ?? r.kind, received: received.has(r.actionId), href: hrefOf('actionPage', { planId, actionId: r.actionId }) })),
        },
        canRequest: round!.closed === null && (await this.mayRequest(req, state)),
        action: hrefOf('closeRoundFromPage', { planId, roundId }),
        revision: form.revision ?? state.revision,
        values: form.values,
        errors: form.errors,
        errorSummary: errorSummaryOf(form.errors),
        changes: form.changes,
      },
      status,
    );
  }

  /** Whether to show the open and close forms: the same authorisePlan call the guard makes for their posts. */
  private async mayRequest(req: Request, state: PlanState): Promise<boolean> {
    return authorisePlan(identityOf(req), await this.access.state(), { organisationId: state.organisationId, planId: state.id }, 'update.request', new Date().toISOString()).outcome === 'allowed';
  }
}
