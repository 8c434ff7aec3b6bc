import { ImportError } from './import-error.js';

/**
 * The characters of a text file (tab-separated or CSV): UTF-8, with or without a byte-order mark, or UTF-16
 * with one (Word's and Excel's "Unicode text"). Anything else is refused with a clear message rather than
 * guessed: decoding Windows-1252 as UTF-8 would put "Caf\uFFFD" in an audit ledger, for ever.
 *
 * `saveAs` names the export that fixes it, in the words of the program the person is using.
 */
export function decodeText(bytes: Uint8Array, fileName: string, saveAs = '"Unicode (UTF-8)" text'): string {
  if (bytes.length === 0) throw new ImportError('EMPTY_FILE', `${fileName} is empty: there is nothing to import`);
  let text: string;
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le', { fatal: true }).decode(bytes);
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be', { fatal: true }).decode(bytes);
    else text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const where = utf16 ? undefined : firstInvalidUtf8(bytes);
    throw new ImportError(
      'NOT_TEXT',
      `${fileName} is not UTF-8 text (it may be a binary file, or text saved in another encoding such as Windows-1252` +
        `${where ? `: the first byte that is not UTF-8 is on line ${where.line}` : ''}): save the table as ${saveAs}, or import the spreadsheet itself`,
      where ? [where.line] : [],
      { cause: error },
    );
  }
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) {
    throw new ImportError('NOT_TEXT', `${fileName} holds control characters, so it is a binary file, not a text table: export the table as text first`);
  }
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new ImportError('EMPTY_FILE', `${fileName} holds only blank lines: there is nothing to import`);
  return text;
}

/** The line of the first byte sequence that is not UTF-8, so a person can find the "é" that was saved as Windows-1252. */
function firstInvalidUtf8(bytes: Uint8Array): { line: number } | undefined {
  let line = 1;
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i]!;
    if (byte === 0x0a) line++;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return { line };
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return { line };
    i += length;
  }
  return undefined;
}
