import { ImportError } from './import-error.js';
import { DEFAULT_IMPORT_LIMITS, maxCellsFor, tooManyCells, tooManyRows, tooMuchUnpacked, type ImportLimits } from './import-limits.js';
import { spreadsheetLines } from './spreadsheet-lines.js';
import type { TabularDocument } from './tabular-document.js';
import { MalformedXmlError, XmlScanner, type XmlHandler } from './xml-scanner.js';
import { DamagedZipError, UnpackBudget, ZipDirectory } from './zip-directory.js';

export interface XlsxReadOptions extends Partial<Pick<ImportLimits, 'maxUnpackedBytes' | 'maxRows'>> {
  /** The worksheet to read, by its tab's name (case and surrounding spaces do not matter). Default: the first visible one. */
  readonly sheet?: string;
}

/** Excel's own limit on the characters in a cell: a longer one was not written by a spreadsheet program. */
const MAX_CELL_CHARS = 32_767;
/** Excel's last column, XFD. */
const MAX_COLUMNS = 16_384;

/**
 * Reads one worksheet of an Excel workbook (.xlsx, .xlsm) into the same document the text reader makes:
 * one line per sheet row, numbered as Excel numbers them, so provenance names the row a person sees.
 *
 * A workbook is a zip of XML parts, and nothing in it is trusted to say how big it is (a "zip bomb" claims a
 * few hundred bytes and inflates to gigabytes). So it is read as a stream, within ImportLimits:
 * - only the parts needed are inflated, in this order: the workbook's relationships and sheet list, the one
 *   sheet wanted, then the styles (only if a number in it may be a date) and the shared strings (keeping only
 *   the strings the sheet uses). Every other entry (other sheets, pictures, a planted gigabyte) is never inflated;
 * - each part is inflated a kilobyte of input at a time and scanned as it comes (xml-scanner), never held whole;
 *   every inflated byte is counted against one budget for the whole workbook (maxUnpackedBytes), and reading
 *   stops the moment it is spent;
 * - a cell past row maxRows, more cells than fifty a row, or a cell longer than Excel allows stops it too.
 *
 * How cells read, as a person sees them rather than as Excel stores them:
 * - Merged cells: the value belongs to the range's top-left cell; the other cells of the range read as
 *   EMPTY. A Rec No merged down over three rows is then a reference followed by two rows without one, which
 *   the interpretation reads as continuation rows, exactly as it reads a Word table whose merged cell was
 *   pasted once. A title merged across the columns is a row with one cell.
 * - Rich text reads as its text; a hyperlink as its text; a formula as its last calculated result (a
 *   workbook saved by a program that does not calculate has none: the cell reads empty); an error as
 *   Excel shows it ("#N/A"); TRUE/FALSE as such.
 * - A date reads as a UK date, "30 September 2012" (with the time, "30 September 2012 14:30", if it has
 *   one), which the plan's date reading understands; numbers without the float noise ("4.1", not "4.0999…").
 * - Hidden rows and columns are read (they are part of the plan); hidden sheets are not the default.
 */
export async function readXlsxFile(bytes: Uint8Array, fileName: string, options: XlsxReadOptions = {}): Promise<TabularDocument> {
  const limits = { maxUnpackedBytes: options.maxUnpackedBytes ?? DEFAULT_IMPORT_LIMITS.maxUnpackedBytes, maxRows: options.maxRows ?? DEFAULT_IMPORT_LIMITS.maxRows };
  const zip = openArchive(bytes, fileName);
  const budget = new UnpackBudget(limits.maxUnpackedBytes, () => tooMuchUnpacked(fileName, limits.maxUnpackedBytes));
  const read = (part: string, handler: XmlHandler) => readPart(zip, part, budget, handler, fileName);

  const relationships = new RelationshipsHandler();
  if (zip.has('xl/_rels/workbook.xml.rels')) read('xl/_rels/workbook.xml.rels', relationships);
  const book = new WorkbookHandler();
  read('xl/workbook.xml', book);
  const sheet = chooseSheet(book.sheets, fileName, options.sheet);
  const sheetPart = relationships.targets.get(sheet.relationshipId);
  if (sheetPart === undefined || !zip.has(sheetPart)) {
    throw unreadable(fileName, `the sheet "${sheet.name}" is listed but its part is missing`);
  }

  const cells = new SheetHandler(fileName, limits.maxRows, maxCellsFor(limits));
  read(sheetPart, cells);

  const stylesPart = relationships.ofType('styles') ?? (zip.has('xl/styles.xml') ? 'xl/styles.xml' : undefined);
  const styles = new StylesHandler();
  if (cells.styledNumbers && stylesPart !== undefined && zip.has(stylesPart)) read(stylesPart, styles);
  const stringsPart = relationships.ofType('sharedStrings') ?? (zip.has('xl/sharedStrings.xml') ? 'xl/sharedStrings.xml' : undefined);
  const strings = new SharedStringsHandler(cells.sharedStringsUsed, fileName);
  if (cells.sharedStringsUsed.size > 0) {
    if (stringsPart === undefined || !zip.has(stringsPart)) throw unreadable(fileName, 'its cells name shared strings but it has none');
    read(stringsPart, strings);
  }

  const rows = cells.rowsAsText((cell) => {
    if (typeof cell === 'string') return cell;
    if (cell.kind === 'shared') return strings.texts.get(cell.index) ?? '';
    return numberText(cell.value, styles.isDateStyle(cell.style), book.date1904);
  });
  if (rows.length === 0) throw new ImportError('EMPTY_FILE', `The sheet "${sheet.name}" of ${fileName} is empty: there is nothing to import`);
  return { sheet: sheet.name, lines: spreadsheetLines(rows) };
}

