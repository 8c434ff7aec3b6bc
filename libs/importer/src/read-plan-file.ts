import { createHash } from 'node:crypto';
import type { ColumnMapping } from './column-headers.js';
import type { ImportedPlan } from './imported-plan.js';
import type { ImportLimits } from './import-limits.js';
import { interpretPlan } from './interpret-plan.js';
import { readReviewFile } from './review-file.js';
import type { PlanLayout } from './tabular-document.js';
import { readTabularFile } from './tabular-file.js';

/** What reading a plan file needs: plain data only, so it can be posted to a worker thread. */
export interface ReadPlanRequest {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  readonly sheet?: string;
  readonly mapping?: ColumnMapping;
  readonly limits: ImportLimits;
  /** Read the file in this layout instead of the one detected. */
  readonly layout?: PlanLayout;
  /** See InterpretOptions.actionFromRecommendation. */
  readonly actionFromRecommendation?: boolean;
}

export interface ReadPlanResult {
  readonly fileSha256: string;
  readonly plan: ImportedPlan;
}

/** Reads a plan file on this thread (readPlanFile) or another (readPlanFileInWorker). */
export type PlanFileReader = (request: ReadPlanRequest) => Promise<ReadPlanResult>;

/**
 * The pure part of an import, everything that depends on the file alone: hash it, read its tables within the
 * limits, interpret them. Nothing here reads the plan or the store, which is what lets it run off the thread
 * that answers requests.
 */
export async function readPlanFile(request: ReadPlanRequest): Promise<ReadPlanResult> {
  const { bytes, fileName, limits } = request;
  const fileSha256 = createHash('sha256').update(bytes).digest('hex');
  // A review file written by `--review` (and corrected by a person) says exactly what to import: it is not interpreted again.
  const review = readReviewFile(bytes, fileName, fileSha256);
  if (review) return { fileSha256, plan: review };
  const document = await readTabularFile(bytes, fileName, {
    maxUnpackedBytes: limits.maxUnpackedBytes,
    maxRows: limits.maxRows,
    ...(request.sheet !== undefined ? { sheet: request.sheet } : {}),
    ...(request.layout !== undefined ? { layout: request.layout } : {}),
    ...(request.mapping ? { mapping: request.mapping } : {}),
  });
  return {
    fileSha256,
    plan: interpretPlan(document, {
      fileName,
      fileSha256,
      ...(request.mapping ? { mapping: request.mapping } : {}),
      ...(request.actionFromRecommendation ? { actionFromRecommendation: true } : {}),
    }),
  };
}
