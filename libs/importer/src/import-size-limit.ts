import { ImportError } from './import-error.js';

/** 20 MB: the largest real plan we know of is under 1 MB as text and a few MB as a formatted workbook. */
export const DEFAULT_IMPORT_MAX_BYTES = 20 * 1024 * 1024;

/**
 * Refuses a file over the limit before a byte of it is parsed (or, for a file on disk, read), so a 50 MB
 * upload costs a message, not the server's memory. The limit is LEDGER_IMPORT_MAX_BYTES.
 */
export function checkImportSize(size: number, fileName: string, maxBytes: number = DEFAULT_IMPORT_MAX_BYTES): void {
  if (size > maxBytes) {
    throw new ImportError(
      'FILE_TOO_LARGE',
      `${fileName} is ${describeSize(size)}; the ledger imports files of up to ${describeSize(maxBytes)} (LEDGER_IMPORT_MAX_BYTES). ` +
        'Import the plan sheet on its own (as CSV or tab-separated text), or ask the operator to raise the limit',
    );
  }
}

/** "20 MB", "1.5 MB", "900 KB", "12 bytes". */
export function describeSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 1) return `${Number(mb.toFixed(mb >= 10 ? 0 : 1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
