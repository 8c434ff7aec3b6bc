import { Controller, Get, Inject, Param, Query as QueryParams, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CheckpointPublisher, EvidenceFiles, type LedgerConfig } from '#application';
import { planLogOrigin } from '#transparency';
import { planStreamName } from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import { buildEvidenceBundle, EvidenceBundleError, ledgerGenerator, loadOrCreateSigningKey, signTreeHead, type SigningKey } from '#evidence';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger.tokens.js';
import { ApiError } from './api-error.js';
import { EvidenceBundleQuery, TreeHeadQuery } from './evidence-bundle.queries.js';
import { parseRequest } from './validation.js';

/** What a regulator takes away: a signed bundle of a plan as at an instant, and the signed head of its event tree. */
@Controller()
export class EvidenceBundleController {
  /** Loaded on first use, so a ledger that never signs anything never needs a key. */
  private signingKey?: Promise<SigningKey>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(EvidenceFiles) private readonly evidenceFiles: EvidenceFiles,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CheckpointPublisher) private readonly publisher: CheckpointPublisher,
  ) {}

  @Get('plans/:planId/bundle')
  async bundle(@Param('planId') planId: string, @QueryParams() query: unknown, @Res() res: Response) {
    const { asAt = new Date().toISOString(), time, withFiles } = parseRequest(EvidenceBundleQuery, query, 'query');
    const events = await this.planEvents(planId);
    let built;
    try {
      built = await buildEvidenceBundle({
        planId,
        events,
        asAt,
        time,
        rules: this.config.ragRules,
        signingKey: await this.key(),
        generator: ledgerGenerator(),
        ...(withFiles === 'true' ? { readEvidenceFile: (sha256: string) => this.evidenceFiles.get(sha256) } : {}),
        ...this.checkpoints(planId),
      });
    } catch (error) {
      if (error instanceof EvidenceBundleError && error.code === 'PLAN_NOT_FOUND') throw new ApiError(404, 'PLAN_NOT_FOUND', error.message);
      throw error;
    }
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${built.fileName}"`);
    res.setHeader('X-Merkle-Root', built.manifest.merkle.rootHash);
    res.setHeader('X-Signing-Key-Fingerprint', built.manifest.signingKey.fingerprint);
    res.send(Buffer.from(built.zip));
  }

  /** checkpoints.json goes in when the ledger has witnesses or holds their cosignatures. */
  private checkpoints(planId: string): { checkpoints?: { origin: string; notes: string[] } } {
    const notes = this.publisher.cosignatures()?.cosignedNotes(planId) ?? [];
    return this.config.witnesses.length > 0 || notes.length > 0 ? { checkpoints: { origin: planLogOrigin(this.config.logName, planId), notes } } : {};
  }

  @Get('plans/:planId/tree-head')
  async treeHead(@Param('planId') planId: string, @QueryParams() query: unknown) {
    parseRequest(TreeHeadQuery, query, 'query');
    const events = await this.planEvents(planId);
    return signTreeHead({ planId, eventHashes: events.map((e) => e.hash), timestamp: new Date().toISOString() }, await this.key());
  }

  private key(): Promise<SigningKey> {
    this.signingKey ??= loadOrCreateSigningKey(this.config.signingKeyDir).catch((error: unknown) => {
      this.signingKey = undefined; // a key fixed by the operator (e.g. chmod 600) is picked up on the next request
      throw error;
    });
    return this.signingKey;
  }

  private async planEvents(planId: string): Promise<RecordedEvent[]> {
    const events = await this.store.readStream(planStreamName(planId));
    if (events.length === 0) throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan');
    return events;
  }
}
