import zlib from 'node:zlib';

/** One entry of a zip built by lyingZip: its text, or `size` bytes of one byte or a pattern repeated (with text before and after). */
export interface LyingEntry {
  name: string;
  text?: string;
  /** Instead of text: this many copies of `fill` (a space by default), deflated as a run (tiny on the wire). */
  run?: { size: number; fill?: number; pattern?: string; before?: string; after?: string };
}

/**
 * A zip archive whose local and central headers claim each `run` entry is `claimedSize` bytes unpacked (1,000
 * by default) whatever it really inflates to: what the attack of issue 14 uploaded. The data is real
 * deflate (zlib's run-length strategy, so 400 MB of spaces deflates to 400 KB in well under a second);
 * CRCs are left at 0, as nothing that trusts the headers checks them before inflating.
 */
export async function lyingZip(entries: readonly LyingEntry[], claimedSize = 1_000): Promise<Buffer> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = await deflated(entry);
    // Only the bomb lies: the honest parts say their true size, so that nothing fails before the bomb is read.
    const claim = entry.run ? Math.min(claimedSize, 0xfffffffe) : Buffer.byteLength(entry.text ?? '');
    const name = Buffer.from(entry.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(claim, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(claim, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

async function deflated(entry: LyingEntry): Promise<Buffer> {
  // A run of one byte deflates fastest by run-length; a repeated pattern (rows of cells) by plain matching.
  const stream = entry.run?.pattern === undefined ? zlib.createDeflateRaw({ level: 9, strategy: zlib.constants.Z_RLE }) : zlib.createDeflateRaw({ level: 1 });
  const out: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
  if (entry.text !== undefined) stream.write(entry.text);
  if (entry.run) {
    if (entry.run.before) stream.write(entry.run.before);
    const { pattern } = entry.run;
    const chunk = pattern === undefined ? Buffer.alloc(1024 * 1024, entry.run.fill ?? 0x20) : Buffer.from(pattern.repeat(Math.ceil((1024 * 1024) / pattern.length)));
    for (let left = entry.run.size; left > 0; left -= chunk.length) {
      if (!stream.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((resolve) => stream.once('drain', resolve));
    }
    if (entry.run.after) stream.write(entry.run.after);
  }
  stream.end();
  await ended;
  return Buffer.concat(out);
}

/** The parts of a one-sheet workbook, its sheet "Plan" at xl/worksheets/sheet1.xml (given by the caller). */
export function workbookParts(): LyingEntry[] {
  return [
    { name: '[Content_Types].xml', text: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
    { name: 'xl/workbook.xml', text: '<workbook xmlns:r="r"><sheets><sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>' },
    {
      name: 'xl/_rels/workbook.xml.rels',
      text:
        '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    },
  ];
}

/** A sheet of inline-string rows, as <row> XML: each row's cells in columns A, B, C… */
export function sheetRows(rows: readonly (readonly string[])[], firstRow = 1): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return rows
    .map(
      (cells, i) =>
        `<row r="${firstRow + i}">${cells
          .map((cell, c) => (cell === '' ? '' : `<c r="${String.fromCharCode(65 + c)}${firstRow + i}" t="inlineStr"><is><t>${escape(cell)}</t></is></c>`))
          .join('')}</row>`,
    )
    .join('');
}
