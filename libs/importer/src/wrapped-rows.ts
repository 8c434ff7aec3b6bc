import { detectHeaderRow, sameColumns, type ColumnMapping, type TableColumns } from './column-headers.js';
import { plainText } from './plain-text.js';
import type { ImportProblem } from './imported-plan.js';
import { extraCellProblem, lineUpCells } from './interpret-plan.js';
import { looksLikeRef } from './plan-refs.js';
import { isStandaloneLead } from './split-leads.js';
import type { DocumentLine, TabularDocument } from './tabular-document.js';

/**
 * A table extracted from a PDF comes one printed line at a time: a cell's text wraps onto the lines below, in
 * several columns at once, and the header is printed again on every page. This puts the lines back together
 * into the table's rows: a line with a reference starts a row; every line after it without one carries on its
 * cells, column by column, across page breaks (blank lines and the repeated header), until the next reference,
 * a different header or a heading.
 *
 * A heading printed across the table ("Child P | rotection Conferen | ce System": the extraction cut it at the
 * column edges) is not part of any row: its pieces are joined back into a line of text (`fromCells`) so the
 * reading reports it, and the row above is closed.
 */
export function assembleWrappedRows(document: TabularDocument, mapping?: ColumnMapping): TabularDocument {
  const out: DocumentLine[] = [];
  const problems: ImportProblem[] = [];
  let table: TableColumns | undefined;
  let pending: { line: number; cells: string[]; lines: number[] } | undefined;
  const flush = () => {
    if (pending) out.push({ line: pending.line, kind: 'row', cells: pending.cells, lines: pending.lines });
    pending = undefined;
  };
  for (const line of document.lines) {
    if (line.kind !== 'row') {
      out.push(line);
      continue;
    }
    const header = detectHeaderRow(line.cells, line.line, mapping);
    if (header) {
      if (!table || !sameColumns(table, header)) flush();
      table = header;
      out.push(line);
      continue;
    }
    const refIndex = table?.kind === 'actions' ? table.fields.indexOf('ref') : -1;
    if (!table || refIndex < 0) {
      flush();
      out.push(line);
      continue;
    }
    let cells = line.cells.map(plainText);
    let raw: readonly string[] = line.cells;
    // A printed line with an extra cell is lined up before it is joined to the lines around it, column by column.
    const lined = lineUpCells(table, cells);
    if (lined) {
      problems.push(extraCellProblem(table, line.line, lined));
      cells = lined.cells;
      raw = lined.cells;
    }
    const ref = cells[refIndex] ?? '';
    if (ref !== '' && looksLikeRef(ref)) {
      flush();
      pending = { line: line.line, cells: [...raw], lines: [...(line.lines ?? [line.line])] };
      continue;
    }
    const heading = headingAcrossColumns(cells, refIndex);
    if (heading !== undefined) {
      flush();
      out.push({ line: line.line, kind: 'text', text: heading, fromCells: cells.filter((c) => c !== '') });
      continue;
    }
    if (!pending) {
      out.push(line);
      continue;
    }
    const width = Math.max(pending.cells.length, line.cells.length);
    for (let i = 0; i < width; i++) {
      const below = cells[i] ?? '';
      if (below === '') continue;
      const above = plainText(pending.cells[i] ?? '');
      pending.cells[i] = joinWrapped(table.fields[i], above, below);
    }
    pending.lines.push(...(line.lines ?? [line.line]));
  }
  flush();
  return { ...document, lines: out, layout: 'pdf-extracted', problems: [...(document.problems ?? []), ...problems] };
}

/**
 * The text of a cell and of its next printed line, as one: a word cut with a hyphen joins up ("multi-" +
 * "agency"), a new list item starts a new line, a lead on a line of its own is a separate lead ("DCS" / "KSCB"),
 * and anything else is the same sentence going on, with a space.
 */
export function joinWrapped(field: string | undefined, above: string, below: string): string {
  if (above === '') return below;
  if (/^(?:•|-\s|\(?[a-h]\)|\(?[ivx]{1,4}\)|\d{1,2}[.)]\s)/.test(below)) return `${above}\n${below}`;
  if (field === 'leads') {
    const last = above.slice(above.lastIndexOf('\n') + 1);
    if (isStandaloneLead(last) && isStandaloneLead(below)) return `${above}\n${below}`;
  }
  if (/[a-z]-$/.test(above) && /^[a-z]/.test(below)) return `${above}${below}`;
  return `${above} ${below}`;
}

