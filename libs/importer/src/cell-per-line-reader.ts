import { recogniseColumn, type ColumnMapping } from './column-headers.js';
import type { ImportProblem } from './imported-plan.js';
import type { DocumentLine, TabularDocument } from './tabular-document.js';

/**
 * A document whose tables were saved one cell per line (Word's "Plain text" of a table): the header's cells on
 * consecutive lines ("Recommendation" / "Progress" / "Further Action"), then each row's cells, rows apart by a
 * blank line, or by indentation (a row's first cell less indented than the others). A line holding only a tab
 * is an empty cell, not a gap between rows.
 *
 * A row with more lines than the header has cells keeps every line: a line indented deeper than its row's cells
 * carries on the cell above; otherwise the extra lines join the last cell and the row says so (`extra`). A row
 * with fewer lines leaves its last cells empty. Lines before the first header are text (the title, the date).
 */
export function readCellPerLine(text: string, mapping?: ColumnMapping): TabularDocument {
  const raw = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (raw.length > 1 && raw.at(-1) === '') raw.pop();
  const lines: DocumentLine[] = [];
  const problems: ImportProblem[] = [];
  let columns = 0;
  let headers: string[] = [];
  let indentMode = false;
  let rowIndent = 0;
  let headerIndented = false;
  let block: { line: number; text: string; indent: number }[] = [];

  const flush = () => {
    if (block.length === 0) return;
    const taken = block;
    block = [];
    if (columns === 0) {
      for (const { line, text } of taken) lines.push({ line, kind: 'text', text });
      return;
    }
    const cellIndent = Math.min(...taken.slice(1).map((b) => b.indent), Infinity);
    const cells: string[] = [];
    for (const [i, entry] of taken.entries()) {
      // A line indented deeper than the row's cells goes on with the cell above it.
      if (i > 0 && cells.length > 0 && taken.length > columns && entry.indent > cellIndent && cellIndent !== Infinity) {
        cells[cells.length - 1] = `${cells.at(-1)}\n${entry.text}`;
      } else cells.push(entry.text);
    }
    if (cells.length > columns) {
      const extra = cells.splice(columns - 1);
      cells.push(extra.filter((c) => c !== '').join('\n'));
      problems.push({
        code: 'CELL_COUNT_MISMATCH',
        severity: 'warning',
        message: `Lines ${taken[0]!.line}–${taken.at(-1)!.line}: a row of ${taken.length} lines under a header of ${columns} columns; the last ${extra.length} lines are read as one cell (${headers[columns - 1] ?? `column ${columns}`}). Check it: a cell of several paragraphs should have them indented deeper than the row's cells`,
        rows: taken.map((t) => t.line),
        text: extra.join('\n'),
      });
    } else if (cells.length < columns && cells.some((c) => c !== '')) {
      problems.push({
        code: 'CELL_COUNT_MISMATCH',
        severity: 'info',
        message: `Line ${taken[0]!.line}: a row of ${cells.length} line${cells.length === 1 ? '' : 's'} under a header of ${columns} columns; its last ${columns - cells.length} cell${columns - cells.length === 1 ? ' is' : 's are'} read as empty`,
        rows: taken.map((t) => t.line),
      });
    }
    if (cells.every((c) => c === '')) return;
    lines.push({ line: taken[0]!.line, kind: 'row', cells, lines: taken.map((t) => t.line) });
  };

  for (let i = 0; i < raw.length; i++) {
    const line = i + 1;
    const text = raw[i]!;
    const indent = /^[\t ]*/.exec(text)![0].replace(/ {4}/g, '\t').length;
    const words = text.trim();
    const emptyCell = words === '' && /\t/.test(text);
    if (words === '' && !emptyCell) {
      flush();
      lines.push({ line, kind: 'blank' });
      continue;
    }
    // A run of lines that each name a column is a header: the table's cells, one per line, follow.
    const header = headerRunAt(raw, i, mapping);
    if (header > 0 && block.length === 0) {
      flush();
      const cells = raw.slice(i, i + header).map((l) => l.trim());
      lines.push({ line, kind: 'row', cells, lines: cells.map((_, k) => line + k) });
      columns = header;
      headers = cells;
      const indents = raw.slice(i, i + header).map((l) => /^[\t ]*/.exec(l)![0].length);
      indentMode = indents[0]! < Math.min(...indents.slice(1));
      rowIndent = indents[0]!;
      headerIndented = Math.max(...indents) > 0;
      i += header - 1;
      continue;
    }
    if (columns > 0 && indentMode && indent <= rowIndent && block.length > 0) flush();
    if (columns > 0 && headerIndented && !/^[\t ]/.test(text) && !indentMode && block.length === 0 && looksLikeHeading(words)) {
      lines.push({ line, kind: 'text', text: words });
      continue;
    }
    block.push({ line, text: words, indent });
  }
  flush();
  return { lines, layout: 'cell-per-line', problems };
}

/** How many lines from `i` each name a column (at least two, else 0). */
export function headerRunAt(raw: readonly string[], i: number, mapping?: ColumnMapping): number {
  // A header block on its own (a blank line after it) may hold a column the importer does not know ("Comments"):
  // short lines, at least two and at least half of them known names.
  let end = i;
  while (end < raw.length && raw[end]!.trim() !== '') end++;
  const block = raw.slice(i, end).map((l) => l.trim());
  if (end < raw.length && block.length >= 2 && block.length <= 12 && block.every((l) => l.length <= 60 && !/[.;,]$/.test(l))) {
    const known = block.filter((l) => recogniseColumn(l, mapping) !== undefined).length;
    if (known >= 2 && known * 2 >= block.length && recogniseColumn(block[0]!, mapping) !== undefined) return block.length;
  }
  let n = 0;
  while (i + n < raw.length && raw[i + n]!.trim() !== '' && raw[i + n]!.trim().length <= 60 && recogniseColumn(raw[i + n]!, mapping) !== undefined) n++;
  return n >= 2 ? n : 0;
}

/** Text between tables in a cell-per-line file: a line that is not indented like the cells and reads as a heading. */
function looksLikeHeading(words: string): boolean {
  return words.length <= 120 && !/[.;:,]$/.test(words) && /^[A-Z0-9#]/.test(words);
}

/**
 * Does this text look like one cell per line? No line holds two cells side by side (tab-separated), and some run
 * of lines names the columns one per line.
 */
export function looksLikeCellPerLine(text: string, mapping?: ColumnMapping): boolean {
  const raw = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/, 5_000);
  const sideBySide = raw.some((line) => line.split('\t').filter((cell) => cell.trim() !== '').length >= 2);
  if (sideBySide) return false;
  return raw.some((_, i) => headerRunAt(raw, i, mapping) > 0);
}
