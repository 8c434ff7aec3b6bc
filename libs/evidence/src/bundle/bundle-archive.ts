import { zipSync, type Zippable } from 'fflate';
import { inflateInto } from './bounded-inflate.js';

/**
 * The zip container, both ways. Writing is deterministic: the files in the order given, every entry
 * with the same fixed timestamp and Unix mode 0644, compressed at a fixed level, so the same files
 * always give the same bytes. Reading never trusts the container: it reads the central directory
 * first, refuses entries the caller does not expect before inflating any of them, and counts the bytes
 * each entry really inflates to against the size its header declares and a budget for the whole zip,
 * stopping the moment either is passed. Every failure is an error value, never an exception.
 * Plain JavaScript over Uint8Array (fflate writes, bounded-inflate.ts reads; no node:zlib, no Buffer): the same reader
 * runs in a browser.
 */

/** 1 Jan 1980 00:00, the earliest time a zip can hold, built from local fields because zip times are local. */
const FIXED_ZIP_TIME = new Date(1980, 0, 1, 0, 0, 0);
const UNIX = 3;
const MODE_0644 = 0o100644 * 0x10000;

/**
 * The most a reader unpacks from one zip, all entries together, unless told otherwise: 512 MiB. A bundle is
 * the events, the state, a report and any attached files; one bigger than this is refused in words, and
 * `--max-bytes` (or the maxBytes option) raises the limit for a bundle known to carry large files.
 */
export const DEFAULT_MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

export function writeBundleArchive(files: readonly (readonly [path: string, bytes: Uint8Array])[]): Uint8Array {
  const zippable: Zippable = {};
  for (const [path, bytes] of files) {
    if (Object.prototype.hasOwnProperty.call(zippable, path)) throw new Error(`${path} is in the bundle twice`);
    zippable[path] = [bytes, { mtime: FIXED_ZIP_TIME, os: UNIX, attrs: MODE_0644, level: 6 }];
  }
  return zipSync(zippable, { mtime: FIXED_ZIP_TIME, os: UNIX, attrs: MODE_0644, level: 6 });
}

/** One entry as the central directory describes it: nothing in it is trusted until inflated and counted. */
export interface ZipEntry {
  name: string;
  method: number;
  /** Where the entry's compressed bytes start and end in the zip (checked to lie inside it). */
  dataStart: number;
  dataEnd: number;
  /** The size the central directory declares: an upper and lower bound the inflated bytes must meet exactly. */
  declaredSize: number;
}

export type ZipDirectory = { ok: true; entries: ZipEntry[] } | { ok: false; problem: string };

/** Read the central directory (and check each local header against it) without inflating anything. */
export function readZipDirectory(zip: Uint8Array): ZipDirectory {
  try {
    return { ok: true, entries: directoryOf(zip) };
  } catch (error) {
    return { ok: false, problem: error instanceof ZipProblem ? error.message : `is not a readable zip file (${(error as Error).message})` };
  }
}

export interface ReadBundleArchiveOptions {
  /** Which entry names to unpack; any other entry (folder entries aside) refuses the whole zip before anything is inflated. */
  expect?: (name: string) => boolean;
  /** The most to unpack from all entries together (default DEFAULT_MAX_UNPACKED_BYTES). */
  maxBytes?: number;
  /** Bytes of this zip already unpacked by an earlier call (the manifest, read first): they count against maxBytes. */
  alreadyUnpacked?: number;
}

export type ReadBundleArchive = { ok: true; files: Map<string, Uint8Array>; unpackedBytes: number } | { ok: false; problem: string };

export function readBundleArchive(zip: Uint8Array, options: ReadBundleArchiveOptions = {}): ReadBundleArchive {
  const directory = readZipDirectory(zip);
  if (!directory.ok) return directory;
  return unpackEntries(zip, directory.entries, options);
}

/** Unpack the given entries of a zip read with readZipDirectory, under the same rules as readBundleArchive. */
export function unpackEntries(zip: Uint8Array, entries: readonly ZipEntry[], options: ReadBundleArchiveOptions = {}): ReadBundleArchive {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  const wanted: ZipEntry[] = [];
  let declaredTotal = options.alreadyUnpacked ?? 0;
  for (const entry of entries) {
    // A folder entry ("evidence/") carries no content; some zip tools add them.
    if (entry.name.endsWith('/') && entry.declaredSize === 0) continue;
    if (options.expect && !options.expect(entry.name)) {
      return { ok: false, problem: `holds ${shown(entry.name)}, which manifest.json does not list: refused without unpacking anything` };
    }
    wanted.push(entry);
    declaredTotal += entry.declaredSize;
  }
  if (declaredTotal > maxBytes) {
    return { ok: false, problem: `declares ${declaredTotal} bytes of files once unpacked, more than the ${maxBytes} this verifier unpacks (raise the limit only for a bundle you expect to be that large)` };
  }
  const files = new Map<string, Uint8Array>();
  let unpacked = options.alreadyUnpacked ?? 0;
  for (const entry of wanted) {
    const bytes = inflateEntry(zip, entry);
    if (typeof bytes === 'string') return { ok: false, problem: bytes };
    unpacked += bytes.length;
    files.set(entry.name, bytes);
  }
  return { ok: true, files, unpackedBytes: unpacked };
}

