import { Controller, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CheckpointPublisher } from '#application';
import { ApiError } from './api-error.js';
import { EXPLORER_CSP, EXPLORER_PAGE, explorerAsset } from './api-explorer.js';
import { Route } from './route.decorator.js';

@Controller()
export class MetaController {
  constructor(@Inject(CheckpointPublisher) private readonly publisher: CheckpointPublisher) {}

  @Route('getHealth')
  health() {
    // The ledger is up whatever its witnesses say; a refusal shows here as an alarm for whoever watches.
    return { status: 'ok', witnesses: this.publisher.health() };
  }

  @Route('getOpenApiDocument')
  async openApi() {
    // Loaded when first asked for: the response schemas it is built from are for this document only, and
    // building them at module load was a twentieth of a start's CPU (docs/benchmarks.md, "Round 5: start").
    const { openApiDocument } = await import('./openapi.js');
    return openApiDocument();
  }

  @Route('getApiExplorer')
  explorer(@Res() res: Response) {
    res.setHeader('Content-Security-Policy', EXPLORER_CSP);
    res.type('html').send(EXPLORER_PAGE);
  }

  @Route('getApiExplorerAsset')
  async explorerFile(@Param('asset') name: string, @Res() res: Response) {
    const asset = await explorerAsset(name);
    if (!asset) throw new ApiError(404, 'NOT_FOUND', 'There is nothing at this address');
    res.setHeader('Content-Security-Policy', EXPLORER_CSP);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('Content-Type', asset.mediaType);
    res.send(asset.body);
  }
}