/**
 * The zip's table of contents, with a Word document or another zip named for what it is. Nothing is inflated
 * here: this reads the central directory only.
 */
function openArchive(bytes: Uint8Array, fileName: string): ZipDirectory {
  let zip: ZipDirectory;
  try {
    zip = new ZipDirectory(bytes);
  } catch (error) {
    if (!(error instanceof DamagedZipError)) throw error;
    throw new ImportError(
      'UNREADABLE_SPREADSHEET',
      `${fileName} looks like a spreadsheet (a zip archive) but it is damaged or incomplete: open it in Excel or LibreOffice and save it again as .xlsx`,
      [],
      { cause: error },
    );
  }
  if (zip.has('word/document.xml')) {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName} is a Word document: copy its table into a text file (it pastes as tab-separated text) or a spreadsheet, and import that`);
  }
  if (zip.has('content.xml') && zip.has('mimetype')) {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName} is an OpenDocument file (LibreOffice .ods or .odt): save the sheet as "Excel 2007-365 (.xlsx)" or as CSV (UTF-8) and import that`);
  }
  if (!zip.has('xl/workbook.xml')) {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName} is a zip archive but not an Excel workbook: import the .xlsx, .csv or tab-separated text file itself`);
  }
  return zip;
}

function readPart(zip: ZipDirectory, part: string, budget: UnpackBudget, handler: XmlHandler, fileName: string): void {
  const scanner = new XmlScanner(handler);
  try {
    zip.inflate(part, budget, (chunk) => scanner.push(chunk));
    scanner.end();
  } catch (error) {
    if (error instanceof DamagedZipError || error instanceof MalformedXmlError) throw unreadable(fileName, `${part}: ${error.message}`, error);
    throw error;
  }
}

function unreadable(fileName: string, why: string, cause?: unknown): ImportError {
  return new ImportError(
    'UNREADABLE_SPREADSHEET',
    `${fileName} could not be read as an Excel workbook (${why}): open it in Excel or LibreOffice and save it again as .xlsx`,
    [],
    cause === undefined ? undefined : { cause },
  );
}

// ---------------------------------------------------------------------------------------------
// The workbook: its sheets, their parts, its date system

interface SheetEntry {
  readonly name: string;
  readonly relationshipId: string;
  readonly visible: boolean;
}

class WorkbookHandler implements XmlHandler {
  readonly sheets: SheetEntry[] = [];
  date1904 = false;

  open(name: string, attributes: ReadonlyMap<string, string>): void {
    if (name === 'sheet' && this.sheets.length < 10_000) {
      this.sheets.push({ name: attributes.get('name') ?? '', relationshipId: attributes.get('id') ?? '', visible: (attributes.get('state') ?? 'visible') === 'visible' });
    } else if (name === 'workbookPr') {
      const value = attributes.get('date1904');
      this.date1904 = value === '1' || value === 'true';
    }
  }
  close(): void {}
  text(): void {}
  wantsText(): boolean {
    return false;
  }
}

class RelationshipsHandler implements XmlHandler {
  /** Relationship id → the part it points at, as a path inside the zip. */
  readonly targets = new Map<string, string>();
  private readonly byType = new Map<string, string>();

  open(name: string, attributes: ReadonlyMap<string, string>): void {
    if (name !== 'Relationship' || this.targets.size >= 10_000) return;
    const id = attributes.get('Id');
    const target = attributes.get('Target');
    if (id === undefined || target === undefined || attributes.get('TargetMode') === 'External') return;
    const part = partPath(target);
    this.targets.set(id, part);
    const type = (attributes.get('Type') ?? '').split('/').at(-1) ?? '';
    if (!this.byType.has(type)) this.byType.set(type, part);
  }
  close(): void {}
  text(): void {}
  wantsText(): boolean {
    return false;
  }

  ofType(type: string): string | undefined {
    return this.byType.get(type);
  }
}

/** "worksheets/sheet1.xml" (relative to xl/) or "/xl/worksheets/sheet1.xml" → "xl/worksheets/sheet1.xml". */
function partPath(target: string): string {
  const segments = target.startsWith('/') ? [] : ['xl'];
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments.join('/');
}

function chooseSheet(sheets: readonly SheetEntry[], fileName: string, wanted: string | undefined): SheetEntry {
  const list = sheets.map((s) => `"${s.name}"`).join(', ');
  if (wanted !== undefined) {
    const key = wanted.trim().toLowerCase();
    const found = sheets.find((s) => s.name.trim().toLowerCase() === key);
    if (!found) throw new ImportError('SHEET_NOT_FOUND', `${fileName} has no sheet called "${wanted}"; its sheets are ${list || '(none)'}`);
    return found;
  }
  const first = sheets.find((s) => s.visible) ?? sheets[0];
  if (!first) throw new ImportError('EMPTY_FILE', `${fileName} has no worksheets: there is nothing to import`);
  return first;
}

// ---------------------------------------------------------------------------------------------
// The sheet

/** A cell whose text needs another part: a shared string, or a number that may be a date by its style. */
type PendingCell = string | { readonly kind: 'shared'; readonly index: number } | { readonly kind: 'number'; readonly value: number; readonly style: number };

interface CellDraft {
  column: number;
  type: string;
  style: number;
  value: string;
  inline: string;
}

class SheetHandler implements XmlHandler {
  private readonly rows = new Map<number, PendingCell[]>();
  private readonly merges: [top: number, left: number, bottom: number, right: number][] = [];
  readonly sharedStringsUsed = new Set<number>();
  styledNumbers = false;
  private lastRow = 0;
  private rowNumber = 0;
  private nextColumn = 1;
  private cell?: CellDraft;
  /** Where text goes: the cell's <v>, an inline string's <t> (outside phonetic runs), or nowhere. */
  private into: 'value' | 'inline' | undefined;
  private inPhonetic = false;
  private cellSlots = 0;

  constructor(
    private readonly fileName: string,
    private readonly maxRows: number,
    private readonly maxCells: number,
  ) {}

  open(name: string, attributes: ReadonlyMap<string, string>, selfClosing: boolean): void {
    switch (name) {
      case 'row': {
        const r = Number(attributes.get('r'));
        this.rowNumber = Number.isInteger(r) && r > 0 ? r : this.rowNumber + 1;
        this.nextColumn = 1;
        return;
      }
      case 'c': {
        const ref = attributes.get('r');
        const position = ref === undefined ? undefined : cellPosition(ref);
        if (position && position.row !== this.rowNumber && position.row > 0) this.rowNumber = position.row;
        const column = position?.column ?? this.nextColumn;
        if (column > MAX_COLUMNS) throw unreadable(this.fileName, `a cell is beyond Excel's last column (${ref})`);
        this.nextColumn = column + 1;
        const style = Number(attributes.get('s') ?? 0);
        this.cell = { column, type: attributes.get('t') ?? 'n', style: Number.isInteger(style) ? style : 0, value: '', inline: '' };
        if (selfClosing) this.endCell();
        return;
      }
      case 'v':
        if (this.cell && !selfClosing) this.into = 'value';
        return;
      case 'rPh':
        if (!selfClosing) this.inPhonetic = true;
        return;
      case 't':
        if (this.cell && !this.inPhonetic && !selfClosing) this.into = 'inline';
        return;
      case 'mergeCell': {
        const range = mergeRange(attributes.get('ref') ?? '');
        if (!range) return;
        if (this.merges.length >= this.maxCells) throw tooManyCells(this.fileName, this.maxCells);
        this.merges.push(range);
        return;
      }
      default:
        return;
    }
  }

  close(name: string): void {
    if (name === 'v' || name === 't') this.into = undefined;
    else if (name === 'rPh') this.inPhonetic = false;
    else if (name === 'c') this.endCell();
  }

  wantsText(): boolean {
    return this.cell !== undefined && this.into !== undefined;
  }

  text(text: string): void {
    if (!this.cell || this.into === undefined) return;
    const draft = this.cell;
    if (this.into === 'value') draft.value += text;
    else draft.inline += text;
    if (draft.value.length + draft.inline.length > MAX_CELL_CHARS) {
      throw unreadable(this.fileName, `a cell holds more than ${MAX_CELL_CHARS.toLocaleString('en-GB')} characters, more than Excel allows`);
    }
  }

  private endCell(): void {
    const draft = this.cell;
    this.cell = undefined;
    this.into = undefined;
    if (!draft) return;
    const value = cellValue(draft);
    if (value === undefined || value === '') return;
    if (this.rowNumber > this.maxRows) throw tooManyRows(this.fileName, this.rowNumber, this.maxRows);
    if (typeof value !== 'string') {
      if (value.kind === 'shared') this.sharedStringsUsed.add(value.index);
      else if (value.style !== 0) this.styledNumbers = true;
    }
    let cells = this.rows.get(this.rowNumber);
    if (!cells) {
      cells = [];
      this.rows.set(this.rowNumber, cells);
    }
    // Cells are counted as the dense row they become, so a lone cell in column XFD costs what it will cost.
    if (draft.column > cells.length) {
      this.cellSlots += draft.column - cells.length;
      if (this.cellSlots > this.maxCells) throw tooManyCells(this.fileName, this.maxCells);
    }
    cells[draft.column - 1] = value;
    if (this.rowNumber > this.lastRow) this.lastRow = this.rowNumber;
  }

  /** Rows 1…last with a value, each cell's text given by `textOf`, merged ranges read as their top-left cell. */
  rowsAsText(textOf: (cell: PendingCell) => string): string[][] {
    let work = 0;
    for (const [top, left, bottom, right] of this.merges) {
      for (let r = top; r <= Math.min(bottom, this.lastRow); r++) {
        const cells = this.rows.get(r);
        if (!cells) continue;
        for (let c = left; c <= Math.min(right, cells.length); c++) {
          if (r === top && c === left) continue;
          // Overlapping giant ranges are not a sheet a person made: do not spend minutes on them.
          if (++work > this.maxCells * 4) throw tooManyCells(this.fileName, this.maxCells);
          delete cells[c - 1];
        }
      }
    }
    const rows: string[][] = [];
    for (let r = 1; r <= this.lastRow; r++) {
      const cells = this.rows.get(r) ?? [];
      rows.push(Array.from(cells, (cell) => (cell === undefined ? '' : textOf(cell))));
    }
    // Formatting reaches far below the table in many sheets, and a shared string may be empty: those rows are not part of the plan.
    while (rows.length > 0 && rows[rows.length - 1]!.every((cell) => cell.trim() === '')) rows.pop();
    return rows;
  }
}

