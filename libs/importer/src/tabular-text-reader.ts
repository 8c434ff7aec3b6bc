import { ImportError } from './import-error.js';
import type { DocumentLine, TabularDocument } from './tabular-document.js';

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

function decodeText(bytes: Uint8Array, fileName: string): string {
  if (bytes.length === 0) throw new ImportError('EMPTY_FILE', `${fileName} is empty: there is nothing to import`);
  let text: string;
  try {
    // Word's "Unicode text" is UTF-16 with a byte-order mark; everything else we accept is UTF-8.
    if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le', { fatal: true }).decode(bytes);
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be', { fatal: true }).decode(bytes);
    else text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new ImportError(
      'NOT_TEXT',
      `${fileName} is not UTF-8 text (it may be a binary file, or text saved in another encoding such as Windows-1252): ` +
        'save the table as "Unicode (UTF-8)" text, or import the spreadsheet itself',
      [],
      { cause: error },
    );
  }
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) {
    throw new ImportError('NOT_TEXT', `${fileName} holds control characters, so it is a binary file, not a text table: export the table as text first`);
  }
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new ImportError('EMPTY_FILE', `${fileName} holds only blank lines: there is nothing to import`);
  return text;
}
