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
    }
  | { readonly line: number; readonly kind: 'row'; readonly cells: readonly string[] };

export interface TabularDocument {
  /** The worksheet the rows come from, for spreadsheets; provenance names it. */
  readonly sheet?: string;
  /**
   * `line` is 1-based: the line of a text file or the row of a sheet, as a person finds it. For CSV it is
   * the row a spreadsheet shows (the record's number), which differs from the text line only after a cell
   * with a line break in it.
   */
  readonly lines: readonly DocumentLine[];
}