function cellValue(draft: CellDraft): PendingCell | undefined {
  switch (draft.type) {
    case 's': {
      const index = Number(draft.value.trim());
      return draft.value.trim() !== '' && Number.isInteger(index) && index >= 0 ? { kind: 'shared', index } : undefined;
    }
    case 'inlineStr':
      return unescapeXlsx(draft.inline);
    case 'str':
      return unescapeXlsx(draft.value);
    case 'b':
      return draft.value.trim() === '' ? undefined : draft.value.trim() === '1' || draft.value.trim() === 'true' ? 'TRUE' : 'FALSE';
    case 'e':
      return draft.value.trim();
    case 'd':
      return draft.value.trim() === '' ? undefined : ukDate(new Date(draft.value.trim()));
    default: {
      if (draft.value.trim() === '') return undefined;
      const value = Number(draft.value);
      if (!Number.isFinite(value)) return '';
      return { kind: 'number', value, style: draft.style };
    }
  }
}

/** "B12" → row 12, column 2. */
function cellPosition(ref: string): { row: number; column: number } | undefined {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/.exec(ref.trim());
  if (!match) return undefined;
  let column = 0;
  for (const letter of match[1]!.toUpperCase()) column = column * 26 + (letter.charCodeAt(0) - 64);
  return { row: Number(match[2]), column };
}