/**
 * A heading spread over the columns: text in the reference column that is not a reference, or pieces in
 * neighbouring columns that cut a word in two ("Conferen" | "ce System"). Returns the heading's words.
 */
export function headingAcrossColumns(cells: readonly string[], refIndex: number): string | undefined {
  const filled = cells.map((cell, i) => ({ cell, i })).filter(({ cell }) => cell !== '');
  if (filled.length === 0) return undefined;
  const total = filled.reduce((n, { cell }) => n + cell.length, 0);
  if (total > 150) return undefined;
  const contiguous = filled.every(({ i }, k) => k === 0 || i === filled[k - 1]!.i + 1);
  const cutWord = filled.some(({ cell }, k) => k > 0 && /[A-Za-z]$/.test(filled[k - 1]!.cell) && /^[a-z]/.test(cell) && contiguous);
  const inRefColumn = (cells[refIndex] ?? '') !== '' && filled[0]!.i === refIndex && /^[A-Z]/.test(filled[0]!.cell);
  if (!cutWord && !inRefColumn) return undefined;
  if (!contiguous && !inRefColumn) return undefined;
  let text = '';
  for (const [k, { cell }] of filled.entries()) {
    const cut = k > 0 && /[A-Za-z]$/.test(filled[k - 1]!.cell) && /^[a-z]/.test(cell);
    text += k === 0 ? cell : cut ? cell : ` ${cell}`;
  }
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Does this read like a PDF's lines rather than a table's rows? Under a header with a reference column, at
 * least half the lines without a reference carry on sentences from the line above (most of their cells start
 * in lower case), and there are at least as many of them as rows with a reference.
 */
export function looksWrapped(document: TabularDocument, mapping?: ColumnMapping): boolean {
  let table: TableColumns | undefined;
  let withRef = 0;
  let without = 0;
  let carryOn = 0;
  for (const line of document.lines) {
    if (line.kind !== 'row') continue;
    const header = detectHeaderRow(line.cells, line.line, mapping);
    if (header) {
      table = header;
      continue;
    }
    const refIndex = table?.kind === 'actions' ? table.fields.indexOf('ref') : -1;
    if (refIndex < 0) continue;
    const cells = line.cells.map(plainText);
    if (cells.every((c) => c === '')) continue;
    if (looksLikeRef(cells[refIndex] ?? '')) withRef++;
    else if ((cells[refIndex] ?? '') === '') {
      without++;
      const starts = cells.filter((cell) => /^[a-z]/.test(cell));
      if (starts.length > 0 && starts.length * 2 >= cells.filter((c) => c !== '').length) carryOn++;
    }
  }
  return withRef > 0 && without >= withRef && carryOn * 2 >= without;
}

/**
 * A header whose names wrap onto a second line ("Assigned" / "to", "Proposed" / "Action", "Progress" / "update"),
 * as a PDF prints a narrow column's header: the two lines are one header when, cell by cell, every name joined up
 * is a known column and there are more known columns than in the first line alone. Repeats for a third line.
 */
export function joinWrappedHeaders(document: TabularDocument, mapping?: ColumnMapping): TabularDocument {
  const out: DocumentLine[] = [];
  let changed = false;
  for (const line of document.lines) {
    const above = out.at(-1);
    if (line.kind === 'row' && above?.kind === 'row') {
      const width = Math.max(above.cells.length, line.cells.length);
      const joined = Array.from({ length: width }, (_, i) => [plainText(above.cells[i] ?? ''), plainText(line.cells[i] ?? '')].filter(Boolean).join(' '));
      const header = detectHeaderRow(joined, above.line, mapping);
      const before = detectHeaderRow(above.cells, above.line, mapping);
      const known = (h: TableColumns | undefined) => h?.fields.filter((f) => f !== undefined).length ?? 0;
      const allKnown = header !== undefined && joined.every((cell, i) => cell === '' || header.fields[i] !== undefined);
      if (allKnown && known(header) > known(before) && !line.cells.some((c) => looksLikeRef(plainText(c)))) {
        out[out.length - 1] = { line: above.line, kind: 'row', cells: joined, lines: [...(above.lines ?? [above.line]), ...(line.lines ?? [line.line])] };
        changed = true;
        continue;
      }
    }
    out.push(line);
  }
  return changed ? { ...document, lines: out } : document;
}
