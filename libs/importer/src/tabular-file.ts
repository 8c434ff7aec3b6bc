import { extname } from 'node:path';
import { looksLikeCellPerLine, readCellPerLine } from './cell-per-line-reader.js';
import type { ColumnMapping } from './column-headers.js';
import { readCsv, readCsvFile, sniffDelimiter } from './csv-reader.js';
import { ImportError } from './import-error.js';
import { checkRowCount, DEFAULT_IMPORT_LIMITS, type ImportLimits } from './import-limits.js';
import type { PlanLayout, TabularDocument } from './tabular-document.js';
import { decodeText } from './text-encoding.js';
import { readTabularText, readTabularTextFile } from './tabular-text-reader.js';
import { assembleWrappedRows, joinWrappedHeaders, looksWrapped } from './wrapped-rows.js';
import { readXlsxFile } from './xlsx-reader.js';

export type TabularFormat = 'xlsx' | 'csv' | 'text';

export interface ReadTabularOptions extends Partial<Pick<ImportLimits, 'maxUnpackedBytes' | 'maxRows'>> {
  /** For a workbook: the sheet to read (default: the first visible one). Ignored for text and CSV. */
  readonly sheet?: string;
  /** Read the file in this layout instead of the one detected (`--layout`). */
  readonly layout?: PlanLayout;
  /** The column mapping, so that detecting a layout recognises the same headers the reading will. */
  readonly mapping?: ColumnMapping;
}

/**
 * Picks the reader for a file, one small module per format, all producing a TabularDocument:
 * tabular-text-reader (pasted Word tables, "Text (tab delimited)"), csv-reader, xlsx-reader.
 */
export async function readTabularFile(bytes: Uint8Array, fileName: string, options: ReadTabularOptions = {}): Promise<TabularDocument> {
  const document = joinWrappedHeaders(await readByFormat(bytes, fileName, options), options.mapping);
  const forced = options.layout;
  // A PDF's lines are a layout of rows, whatever format carried them (tab-separated text, CSV, a sheet).
  if (forced === 'pdf-extracted' || (forced === undefined && document.layout !== 'cell-per-line' && looksWrapped(document, options.mapping))) {
    return assembleWrappedRows(document, options.mapping);
  }
  return document;
}

async function readByFormat(bytes: Uint8Array, fileName: string, options: ReadTabularOptions): Promise<TabularDocument> {
  const maxRows = options.maxRows ?? DEFAULT_IMPORT_LIMITS.maxRows;
  const format = detectFormat(bytes, fileName);
  const forced = options.layout;
  if (format !== 'xlsx' && forced !== undefined && forced !== 'pdf-extracted') {
    if (forced === 'xlsx') throw new ImportError('UNREADABLE_SPREADSHEET', `${fileName} is not an Excel workbook (a workbook is a zip archive), so --layout xlsx cannot read it: leave --layout out, or give the .xlsx itself`);
    if (forced === 'csv') return { ...withinRows(readCsv(decodeText(bytes, fileName), fileName, { maxRows }), fileName, maxRows), layout: 'csv' };
    const text = decodeText(bytes, fileName);
    if (forced === 'cell-per-line') return withinRows(readCellPerLine(text, options.mapping), fileName, maxRows);
    return { ...withinRows(readTabularText(text), fileName, maxRows), layout: 'tab-separated' };
  }
  if (format === 'xlsx' && forced !== undefined && forced !== 'xlsx' && forced !== 'pdf-extracted') {
    throw new ImportError('INVALID_OPTIONS', `${fileName} is an Excel workbook; --layout ${forced} is for text files. Leave --layout out (or give --layout xlsx)`);
  }
  switch (format) {
    // The workbook reader stops at the row limit as it reads: a small workbook can hold a million rows.
    case 'xlsx':
      return { ...(await readXlsxFile(bytes, fileName, { ...(options.sheet !== undefined ? { sheet: options.sheet } : {}), ...(options.maxUnpackedBytes !== undefined ? { maxUnpackedBytes: options.maxUnpackedBytes } : {}), maxRows })), layout: 'xlsx' };
    // Text and CSV are no larger than the file (LEDGER_IMPORT_MAX_BYTES), so they are counted once read.
    case 'csv':
      return { ...withinRows(readCsvFile(bytes, fileName, { maxRows }), fileName, maxRows), layout: 'csv' };
    case 'text': {
      const text = decodeText(bytes, fileName);
      if (looksLikeCellPerLine(text, options.mapping)) return withinRows(readCellPerLine(text, options.mapping), fileName, maxRows);
      return { ...withinRows(readTabularTextFile(bytes, fileName), fileName, maxRows), layout: 'tab-separated' };
    }
  }
}

function withinRows<T extends TabularDocument>(document: T, fileName: string, maxRows: number): T {
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
