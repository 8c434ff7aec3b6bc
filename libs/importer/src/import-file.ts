import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { BatchOptions, BatchResult, PlanBatch } from '#application';
import { Actor, IsoDate, parseBusinessDate, type PlanEventType } from '#domain';
import { parseColumnMapping, type ColumnMapping } from './column-headers.js';
import { ImportError, type PlanHoldingFile } from './import-error.js';
import { checkImportSize, DEFAULT_IMPORT_MAX_BYTES } from './import-size-limit.js';
import { importCounts, importProblems, type ImportCounts, type ImportedPlan, type ImportProblem } from './imported-plan.js';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './import-limits.js';
import { planImportYielding } from './plan-import.js';
import { readPlanFile, type PlanFileReader } from './read-plan-file.js';
import { reviewRows, type ReviewRow } from './review-file.js';
import { PLAN_LAYOUTS, type PlanLayout } from './tabular-document.js';

/** What the importer needs of the command side: a batch on a plan, under the one command handler (PlanCommandService has it). */
export interface PlanBatches {
  runBatch<Outcome>(planId: string, decide: (batch: PlanBatch) => Outcome | Promise<Outcome>, options?: BatchOptions): Promise<BatchResult<Outcome>>;
  /** The plan whose entries came from a file with this SHA-256, if any (PlanCommandService has it; without it nothing is refused). */
  planHoldingFile?(fileSha256: string): Promise<PlanHoldingFile | undefined>;
}

export interface NewPlanDetails {
  /** Defaults to the document's heading, else the file name. */
  title?: string;
  organisation: string;
  /** The tenant the plan belongs to (the API sets it from the signed-in identity). Default: derived from the organisation's name. */
  organisationId?: string;
  respondsTo: string;
  period?: string;
  owner?: string;
}

export interface ImportFileOptions {
  service: PlanBatches;
  /** Either a file on disk… */
  filePath?: string;
  /** …or its bytes and name (an upload). */
  content?: Uint8Array;
  fileName?: string;
  /** Import into this existing plan… */
  planId?: string;
  /** …or create a new plan (its id is chosen here unless given). */
  newPlan?: NewPlanDetails & { planId?: string };
  /**
   * Create the new plan even if a plan already holds a file with the same SHA-256. Without it such an import
   * is refused (FILE_ALREADY_IMPORTED, naming that plan): importing the same file again is almost always
   * meant for the plan it is already in, where it appends only what changed.
   */
  evenIfAlreadyImported?: boolean;
  /** Read, interpret and decide everything, append nothing: the preview. */
  dryRun?: boolean;
  actor: Actor;
  /** Header text → field, as JSON text or an object (validated). */
  mapping?: unknown;
  /** The date of progress notes whose column header gives none; defaults to the day of the import. */
  progressAsAt?: string;
  /** The date the plan was agreed (YYYY-MM-DD): what this import adds is effective from it. Default: read from the document. */
  planDate?: string;
  /** Read the file in this layout instead of the one detected (see PlanLayout). */
  layout?: string;
  /** Apply the completed status that progress notes such as "Completed" or "Achieved" propose (otherwise only proposed). */
  inferStatus?: boolean;
  /** Where the document has no action text at all, import each recommendation's own row as its action. */
  actionFromRecommendation?: boolean;
  /** Ids for the new plan and the import's correlation id (injected in tests). Defaults to uuid v7. */
  newId?: () => string;
  /** The correlation id every event of the import carries (the API passes the request's). Default: a new id. */
  correlationId?: string;
  /** For a workbook: the sheet to import, by name. Default: the first visible sheet. */
  sheet?: string;
  /** Files larger than this are refused before they are read or parsed (default 20 MB; LEDGER_IMPORT_MAX_BYTES). */
  maxBytes?: number;
  /** A workbook's parts may inflate to this much in all (default 100 MB; LEDGER_IMPORT_MAX_UNPACKED_BYTES). */
  maxUnpackedBytes?: number;
  /** Files with data past this row are refused (default 20,000; LEDGER_IMPORT_MAX_ROWS). */
  maxRows?: number;
  /**
   * Reads and interprets the file: on this thread by default; the API passes readPlanFileInWorker so a large
   * file does not hold up every other request.
   */
  readPlan?: PlanFileReader;
  /** Import into the plan only if it is still at this revision (HTTP If-Match); otherwise PlanChangedError, nothing appended. */
  expectedRevision?: number;
  /** Where the import has got to, for a progress bar on a large file. */
  onProgress?: (progress: ImportProgress) => void;
}

