import { Inject, Injectable } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CheckpointPublisher, EvidenceFiles, type LedgerConfig } from '#application';
import { planLogOrigin } from '#transparency';
import { planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { buildEvidenceBundle, ledgerGenerator, loadOrCreateSigningKey, signTreeHead, type BuiltEvidenceBundle, type SignedTreeHead, type SigningKey } from '#evidence';
import type { TimeAxis } from '#plan-views';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger.tokens.js';
import { existingPlan } from './plan-queries.js';

/** The ledger's signing key, loaded on first use, so a ledger that never signs anything never needs one. */
@Injectable()
export class LedgerSigningKey {
  private loading?: Promise<SigningKey>;

  constructor(@Inject(LEDGER_CONFIG) private readonly config: LedgerConfig) {}

  get(): Promise<SigningKey> {
    this.loading ??= loadOrCreateSigningKey(this.config.signingKeyDir).catch((error: unknown) => {
      this.loading = undefined; // a key fixed by the operator (e.g. chmod 600) is picked up on the next request
      throw error;
    });
    return this.loading;
  }
}

/** A signed bundle of a plan as at an instant; EvidenceBundleError (PLAN_NOT_FOUND when the plan did not exist then) is the problem filter's. */
export class GetEvidenceBundleQuery extends Query<BuiltEvidenceBundle> {
  constructor(
    readonly planId: string,
    readonly asAt: string,
    readonly time: TimeAxis,
    readonly withFiles: boolean,
    /** An earlier bundle of the plan (its zip) this one must extend: consistency.json then proves it does. */
    readonly previous?: Uint8Array,
  ) {
    super();
  }
}

@QueryHandler(GetEvidenceBundleQuery)
export class GetEvidenceBundleHandler implements IQueryHandler<GetEvidenceBundleQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(EvidenceFiles) private readonly evidenceFiles: EvidenceFiles,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LedgerSigningKey) private readonly signingKey: LedgerSigningKey,
    @Inject(CheckpointPublisher) private readonly publisher: CheckpointPublisher,
  ) {}
  async execute({ planId, asAt, time, withFiles, previous }: GetEvidenceBundleQuery): Promise<BuiltEvidenceBundle> {
    const events = existingPlan(await this.store.readStream(planStreamName(planId)));
    return buildEvidenceBundle({
      planId,
      events,
      asAt,
      time,
      rules: this.config.ragRules,
      signingKey: await this.signingKey.get(),
      generator: ledgerGenerator(),
      ...(withFiles ? { readEvidenceFile: (sha256: string) => this.evidenceFiles.get(sha256) } : {}),
      ...(previous ? { previous } : {}),
      ...this.checkpoints(planId),
    });
  }

  /** checkpoints.json goes in when the ledger has witnesses or holds their cosignatures. */
  private checkpoints(planId: string): { checkpoints?: { origin: string; notes: string[] } } {
    const notes = this.publisher.cosignatures()?.cosignedNotes(planId) ?? [];
    return this.config.witnesses.length > 0 || notes.length > 0 ? { checkpoints: { origin: planLogOrigin(this.config.logName, planId), notes } } : {};
  }
}

/** The plan's signed tree head now: the size and Merkle root of its whole event stream. */
export class GetTreeHeadQuery extends Query<SignedTreeHead> {
  constructor(readonly planId: string) {
    super();
  }
}

@QueryHandler(GetTreeHeadQuery)
export class GetTreeHeadHandler implements IQueryHandler<GetTreeHeadQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LedgerSigningKey) private readonly signingKey: LedgerSigningKey,
  ) {}
  async execute({ planId }: GetTreeHeadQuery): Promise<SignedTreeHead> {
    const events = existingPlan(await this.store.readStream(planStreamName(planId)));
    return signTreeHead({ planId, eventHashes: events.map((e) => e.hash), timestamp: new Date().toISOString() }, await this.signingKey.get());
  }
}

export const EVIDENCE_BUNDLE_QUERY_HANDLERS = [GetEvidenceBundleHandler, GetTreeHeadHandler];
