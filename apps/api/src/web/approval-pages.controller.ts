import { Controller, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessControl, type LedgerConfig } from '#application';
import { ActionStatus, formatUkDate, own, pendingAsAt, pendingSubmissions, planRagSummary, scopesAllowing, type PlanState, type Submission } from '#domain';
import { GetPlanQuery, ListPlansQuery } from '../cqrs/plan-queries.js';
import { ApiError } from '../http/api-error.js';
import { actorFromIdentity, identityOf } from '../http/auth/identity.js';
import { hrefOf, Route } from '../http/route.decorator.js';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { ActionPage } from './action-page.js';
import { statusWords, submissionView, type SubmissionView } from './approval-views.js';
import { endOfDay, readDateFields } from './date-fields.js';
import { PlanForms, type FieldErrors, type FormContext, type FormField, type PlanFormSpec } from './web-form.js';
import { WebErrorFilter } from './web-error.filter.js';
import { currentPlanOrNotFound, errorSummaryOf, pageContext, refuseQuery } from './web-page-context.js';
import { renderPage } from './web-renderer.js';
import { WebSessions } from './web-sessions.js';

/** Where an accept, reject or withdraw form was posted from, so a refusal is shown there and success returns there. */
const Origin = z.enum(['queue', 'plan', 'action', 'mine']);
type Origin = z.infer<typeof Origin>;

const QueuePageQuery = z.object({ asAt: z.string().max(10).optional(), 'asAt-day': z.string().max(10).optional(), 'asAt-month': z.string().max(10).optional(), 'asAt-year': z.string().max(10).optional() }).strict();

const EXAMPLE_DATE = '27 3 2012';

/** What a refused form sends back to a page of submissions: its messages by element id, its values, what changed. */
interface RefusedForm {
  open: string;
  errors: FieldErrors;
  values: Record<string, string>;
  changes: string[];
  revision?: number;
}

const given = (ctx: FormContext, name: string): string | undefined => ctx.values[name]?.trim() || undefined;

/** Accept: an optional note; the entry takes effect at the submission's own effective date. */
function acceptForm(submissionId: string): PlanFormSpec {
  return {
    form: `accept-${submissionId}`,
    command: 'AcceptUpdate',
    fields: [{ name: 'reason', id: `accept-${submissionId}-reason`, label: 'The note', commandField: 'reason' }],
    success: 'Update accepted: it now counts on the action',
    toCommand: (ctx) => ({ submissionId, reason: given(ctx, 'reason') }),
  };
}

/** Reject: the reason is required (the submitter reads it in their list). */
function rejectForm(submissionId: string): PlanFormSpec {
  return {
    form: `reject-${submissionId}`,
    command: 'RejectUpdate',
    fields: [{ name: 'reason', id: `reject-${submissionId}-reason`, label: 'The reason', required: 'Enter why you are rejecting this update', commandField: 'reason' }],
    success: 'Update rejected: the person who submitted it can see your reason',
    toCommand: (ctx) => ({ submissionId, reason: ctx.values.reason }),
  };
}

function withdrawForm(submissionId: string): PlanFormSpec {
  return {
    form: `withdraw-${submissionId}`,
    command: 'WithdrawUpdate',
    fields: [{ name: 'reason', id: `withdraw-${submissionId}-reason`, label: 'The reason', commandField: 'reason' }],
    success: 'Update withdrawn: it will not be decided',
    toCommand: (ctx) => ({ submissionId, reason: given(ctx, 'reason') }),
  };
}

const RESUBMIT_DATE: FormField = { name: 'date', id: 'resubmit-date', label: 'The date', commandField: 'effectiveAt', date: { example: EXAMPLE_DATE } };