function mergeRange(ref: string): [number, number, number, number] | undefined {
  const [from, to] = ref.split(':');
  const a = from === undefined ? undefined : cellPosition(from);
  const b = to === undefined ? a : cellPosition(to);
  if (!a || !b) return undefined;
  return [Math.min(a.row, b.row), Math.min(a.column, b.column), Math.max(a.row, b.row), Math.max(a.column, b.column)];
}

// ---------------------------------------------------------------------------------------------
// Shared strings and styles

class SharedStringsHandler implements XmlHandler {
  /** Only the strings the sheet uses: a workbook's table holds every sheet's. */
  readonly texts = new Map<number, string>();
  private index = -1;
  private current = '';
  private inItem = false;
  private inText = false;
  private inPhonetic = false;

  constructor(
    private readonly wanted: ReadonlySet<number>,
    private readonly fileName: string,
  ) {}

  open(name: string, _attributes: ReadonlyMap<string, string>, selfClosing: boolean): void {
    if (name === 'si') {
      this.index++;
      this.current = '';
      this.inItem = !selfClosing;
      if (selfClosing && this.wanted.has(this.index)) this.texts.set(this.index, '');
    } else if (name === 'rPh') {
      this.inPhonetic = !selfClosing;
    } else if (name === 't') {
      this.inText = this.inItem && !this.inPhonetic && !selfClosing;
    }
  }

