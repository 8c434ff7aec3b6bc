import type { ImportProblem } from './imported-plan.js';
/**
 * What every reader (tab-separated text, CSV, XLSX) hands to the interpretation: the file's lines in order,
 * each a table row of raw cells, a line of text (a markdown heading, a paragraph) or a blank.
 * Cells are kept raw (Word's HTML fragments included); turning them into words is the interpretation's job.
 */
export type DocumentLine =
  | { readonly line: number; readonly kind: 'blank' }
  | {
      readonly line: number;
      readonly kind: 'text';
      readonly text: string;
      /**
       * The reader knows this line is a heading although its text has no markdown: a spreadsheet's title
       * row above its table. (Markdown headings, "## …", are read from the text itself.)
       */
      readonly heading?: boolean;
      /** A heading put back together from pieces a PDF's extraction cut at the column edges (as written there). */
      readonly fromCells?: readonly string[];
    }
  | {
      readonly line: number;
      readonly kind: 'row';
      readonly cells: readonly string[];
      /** Every line the row was assembled from, when it is more than `line` (a PDF's wrapped cells, a cell per line). */
      readonly lines?: readonly number[];
    };

/**
 * How the document lays its tables out, as detected (or forced with `--layout`):
 * - `tab-separated`: one line per row, cells split on tabs (a Word table pasted as text);
 * - `cell-per-line`: one cell per line, rows apart by blank lines or indentation (Word "save as text");
 * - `pdf-extracted`: one line per line of print, a cell's text wrapping onto the lines below in several columns,
 *   the header repeated on every page (a PDF's table copied or extracted);
 * - `csv`, `xlsx`: a spreadsheet's rows;
 * - `review`: a review file written by `--review` (recognised by its header, never forced).
 */
export type PlanLayout = 'tab-separated' | 'cell-per-line' | 'pdf-extracted' | 'csv' | 'xlsx' | 'review';
/** The layouts `--layout` can force. */
export const PLAN_LAYOUTS: readonly PlanLayout[] = ['tab-separated', 'cell-per-line', 'pdf-extracted', 'csv', 'xlsx'];

export interface TabularDocument {
  /** The worksheet the rows come from, for spreadsheets; provenance names it. */
  readonly sheet?: string;
  /** How its rows were laid out (see PlanLayout); absent means one line per row, as the reader found it. */
  readonly layout?: PlanLayout;
  /** What the reader itself had to say about the lines (a row of a cell-per-line table with too many lines). */
  readonly problems?: readonly ImportProblem[];
  /**
   * `line` is 1-based: the line of a text file or the row of a sheet, as a person finds it. For CSV it is
   * the row a spreadsheet shows (the record's number), which differs from the text line only after a cell
   * with a line break in it.
   */
  readonly lines: readonly DocumentLine[];
}
