import { describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { strToU8, zipSync } from 'fflate';
import { ImportError } from './import-error.js';
import { readXlsxFile, ukDate } from './xlsx-reader.js';

/** A workbook made here, in memory, as Excel would save it. */
async function workbook(build: (book: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const book = new ExcelJS.Workbook();
  build(book);
  return new Uint8Array(await book.xlsx.writeBuffer());
}

async function errorOf(run: () => Promise<unknown>): Promise<ImportError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error('expected an ImportError');
}

describe('readXlsxFile', () => {
  it('reads the first visible sheet, numbering rows as Excel does and naming the sheet', async () => {
    const bytes = await workbook((book) => {
      const notes = book.addWorksheet('Notes');
      notes.state = 'hidden';
      notes.addRow(['Not the plan']);
      const plan = book.addWorksheet('Action plan');
      plan.addRow(['Rec No', 'Action', 'Lead']);
      plan.addRow([]);
      plan.addRow([4, 'Performance team to report', 'Peter Worthington']);
    });
    expect(await readXlsxFile(bytes, 'plan.xlsx')).toEqual({
      sheet: 'Action plan',
      lines: [
        { line: 1, kind: 'row', cells: ['Rec No', 'Action', 'Lead'] },
        { line: 2, kind: 'blank' },
        { line: 3, kind: 'row', cells: ['4', 'Performance team to report', 'Peter Worthington'] },
      ],
    });
  });

  it('reads the sheet it is told to, whatever its case, and lists the sheets when there is no such sheet', async () => {
    const bytes = await workbook((book) => {
      book.addWorksheet('Summary').addRow(['RAG', 'Work Stream']);
      book.addWorksheet('Workstream 1').addRow(['Key Del', 'Actions']);
    });
    expect((await readXlsxFile(bytes, 'plan.xlsx', { sheet: ' workstream 1 ' })).sheet).toBe('Workstream 1');
    const error = await errorOf(() => readXlsxFile(bytes, 'plan.xlsx', { sheet: 'Workstream 9' }));
    expect(error).toMatchObject({ code: 'SHEET_NOT_FOUND', message: 'plan.xlsx has no sheet called "Workstream 9"; its sheets are "Summary", "Workstream 1"' });
  });

  it('gives a merged cell its value once, in its top-left cell, so the rows below read as continuation rows', async () => {
    const bytes = await workbook((book) => {
      const sheet = book.addWorksheet('Plan');
      sheet.addRow(['Rec No', 'Recommendation', 'Action']);
      sheet.addRow([4, 'The Government should introduce new statutory targets', 'Performance team to report']);
      sheet.addRow([null, null, "Children's Trust to monitor performance"]);
      sheet.addRow([null, null, 'Current key indicators to be monitored']);
      sheet.addRow(['Phase 2: Improvement Planning']);
      sheet.mergeCells('A2:A4');
      sheet.mergeCells('B2:B4');
      sheet.mergeCells('A5:C5');
    });
    const { lines } = await readXlsxFile(bytes, 'plan.xlsx');
    expect(lines.slice(1)).toEqual([
      { line: 2, kind: 'row', cells: ['4', 'The Government should introduce new statutory targets', 'Performance team to report'] },
      { line: 3, kind: 'row', cells: ['', '', "Children's Trust to monitor performance"] },
      { line: 4, kind: 'row', cells: ['', '', 'Current key indicators to be monitored'] },
      { line: 5, kind: 'row', cells: ['Phase 2: Improvement Planning'] },
    ]);
  });

  it('reads rich text, formulas, hyperlinks, dates, numbers and errors as Excel shows them', async () => {
    const bytes = await workbook((book) => {
      const sheet = book.addWorksheet('Plan');
      sheet.addRow(['Ref', 'Action', 'Lead', 'Start', 'Target', 'Priority', 'Link', 'Score']);
      sheet.addRow([
        4.1,
        { richText: [{ text: 'Audit ', font: { bold: true } }, { text: 'referrals\nand assessments' }] },
        { formula: 'CONCATENATE("Rachel"," Deakin")', result: 'Rachel Deakin' },
        new Date(Date.UTC(2012, 4, 1)),
        { formula: 'D2+152', result: new Date(Date.UTC(2012, 8, 30)) },
        { formula: 'VLOOKUP(A2,Priorities,2)', result: { error: '#N/A' } },
        { text: 'Guidance', hyperlink: 'https://example.org/guidance' },
        0.1 + 0.2,
      ]);
    });
    const { lines } = await readXlsxFile(bytes, 'plan.xlsx');
    expect(lines[1]).toEqual({
      line: 2,
      kind: 'row',
      cells: ['4.1', 'Audit referrals\nand assessments', 'Rachel Deakin', '1 May 2012', '30 September 2012', '#N/A', 'Guidance', '0.3'],
    });
  });

  it('reads a title above the table as the heading that names the plan', async () => {
    const bytes = await workbook((book) => {
      const sheet = book.addWorksheet('Plan');
      sheet.addRow(['Laming Recommendations 2009 – Response and Action Plan – June 2009']);
      sheet.mergeCells('A1:C1');
      sheet.addRow(['Rec No', 'Action', 'Lead']);
    });
    expect((await readXlsxFile(bytes, 'plan.xlsx')).lines[0]).toEqual({ line: 1, kind: 'text', text: 'Laming Recommendations 2009 – Response and Action Plan – June 2009', heading: true });
  });

  it('refuses a sheet with nothing in it', async () => {
    const bytes = await workbook((book) => void book.addWorksheet('Plan'));
    expect(await errorOf(() => readXlsxFile(bytes, 'plan.xlsx'))).toMatchObject({ code: 'EMPTY_FILE', message: expect.stringContaining('"Plan"') });
  });

  it('refuses a damaged workbook, a Word document and a zip that is not a workbook, saying what each is', async () => {
    const good = await workbook((book) => void book.addWorksheet('Plan').addRow(['Rec No', 'Action']));
    expect(await errorOf(() => readXlsxFile(good.subarray(0, good.length / 2), 'cut.xlsx'))).toMatchObject({ code: 'UNREADABLE_SPREADSHEET' });
    const docx = zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'word/document.xml': strToU8('<w:document/>') });
    expect(await errorOf(() => readXlsxFile(docx, 'plan.xlsx'))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('is a Word document') });
    const photos = zipSync({ 'photo.jpg': new Uint8Array(10) });
    expect(await errorOf(() => readXlsxFile(photos, 'photos.zip'))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('not an Excel workbook') });
  });

  it('refuses a small workbook whose sheet unpacks to more than the limit, as soon as it passes it', async () => {
    // 12 MB of one repeated byte compresses to a few tens of KB: a "zip bomb" in miniature.
    const bomb = zipSync({ ...minimalWorkbook(), 'xl/worksheets/sheet1.xml': new Uint8Array(12 * 1024 * 1024).fill(0x20) }, { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const error = await errorOf(() => readXlsxFile(bomb, 'plan.xlsx', { maxUnpackedBytes: 10 * 1024 * 1024 }));
    expect(error).toMatchObject({ code: 'FILE_TOO_LARGE', message: expect.stringMatching(/^plan\.xlsx unpacks to more than 10 MB, the most the ledger unpacks from one workbook \(LEDGER_IMPORT_MAX_UNPACKED_BYTES\)/) });
  });
});

