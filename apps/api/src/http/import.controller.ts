import { Controller, HttpCode, Inject, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { AccessControl } from '#application';
import { authoriseOrganisation, authorisePlan, roleAllows } from '#domain';
import type { ImportResult } from '#importer';
import { ImportPlanCommand } from '../cqrs/import-plan.js';
import { ApiError } from './api-error.js';
import { identityOf, setIdentity } from './auth/identity.js';
import { PlanOrganisations } from './auth/plan-organisations.js';
import { ImportForm } from './import-form.js';
import { ImportUploadInterceptor } from './import-upload.interceptor.js';
import { actorOf, correlationIdOf, expectedRevisionOf } from './request-context.js';
import { parseRequest } from './validation.js';

/** What multer leaves on the request for the field "file" (memory storage). */
interface UploadedPlanFile {
  originalname: string;
  buffer: Buffer;
  size: number;
}

/** Plans as councils hold them (pasted Word tables, CSV, Excel), uploaded and imported, or previewed. */
@Controller()
export class ImportController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(PlanOrganisations) private readonly plans: PlanOrganisations,
  ) {}

  /**
   * 201 when the import created a plan or appended to one; 200 for a dry run or a file the plan already says
   * (0 events). Problems found in rows are in the body, with their row numbers; a file that cannot be imported
   * at all is a 4xx with the importer's code and nothing appended.
   */
  @Post('plans/import')
  @HttpCode(201)
  @UseInterceptors(ImportUploadInterceptor)
  async importPlan(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const form = parseRequest(ImportForm, withoutEmptyFields(req.body), 'body');
    const file = (req as Request & { file?: UploadedPlanFile }).file;
    if (!file) throw new ApiError(400, 'VALIDATION_FAILED', 'Attach the plan file in the form field "file"', [{ path: 'body.file', problem: 'is required' }]);
    await this.authorise(req, form.planId);
    const dryRun = form.dryRun === 'true';
    const result: ImportResult = await this.commands.execute(
      new ImportPlanCommand({
        content: file.buffer,
        fileName: file.originalname || 'upload',
        ...(form.planId !== undefined
          ? { planId: form.planId, ...optional('expectedRevision', expectedRevisionOf(req)) }
          : {
              newPlan: {
                organisation: form.organisation!,
                respondsTo: form.respondsTo!,
                // A new plan belongs to the signed-in person's organisation: the tenant never comes from the form.
                organisationId: identityOf(req).organisationId,
                ...optional('title', form.title),
                ...optional('period', form.period),
                ...optional('owner', form.owner),
              },
            }),
        ...(form.newPlan === 'true' ? { evenIfAlreadyImported: true } : {}),
        ...optional('mapping', form.mapping),
        ...optional('planDate', form.planDate),
        ...optional('sheet', form.sheet),
        ...optional('layout', form.layout),
        ...optional('progressAsAt', form.progressAsAt),
        ...(form.inferStatus === 'true' ? { inferStatus: true } : {}),
        ...(form.actionFromRecommendation === 'true' ? { actionFromRecommendation: true } : {}),
        dryRun,
        actor: actorOf(req),
        correlationId: correlationIdOf(req),
      }),
    );
    const { position: _position, ...body } = result;
    if (!dryRun) {
      res.setHeader('ETag', `"${result.revision}"`);
      res.setHeader('Location', `/plans/${result.planId}`);
    }
    if (dryRun || result.changes.events === 0) res.status(200);
    return body;
  }

  /** Into an existing plan: plan.shape on that plan (a plan one holds no role on is not found). A new plan: plan.create. */
  private async authorise(req: Request, planId: string | undefined): Promise<void> {
    const identity = identityOf(req);
    if (planId === undefined) {
      if (!authoriseOrganisation(identity, 'plan.create')) {
        throw new ApiError(403, 'FORBIDDEN', `Your role (${identity.role}) does not allow this (plan: create)`, [{ path: 'authorization', problem: 'needs plan.create' }]);
      }
      return;
    }
    const organisationId = await this.plans.of(planId);
    const decision = organisationId
      ? authorisePlan(identity, await this.access.state(), { organisationId, planId }, 'plan.shape', new Date().toISOString())
      : ({ outcome: 'not-found' } as const);
    if (decision.outcome === 'not-found') {
      throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan', [{ path: 'body.planId', problem: 'is not a plan you can import into' }]);
    }
    if (decision.outcome === 'forbidden') {
      throw new ApiError(403, 'FORBIDDEN', `Your role (${decision.roles.join(', ')}) does not allow this (plan: shape)`, [{ path: 'authorization', problem: 'needs plan.shape' }]);
    }
    // The actor is recorded with the role they import in.
    setIdentity(req, identity, decision.roles.find((role) => roleAllows(role, 'plan.shape'))!);
  }
}

/** An HTML form sends a field left blank as ""; that is a field not given. */
function withoutEmptyFields(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== ''));
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
