import {Controller, HttpCode, Inject, Req, Res, UseFilters, UseInterceptors } from '@nestjs/common';
import { hrefOf, Route } from '../http/route.decorator.js';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessControl, PlanChangedError } from '#application';
import { authoriseOrganisation, authorisePlan, DomainError, roleAllows, scopesAllowing, type Identity } from '#domain';
import { describeSize, ImportError, type ImportResult } from '#importer';
import { ImportPlanCommand } from '../cqrs/import-plan.js';
import { GetPlanQuery, ListPlansQuery } from '../cqrs/plan-queries.js';
import { ApiError } from '../http/api-error.js';
import { actorFromIdentity, identityOf, setIdentity } from '../http/auth/identity.js';
import { PlanOrganisations } from '../http/auth/plan-organisations.js';
import { ProblemFilter } from '../http/problem.filter.js';
import { correlationIdOf } from '../http/request-context.js';
import { ImportPageFields } from './import-page-form.js';
import { PendingImports, type PendingImport } from './pending-imports.js';
import { WebErrorFilter } from './web-error.filter.js';
import { errorSummaryOf, pageContext, type FieldErrors } from './web-page-context.js';
import { renderPage } from './web-renderer.js';
import { WebSessions } from './web-sessions.js';
import { uploadErrorOf, WebUploadInterceptor } from './web-upload.interceptor.js';

const Text = z.preprocess((v) => (typeof v === 'string' ? v : undefined), z.string().optional());
const ConfirmForm = z.object({ importId: Text });

/** What multer leaves on the request for the field "file". */
interface UploadedPlanFile {
  originalname: string;
  buffer: Buffer;
  size: number;
}

const NEW_PLAN = 'new';
const SEVERITY = new Map([
  ['error', { text: 'Not imported', classes: 'govuk-tag--red' }],
  ['warning', { text: 'Check', classes: 'govuk-tag--yellow' }],
  ['info', { text: 'Note', classes: 'govuk-tag--grey' }],
]);

