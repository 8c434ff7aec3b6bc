import { extname } from 'node:path';
import { readCsvFile, sniffDelimiter } from './csv-reader.js';
import { ImportError } from './import-error.js';
import { checkRowCount, DEFAULT_IMPORT_LIMITS, type ImportLimits } from './import-limits.js';
import type { TabularDocument } from './tabular-document.js';
import { readTabularTextFile } from './tabular-text-reader.js';
import { readXlsxFile } from './xlsx-reader.js';

export type TabularFormat = 'xlsx' | 'csv' | 'text';

export interface ReadTabularOptions extends Partial<Pick<ImportLimits, 'maxUnpackedBytes' | 'maxRows'>> {
  /** For a workbook: the sheet to read (default: the first visible one). Ignored for text and CSV. */
  readonly sheet?: string;
}

/**
 * Picks the reader for a file, one small module per format, all producing a TabularDocument:
 * tabular-text-reader (pasted Word tables, "Text (tab delimited)"), csv-reader, xlsx-reader.
 */
export async function readTabularFile(bytes: Uint8Array, fileName: string, options: ReadTabularOptions = {}): Promise<TabularDocument> {
  const maxRows = options.maxRows ?? DEFAULT_IMPORT_LIMITS.maxRows;
  switch (detectFormat(bytes, fileName)) {
    // The workbook reader stops at the row limit as it reads: a small workbook can hold a million rows.
    case 'xlsx':
      return readXlsxFile(bytes, fileName, { ...options, maxRows });
    // Text and CSV are no larger than the file (LEDGER_IMPORT_MAX_BYTES), so they are counted once read.
    case 'csv':
      return withinRows(readCsvFile(bytes, fileName, { maxRows }), fileName, maxRows);
    case 'text':
      return withinRows(readTabularTextFile(bytes, fileName), fileName, maxRows);
  }
}

function withinRows(document: TabularDocument, fileName: string, maxRows: number): TabularDocument {
  const last = document.lines.findLast((line) => line.kind !== 'blank');
  if (last) checkRowCount(last.line, fileName, maxRows);
  return document;
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d];

/**
 * Which reader, by what the file holds first and by its name second: a browser or an email may rename a
 * file, but it cannot make a zip archive start with anything other than PK\x03\x04.
 *
 * - A zip archive is read as a workbook (the workbook reader says so if it is a Word document instead).
 * - Old binary Office files and PDFs are refused, saying what to save them as.
 * - Text: a ".csv" is CSV; any other text with a tab in it is pasted tab-separated text (markdown headings
 *   and all); text without a single tab whose lines split evenly on commas or semicolons is CSV, whatever
 *   it is called; anything else goes to the text reader, which says why it found no table.
 */
export function detectFormat(bytes: Uint8Array, fileName: string): TabularFormat {
  const extension = extname(fileName).toLowerCase();
  if (startsWith(bytes, ZIP)) return 'xlsx';
  if (startsWith(bytes, OLE2)) {
    throw new ImportError(
      'UNSUPPORTED_FORMAT',
      `${fileName} is an old-style Office file (Excel 97-2003 .xls or Word .doc) or a password-protected workbook: ` +
        'remove any password and save it as "Excel Workbook (.xlsx)" or "CSV UTF-8", then import that',
    );
  }
  if (startsWith(bytes, PDF)) {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName} is a PDF: its tables cannot be read reliably; import the Word or Excel document the PDF was made from`);
  }
  if (extension === '.xlsx' || extension === '.xlsm') {
    if (bytes.length === 0) throw new ImportError('EMPTY_FILE', `${fileName} is empty: there is nothing to import`);
    throw new ImportError('UNREADABLE_SPREADSHEET', `${fileName} is named as an Excel workbook but is not one (a workbook is a zip archive): if it is text, name it .csv or .txt`);
  }
  if (['.xls', '.doc', '.docx', '.pdf', '.ods', '.odt', '.numbers', '.pages'].includes(extension)) {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName}: ${extension} files cannot be imported; save the table as .xlsx, CSV UTF-8 or tab-separated text and import that`);
  }
  if (extension === '.csv') return 'csv';
  return looksLikeCsv(bytes) ? 'csv' : 'text';
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

/** No tab at all in the first 64 KB, and at least two records, and most of them, split evenly on commas (or semicolons). */
function looksLikeCsv(bytes: Uint8Array): boolean {
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 64 * 1024));
  if (head.includes('\t') || head.includes('\u0000')) return false;
  const { delimiter, score, records } = sniffDelimiter(head);
  return delimiter !== '\t' && score >= 2 && score * 2 >= records;
}
