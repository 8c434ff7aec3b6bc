import { Controller, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { QueryBus } from '@nestjs/cqrs';
import { GetEvidenceFileQuery } from '../cqrs/evidence-queries.js';
import { ApiError } from './api-error.js';
import { Route } from './route.decorator.js';

/**
 * Send one of a plan's evidence files, or 404. Files are named by their SHA-256, so what you download is exactly
 * what the event recorded. Shared by the API's download and the web page's, which differ only in who signs in.
 */
export async function sendEvidenceFile(queries: QueryBus, planId: string, sha256: string, res: Response): Promise<void> {
  const file = await queries.execute(new GetEvidenceFileQuery(planId, sha256));
  if (!file) throw new ApiError(404, 'EVIDENCE_NOT_FOUND', 'This plan has no evidence file with that SHA-256');
  res.setHeader('Content-Type', 'application/octet-stream');
  // The name it was attached under, for the person saving it (RFC 6266); the SHA-256 for clients that cannot read that.
  const name = encodeURIComponent(file.item.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  res.setHeader('Content-Disposition', `attachment; filename="${sha256}"; filename*=UTF-8''${name}`);
  res.setHeader('Digest', `sha-256=${Buffer.from(sha256, 'hex').toString('base64')}`);
  res.send(file.bytes);
}

@Controller()
export class EvidenceController {
  constructor(@Inject(QueryBus) private readonly queries: QueryBus) {}

  /** Only the plan's own files. */
  @Route('downloadEvidence')
  download(@Param('planId') planId: string, @Param('sha256') sha256: string, @Res() res: Response) {
    return sendEvidenceFile(this.queries, planId, sha256, res);
  }
}
