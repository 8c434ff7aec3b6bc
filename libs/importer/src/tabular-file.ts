import { extname } from 'node:path';
import { ImportError } from './import-error.js';
import type { TabularDocument } from './tabular-document.js';
import { readTabularTextFile } from './tabular-text-reader.js';

/**
 * Picks the reader for a file: one small module per format, all producing a TabularDocument.
 * Only the tab-separated text reader exists yet; CSV and XLSX need a parser package (csv-parse, exceljs)
 * that the project has not taken on, so they are refused with a message that says so.
 */
export function readTabularFile(bytes: Uint8Array, fileName: string): TabularDocument {
  const extension = extname(fileName).toLowerCase();
  if (isZip(bytes) || extension === '.xlsx' || extension === '.xlsm') {
    throw new ImportError(
      'UNSUPPORTED_FORMAT',
      `${fileName} is a spreadsheet (XLSX); reading spreadsheets is not available yet: save the sheet as "Text (tab delimited)" and import that`,
    );
  }
  if (extension === '.xls' || extension === '.doc' || extension === '.docx' || extension === '.pdf') {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName}: ${extension} files cannot be imported; copy the table into a text file (tab-separated) and import that`);
  }
  if (extension === '.csv') {
    throw new ImportError('UNSUPPORTED_FORMAT', `${fileName}: reading comma-separated files is not available yet; save it as tab-separated text and import that`);
  }
  return readTabularTextFile(bytes, fileName);
}

function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}