/**
 * The import page: upload a plan file (multipart, no script needed), see the importer's dry run (what would
 * be appended, and every problem), then confirm. The confirmation imports exactly what was previewed: the
 * bytes stay on the server under a one-time id bound to the session, with the previewed options, the new
 * plan's id and the plan's revision (a plan that moved on meanwhile is refused, nothing appended). Both
 * steps run the API's ImportPlanCommand, and the same authorisation as POST /plans/import: plan.shape on
 * the plan, or plan.create for a new one.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class ImportPageController {
  private readonly problems = new ProblemFilter();

  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(PlanOrganisations) private readonly plans: PlanOrganisations,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(PendingImports) private readonly pending: PendingImports,
  ) {}

  @Route('importPage')
  async form(@Req() req: Request, @Res() res: Response) {
    await this.renderForm(req, res, { into: typeof req.query.planId === 'string' ? req.query.planId : '' }, {});
  }

  @Route('importPreview')
  @HttpCode(200)
  @UseInterceptors(WebUploadInterceptor)
  async preview(@Req() req: Request, @Res() res: Response) {
    const identity = identityOf(req);
    const form = ImportPageFields.parse(req.body ?? {});
    const values = { into: form.into ?? '', organisation: (form.organisation ?? '').trim(), respondsTo: (form.respondsTo ?? '').trim(), title: (form.title ?? '').trim() };
    const errors: FieldErrors = {};
    const uploadError = uploadErrorOf(req);
    const file = (req as Request & { file?: UploadedPlanFile }).file;
    if (uploadError) errors.file = uploadError.message;
    else if (!file || file.size === 0) errors.file = 'Choose the plan file to import';
    const targets = await this.targets(identity);
    const newPlan = values.into === NEW_PLAN;
    if (!values.into) errors.into = 'Choose the plan to import into, or a new plan';
    // The form offers neither of these: a post that asks for them gets the API's answer (403, or 404 for a plan one cannot see).
    else if (newPlan && !targets.canCreate) throw new ApiError(403, 'FORBIDDEN', `Your role (${identity.role}) does not allow this (plan: create)`, [{ path: 'authorization', problem: 'needs plan.create' }]);
    else if (!newPlan && !targets.plans.has(values.into)) await this.authorise(req, identity, values.into);
    if (newPlan) {
      if (!values.organisation) errors.organisation = 'Enter the organisation the plan belongs to';
      else if (values.organisation.length > 500) errors.organisation = 'The organisation must be 500 characters or fewer';
      if (!values.respondsTo) errors.respondsTo = 'Enter what the plan responds to';
      else if (values.respondsTo.length > 2_000) errors.respondsTo = 'What the plan responds to must be 2,000 characters or fewer';
      if (values.title.length > 500) errors.title = 'The title must be 500 characters or fewer';
    }
    if (Object.keys(errors).length > 0) return this.renderForm(req, res, values, errors, uploadError ? this.statusOf(uploadError) : 400);

    const target: PendingImport['target'] = newPlan
      ? { newPlan: { planId: '', organisation: values.organisation, respondsTo: values.respondsTo, organisationId: identity.organisationId, ...(values.title ? { title: values.title } : {}) } }
      : { planId: values.into, expectedRevision: (await this.authorise(req, identity, values.into)).revision };
    const progressAsAt = new Date().toISOString().slice(0, 10);
    let result: ImportResult;
    try {
      result = await this.run(req, file!, target, progressAsAt, true);
    } catch (error) {
      if (!(error instanceof ImportError) && !(error instanceof DomainError) && !(error instanceof PlanChangedError)) throw error;
      errors.file = error.message;
      return this.renderForm(req, res, values, errors, this.statusOf(error));
    }
    const session = this.sessions.find(req)!;
    const held = this.pending.hold({
      sessionKey: session.key,
      content: file!.buffer,
      fileName: file!.originalname || 'upload',
      fileSha256: result.fileSha256,
      target: 'newPlan' in target ? { newPlan: { ...target.newPlan, planId: result.planId } } : target,
      progressAsAt,
      events: result.changes.events,
    });
    renderPage(res, 'import-preview.njk', {
      ...pageContext(req, session, 'Check the import', 'import'),
      importId: held.id,
      newPlan,
      result,
      size: describeSize(file!.size),
      byType: Object.entries(result.changes.byType).map(([type, count]) => ({ type: inWords(type), count })),
      problems: result.problems.map((p) => ({ ...p, severity: SEVERITY.get(p.severity) ?? { text: p.severity, classes: '' } })),
      problemCounts: { error: result.problems.filter((p) => p.severity === 'error').length, warning: result.problems.filter((p) => p.severity === 'warning').length },
    });
  }

  @Route('importConfirm')
  @HttpCode(200)
  async confirm(@Req() req: Request, @Res() res: Response) {
    const identity = identityOf(req);
    const { importId } = ConfirmForm.parse(req.body ?? {});
    const session = this.sessions.find(req)!;
    const held = typeof importId === 'string' && /^[\w-]{32}$/.test(importId) ? this.pending.take(importId, session.key) : undefined;
    if (!held) {
      throw new ApiError(404, 'IMPORT_PREVIEW_NOT_FOUND', 'This import preview has been used already, has expired (after 30 minutes) or was made in another session. Upload the file again to see a new preview.');
    }
    // Authorised again now: a role or grant revoked since the preview counts.
    if ('planId' in held.target) await this.authorise(req, identity, held.target.planId);
    else if (!authoriseOrganisation(identity, 'plan.create')) throw new ApiError(403, 'FORBIDDEN', `Your role (${identity.role}) does not allow this (plan: create)`);
    let result: ImportResult;
    try {
      result = await this.run(req, { buffer: held.content, originalname: held.fileName, size: held.content.length }, held.target, held.progressAsAt, false);
    } catch (error) {
      if (error instanceof PlanChangedError) {
        throw new ApiError(409, 'PLAN_CHANGED', `The plan has changed since the preview (it was at revision ${error.expected}, it is now at ${error.actual}), so nothing was imported. Upload the file again to see what it would add now.`);
      }
      throw error;
    }
    session.flash = `Imported ${held.fileName}: ${result.changes.events} ${result.changes.events === 1 ? 'entry' : 'entries'} added to the plan`;
    res.redirect(303, hrefOf('planPage', { planId: result.planId }));
  }

  /** The one import, preview or for real, through the API's command. */
  private run(req: Request, file: UploadedPlanFile, target: PendingImport['target'], progressAsAt: string, dryRun: boolean): Promise<ImportResult> {
    return this.commands.execute(
      new ImportPlanCommand({
        content: file.buffer,
        fileName: file.originalname || 'upload',
        ...('planId' in target
          ? { planId: target.planId, ...(dryRun ? {} : { expectedRevision: target.expectedRevision }) }
          : { newPlan: { ...target.newPlan, ...(target.newPlan.planId ? {} : { planId: undefined }) } }),
        progressAsAt,
        dryRun,
        actor: actorFromIdentity(req),
        correlationId: correlationIdOf(req),
      }),
    );
  }

  /** plan.shape on this plan, by the one policy (as POST /plans/import); its revision now, for the confirmation to hold to. */
  private async authorise(req: Request, identity: Identity, planId: string): Promise<{ revision: number }> {
    const organisationId = await this.plans.of(planId);
    const decision = organisationId ? authorisePlan(identity, await this.access.state(), { organisationId, planId }, 'plan.shape', new Date().toISOString()) : ({ outcome: 'not-found' } as const);
    if (decision.outcome === 'not-found') throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan');
    if (decision.outcome === 'forbidden') throw new ApiError(403, 'FORBIDDEN', `Your role (${decision.roles.join(', ')}) does not allow this (plan: shape)`);
    setIdentity(req, identity, decision.roles.find((role) => roleAllows(role, 'plan.shape'))!);
    const state = await this.queries.execute(new GetPlanQuery(planId));
    if (!state) throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan');
    return { revision: state.revision };
  }

  /** The plans this person may import into (plan.shape), and whether they may create one. */
  private async targets(identity: Identity): Promise<{ plans: Map<string, string>; canCreate: boolean }> {
    const scopes = scopesAllowing(identity, await this.access.state(), new Date().toISOString(), 'plan.shape');
    const plans = scopes.length > 0 ? await this.queries.execute(new ListPlansQuery(scopes)) : [];
    return { plans: new Map(plans.map((p) => [p.id, p.title])), canCreate: authoriseOrganisation(identity, 'plan.create') };
  }

  private statusOf(error: unknown): number {
    const [status] = this.problems.classify(error);
    return status >= 500 ? 422 : status;
  }

  private async renderForm(req: Request, res: Response, values: Record<string, string>, errors: FieldErrors, status = 200): Promise<void> {
    const identity = identityOf(req);
    const { plans, canCreate } = await this.targets(identity);
    const items: Record<string, unknown>[] = [...plans].map(([value, text]) => ({ value, text, checked: values.into === value }));
    renderPage(
      res,
      'import.njk',
      {
        ...pageContext(req, this.sessions.find(req), 'Import a plan', 'import'),
        values,
        errors,
        errorSummary: errorSummaryOf(errors),
        planItems: items,
        canCreate,
        newChecked: values.into === NEW_PLAN,
        organisationId: identity.organisationId,
      },
      status,
    );
  }
}

/** "ActionAdded" → "Action added": the entry's name as a sentence. */
function inWords(type: string): string {
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
