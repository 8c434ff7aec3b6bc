import { describe, expect, it } from '@jest/globals';
import { detectDelimiter, readCsv, readCsvFile } from './csv-reader.js';
import { ImportError } from './import-error.js';

const errorOf = (run: () => unknown): ImportError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error('expected an ImportError');
};

describe('readCsv', () => {
  it('reads quoted cells holding commas, doubled quotes and line breaks, numbering rows as a spreadsheet does', () => {
    const csv = 'Rec No,Action,Responsible manager(s)\r\n4,"Review the ""Stay Safe"" group, then report",Martin Pratt\r\n,"Audit referrals\nand assessments","Rachel Deakin\nSue Ioannou"\r\n';
    expect(readCsv(csv, 'plan.csv').lines).toEqual([
      { line: 1, kind: 'row', cells: ['Rec No', 'Action', 'Responsible manager(s)'] },
      { line: 2, kind: 'row', cells: ['4', 'Review the "Stay Safe" group, then report', 'Martin Pratt'] },
      { line: 3, kind: 'row', cells: ['', 'Audit referrals\nand assessments', 'Rachel Deakin\nSue Ioannou'] },
    ]);
  });

  it('reads a semicolon file whose cells are full of commas, as a continental Excel writes it', () => {
    const csv = 'Rec No;Action;Lead\n4;Performance team, with partners, to report;Peter Worthington\n;Children, families and learning to monitor;All Assistant Directors\n';
    expect(detectDelimiter(csv)).toBe(';');
    expect(readCsv(csv, 'plan.csv').lines[1]).toEqual({ line: 2, kind: 'row', cells: ['4', 'Performance team, with partners, to report', 'Peter Worthington'] });
  });

  it('reads a comma file whose quoted cells are full of semicolons, and a tab-separated file named .csv', () => {
    expect(detectDelimiter('Ref,Action,Lead\n1,"Audit; report; review",Sue\n2,Train staff,Rachel\n')).toBe(',');
    expect(detectDelimiter('Ref\tAction\tLead\n1\tAudit, report\tSue\n')).toBe('\t');
  });

  it('drops the byte-order mark Excel writes at the start of "CSV UTF-8"', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Rec No,Action\n4,Do it\n', 'utf8')]);
    expect(readCsvFile(bytes, 'plan.csv').lines[0]).toEqual({ line: 1, kind: 'row', cells: ['Rec No', 'Action'] });
  });

  it('keeps empty rows as blank lines so later rows keep the numbers a spreadsheet shows', () => {
    const lines = readCsv('Ref,Action\n\n,,\n1,Do it\n', 'plan.csv').lines;
    expect(lines.map((l) => [l.line, l.kind])).toEqual([
      [1, 'row'],
      [2, 'blank'],
      [3, 'blank'],
      [4, 'row'],
    ]);
  });

  it('reads a title above the table as a heading and a lone "Work Stream" cell as a heading, but a lone reference as a row', () => {
    const csv = 'Laming Recommendations 2009 – Response and Action Plan – June 2009,,\nRec No,Action,Lead\n4,Do it,Sue\nWork Stream 2: Assessment,,\n6,,\n';
    expect(readCsv(csv, 'plan.csv').lines).toEqual([
      { line: 1, kind: 'text', text: 'Laming Recommendations 2009 – Response and Action Plan – June 2009', heading: true },
      { line: 2, kind: 'row', cells: ['Rec No', 'Action', 'Lead'] },
      { line: 3, kind: 'row', cells: ['4', 'Do it', 'Sue'] },
      { line: 4, kind: 'text', text: 'Work Stream 2: Assessment' },
      { line: 5, kind: 'row', cells: ['6'] },
    ]);
  });

  it('refuses a Windows-1252 file, naming the line and the export that fixes it', () => {
    // "Rec No,Action\n4,Café review\n" as Excel's "CSV (Comma delimited)" writes it on Windows.
    const windows1252 = Buffer.concat([Buffer.from('Rec No,Action\n4,Caf', 'latin1'), Buffer.from([0xe9]), Buffer.from(' review\n', 'latin1')]);
    const error = errorOf(() => readCsvFile(windows1252, 'plan.csv'));
    expect(error).toMatchObject({ code: 'NOT_TEXT', rows: [2] });
    expect(error.message).toMatch(/not UTF-8 text.*Windows-1252.*line 2.*"CSV UTF-8 \(Comma delimited\)"/);
  });

  it('refuses a quote that is never closed, naming where', () => {
    const error = errorOf(() => readCsv('Rec No,Action\n4,"Do it\n5,Review\n', 'plan.csv'));
    expect(error.code).toBe('MALFORMED_CSV');
    expect(error.message).toMatch(/^plan\.csv is not a well-formed CSV file/);
  });

  it('keeps a stray quote inside an unquoted cell as text', () => {
    expect(readCsv('Ref,Action\n1,The 6" report\n', 'plan.csv').lines[1]).toEqual({ line: 2, kind: 'row', cells: ['1', 'The 6" report'] });
  });
});