  close(name: string): void {
    if (name === 't') this.inText = false;
    else if (name === 'rPh') this.inPhonetic = false;
    else if (name === 'si') {
      if (this.wanted.has(this.index)) this.texts.set(this.index, unescapeXlsx(this.current));
      this.inItem = false;
      this.current = '';
    }
  }

  wantsText(): boolean {
    return this.inText && this.wanted.has(this.index);
  }

  text(text: string): void {
    if (!this.inText || !this.wanted.has(this.index)) return;
    this.current += text;
    if (this.current.length > MAX_CELL_CHARS) throw unreadable(this.fileName, `a cell holds more than ${MAX_CELL_CHARS.toLocaleString('en-GB')} characters, more than Excel allows`);
  }
}

/** Excel's built-in number formats that are dates or times (the locale-specific ones included). */
const BUILT_IN_DATE_FORMATS: ReadonlySet<number> = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

class StylesHandler implements XmlHandler {
  private readonly customFormats = new Map<number, string>();
  /** Each cell style's number format id, by the style's index (a cell's s="…"). */
  private readonly cellFormats: number[] = [];
  private inCellXfs = false;

  open(name: string, attributes: ReadonlyMap<string, string>, selfClosing: boolean): void {
    if (name === 'numFmt') {
      const id = Number(attributes.get('numFmtId'));
      if (Number.isInteger(id) && this.customFormats.size < 10_000) this.customFormats.set(id, attributes.get('formatCode') ?? '');
    } else if (name === 'cellXfs') {
      this.inCellXfs = !selfClosing;
    } else if (name === 'xf' && this.inCellXfs && this.cellFormats.length < 100_000) {
      const id = Number(attributes.get('numFmtId') ?? 0);
      this.cellFormats.push(Number.isInteger(id) ? id : 0);
    }
  }

  close(name: string): void {
    if (name === 'cellXfs') this.inCellXfs = false;
  }

  text(): void {}
  wantsText(): boolean {
    return false;
  }

  isDateStyle(style: number): boolean {
    const format = this.cellFormats[style];
    if (format === undefined) return false;
    const code = this.customFormats.get(format);
    if (code === undefined) return BUILT_IN_DATE_FORMATS.has(format);
    // As Excel reads a format: what is in brackets ([Red], [$-809]) or quotes is not a date part.
    return /[ymdhsb]/i.test(code.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '').replace(/\\./g, ''));
  }
}

// ---------------------------------------------------------------------------------------------
// Values as a person reads them

function numberText(value: number, isDate: boolean, date1904: boolean): string {
  if (isDate) return ukDate(new Date(Math.round((value - 25569 + (date1904 ? 1462 : 0)) * 24 * 3600 * 1000)));
  return String(Number(value.toPrecision(15)));
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "30 September 2012": Excel's dates are days without a zone, read here as UTC midnights. */
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
