import { Controller, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { QueryBus } from '@nestjs/cqrs';
import { EvidenceFiles } from '#application';
import { GetPlanQuery } from '../cqrs/plan-queries.js';
import { ApiError } from './api-error.js';
import { Route } from './route.decorator.js';

@Controller()
export class EvidenceController {
  constructor(
    @Inject(EvidenceFiles) private readonly files: EvidenceFiles,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  /** Files are named by their SHA-256, so what you download is exactly what the event recorded. Only the plan's own files. */
  @Route('downloadEvidence')
  async download(@Param('planId') planId: string, @Param('sha256') sha256: string, @Res() res: Response) {
    const plan = await this.queries.execute(new GetPlanQuery(planId));
    const attached = plan && Object.values(plan.actions).some((action) => action.evidence.some((item) => item.sha256 === sha256));
    const bytes = attached ? await this.files.get(sha256) : null;
    if (!bytes) throw new ApiError(404, 'EVIDENCE_NOT_FOUND', 'This plan has no evidence file with that SHA-256');
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Disposition', `attachment; filename="${sha256}"`);
    res.setHeader('Digest', `sha-256=${Buffer.from(sha256, 'hex').toString('base64')}`);
    res.send(bytes);
  }
}
