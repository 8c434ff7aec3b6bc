import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import { ImportError } from './import-error.js';
import { DEFAULT_IMPORT_MAX_BYTES, describeSize } from './import-size-limit.js';
import { spreadsheetLines } from './spreadsheet-lines.js';
import type { TabularDocument } from './tabular-document.js';

export interface XlsxReadOptions {
  /** The worksheet to read, by its tab's name (case and surrounding spaces do not matter). Default: the first visible one. */
  readonly sheet?: string;
  /** The import's size limit: the workbook may expand to at most ten times it (see inspectArchive). */
  readonly maxBytes?: number;
}

/**
 * Reads one worksheet of an Excel workbook (.xlsx, .xlsm) into the same document the text reader makes:
 * one line per sheet row, numbered as Excel numbers them, so provenance names the row a person sees.
 *
 * How cells read, as a person sees them rather than as Excel stores them:
 * - Merged cells: the value belongs to the range's top-left cell; the other cells of the range read as
 *   EMPTY (exceljs would hand each of them the top-left value). A Rec No merged down over three rows is
 *   then a reference followed by two rows without one, which the interpretation reads as continuation rows,
 *   exactly as it reads a Word table whose merged cell was pasted once. A title merged across the columns is
 *   a row with one cell.
 * - Rich text reads as its text; a hyperlink as its text; a formula as its last calculated result (a
 *   workbook saved by a program that does not calculate has none: the cell reads empty); an error as
 *   Excel shows it ("#N/A"); TRUE/FALSE as such.
 * - A date reads as a UK date, "30 September 2012" (with the time, "30 September 2012 14:30", if it has
 *   one), which the plan's date reading understands; numbers without the float noise ("4.1", not "4.0999…").
 * - Hidden rows and columns are read (they are part of the plan); hidden sheets are not the default.
 */
export async function readXlsxFile(bytes: Uint8Array, fileName: string, options: XlsxReadOptions = {}): Promise<TabularDocument> {
  inspectArchive(bytes, fileName, options.maxBytes ?? DEFAULT_IMPORT_MAX_BYTES);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch (error) {
    throw new ImportError(
      'UNREADABLE_SPREADSHEET',
      `${fileName} could not be read as an Excel workbook (${(error as Error).message}): open it in Excel or LibreOffice and save it again as .xlsx`,
      [],
      { cause: error },
    );
  }
  const worksheet = chooseSheet(workbook, fileName, options.sheet);
  const rows: string[][] = [];
  for (let r = 1; r <= worksheet.rowCount; r++) {
    const row = worksheet.findRow(r);
    const cells: string[] = [];
    row?.eachCell({ includeEmpty: true }, (cell, column) => {
      cells[column - 1] = cellText(cell);
    });
    rows.push(Array.from(cells, (cell) => cell ?? ''));
  }
  // Formatting reaches far below the table in many sheets: those empty rows are not part of the plan.
  while (rows.length > 0 && rows[rows.length - 1]!.every((cell) => cell.trim() === '')) rows.pop();
  if (rows.length === 0) throw new ImportError('EMPTY_FILE', `The sheet "${worksheet.name}" of ${fileName} is empty: there is nothing to import`);
  return { sheet: worksheet.name, lines: spreadsheetLines(rows) };
}

/**
 * Looks inside the zip before anything is unpacked: a Word document or another zip gets a message that says
 * what it is, and a workbook that would expand to more than ten times the import's limit (a "zip bomb", or
 * a sheet formatted to its millionth row) is refused before it can exhaust the server's memory.
 */
export function inspectArchive(bytes: Uint8Array, fileName: string, maxBytes: number): void {
  const entries: { name: string; originalSize: number }[] = [];
  try {
    unzipSync(bytes, {
      filter: (file) => {
        entries.push({ name: file.name, originalSize: file.originalSize });
        return false;
      },
    });
  } catch (error) {
    throw new ImportError(
      'UNREADABLE_SPREADSHEET',
      `${fileName} looks like a spreadsheet (a zip archive) but it is damaged or incomplete: open it in Excel or LibreOffice and save it again as .xlsx`,
      [],
      { cause: error },
    );
  }
  const names = new Set(entries.map((entry) => entry.name.replace(/^\//, '')));
  if (names.has('word/document.xml')) {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName} is a Word document: copy its table into a text file (it pastes as tab-separated text) or a spreadsheet, and import that`);
  }
  if (names.has('content.xml') && names.has('mimetype')) {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName} is an OpenDocument file (LibreOffice .ods or .odt): save the sheet as "Excel 2007-365 (.xlsx)" or as CSV (UTF-8) and import that`);
  }
  if (!names.has('xl/workbook.xml')) {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName} is a zip archive but not an Excel workbook: import the .xlsx, .csv or tab-separated text file itself`);
  }
  const expanded = entries.reduce((total, entry) => total + entry.originalSize, 0);
  const limit = maxBytes * 10;
  if (expanded > limit) {
    throw new ImportError(
      'FILE_TOO_LARGE',
      `${fileName} expands to ${describeSize(expanded)} when unpacked; the ledger reads workbooks that expand to at most ${describeSize(limit)}: ` +
        'delete the sheets and empty formatted rows the plan does not need, or save the plan sheet as CSV',
    );
  }
}

function chooseSheet(workbook: ExcelJS.Workbook, fileName: string, wanted: string | undefined): ExcelJS.Worksheet {
  const sheets = workbook.worksheets;
  const list = sheets.map((s) => `"${s.name}"`).join(', ');
  if (wanted !== undefined) {
    const key = wanted.trim().toLowerCase();
    const found = sheets.find((s) => s.name.trim().toLowerCase() === key);
    if (!found) throw new ImportError('SHEET_NOT_FOUND', `${fileName} has no sheet called "${wanted}"; its sheets are ${list || '(none)'}`);
    return found;
  }
  const first = sheets.find((s) => s.state === 'visible') ?? sheets[0];
  if (!first) throw new ImportError('EMPTY_FILE', `${fileName} has no worksheets: there is nothing to import`);
  return first;
}

/** A cell as a person reads it in Excel (see readXlsxFile). */
export function cellText(cell: ExcelJS.Cell): string {
  // A merged range's other cells hand back the top-left value; the value belongs to the top-left cell only.
  if (cell.type === ExcelJS.ValueType.Merge) return '';
  return valueText(cell.value);
}

function valueText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return ukDate(value);
  if (typeof value === 'string') return unescapeXlsx(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toPrecision(15))) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if ('richText' in value) return unescapeXlsx(value.richText.map((run) => run.text).join(''));
  if ('formula' in value || 'sharedFormula' in value) return valueText(value.result);
  if ('hyperlink' in value) {
    const text = value.text as unknown;
    return typeof text === 'string' ? unescapeXlsx(text) : valueText(text as ExcelJS.CellValue);
  }
  if ('error' in value) return value.error;
  return '';
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "30 September 2012": Excel's dates are days without a zone, which exceljs gives as UTC midnights. */
export function ukDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const day = `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  const hours = date.getUTCHours();
  const minutes = date.getUTCMinutes();
  return hours === 0 && minutes === 0 ? day : `${day} ${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** OOXML writes characters XML cannot hold as _xHHHH_ (a carriage return is _x000D_); _x005F_ escapes an underscore. */
function unescapeXlsx(text: string): string {
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/\r\n?/g, '\n');
}