/** Reading the file, deciding its rows one by one, appending them in one go, done. */
export interface ImportProgress {
  stage: 'reading' | 'deciding' | 'appending' | 'done';
  done: number;
  total: number;
}

export interface ImportResult {
  dryRun: boolean;
  planId: string;
  /** The plan's title (for a new plan: as it would be created). */
  title: string;
  fileName: string;
  fileSha256: string;
  /** The worksheet read, for a workbook. */
  sheet?: string;
  /** Every event of this import carries it. */
  correlationId: string;
  /** What the file holds. */
  counts: ImportCounts;
  /** What was appended (or, in a dry run, would be): 0 events when the plan already says what the file says. */
  changes: { events: number; byType: Partial<Record<PlanEventType, number>> };
  /** The plan's stream revision after the append (absent in a dry run). */
  revision?: number;
  /**
   * The store's global position of the last event appended (absent in a dry run or when nothing was appended):
   * read models that reached it include the import. A bigint, so not for JSON: the API and the CLI leave it out.
   */
  position?: bigint;
  /** Every problem, with the file's row numbers: data problems, rows skipped, changes not applied. */
  problems: ImportProblem[];
  /** How the file's tables were laid out, as detected or forced, and how many tables it holds. */
  layout?: PlanLayout;
  tables?: number;
  /** The document's own as-at date, from its heading: undated progress notes are dated at it. */
  asAt?: { date: string; row: number; text: string };
  /**
   * The plan as understood, one row per workstream, recommendation and action, with its source lines, its
   * interpretation and its warnings: the rows of the review file (`--review`). In a dry run only.
   */
  preview?: ReviewRow[];
}

const NewPlanSchema = z.object({
  planId: z.string().uuid().optional(),
  title: z.string().trim().min(1).max(500).optional(),
  organisation: z.string().trim().min(1, 'name the organisation'),
  organisationId: z.string().trim().min(1).max(100).optional(),
  respondsTo: z.string().trim().min(1, 'say what the plan responds to'),
  period: z.string().trim().max(200).optional(),
  owner: z.string().trim().max(500).optional(),
});

/**
 * Reads a plan file, interprets it and either previews the import (dryRun) or commits it in ONE append:
 * the whole file or nothing. One correlation id per import. Re-importing the same file appends nothing.
 */
