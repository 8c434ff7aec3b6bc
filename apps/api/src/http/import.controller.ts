import { Controller, Inject, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import type { ImportResult } from '#importer';
import { ImportPlanCommand } from '../cqrs/import-plan.js';
import { ApiError } from './api-error.js';
import { identityOf } from './auth/identity.js';
import { ImportForm } from './import-form.js';
import { actorOf, correlationIdOf, expectedRevisionOf } from './request-context.js';
import { hrefOf, Route } from './route.decorator.js';
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
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  /**
   * 201 when the import created a plan or appended to one; 200 for a dry run or a file the plan already says
   * (0 events). Problems found in rows are in the body, with their row numbers; a file that cannot be imported
   * at all is a 4xx with the importer's code and nothing appended. The access guard has read the form (ImportUpload)
   * and checked the caller may import into the plan it names, or create one (the route's planInForm).
   */
  @Route('importPlan')
  async importPlan(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const form = parseRequest(ImportForm, withoutEmptyFields(req.body), 'body');
    const file = (req as Request & { file?: UploadedPlanFile }).file;
    if (!file) throw new ApiError(400, 'VALIDATION_FAILED', 'Attach the plan file in the form field "file"', [{ path: 'body.file', problem: 'is required' }]);
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
      res.setHeader('Location', hrefOf('getPlan', { planId: result.planId }));
    }
    if (dryRun || result.changes.events === 0) res.status(200);
    return body;
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
