import { Inflate } from 'fflate';

/** One file of a zip archive, as its central directory lists it. Its sizes are claims, not facts. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated; anything else is refused when the entry is read. */
  readonly method: number;
  readonly compressedSize: number;
  readonly localHeaderOffset: number;
}

/** Thrown when the archive's structure cannot be read: the caller says so in its own words. */
export class DamagedZipError extends Error {}

/**
 * How many bytes all the entries read from one archive may inflate to, together. Counted on the bytes as they
 * come out of the decompressor, never on what a header says: a zip bomb's headers claim a few hundred bytes.
 */
export class UnpackBudget {
  private used = 0;

  constructor(
    readonly limit: number,
    /** What to throw once the budget is spent (the caller's words and error type). */
    private readonly exceeded: () => Error,
  ) {}

  spend(bytes: number): void {
    this.used += bytes;
    if (this.used > this.limit) throw this.exceeded();
  }

  get spent(): number {
    return this.used;
  }
}

/** Input is fed to the decompressor in slices this small, so one push can inflate to at most about 1 MB. */
const INPUT_SLICE = 1024;

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;

/**
 * The table of contents of a zip archive held in memory, read from its central directory; entries are inflated
 * one at a time, on demand, in small slices, each slice's output counted against an UnpackBudget and handed on
 * at once. Nothing is inflated that is not asked for, so a workbook's thumbnails, printer settings or a planted
 * gigabyte entry cost nothing, and no entry is ever held whole.
 */
export class ZipDirectory {
  readonly entries: ReadonlyMap<string, ZipEntry>;

  constructor(private readonly bytes: Uint8Array) {
    this.entries = readCentralDirectory(bytes);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Inflates one entry, calling `onChunk` with each piece as it comes; throws the budget's error once it is spent. */
  inflate(name: string, budget: UnpackBudget, onChunk: (chunk: Uint8Array) => void): void {
    const entry = this.entries.get(name);
    if (!entry) throw new DamagedZipError(`the archive has no entry ${name}`);
    const data = this.dataOf(entry);
    if (entry.method === 0) {
      for (let at = 0; at < data.length; at += 64 * 1024) {
        const chunk = data.subarray(at, Math.min(data.length, at + 64 * 1024));
        budget.spend(chunk.length);
        onChunk(chunk);
      }
      return;
    }
    if (entry.method !== 8) throw new DamagedZipError(`${name} is compressed with method ${entry.method}, which Excel does not use`);
    const inflater = new Inflate((chunk) => {
      budget.spend(chunk.length);
      onChunk(chunk);
    });
    try {
      for (let at = 0; at < data.length; at += INPUT_SLICE) {
        const end = Math.min(data.length, at + INPUT_SLICE);
        inflater.push(data.subarray(at, end), end === data.length);
      }
      if (data.length === 0) inflater.push(new Uint8Array(0), true);
    } catch (error) {
      if (error instanceof Error && /^(invalid|unexpected EOF)/i.test(error.message)) throw new DamagedZipError(`${name}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  /** The entry's compressed bytes: after its local header, as long as the central directory says, within the file. */
  private dataOf(entry: ZipEntry): Uint8Array {
    const view = viewOf(this.bytes);
    const at = entry.localHeaderOffset;
    if (at + 30 > this.bytes.length || view.getUint32(at, true) !== LOCAL) throw new DamagedZipError(`the local header of ${entry.name} is missing`);
    const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length) throw new DamagedZipError(`${entry.name} runs past the end of the archive`);
    return this.bytes.subarray(start, end);
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readCentralDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = viewOf(bytes);
  // The end record is in the last 22 bytes plus a comment of up to 64 KB.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new DamagedZipError('the end of the archive (its table of contents) is missing');
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_EOCD_LOCATOR) {
    const zip64 = Number(view.getBigUint64(eocd - 12, true));
    if (zip64 + 56 > bytes.length || view.getUint32(zip64, true) !== ZIP64_EOCD) throw new DamagedZipError('the zip64 end record is missing');
    count = Number(view.getBigUint64(zip64 + 32, true));
    offset = Number(view.getBigUint64(zip64 + 48, true));
  }
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8');
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) throw new DamagedZipError('the table of contents is damaged');
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    const uncompressedClaim = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)).replace(/^\//, '');
    if (compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      // Zip64: the real values are in the extra field, in this order, only for the fields that overflowed.
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = view.getUint16(extra, true);
        const size = view.getUint16(extra + 2, true);
        if (id === 0x0001) {
          let field = extra + 4;
          const next = () => {
            const value = Number(view.getBigUint64(field, true));
            field += 8;
            return value;
          };
          if (uncompressedClaim === 0xffffffff) next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
          break;
        }
        extra += 4 + size;
      }
    }
    if (!entries.has(name)) entries.set(name, { name, method, compressedSize, localHeaderOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
