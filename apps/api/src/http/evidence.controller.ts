import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { EvidenceFiles } from '#application';
import { ApiError } from './api-error.js';

@Controller()
export class EvidenceController {
  constructor(@Inject(EvidenceFiles) private readonly files: EvidenceFiles) {}

  /** Files are named by their SHA-256, so what you download is exactly what the event recorded. */
  @Get('evidence/:sha256')
  async download(@Param('sha256') sha256: string, @Res() res: Response) {
    const bytes = await this.files.get(sha256);
    if (!bytes) throw new ApiError(404, 'EVIDENCE_NOT_FOUND', 'There is no evidence file with that SHA-256');
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Disposition', `attachment; filename="${sha256}"`);
    res.setHeader('Digest', `sha-256=${Buffer.from(sha256, 'hex').toString('base64')}`);
    res.send(bytes);
  }
}