/** Resubmit: the fields of the original's kind, each replacing the original's. */
function resubmitForm(previous: Submission): PlanFormSpec {
  const { submissionId } = previous;
  const reason: FormField = { name: 'reason', id: 'resubmit-reason', label: 'The reason', commandField: 'reason', required: 'Enter the reason for the change' };
  const base = { form: 'resubmit', command: 'ResubmitUpdate' as const, success: 'Update resubmitted for approval' };
  switch (previous.proposal.type) {
    case 'RecordProgressUpdate':
      return {
        ...base,
        fields: [{ name: 'narrative', id: 'resubmit-narrative', label: 'The progress', required: 'Enter the progress made', commandField: 'narrative' }, RESUBMIT_DATE],
        toCommand: (ctx) => ({ submissionId, narrative: ctx.values.narrative, effectiveAt: ctx.dates.get('date') }),
      };
    case 'ChangeActionStatus':
      return {
        ...base,
        fields: [{ name: 'to', id: 'resubmit-to', label: 'The new status', required: 'Select the new status', commandField: 'to' }, reason, RESUBMIT_DATE],
        toCommand: (ctx) => ({ submissionId, to: given(ctx, 'to'), reason: ctx.values.reason, effectiveAt: ctx.dates.get('date') }),
      };
    case 'ReassignAction':
      return {
        ...base,
        fields: [{ name: 'to', id: 'resubmit-to', label: 'The new leads', required: 'Enter the new leads, one a line', commandField: 'to' }, reason, RESUBMIT_DATE],
        toCommand: (ctx) => ({ submissionId, to: (ctx.values.to ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean), reason: ctx.values.reason, effectiveAt: ctx.dates.get('date') }),
      };
    case 'SlipTargetDate':
      return {
        ...base,
        fields: [{ name: 'to', id: 'resubmit-to', label: 'The new target', required: 'Enter the new target', commandField: 'to' }, reason, RESUBMIT_DATE],
        toCommand: (ctx) => ({ submissionId, to: ctx.values.to, reason: ctx.values.reason, effectiveAt: ctx.dates.get('date') }),
      };
  }
}

/** The setting: the plan or one of its work streams, required or not. A work stream id is checked by the decider against the plan's own. */
const SETTINGS_FORM: PlanFormSpec = {
  form: 'approval',
  command: 'SetApprovalRequirement',
  fields: [
    { name: 'scope', id: 'approval-scope', label: 'The part of the plan', required: 'Select the plan or a work stream', commandField: 'workstreamId' },
    { name: 'required', id: 'approval-required', label: 'The choice', required: 'Select whether updates need approval', commandField: 'required' },
    { name: 'reason', id: 'approval-reason', label: 'The reason', commandField: 'reason' },
  ],
  success: 'Approval setting saved',
  toCommand: (ctx) => {
    const scope = ctx.values.scope ?? '';
    const required = ctx.values.required === 'yes' ? true : ctx.values.required === 'no' ? false : undefined;
    if (ctx.values.required && required === undefined) ctx.errors['approval-required'] = 'Select yes or no';
    return { ...(scope && scope !== 'plan' ? { workstreamId: scope } : {}), required, reason: given(ctx, 'reason') };
  },
};

/** A date input's three parts from an instant, to fill a form with the original's date. */
function dateParts(name: string, instant: string): Record<string, string> {
  const [year, month, day] = instant.slice(0, 10).split('-');
  return { [`${name}-day`]: String(Number(day)), [`${name}-month`]: String(Number(month)), [`${name}-year`]: year ?? '' };
}

const bySubmittedAt = (a: { submittedAt: string }, b: { submittedAt: string }) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : 0);

