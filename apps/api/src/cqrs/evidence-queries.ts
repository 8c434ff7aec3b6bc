import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { EvidenceFiles } from '#application';
import type { EvidenceItem } from '#domain';
import { PlanReadModels } from '#projections';

export interface EvidenceFile {
  /** The first entry that attached these bytes (a file can be attached to several actions). */
  item: EvidenceItem;
  bytes: Buffer;
}

/** One of a plan's evidence files by its SHA-256; null unless the plan attached it and the ledger holds it. */
export class GetEvidenceFileQuery extends Query<EvidenceFile | null> {
  constructor(
    readonly planId: string,
    readonly sha256: string,
  ) {
    super();
  }
}

/** The one reading of evidence files, for the JSON API's download and the web page's alike. */
@QueryHandler(GetEvidenceFileQuery)
export class GetEvidenceFileHandler implements IQueryHandler<GetEvidenceFileQuery> {
  constructor(
    @Inject(PlanReadModels) private readonly readModels: PlanReadModels,
    @Inject(EvidenceFiles) private readonly files: EvidenceFiles,
  ) {}

  async execute({ planId, sha256 }: GetEvidenceFileQuery): Promise<EvidenceFile | null> {
    const plan = this.readModels.plan(planId);
    // Only the plan's own files: the store holds every plan's, named by content.
    const item = plan ? Object.values(plan.actions).flatMap((action) => action.evidence).find((e) => e.sha256 === sha256) : undefined;
    const bytes = item ? await this.files.get(sha256) : null;
    return item && bytes ? { item, bytes } : null;
  }
}
