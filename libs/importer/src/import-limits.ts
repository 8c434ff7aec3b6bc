import { ImportError } from './import-error.js';
import { DEFAULT_IMPORT_MAX_BYTES, describeSize } from './import-size-limit.js';

/**
 * How much one import may cost the server, whatever the file claims about itself. Each is refused with
 * FILE_TOO_LARGE (HTTP 413) naming the limit and the setting that raises it (docs/security.md, "Import limits").
 */
export interface ImportLimits {
  /** The file itself (LEDGER_IMPORT_MAX_BYTES). */
  readonly maxBytes: number;
  /** A workbook's parts the reader inflates, all together, counted as they inflate (LEDGER_IMPORT_MAX_UNPACKED_BYTES). */
  readonly maxUnpackedBytes: number;
  /** Lines of a text file, records of a CSV file, rows of a sheet (LEDGER_IMPORT_MAX_ROWS). */
  readonly maxRows: number;
}

/** 20,000 rows: the largest real plan we know of has a few hundred; 20,000 is a hundred times that, and imports in seconds. */
export const DEFAULT_IMPORT_MAX_ROWS = 20_000;
/** 100 MB of XML: a formatted 20 MB workbook of real plans unpacks to far less. */
export const DEFAULT_IMPORT_MAX_UNPACKED_BYTES = 100 * 1024 * 1024;

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxBytes: DEFAULT_IMPORT_MAX_BYTES,
  maxUnpackedBytes: DEFAULT_IMPORT_MAX_UNPACKED_BYTES,
  maxRows: DEFAULT_IMPORT_MAX_ROWS,
};

/** Cells a sheet may hold, fifty a row on average at the row limit: a plan has a dozen columns. */
export function maxCellsFor(limits: Pick<ImportLimits, 'maxRows'>): number {
  return limits.maxRows * 50;
}

export function tooManyRows(fileName: string, row: number, maxRows: number): ImportError {
  return new ImportError(
    'FILE_TOO_LARGE',
    `${fileName} has more than ${maxRows.toLocaleString('en-GB')} rows (row ${row.toLocaleString('en-GB')} holds data); ` +
      `the ledger imports at most ${maxRows.toLocaleString('en-GB')} rows (LEDGER_IMPORT_MAX_ROWS): ` +
      'import the plan in parts, delete the rows below the plan, or ask the operator to raise the limit',
    [row],
  );
}

export function tooMuchUnpacked(fileName: string, maxUnpackedBytes: number): ImportError {
  return new ImportError(
    'FILE_TOO_LARGE',
    `${fileName} unpacks to more than ${describeSize(maxUnpackedBytes)}, the most the ledger unpacks from one workbook (LEDGER_IMPORT_MAX_UNPACKED_BYTES): ` +
      'delete the sheets and empty formatted rows the plan does not need, or save the plan sheet as CSV',
  );
}

export function tooManyCells(fileName: string, maxCells: number): ImportError {
  return new ImportError(
    'FILE_TOO_LARGE',
    `${fileName} holds more than ${maxCells.toLocaleString('en-GB')} cells, the most the ledger reads from one workbook (50 a row at LEDGER_IMPORT_MAX_ROWS): ` +
      'delete the sheets and columns the plan does not need, or save the plan sheet as CSV',
  );
}

/** The row cap for readers that have the whole document (text, CSV): the last line that holds anything counts. */
export function checkRowCount(lastLine: number, fileName: string, maxRows: number): void {
  if (lastLine > maxRows) throw tooManyRows(fileName, lastLine, maxRows);
}