export async function importFile(options: ImportFileOptions): Promise<ImportResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_IMPORT_MAX_BYTES;
  const { bytes, fileName } = await fileOf(options, maxBytes);
  const actor = parseOption('actor', Actor, options.actor);
  const mapping: ColumnMapping | undefined = options.mapping === undefined ? undefined : parseColumnMapping(options.mapping);
  const progressAsAt = options.progressAsAt === undefined ? undefined : parseOption('progressAsAt', IsoDate, options.progressAsAt);
  const layout = options.layout === undefined ? undefined : parseOption('layout', z.enum(PLAN_LAYOUTS as [PlanLayout, ...PlanLayout[]]), options.layout);
  if ((options.planId === undefined) === (options.newPlan === undefined)) {
    throw new ImportError('INVALID_OPTIONS', 'Say either which plan to import into (planId) or the new plan to create (newPlan), not both or neither');
  }
  const newPlan = options.newPlan ? parseOption('newPlan', NewPlanSchema, options.newPlan) : undefined;
  const newId = options.newId ?? uuidv7;

  const progress = options.onProgress ?? (() => undefined);
  progress({ stage: 'reading', done: 0, total: bytes.length });
  const limits: ImportLimits = {
    maxBytes,
    maxUnpackedBytes: options.maxUnpackedBytes ?? DEFAULT_IMPORT_LIMITS.maxUnpackedBytes,
    maxRows: options.maxRows ?? DEFAULT_IMPORT_LIMITS.maxRows,
  };
  const readPlan = options.readPlan ?? readPlanFile;
  const { fileSha256, plan: read } = await readPlan({
    bytes,
    fileName,
    limits,
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    ...(mapping ? { mapping } : {}),
    ...(layout ? { layout } : {}),
    ...(options.actionFromRecommendation ? { actionFromRecommendation: true } : {}),
  });
  progress({ stage: 'reading', done: bytes.length, total: bytes.length });
  if (newPlan && options.evenIfAlreadyImported !== true && options.service.planHoldingFile) {
    const holder = await options.service.planHoldingFile(fileSha256);
    if (holder) {
      throw new ImportError(
        'FILE_ALREADY_IMPORTED',
        `${fileName} (SHA-256 ${fileSha256}) is already in plan "${holder.title}" (${holder.planId}). Import it into that plan to apply any changes, or ask for a new plan anyway.`,
        [],
        { plan: holder },
      );
    }
  }
  const imported = progressAsAt ? withProgressDate(read, progressAsAt) : read;

  const planDate = options.planDate === undefined ? documentDate(imported) : parseOption('planDate', IsoDate, options.planDate);
  const correlationId = options.correlationId ?? newId();
  const planId = newPlan ? (newPlan.planId ?? newId()) : options.planId!;
  const meta = {
    actor,
    correlationId,
    ...(planDate ? { structureEffectiveAt: planDate } : {}),
    ...(options.inferStatus ? { inferStatus: true } : {}),
    onProgress: (done: number, total: number) => progress({ stage: 'deciding', done, total }),
  };
  const check = (state: { exists: boolean }) => {
    if (newPlan && state.exists) throw new ImportError('INVALID_OPTIONS', `A plan with id ${planId} already exists; import into it with planId instead`);
    if (!newPlan && !state.exists) throw new ImportError('PLAN_NOT_FOUND', `There is no plan ${planId} to import ${fileName} into`);
  };
  // The one command handler decides the import again if someone wrote to the plan meanwhile: it is idempotent, so that is safe.
  const decided = await options.service.runBatch(
    planId,
    async (batch) => {
      if (newPlan) {
        const title = newPlan.title ?? imported.title ?? basename(fileName).replace(/\.[^.]+$/, '');
        batch.run(
          {
            type: 'CreatePlan',
            planId,
            title: title.slice(0, 500),
            organisation: newPlan.organisation,
            ...(newPlan.organisationId ? { organisationId: newPlan.organisationId } : {}),
            respondsTo: newPlan.respondsTo,
            ...(newPlan.period ? { period: newPlan.period } : {}),
            ...(newPlan.owner ? { owner: newPlan.owner } : {}),
            ...(planDate ? { effectiveAt: planDate } : {}),
          },
          { ...meta, provenance: { fileName, fileSha256, ...(imported.source.sheet ? { sheet: imported.source.sheet } : {}), rows: imported.titleRow ? [imported.titleRow] : [] } },
        );
      }
      const outcome = await planImportYielding(imported, batch, meta);
      if (!options.dryRun) progress({ stage: 'appending', done: 0, total: batch.size });
      return outcome;
    },
    { check, ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}), ...(options.dryRun ? { dryRun: true } : {}) },
  );
  const { outcome, batch } = decided;
  progress({ stage: 'done', done: 1, total: 1 });
  const byType: Partial<Record<PlanEventType, number>> = { ...(newPlan ? { PlanCreated: 1 } : {}), ...outcome.eventsByType };
  return {
    dryRun: options.dryRun === true,
    planId,
    title: batch.state.title,
    fileName,
    fileSha256,
    ...(imported.source.sheet ? { sheet: imported.source.sheet } : {}),
    correlationId,
    counts: importCounts(imported),
    changes: { events: batch.size, byType },
    ...(options.dryRun ? {} : { revision: decided.revision, ...(batch.size > 0 ? { position: decided.position } : {}) }),
    problems: [...importProblems(imported), ...outcome.problems],
    ...(imported.layout ? { layout: imported.layout } : {}),
    ...(imported.tables !== undefined ? { tables: imported.tables } : {}),
    ...(imported.asAt ? { asAt: { ...imported.asAt } } : {}),
    ...(options.dryRun ? { preview: reviewRows(imported, outcome.problems) } : {}),
  };
}

