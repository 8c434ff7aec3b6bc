import { unzipSync, zipSync, type Zippable } from 'fflate';

/**
 * The zip container, both ways. Writing is deterministic: the files in the order given, every entry
 * with the same fixed timestamp and Unix mode 0644, compressed at a fixed level, so the same files
 * always give the same bytes. Reading never trusts the container: names are checked, duplicates and
 * oversized entries refused, and every failure is an error value, never an exception.
 */

/** 1 Jan 1980 00:00, the earliest time a zip can hold, built from local fields because zip times are local. */
const FIXED_ZIP_TIME = new Date(1980, 0, 1, 0, 0, 0);
const UNIX = 3;
const MODE_0644 = 0o100644 * 0x10000;

/** No single file in a bundle may claim to expand beyond this (a guard against zip bombs): 1 GiB. */
export const MAX_BUNDLE_FILE_BYTES = 1024 * 1024 * 1024;

export function writeBundleArchive(files: readonly (readonly [path: string, bytes: Uint8Array])[]): Uint8Array {
  const zippable: Zippable = {};
  for (const [path, bytes] of files) {
    if (Object.prototype.hasOwnProperty.call(zippable, path)) throw new Error(`${path} is in the bundle twice`);
    zippable[path] = [bytes, { mtime: FIXED_ZIP_TIME, os: UNIX, attrs: MODE_0644, level: 6 }];
  }
  return zipSync(zippable, { mtime: FIXED_ZIP_TIME, os: UNIX, attrs: MODE_0644, level: 6 });
}

export type ReadBundleArchive = { ok: true; files: Map<string, Buffer> } | { ok: false; problem: string };

export function readBundleArchive(zip: Uint8Array): ReadBundleArchive {
  const seen = new Set<string>();
  let problem: string | undefined;
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(zip, {
      filter: (file) => {
        if (problem) return false;
        if (seen.has(file.name)) problem = `the zip holds ${file.name} twice, so which copy counts would be ambiguous`;
        else if (file.originalSize > MAX_BUNDLE_FILE_BYTES) problem = `${file.name} claims to expand to ${file.originalSize} bytes, more than a bundle file may`;
        seen.add(file.name);
        return !problem;
      },
    });
  } catch (error) {
    return { ok: false, problem: `it is not a readable zip file (${(error as Error).message})` };
  }
  if (problem) return { ok: false, problem };
  const files = new Map<string, Buffer>();
  // The names the filter saw are every entry; an entry whose name an object cannot hold ("__proto__") must not slip by unseen.
  for (const name of seen) {
    const bytes = Object.prototype.hasOwnProperty.call(unzipped, name) ? unzipped[name] : undefined;
    if (!bytes || !ArrayBuffer.isView(bytes)) return { ok: false, problem: `the zip entry ${JSON.stringify(name)} cannot be read` };
    // A folder entry ("evidence/") carries no content; some zip tools add them.
    if (name.endsWith('/') && bytes.length === 0) continue;
    files.set(name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return { ok: true, files };
}
