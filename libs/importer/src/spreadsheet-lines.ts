import type { DocumentLine } from './tabular-document.js';

/** A lone cell longer than this is a paragraph, not a title. */
const MAX_TITLE_LENGTH = 200;

/**
 * The rows of a spreadsheet (CSV or XLSX) as document lines, numbered as the sheet numbers them (from 1).
 *
 * A sheet has no text between its tables: what a Word document writes as a heading, a sheet writes as a row
 * with one cell. So, and only in these two cases, a row with one non-empty cell is read as text:
 *
 * - above the first row with two or more cells (the preamble): the plan's title ("Laming Recommendations
 *   2009 – … June 2009"), marked as a heading so it names a new plan and dates it as the text reader does;
 * - in the first column, a workstream heading or key aim ("Work Stream 2: …", "Key Aim: …").
 *
 * Every other row stays a row, whatever it holds: a lone "4" in the Rec No column, a lone "Phase 1: …"
 * in the work stream summary or a lone cell carried on from the row above are the interpretation's to read.
 * A row of empty cells is a blank line (as a blank line between pasted tables is).
 */
export function spreadsheetLines(rows: readonly (readonly string[])[]): DocumentLine[] {
  let inTables = false;
  return rows.map((cells, index): DocumentLine => {
    const line = index + 1;
    const filled = cells.map((cell, column) => ({ cell, column })).filter(({ cell }) => cell.trim() !== '');
    if (filled.length === 0) return { line, kind: 'blank' };
    if (filled.length === 1) {
      const { cell, column } = filled[0]!;
      if (!inTables) return { line, kind: 'text', text: cell, ...(cell.trim().length <= MAX_TITLE_LENGTH ? { heading: true } : {}) };
      if (column === 0 && /^\s*(?:<[^>]*>\s*)*(?:\*\*)?\s*(?:work\s*stream\s*\d+|key\s+aims?\b)/i.test(cell)) return { line, kind: 'text', text: cell };
    } else {
      inTables = true;
    }
    return { line, kind: 'row', cells: trimTrailingEmpty(cells) };
  });
}

function trimTrailingEmpty(cells: readonly string[]): string[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1]!.trim() === '') end--;
  return cells.slice(0, end);
}
