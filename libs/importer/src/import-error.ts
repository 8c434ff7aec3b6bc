/** Why a file could not be imported at all. Problems with single rows are not errors: they are reported (see ImportProblem). */
export type ImportErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_TOO_LARGE'
  | 'EMPTY_FILE'
  | 'NOT_TEXT'
  | 'UNSUPPORTED_FORMAT'
  | 'MALFORMED_CSV'
  | 'UNREADABLE_SPREADSHEET'
  | 'SHEET_NOT_FOUND'
  | 'NO_HEADER_ROW'
  | 'NOTHING_TO_IMPORT'
  | 'INVALID_MAPPING'
  | 'INVALID_OPTIONS'
  | 'INVALID_ROW'
  | 'PLAN_NOT_FOUND'
  | 'REJECTED_BY_PLAN'
  | 'FIXTURES_NOT_FOUND'
  | 'FILE_ALREADY_IMPORTED';

/** The plan that already holds a file (FILE_ALREADY_IMPORTED). */
export interface PlanHoldingFile {
  planId: string;
  title: string;
}

export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    /** The lines (text) or rows (sheet) of the file the error is about, if any. */
    readonly rows: number[] = [],
    options?: { cause?: unknown; plan?: PlanHoldingFile },
  ) {
    super(message, options);
    this.name = 'ImportError';
    if (options?.plan) this.plan = options.plan;
  }

  /** For FILE_ALREADY_IMPORTED: the plan that already holds the file. */
  readonly plan?: PlanHoldingFile;
}
