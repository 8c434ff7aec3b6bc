import { CsvError, parse } from 'csv-parse/sync';
import { ImportError } from './import-error.js';
import { spreadsheetLines } from './spreadsheet-lines.js';
import type { TabularDocument } from './tabular-document.js';
import { decodeText } from './text-encoding.js';

export type CsvDelimiter = ',' | ';' | '\t';

/**
 * Reads a CSV file as Excel and LibreOffice write it (RFC 4180): cells in double quotes may hold the
 * delimiter, line breaks and doubled quotes (""). The delimiter is found, not assumed: a UK Excel writes
 * commas, a continental one semicolons, and "Text (tab delimited)" saved as .csv has tabs.
 *
 * UTF-8 is required (a byte-order mark is dropped; Excel's "CSV UTF-8" writes one). Excel's plain
 * "CSV (Comma delimited)" on Windows writes Windows-1252: it is refused with the fix, not guessed at.
 * Lenient where that loses nothing: a stray quote inside an unquoted cell is kept as text, and rows may
 * have fewer or more cells than the header. A quote that is never closed is an error naming its line.
 */
export function readCsvFile(bytes: Uint8Array, fileName: string, options: { maxRows?: number } = {}): TabularDocument {
  return readCsv(decodeText(bytes, fileName, '"CSV UTF-8 (Comma delimited)"'), fileName, options);
}

/** `maxRows`: records past it are not parsed (one more is, so that the caller sees the file goes on). */
export function readCsv(text: string, fileName: string, { maxRows }: { maxRows?: number } = {}): TabularDocument {
  const body = text.replace(/^\uFEFF/, '');
  let records: string[][];
  try {
    records = parse(body, {
      delimiter: detectDelimiter(body),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      ...(maxRows !== undefined ? { to: maxRows + 1 } : {}),
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines;
    throw new ImportError(
      'MALFORMED_CSV',
      `${fileName} is not a well-formed CSV file${line ? ` (near line ${line})` : ''}: ${error.message.replace(/^[^:]*:\s*/, '')}. ` +
        'A cell that starts with a double quote must end with one; save the sheet from the spreadsheet again, or import the .xlsx itself',
      line ? [line] : [],
      { cause: error },
    );
  }
  return { lines: spreadsheetLines(records) };
}

/**
 * The delimiter whose count is the same on the most records, outside quotes: every row of a sheet has the
 * same number of cells, while commas inside unquoted prose (in a semicolon file) come and go. Looks at the
 * first 50 records; ties go to the comma, then the semicolon.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  return sniffDelimiter(text).delimiter;
}

/** The delimiter, on how many of the records sampled its count is the same (`score`), and how many were sampled. */
export function sniffDelimiter(text: string): { delimiter: CsvDelimiter; score: number; records: number } {
  const candidates: CsvDelimiter[] = [',', ';', '\t'];
  const counts = countOutsideQuotes(text, candidates, 50);
  let best: { delimiter: CsvDelimiter; score: number; total: number } = { delimiter: ',', score: 0, total: 0 };
  for (const delimiter of candidates) {
    const perRecord = counts.map((c) => c[delimiter]).filter((n) => n > 0);
    if (perRecord.length === 0) continue;
    const frequency = new Map<number, number>();
    for (const n of perRecord) frequency.set(n, (frequency.get(n) ?? 0) + 1);
    const score = Math.max(...frequency.values());
    const total = perRecord.reduce((a, b) => a + b, 0);
    if (score > best.score || (score === best.score && total > best.total)) best = { delimiter, score, total };
  }
  return { delimiter: best.delimiter, score: best.score, records: counts.length };
}

function countOutsideQuotes(text: string, delimiters: readonly CsvDelimiter[], maxRecords: number): Record<CsvDelimiter, number>[] {
  const records: Record<CsvDelimiter, number>[] = [];
  let current = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  let blank = true;
  for (let i = 0; i < text.length && records.length < maxRecords; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      // A doubled quote inside a quoted cell is a quote; otherwise a quote opens or closes a cell.
      if (quoted && text[i + 1] === '"') i++;
      else quoted = !quoted;
      blank = false;
    } else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (!blank) records.push(current);
      current = { ',': 0, ';': 0, '\t': 0 };
      blank = true;
    } else if (!quoted && (delimiters as readonly string[]).includes(ch)) {
      current[ch as CsvDelimiter]++;
      blank = false;
    } else if (ch.trim() !== '') {
      blank = false;
    }
  }
  if (!blank && records.length < maxRecords) records.push(current);
  return records;
}
