import { describe, expect, it } from '@jest/globals';
import { importErrorCodeOf } from './testing/import-error-code.js';
import { readTabularText, readTabularTextFile } from './tabular-text-reader.js';

describe('readTabularText', () => {
  it('numbers the lines from 1 and keeps headings, blanks and rows apart', () => {
    const document = readTabularText('\n## A plan\nRec No\tAction\n4\tDo it\n');
    expect(document.lines).toEqual([
      { line: 1, kind: 'blank' },
      { line: 2, kind: 'text', text: '## A plan' },
      { line: 3, kind: 'row', cells: ['Rec No', 'Action'] },
      { line: 4, kind: 'row', cells: ['4', 'Do it'] },
    ]);
  });

  it('keeps empty cells, so a continuation row still has its first cell', () => {
    expect(readTabularText('\t\tSecond action\tJuly 2009').lines[0]).toEqual({ line: 1, kind: 'row', cells: ['', '', 'Second action', 'July 2009'] });
  });

  it('reads Windows line ends and a byte-order mark', () => {
    expect(readTabularText('\uFEFFa\tb\r\nc\td\r\n').lines).toEqual([
      { line: 1, kind: 'row', cells: ['a', 'b'] },
      { line: 2, kind: 'row', cells: ['c', 'd'] },
    ]);
  });
});

describe('readTabularTextFile', () => {
  it('refuses an empty file', () => {
    expect(importErrorCodeOf(() => readTabularTextFile(new Uint8Array(), 'plan.txt'))).toBe('EMPTY_FILE');
    expect(importErrorCodeOf(() => readTabularTextFile(Buffer.from('\n \n  \n'), 'plan.txt'))).toBe('EMPTY_FILE');
  });

  it('refuses a binary file', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    expect(importErrorCodeOf(() => readTabularTextFile(png, 'logo.png'))).toBe('NOT_TEXT');
    expect(importErrorCodeOf(() => readTabularTextFile(Buffer.from('Rec No\tAction\u0000\u0001'), 'plan.txt'))).toBe('NOT_TEXT');
  });

  it('refuses text that is not UTF-8, naming the fix', () => {
    const windows1252 = Buffer.from([0x52, 0x65, 0x63, 0x09, 0x43, 0x61, 0x66, 0xe9, 0x0a]); // "Rec\tCafé" in Windows-1252
    expect(() => readTabularTextFile(windows1252, 'plan.txt')).toThrow(/not UTF-8 text.*Unicode \(UTF-8\)/);
  });

  it("reads Word's Unicode text (UTF-16 with a byte-order mark)", () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Rec No\tAction\n', 'utf16le')]);
    expect(readTabularTextFile(utf16, 'plan.txt').lines[0]).toEqual({ line: 1, kind: 'row', cells: ['Rec No', 'Action'] });
  });
});
