import { describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { importErrorCodeOf } from './testing/import-error-code.js';
import { detectFormat, readTabularFile } from './tabular-file.js';

describe('detectFormat', () => {
  it('reads a zip archive as a workbook whatever it is called, since a browser or an email may rename it', () => {
    const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]);
    expect(detectFormat(zip, 'plan.xlsx')).toBe('xlsx');
    expect(detectFormat(zip, 'plan.txt')).toBe('xlsx');
    expect(detectFormat(zip, 'upload')).toBe('xlsx');
  });

  it('reads a .csv as CSV and pasted tab-separated text as text, whatever else it holds', () => {
    expect(detectFormat(Buffer.from('Ref,Action\n1,Do it\n'), 'plan.csv')).toBe('csv');
    expect(detectFormat(Buffer.from('## Plan\nRef\tAction, with a comma\n1\tDo it, then report\n'), 'plan.txt')).toBe('text');
    expect(detectFormat(Buffer.from('Ref\tAction\n'), 'plan.tsv')).toBe('text');
  });

  it('reads text without a tab that splits evenly on commas or semicolons as CSV, whatever it is called', () => {
    expect(detectFormat(Buffer.from('Rec No;Action;Lead\n4;Do it, then report;Sue\n6;Audit;Rachel\n'), 'plan.txt')).toBe('csv');
    expect(detectFormat(Buffer.from('Rec No,Action,Lead\n4,"Do it, then report",Sue\n'), 'export')).toBe('csv');
    expect(detectFormat(Buffer.from('A plan, in prose.\nNothing, here, is a table.\n'), 'notes.txt')).toBe('text');
  });

  it('refuses old Office files, PDFs and a file named .xlsx that is not a workbook, saying what to do', () => {
    const ole2 = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect(() => detectFormat(ole2, 'plan.xls')).toThrow(/old-style Office file.*"Excel Workbook \(\.xlsx\)"/);
    expect(importErrorCodeOf(() => detectFormat(Buffer.from('%PDF-1.7\n'), 'plan.pdf'))).toBe('UNSUPPORTED_FORMAT');
    expect(importErrorCodeOf(() => detectFormat(Buffer.from('Ref,Action\n'), 'plan.xlsx'))).toBe('UNREADABLE_SPREADSHEET');
    expect(importErrorCodeOf(() => detectFormat(Buffer.from('Ref\tAction\n'), 'plan.docx'))).toBe('UNSUPPORTED_FORMAT');
  });
});

describe('readTabularFile', () => {
  it('reads the same table from tab-separated text, CSV and a workbook as the same rows', async () => {
    const rows = [
      ['Rec No', 'Action', 'Responsible manager(s)'],
      ['4', 'Performance team to report, quarterly', 'Peter Worthington / Iain Melville'],
    ];
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Plan').addRows(rows);
    const xlsx = new Uint8Array(await book.xlsx.writeBuffer());
    const csv = Buffer.from(rows.map((r) => r.map((c) => (c.includes(',') ? `"${c}"` : c)).join(',')).join('\r\n'));
    const tsv = Buffer.from(rows.map((r) => r.join('\t')).join('\n'));
    const expected = rows.map((cells, i) => ({ line: i + 1, kind: 'row', cells }));
    expect((await readTabularFile(xlsx, 'plan.xlsx')).lines).toEqual(expected);
    expect((await readTabularFile(csv, 'plan.csv')).lines).toEqual(expected);
    expect((await readTabularFile(tsv, 'plan.txt')).lines).toEqual(expected);
  });
});
