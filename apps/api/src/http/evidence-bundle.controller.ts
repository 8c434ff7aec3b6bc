import { Controller, Inject, Param, Query as QueryParams, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { GetEvidenceBundleQuery, GetTreeHeadQuery } from '../cqrs/evidence-bundle-queries.js';
import { EvidenceBundleQuery, TreeHeadQuery } from './evidence-bundle.queries.js';
import { Route } from './route.decorator.js';
import { sendEvidenceBundle } from './send-evidence-bundle.js';
import { parseRequest } from './validation.js';

/** What a regulator takes away: a signed bundle of a plan as at an instant, and the signed head of its event tree. */
@Controller()
export class EvidenceBundleController {
  constructor(@Inject(QueryBus) private readonly queries: QueryBus) {}

  @Route('getEvidenceBundle')
  async bundle(@Param('planId') planId: string, @QueryParams() query: unknown, @Res() res: Response) {
    const { asAt = new Date().toISOString(), time, withFiles } = parseRequest(EvidenceBundleQuery, query, 'query');
    const built = await this.queries.execute(new GetEvidenceBundleQuery(planId, asAt, time, withFiles === 'true'));
    sendEvidenceBundle(res, built);
  }

  @Route('getTreeHead')
  treeHead(@Param('planId') planId: string, @QueryParams() query: unknown) {
    parseRequest(TreeHeadQuery, query, 'query');
    return this.queries.execute(new GetTreeHeadQuery(planId));
  }
}
