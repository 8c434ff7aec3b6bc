import { hrefOf, Route } from '../http/route.decorator.js';
import { Controller, Inject, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { EvidenceFiles } from '#application';
import { sendEvidenceFile } from '../http/evidence.controller.js';
import { ApiError } from '../http/api-error.js';
import { AUDIT_FORM, COMPLETE_FORM, CORRECT_FORM, evidenceForm, PROGRESS_FORM, RAG_FORM, REASSIGN_FORM, REOPEN_FORM, SLIP_FORM, STATUS_FORM } from './action-forms.js';
import { ActionPage } from './action-page.js';
import { SUBMITTED_WORDS } from './approval-views.js';
import { actionRequiresApproval, type PlanState } from '#domain';
import { GetPlanQuery } from '../cqrs/plan-queries.js';
import { PlanForms, type PlanFormSpec } from './web-form.js';
import { WebErrorFilter } from './web-error.filter.js';
import { WebSessions } from './web-sessions.js';

const ActionPageQuery = z.object({ correct: z.string().trim().max(100).optional() }).strict();

/**
 * The action page and every form on it. Who may post each form is the access guard's decision, from
 * WEB_ROUTES (the same permission as the matching API route); the page shows a form only when the same
 * policy would allow its post. Every form goes through PlanForms: one way of checking, sending and refusing.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class ActionPageController {
  private readonly evidence: PlanFormSpec;

  constructor(
    @Inject(ActionPage) private readonly page: ActionPage,
    @Inject(PlanForms) private readonly forms: PlanForms,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(EvidenceFiles) files: EvidenceFiles,
  ) {
    this.evidence = evidenceForm((bytes) => files.put(bytes));
  }

  @Route('actionPage')
  async action(@Param('planId') planId: string, @Param('actionId') actionId: string, @Query() query: unknown, @Req() req: Request, @Res() res: Response) {
    const parsed = ActionPageQuery.safeParse(query);
    if (!parsed.success) throw new ApiError(400, 'VALIDATION_FAILED', 'This address has a part the action page does not read');
    await this.page.render(req, res, planId, actionId, { correct: parsed.data.correct });
  }

  @Route('evidenceDownloadPage')
  downloadEvidence(@Param('planId') planId: string, @Param('sha256') sha256: string, @Res() res: Response) {
    return sendEvidenceFile(this.queries, planId, sha256, res);
  }

  @Route('recordProgressFromPage')
  recordProgress(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, PROGRESS_FORM);
  }

  @Route('changeStatusFromPage')
  changeStatus(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, STATUS_FORM);
  }

  @Route('slipTargetFromPage')
  slipTarget(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, SLIP_FORM);
  }

  @Route('reassignFromPage')
  reassign(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, REASSIGN_FORM);
  }

  @Route('completeFromPage')
  complete(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, COMPLETE_FORM);
  }

  @Route('reopenFromPage')
  reopen(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, REOPEN_FORM);
  }

  @Route('correctEntryFromPage')
  correct(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, CORRECT_FORM);
  }

  @Route('attachEvidenceFromPage')
  attachEvidence(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, this.evidence);
  }

  @Route('assessRagFromPage')
  assessRag(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, RAG_FORM);
  }

  @Route('recordAuditOutcomeFromPage')
  recordAudit(@Param('planId') planId: string, @Param('actionId') actionId: string, @Req() req: Request, @Res() res: Response) {
    return this.submit(req, res, planId, actionId, AUDIT_FORM);
  }

  /** Send the form; on success a banner after the redirect (post/redirect/get), otherwise the page again with the form open. */
  private async submit(req: Request, res: Response, planId: string, actionId: string, spec: PlanFormSpec): Promise<void> {
    const outcome = await this.forms.submit(req, planId, actionId, spec);
    if (!outcome.ok) {
      const eventId = typeof outcome.values.eventId === 'string' ? outcome.values.eventId : undefined;
      return this.page.render(req, res, planId, actionId, { open: spec.form, ...outcome, correct: spec === CORRECT_FORM ? eventId : undefined }, outcome.status);
    }
    const session = this.sessions.find(req);
    if (session) session.flash = await this.confirmation(planId, actionId, spec, outcome.success);
    res.redirect(303, hrefOf('actionPage', { planId, actionId }));
  }

  /** On an action that needs approval, an editor's update was submitted, not recorded: the banner says so. */
  private async confirmation(planId: string, actionId: string, spec: PlanFormSpec, recorded: string): Promise<string> {
    const what = SUBMITTED_WORDS.get(spec.command);
    if (what === undefined) return recorded;
    const state: PlanState | null = await this.queries.execute(new GetPlanQuery(planId));
    return state && actionRequiresApproval(state, actionId) ? `${what} submitted for approval: it counts once an approver accepts it` : recorded;
  }
}