/**
 * The entry's bytes, or why not. The output buffer is the declared size (which the caller has already counted
 * against the budget), and inflation stops as soon as the entry would pass it: a header that understates the
 * size cannot make the reader hold more than it declared, and one that overstates it is caught at the end.
 */
function inflateEntry(zip: Uint8Array, entry: ZipEntry): Uint8Array | string {
  const compressed = zip.subarray(entry.dataStart, entry.dataEnd);
  const name = shown(entry.name);
  if (entry.method === 0) {
    if (compressed.length !== entry.declaredSize) return `entry ${name} is stored uncompressed as ${compressed.length} bytes, but its header declares ${entry.declaredSize}`;
    return compressed.slice();
  }
  const out = new Uint8Array(entry.declaredSize);
  const inflated = inflateInto(compressed, out);
  if (!inflated.ok) {
    if (inflated.overflow) return `entry ${name} inflates to more than the ${entry.declaredSize} bytes its header declares: the zip lies about its sizes, so it was not unpacked further`;
    return `entry ${name} cannot be inflated (${inflated.problem})`;
  }
  if (inflated.written !== entry.declaredSize) return `entry ${name} inflates to ${inflated.written} bytes, but its header declares ${entry.declaredSize}`;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The central directory (APPNOTE.TXT 4.3). Zip64 and encryption are refused: a bundle never needs them.

class ZipProblem extends Error {}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function directoryOf(zip: Uint8Array): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  if (zip.length < EOCD_SIZE) throw new ZipProblem('is not a readable zip file: it is too short to hold a zip directory');
  let eocd = -1;
  // The end record is followed only by its comment (at most 65,535 bytes).
  for (let at = zip.length - EOCD_SIZE; at >= Math.max(0, zip.length - EOCD_SIZE - 0xffff); at--) {
    if (u32(at) === EOCD_SIGNATURE && at + EOCD_SIZE + u16(at + 20) === zip.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ZipProblem('is not a readable zip file: it has no end-of-directory record');
  const count = u16(eocd + 10);
  const size = u32(eocd + 12);
  const offset = u32(eocd + 16);
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0 || u16(eocd + 8) !== count) throw new ZipProblem('is a zip split across several disks, which a bundle never is');
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) throw new ZipProblem('is a Zip64 archive, which a bundle never is');
  if (offset + size > eocd) throw new ZipProblem('is not a readable zip file: its directory lies outside the file');

  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > offset + size || u32(at) !== CENTRAL_SIGNATURE) throw new ZipProblem(`is not a readable zip file: directory entry ${i + 1} of ${count} is missing or damaged`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const compressedSize = u32(at + 20);
    const declaredSize = u32(at + 24);
    const nameLength = u16(at + 28);
    const next = at + 46 + nameLength + u16(at + 30) + u16(at + 32);
    const localOffset = u32(at + 42);
    if (next > offset + size) throw new ZipProblem(`is not a readable zip file: directory entry ${i + 1} runs past the directory`);
    let name: string;
    try {
      name = utf8.decode(zip.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw new ZipProblem(`holds an entry whose name is not UTF-8 text (directory entry ${i + 1})`);
    }
    const quoted = shown(name);
    if (names.has(name)) throw new ZipProblem(`holds ${quoted} twice, so which copy counts would be ambiguous`);
    names.add(name);
    if (flags & 0x1) throw new ZipProblem(`holds ${quoted} encrypted, which a bundle never is`);
    if (method !== 0 && method !== 8) throw new ZipProblem(`holds ${quoted} compressed with method ${method}; a bundle uses only deflate (8) or none (0)`);
    if (compressedSize === 0xffffffff || declaredSize === 0xffffffff || localOffset === 0xffffffff) throw new ZipProblem(`holds ${quoted} with Zip64 sizes, which a bundle never needs`);
    // The local header must agree on the name; its own sizes are ignored (the central directory's are the ones checked).
    if (localOffset + 30 > offset || u32(localOffset) !== LOCAL_SIGNATURE) throw new ZipProblem(`is not a readable zip file: the local header of ${quoted} is missing`);
    const localNameLength = u16(localOffset + 26);
    const dataStart = localOffset + 30 + localNameLength + u16(localOffset + 28);
    const localName = zip.subarray(localOffset + 30, localOffset + 30 + localNameLength);
    const centralName = zip.subarray(at + 46, at + 46 + nameLength);
    if (localNameLength !== nameLength || !localName.every((byte, k) => byte === centralName[k])) throw new ZipProblem(`is not a readable zip file: the local header of ${quoted} names another file`);
    const dataEnd = dataStart + compressedSize;
    if (dataEnd > offset) throw new ZipProblem(`is not a readable zip file: the data of ${quoted} runs past the end of the entries`);
    entries.push({ name, method, dataStart, dataEnd, declaredSize });
    at = next;
  }
  return entries;
}

/** A name as it reads, quoted only when it holds spaces or characters that could hide what it is. */
function shown(name: string): string {
  return /^[\x21-\x7e]+$/.test(name) ? name : JSON.stringify(name);
}