/** The file's bytes and name; a file over the limit is refused first (a file on disk, before it is read). */
async function fileOf(options: ImportFileOptions, maxBytes: number): Promise<{ bytes: Uint8Array; fileName: string }> {
  if (options.filePath !== undefined && options.content !== undefined) {
    throw new ImportError('INVALID_OPTIONS', 'Give either a file path or the file content, not both');
  }
  if (options.content !== undefined) {
    if (!options.fileName?.trim()) throw new ImportError('INVALID_OPTIONS', 'An uploaded file needs its name (fileName)');
    const fileName = basename(options.fileName.trim());
    checkImportSize(options.content.length, fileName, maxBytes);
    return { bytes: options.content, fileName };
  }
  if (options.filePath === undefined) throw new ImportError('INVALID_OPTIONS', 'Say which file to import (filePath, or content and fileName)');
  const fileName = options.fileName?.trim() || basename(options.filePath);
  try {
    const { size, isDirectory } = await stat(options.filePath).then((s) => ({ size: s.size, isDirectory: s.isDirectory() }));
    if (!isDirectory) checkImportSize(size, fileName, maxBytes);
    const bytes = await readFile(options.filePath);
    checkImportSize(bytes.length, fileName, maxBytes); // it may have grown since
    return { bytes, fileName };
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImportError('FILE_NOT_FOUND', `There is no file ${options.filePath}`, [], { cause: error });
    if (code === 'EISDIR') throw new ImportError('FILE_NOT_FOUND', `${options.filePath} is a folder, not a file`, [], { cause: error });
    throw error;
  }
}

function parseOption<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => `${[name, ...issue.path.map(String)].join('.')}: ${issue.message}`).join('; ');
  throw new ImportError('INVALID_OPTIONS', `The import options are not valid: ${details}`);
}

/** `--progress-as-at`: dates the notes whose column gives no date, over the document's own as-at date. */
function withProgressDate(plan: ImportedPlan, asAt: string): ImportedPlan {
  return {
    ...plan,
    actions: plan.actions.map((action) =>
      action.progress && (!action.progress.asAt || action.progress.asAtFrom === 'document') ? { ...action, progress: { narrative: action.progress.narrative, asAt, asAtFrom: 'option' as const } } : action,
    ),
  };
}

/**
 * The date a plan document speaks from: a month named in its heading ("Response and Action Plan – June 2009"),
 * else its earliest start date, else its earliest progress date. Undefined when the document gives none.
 */
export function documentDate(imported: ImportedPlan): string | undefined {
  const fromTitle = imported.title ? parseBusinessDate(imported.title.match(/\b(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{4})\b/i)?.[0] ?? '') : null;
  if (fromTitle) return fromTitle.date;
  const dates = [
    ...imported.actions.map((a) => (a.startDate ? parseBusinessDate(a.startDate)?.date : undefined)),
    ...imported.actions.map((a) => a.progress?.asAt),
  ].filter((d): d is string => Boolean(d));
  return dates.length ? dates.sort()[0] : undefined;
}