/** The parts a workbook needs, one sheet whose part the test gives as xl/worksheets/sheet1.xml. */
function minimalWorkbook(): Record<string, Uint8Array> {
  return {
    '[Content_Types].xml': strToU8('<Types/>'),
    'xl/workbook.xml': strToU8('<workbook xmlns:r="r"><sheets><sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    'xl/_rels/workbook.xml.rels': strToU8('<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
  };
}

describe('ukDate', () => {
  it('writes a date as a UK reader does, with the time only when there is one', () => {
    expect(ukDate(new Date(Date.UTC(2012, 8, 30)))).toBe('30 September 2012');
    expect(ukDate(new Date(Date.UTC(2009, 9, 1, 14, 30)))).toBe('1 October 2009 14:30');
  });
});

describe('readXlsxFile within its limits', () => {
  const sheetWith = (xml: string) => zipSync({ ...minimalWorkbook(), 'xl/worksheets/sheet1.xml': strToU8(`<worksheet><sheetData>${xml}</sheetData></worksheet>`) });

  it('refuses data past the row limit as it reads, naming the row and the setting', async () => {
    const bytes = sheetWith('<row r="1"><c r="A1" t="inlineStr"><is><t>Rec No</t></is></c></row><row r="1001"><c r="A1001" t="inlineStr"><is><t>4</t></is></c></row>');
    const error = await errorOf(() => readXlsxFile(bytes, 'plan.xlsx', { maxRows: 1000 }));
    expect(error).toMatchObject({ code: 'FILE_TOO_LARGE', rows: [1001], message: expect.stringMatching(/^plan\.xlsx has more than 1,000 rows \(row 1,001 holds data\); .*\(LEDGER_IMPORT_MAX_ROWS\)/) });
    // Empty formatted rows far below the table are not data.
    const formatted = sheetWith('<row r="1"><c r="A1" t="inlineStr"><is><t>Rec No</t></is></c><c r="B1" t="inlineStr"><is><t>Action</t></is></c></row><row r="900000"><c r="A900000" s="1"/></row>');
    expect((await readXlsxFile(formatted, 'plan.xlsx', { maxRows: 1000 })).lines).toEqual([{ line: 1, kind: 'row', cells: ['Rec No', 'Action'] }]);
  });

  it('refuses a row thousands of columns wide by the cell limit', async () => {
    const wide = `<row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>`;
    expect(await errorOf(() => readXlsxFile(sheetWith(wide), 'plan.xlsx', { maxRows: 100 }))).toMatchObject({ code: 'FILE_TOO_LARGE', message: expect.stringContaining('more than 5,000 cells') });
  });

  it('reads only the strings the sheet uses, and refuses a cell longer than Excel allows', async () => {
    const strings = `<sst><si><t>unused</t></si><si><r><t>Rec </t></r><r><t>No</t></r><rPh><t>ignored</t></rPh></si></sst>`;
    const rels =
      '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="/xl/sharedStrings.xml"/></Relationships>';
    const bytes = zipSync({
      ...minimalWorkbook(),
      'xl/_rels/workbook.xml.rels': strToU8(rels),
      'xl/sharedStrings.xml': strToU8(strings),
      'xl/worksheets/sheet1.xml': strToU8('<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="b"><v>1</v></c></row></sheetData></worksheet>'),
    });
    expect((await readXlsxFile(bytes, 'plan.xlsx')).lines).toEqual([{ line: 1, kind: 'row', cells: ['Rec No', 'TRUE'] }]);
    const long = sheetWith(`<row r="1"><c r="A1" t="inlineStr"><is><t>${'x'.repeat(40_000)}</t></is></c></row>`);
    expect(await errorOf(() => readXlsxFile(long, 'plan.xlsx'))).toMatchObject({ code: 'UNREADABLE_SPREADSHEET', message: expect.stringContaining('more than 32,767 characters') });
  });
});