/**
 * The approval pages: the approver's queue (per plan and across the plans they may approve), accepting and
 * rejecting, the submitter's own list with withdraw and resubmit, and the plan's approval setting. Every write
 * goes through PlanForms to the command bus (the JSON API's commands and checks); the access guard decides
 * who may post, from WEB_ROUTES; a control is shown only when the same policy would allow its post.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class ApprovalPagesController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(PlanForms) private readonly forms: PlanForms,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(ActionPage) private readonly actionPage: ActionPage,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Route('approvalsPage')
  async approvals(@Req() req: Request, @Res() res: Response) {
    refuseQuery(req, 'the approvals page');
    await this.renderQueue(req, res, undefined);
  }

  @Route('planApprovalsPage')
  async planApprovals(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    await this.renderQueue(req, res, planId);
  }

  @Route('acceptFromPage')
  accept(@Param('planId') planId: string, @Param('submissionId') submissionId: string, @Req() req: Request, @Res() res: Response) {
    return this.decide(req, res, planId, submissionId, acceptForm(submissionId), 'decide');
  }

  @Route('rejectFromPage')
  reject(@Param('planId') planId: string, @Param('submissionId') submissionId: string, @Req() req: Request, @Res() res: Response) {
    return this.decide(req, res, planId, submissionId, rejectForm(submissionId), 'decide');
  }

  @Route('withdrawFromPage')
  withdraw(@Param('planId') planId: string, @Param('submissionId') submissionId: string, @Req() req: Request, @Res() res: Response) {
    return this.decide(req, res, planId, submissionId, withdrawForm(submissionId), 'own');
  }

  @Route('mySubmissionsPage')
  async mySubmissions(@Req() req: Request, @Res() res: Response) {
    refuseQuery(req);
    await this.renderMine(req, res);
  }

  @Route('resubmitPage')
  async resubmitPage(@Param('planId') planId: string, @Param('submissionId') submissionId: string, @Req() req: Request, @Res() res: Response) {
    refuseQuery(req);
    const { state, submission } = await this.ownClosedSubmission(req, planId, submissionId);
    const p = submission.proposal;
    const values: Record<string, string> = {
      ...(p.type === 'RecordProgressUpdate' ? { narrative: p.narrative } : { to: Array.isArray(p.to) ? p.to.join('\n') : p.to }),
      reason: p.reason ?? '',
      ...dateParts('date', p.effectiveAt),
    };
    this.renderResubmit(req, res, state, submission, { open: 'resubmit', errors: {}, values, changes: [] });
  }

  @Route('resubmitFromPage')
  async resubmit(@Param('planId') planId: string, @Param('submissionId') submissionId: string, @Req() req: Request, @Res() res: Response) {
    const { state, submission } = await this.ownClosedSubmission(req, planId, submissionId);
    const outcome = await this.forms.submit(req, planId, submission.actionId, resubmitForm(submission));
    if (!outcome.ok) {
      const latest = (await this.currentPlan(planId)) ?? state;
      return this.renderResubmit(req, res, latest, submission, { open: 'resubmit', ...outcome }, outcome.status);
    }
    this.sessions.flash(req, outcome.success);
    res.redirect(303, hrefOf('mySubmissionsPage'));
  }

  @Route('approvalSettingsPage')
  async settingsPage(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    refuseQuery(req);
    await this.renderSettings(req, res, planId, { open: 'approval', errors: {}, values: {}, changes: [] });
  }

  @Route('setApprovalFromPage')
  async setApproval(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const outcome = await this.forms.submit(req, planId, '', SETTINGS_FORM);
    if (!outcome.ok) return this.renderSettings(req, res, planId, { open: 'approval', ...outcome }, outcome.status);
    this.sessions.flash(req, outcome.success);
    res.redirect(303, hrefOf('approvalSettingsPage', { planId }));
  }

  /**
   * Accept, reject (someone else's) or withdraw (one's own). The submitter is refused before anything is sent,
   * as the decider would refuse it: 403, nothing appended, whatever the form says.
   */
  private async decide(req: Request, res: Response, planId: string, submissionId: string, spec: PlanFormSpec, who: 'decide' | 'own'): Promise<void> {
    const from = Origin.safeParse(new Map(Object.entries((req.body ?? {}) as Record<string, unknown>)).get('from'));
    const origin: Origin = from.success ? from.data : who === 'own' ? 'mine' : 'plan';
    const state = await this.currentPlan(planId);
    const submission = state?.submissions.find((s) => s.submissionId === submissionId);
    if (!state || !submission) throw new ApiError(404, 'SUBMISSION_NOT_FOUND', 'There is no such submitted update in this plan');
    const me = actorFromIdentity(req).id;
    if (who === 'decide' && submission.submittedBy.id === me) {
      throw new ApiError(403, 'SELF_APPROVAL', 'You submitted this update, so someone else must accept or reject it', [{ path: 'submissionId', problem: 'was submitted by you' }]);
    }
    if (who === 'own' && submission.submittedBy.id !== me) {
      throw new ApiError(403, 'NOT_SUBMITTER', 'Only the person who submitted this update can withdraw it', [{ path: 'submissionId', problem: 'was submitted by someone else' }]);
    }
    const outcome = await this.forms.submit(req, planId, submission.actionId, spec);
    if (!outcome.ok) {
      const refused: RefusedForm = { open: spec.form, errors: outcome.errors, values: outcome.values, changes: outcome.changes, revision: outcome.revision };
      if (origin === 'action') return this.actionPage.render(req, res, planId, submission.actionId, refused, outcome.status);
      if (origin === 'mine') return this.renderMine(req, res, refused, outcome.status);
      return this.renderQueue(req, res, origin === 'plan' ? planId : undefined, refused, outcome.status);
    }
    const effective = spec.command === 'AcceptUpdate' ? `, effective ${formatUkDate(submission.proposal.effectiveAt)}` : '';
    this.sessions.flash(req, `${outcome.success}${effective}`);
    const back =
      origin === 'action' ? hrefOf('actionPage', { planId, actionId: submission.actionId }) : origin === 'mine' ? hrefOf('mySubmissionsPage') : origin === 'queue' ? hrefOf('approvalsPage') : hrefOf('planApprovalsPage', { planId });
    res.redirect(303, back);
  }

  private async renderQueue(req: Request, res: Response, planId: string | undefined, refused?: RefusedForm, status = 200): Promise<void> {
    const identity = identityOf(req);
    const me = actorFromIdentity(req).id;
    const now = new Date().toISOString();
    const errors: FieldErrors = { ...(refused?.errors ?? {}) };
    let asAt: { date: string; values: { day: string; month: string; year: string } } | undefined;
    let dateValues = { day: '', month: '', year: '' };
    const plans: PlanState[] = [];
    if (planId !== undefined) {
      const state = await currentPlanOrNotFound(this.queries, planId);
      plans.push(state);
      if (!refused) {
        const query = QueuePageQuery.safeParse(req.query);
        if (!query.success) throw new ApiError(400, 'VALIDATION_FAILED', 'Use the date controls on the page to choose a date');
        const read = readDateFields(query.data, 'asAt', 'date');
        dateValues = read.values;
        if ('error' in read) errors['asAt'] = read.error;
        else if ('date' in read) asAt = { date: read.date, values: read.values };
      }
    } else {
      const scopes = scopesAllowing(identity, await this.access.state(), now, 'update.approve');
      for (const summary of await this.queries.execute(new ListPlansQuery(scopes))) {
        const state = await this.currentPlan(summary.id);
        if (state) plans.push(state);
      }
    }
    const items: (SubmissionView & { mine: boolean; revision: number })[] = [];
    for (const state of plans) {
      const pending = asAt ? pendingAsAt(state, endOfDay(asAt.date)).sort(bySubmittedAt) : pendingSubmissions(state);
      if (pending.length === 0) continue;
      const ratings = planRagSummary(state, now, this.config.ragRules);
      for (const s of pending) items.push({ ...submissionView(s, state, ratings), mine: s.submittedBy.id === me, revision: refused?.revision ?? state.revision });
    }
    items.sort(bySubmittedAt);
    const plan = planId !== undefined ? plans[0] : undefined;
    renderPage(
      res,
      'approval-queue.njk',
      {
        ...pageContext(req, this.sessions.find(req), plan ? `Awaiting approval: ${plan.title}` : 'Updates awaiting your approval', 'approvals'),
        plan: plan ? { id: plan.id, title: plan.title } : undefined,
        from: plan ? 'plan' : 'queue',
        items,
        asAt: asAt?.date,
        dateValues,
        decisions: !asAt,
        open: refused?.open,
        values: refused?.values ?? {},
        errors,
        errorSummary: errorSummaryOf(errors, new Map([['asAt', 'asAt-day']])),
        changes: refused?.changes ?? [],
      },
      Object.keys(errors).length > 0 && status === 200 ? 400 : status,
    );
  }

  private async renderMine(req: Request, res: Response, refused?: RefusedForm, status = 200): Promise<void> {
    const identity = identityOf(req);
    const me = actorFromIdentity(req).id;
    const now = new Date().toISOString();
    const scopes = scopesAllowing(identity, await this.access.state(), now, 'action.record');
    const pending: (SubmissionView & { revision: number })[] = [];
    const rejected: (SubmissionView & { revision: number })[] = [];
    for (const summary of await this.queries.execute(new ListPlansQuery(scopes))) {
      const state = await this.currentPlan(summary.id);
      if (!state) continue;
      const mine = state.submissions.filter((s) => s.submittedBy.id === me && (s.status === 'pending' || (s.status === 'rejected' && !s.resubmittedAs)));
      if (mine.length === 0) continue;
      const ratings = planRagSummary(state, now, this.config.ragRules);
      for (const s of mine) (s.status === 'pending' ? pending : rejected).push({ ...submissionView(s, state, ratings), revision: refused?.revision ?? state.revision });
    }
    pending.sort(bySubmittedAt);
    rejected.sort(bySubmittedAt);
    const errors = refused?.errors ?? {};
    renderPage(
      res,
      'my-submissions.njk',
      {
        ...pageContext(req, this.sessions.find(req), 'My submitted updates', 'mine'),
        pending,
        rejected,
        open: refused?.open,
        values: refused?.values ?? {},
        errors,
        errorSummary: errorSummaryOf(errors),
        changes: refused?.changes ?? [],
      },
      status,
    );
  }

  private renderResubmit(req: Request, res: Response, state: PlanState, submission: Submission, form: RefusedForm, status = 200): void {
    const ratings = planRagSummary(state, new Date().toISOString(), this.config.ragRules);
    const p = submission.proposal;
    const chosen = form.values.to ?? '';
    renderPage(
      res,
      'resubmit.njk',
      {
        ...pageContext(req, this.sessions.find(req), 'Resubmit an update', 'mine'),
        plan: { id: state.id, title: state.title },
        submission: submissionView(submission, state, ratings),
        type: p.type,
        statuses: [{ value: '', text: 'Choose a status' }, ...ActionStatus.options.map((value) => ({ value, text: statusWords(value), selected: value === chosen }))],
        action: hrefOf('resubmitFromPage', { planId: state.id, submissionId: submission.submissionId }),
        revision: form.revision ?? state.revision,
        values: form.values,
        errors: form.errors,
        errorSummary: errorSummaryOf(form.errors, new Map([['resubmit-date', 'resubmit-date-day']])),
        changes: form.changes,
      },
      status,
    );
  }

  private async renderSettings(req: Request, res: Response, planId: string, form: RefusedForm, status = 200): Promise<void> {
    const state = await currentPlanOrNotFound(this.queries, planId);
    const workstreams = state.workstreamOrder.flatMap((id) => {
      const ws = own(state.workstreams, id);
      if (!ws) return [];
      const setting = own(state.approval.workstreams, id);
      return [{ id, number: ws.number, title: ws.title, own: setting !== undefined, requires: setting ?? state.approval.plan }];
    });
    const scope = form.values.scope ?? '';
    renderPage(
      res,
      'approval-settings.njk',
      {
        ...pageContext(req, this.sessions.find(req), `Approval of updates: ${state.title}`, 'plans'),
        plan: { id: state.id, title: state.title, requires: state.approval.plan },
        workstreams,
        scopes: [
          { value: 'plan', text: 'The whole plan', checked: scope === 'plan' },
          ...workstreams.map((ws) => ({ value: ws.id, text: `Work stream ${ws.number}: ${ws.title}`, checked: scope === ws.id })),
        ],
        choices: [
          { value: 'yes', text: 'Yes: updates are submitted to an approver', checked: form.values.required === 'yes' },
          { value: 'no', text: 'No: updates count as soon as they are recorded', checked: form.values.required === 'no' },
        ],
        action: hrefOf('setApprovalFromPage', { planId }),
        revision: form.revision ?? state.revision,
        values: form.values,
        errors: form.errors,
        errorSummary: errorSummaryOf(form.errors),
        changes: form.changes,
      },
      status,
    );
  }

  /** One's own rejected or withdrawn submission, not yet resubmitted: what the resubmit form is about. */
  private async ownClosedSubmission(req: Request, planId: string, submissionId: string): Promise<{ state: PlanState; submission: Submission }> {
    const state = await this.currentPlan(planId);
    const submission = state?.submissions.find((s) => s.submissionId === submissionId);
    if (!state || !submission) throw new ApiError(404, 'SUBMISSION_NOT_FOUND', 'There is no such submitted update in this plan');
    if (submission.submittedBy.id !== actorFromIdentity(req).id) throw new ApiError(403, 'NOT_SUBMITTER', `Only ${submission.submittedBy.displayName}, who submitted it, can resubmit this update`);
    if (submission.status !== 'rejected' && submission.status !== 'withdrawn') throw new ApiError(409, 'SUBMISSION_NOT_CLOSED', `That update is ${submission.status}; only a rejected or withdrawn update can be resubmitted`);
    if (submission.resubmittedAs) throw new ApiError(409, 'ALREADY_RESUBMITTED', 'That update has already been resubmitted');
    return { state, submission };
  }

  private async currentPlan(planId: string): Promise<PlanState | null> {
    return this.queries.execute(new GetPlanQuery(planId));
  }
}
