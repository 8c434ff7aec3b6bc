import type { RagRating } from '#domain';
import type { PlanLayout } from './tabular-document.js';

/**
 * A plan as read from a file, before it touches the ledger: neutral (no ids, no events), with the rows
 * each thing came from so every command can carry its provenance, and the problems a reader should see.
 */
export interface ImportedPlan {
  /** The document's heading, if it has one: a new plan's default title. */
  readonly title?: string;
  readonly titleRow?: number;
  readonly source: { readonly fileName: string; readonly fileSha256: string; readonly sheet?: string };
  readonly workstreams: readonly ImportedWorkstream[];
  readonly recommendations: readonly ImportedRecommendation[];
  readonly actions: readonly ImportedAction[];
  /** Problems with the document rather than with one workstream, recommendation or action (skipped rows, headers). */
  readonly problems: readonly ImportProblem[];
  /** How the document lays its tables out, as detected or forced (see PlanLayout). */
  readonly layout?: PlanLayout;
  /** How many tables (header rows that start a new set of columns or of references) the document holds. */
  readonly tables?: number;
  /** The date the document speaks as at, from its heading ("Progress as at 1.10.09", "January 2011"), and the line it is on. */
  readonly asAt?: { readonly date: string; readonly row: number; readonly text: string };
}

export interface ImportedWorkstream {
  /** "1" … "9", as the plan numbers them. */
  readonly number: string;
  readonly title: string;
  readonly phase?: string;
  readonly strategicLead?: string;
  readonly keyAim?: string;
  readonly rows: readonly number[];
  readonly problems: readonly ImportProblem[];
}

export interface ImportedRecommendation {
  /** Laming: the Rec No ("4"). Ofsted: "<workstream>.<key deliverable>" ("1.2"). */
  readonly ref: string;
  /** The workstream's number, when the plan has workstreams. */
  readonly workstream?: string;
  readonly text: string;
  readonly rows: readonly number[];
  readonly problems: readonly ImportProblem[];
}

export interface ImportedProgress {
  readonly narrative: string;
  /** The date of the progress column ("Progress as at 1.10.09" → 2009-10-01), else the document's own as-at date; absent if neither gives one. */
  readonly asAt?: string;
  /** Where asAt came from: the column's header, the document's heading, or the import's option (`--progress-as-at`). */
  readonly asAtFrom?: 'column' | 'document' | 'option';
}

/** A status the words of the plan propose ("Completed", "Achieved", "In place"): applied only when asked (`--infer-status`) or confirmed in a review. */
export interface ImportedStatus {
  readonly to: 'completed';
  /** true: read from the text, not stated in a status column; a person should confirm it. */
  readonly inferred: boolean;
  /** The words it was read from, and the field. */
  readonly text: string;
  readonly from: 'progress' | 'target' | 'review';
}

export interface ImportedAction {
  /** "4.1", "8.a", "13.iii" (Laming); "1.2.3" (Ofsted: workstream 1, key deliverable 2, third action). */
  readonly ref: string;
  readonly recommendationRef?: string;
  readonly workstream?: string;
  readonly description: string;
  readonly performanceIndicators?: string;
  readonly leads: readonly string[];
  readonly priority?: string;
  /** As written; several paragraphs (several sub-actions) are separate lines. */
  readonly startDate?: string;
  /** As written; '' when the cell is empty. */
  readonly target: string;
  readonly dependencies: readonly string[];
  readonly progress?: ImportedProgress;
  readonly rag?: RagRating;
  /** A target written as a baseline and its revision ("February 2010 Revised to May 2010"): the import records the slip. */
  readonly targetSlip?: { readonly from: string; readonly to: string };
  readonly status?: ImportedStatus;
  readonly rows: readonly number[];
  readonly problems: readonly ImportProblem[];
}

export type ImportProblemCode =
  | 'TARGET_BEFORE_START'
  | 'UNREADABLE_TARGET'
  | 'UNREADABLE_START'
  | 'NO_TARGET'
  | 'NO_LEAD'
  | 'UNREADABLE_RAG'
  | 'UNREADABLE_PROGRESS_DATE'
  | 'REPEATED_REFERENCE'
  | 'NOT_A_REFERENCE'
  | 'ROW_WITHOUT_REFERENCE'
  | 'FRAGMENT_WITHOUT_ROW'
  | 'SKIPPED_ROW'
  | 'NO_TEXT'
  | 'CHANGE_NOT_APPLIED'
  | 'EXTRA_CELL'
  | 'CELL_COUNT_MISMATCH'
  | 'SECTION_HEADING'
  | 'TEXT_NOT_IMPORTED'
  | 'UNNUMBERED_RECOMMENDATION'
  | 'RECOMMENDATION_WITHOUT_ACTION'
  | 'ACTION_FROM_RECOMMENDATION'
  | 'NEW_TABLE'
  | 'INFERRED_STATUS'
  | 'REVISED_TARGET'
  | 'UNKNOWN_COLUMN';

export interface ImportProblem {
  readonly code: ImportProblemCode;
  /** error: the row cannot be imported as written; warning: imported, but check it; info: how a row was read. */
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  /** Lines of the file (rows of the sheet), 1-based, so a person can open the file and look. */
  readonly rows: readonly number[];
  /** The reference of the thing concerned, if any. */
  readonly ref?: string;
  /** The source's words the problem is about, in full (a message clips them): nothing is dropped without them being here. */
  readonly text?: string;
}

/** Every problem of an imported plan, in the order of the rows they are about. */
export function importProblems(plan: ImportedPlan): ImportProblem[] {
  const all = [
    ...plan.problems,
    ...plan.workstreams.flatMap((w) => w.problems),
    ...plan.recommendations.flatMap((r) => r.problems),
    ...plan.actions.flatMap((a) => a.problems),
  ];
  return all.map((problem, i) => ({ problem, i })).sort((a, b) => (a.problem.rows[0] ?? 0) - (b.problem.rows[0] ?? 0) || a.i - b.i).map(({ problem }) => problem);
}

/** What a file holds, as a reader would count it. */
export interface ImportCounts {
  readonly workstreams: number;
  readonly phases: number;
  readonly recommendations: number;
  readonly actions: number;
  /** Distinct lead names across all actions (case-insensitive). */
  readonly leads: number;
  readonly progressNotes: number;
}

export function importCounts(plan: ImportedPlan): ImportCounts {
  const leads = new Set(plan.actions.flatMap((a) => a.leads.map((lead) => lead.toLowerCase())));
  const phases = new Set(plan.workstreams.map((w) => w.phase).filter((phase) => phase !== undefined));
  return {
    workstreams: plan.workstreams.length,
    phases: phases.size,
    recommendations: plan.recommendations.length,
    actions: plan.actions.length,
    leads: leads.size,
    progressNotes: plan.actions.filter((a) => a.progress !== undefined).length,
  };
}
