import type { DocumentLine, TabularDocument } from './tabular-document.js';
import { decodeText } from './text-encoding.js';

/**
 * Reads a table pasted from Word (or saved by a spreadsheet as "Text (tab delimited)"): every line with
 * a tab is a row whose cells are split on tabs; lines without one are kept as text (markdown headings,
 * paragraphs), so the interpretation can find workstream headings between the tables.
 *
 * Not handled, on purpose: quoted cells spanning lines (Excel's TSV quoting). Word pastes do not quote,
 * and a quote at the start of a cell is ordinary text there; spreadsheets go through their own reader.
 */
export function readTabularText(text: string): TabularDocument {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  // A final newline ends the last line; it does not start another.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return {
    lines: lines.map((raw, index): DocumentLine => {
      const line = index + 1;
      if (raw.includes('\t')) return { line, kind: 'row', cells: raw.split('\t') };
      return raw.trim() === '' ? { line, kind: 'blank' } : { line, kind: 'text', text: raw };
    }),
  };
}

/** The bytes of a text file as a document: UTF-8 (with or without BOM) or UTF-16 with a BOM, else a clear error. */
export function readTabularTextFile(bytes: Uint8Array, fileName: string): TabularDocument {
  return readTabularText(decodeText(bytes, fileName));
}
