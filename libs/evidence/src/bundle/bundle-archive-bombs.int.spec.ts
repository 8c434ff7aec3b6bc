import { beforeAll, describe, expect, it } from '@jest/globals';
import { createDeflateRaw } from 'node:zlib';
import { BUNDLE_FILES } from './bundle-format.js';
import { readBundleArchive } from './bundle-archive.js';
import { CHECKS, verifyEvidenceBundle } from './bundle-verifier.js';

/**
 * Issue 14, finding 4: `ledger verify` on a 3 MB zip of three 1 GiB entries peaked at 3.25 GB, and entries the
 * manifest does not list were inflated anyway. Each bomb here is a small zip built by hand, so its headers can
 * say whatever an attacker likes; the verifier must refuse it while the process's peak memory stays far below
 * what unpacking even one entry would take. Peak memory is the kernel's high-water mark (maxRSS), read before
 * and after, so the bound holds however briefly the memory was held.
 */

const GiB = 1024 * 1024 * 1024;
/** Generous: a fraction of one entry's 1 GiB, many times what the refused bombs really cost. */
const PEAK_BOUND_BYTES = 256 * 1024 * 1024;

let oneGibOfZeros: Uint8Array;

/** Raw deflate of 1 GiB of zeros (about 1 MB), made by streaming so the test itself never holds the gigabyte. */
async function deflatedZeros(size: number): Promise<Uint8Array> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += zeros.length) {
    if (!deflate.write(zeros)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

interface RawEntry {
  name: string;
  data: Uint8Array;
  method: 0 | 8;
  /** What the central directory says the entry inflates to: the attacker's choice. */
  declaredSize: number;
  /** What the local header says: also the attacker's choice, and ignored by the reader. */
  localSize?: number;
}

/** A zip written field by field (APPNOTE 4.3), CRCs zero: the reader checks content by SHA-256, not CRC. */
function handMadeZip(entries: readonly RawEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.name);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(8, entry.method, true);
    local.setUint32(18, entry.data.length, true);
    local.setUint32(22, entry.localSize ?? entry.declaredSize, true);
    local.setUint16(26, name.length, true);
    parts.push(new Uint8Array(local.buffer), name, entry.data);
    const header = new DataView(new ArrayBuffer(46));
    header.setUint32(0, 0x02014b50, true);
    header.setUint16(4, 20, true);
    header.setUint16(6, 20, true);
    header.setUint16(10, entry.method, true);
    header.setUint32(20, entry.data.length, true);
    header.setUint32(24, entry.declaredSize, true);
    header.setUint16(28, name.length, true);
    header.setUint32(42, offset, true);
    central.push(new Uint8Array(header.buffer), name);
    offset += 30 + name.length + entry.data.length;
  }
  const centralSize = central.reduce((n, p) => n + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const zip = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of all) {
    zip.set(part, at);
    at += part.length;
  }
  return zip;
}

function stored(name: string, text: string): RawEntry {
  const data = new TextEncoder().encode(text);
  return { name, data, method: 0, declaredSize: data.length };
}

/** A manifest that lists the given names (the verifier reads it leniently to learn what it may unpack). */
function manifestListing(names: readonly string[]): RawEntry {
  return stored(BUNDLE_FILES.manifest, `${JSON.stringify({ files: Object.fromEntries(names.map((n) => [n, '0'.repeat(64)])) }, null, 2)}\n`);
}

function bomb(name: string, declaredSize: number): RawEntry {
  return { name, data: oneGibOfZeros, method: 8, declaredSize };
}

/** The peak resident memory the process has reached so far, in bytes. */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

async function refusedWithin(zip: Uint8Array, expected: RegExp, options: { maxBytes?: number } = {}): Promise<number> {
  global.gc?.();
  const before = peakRss();
  const result = await verifyEvidenceBundle(zip, options);
  const grew = peakRss() - before;
  expect(result.ok).toBe(false);
  expect(result.checks).toEqual([{ name: CHECKS.readable, ok: false, detail: expect.stringMatching(expected) }]);
  expect(grew).toBeLessThan(PEAK_BOUND_BYTES);
  return grew;
}

beforeAll(async () => {
  oneGibOfZeros = await deflatedZeros(GiB);
}, 120_000);

describe('zip bombs given to the verifier', () => {
  it('is small to send: three 1 GiB entries in about 3 MB', () => {
    const zip = handMadeZip([manifestListing([]), bomb('a.bin', GiB), bomb('b.bin', GiB), bomb('c.bin', GiB)]);
    expect(zip.length).toBeLessThan(4 * 1024 * 1024);
  });

  it('refuses entries the manifest does not list before inflating any of them', async () => {
    const zip = handMadeZip([manifestListing([BUNDLE_FILES.state]), bomb('a.bin', GiB), bomb('b.bin', GiB), bomb('c.bin', GiB)]);
    await refusedWithin(zip, /^The bundle holds a\.bin, which manifest\.json does not list: refused without unpacking anything$/);
  });

  it('refuses, before inflating, three listed entries whose honest sizes pass the budget for the whole zip', async () => {
    const names = [BUNDLE_FILES.events, BUNDLE_FILES.state, BUNDLE_FILES.report];
    const zip = handMadeZip([manifestListing(names), ...names.map((n) => bomb(n, GiB))]);
    await refusedWithin(zip, /^The bundle declares 32212\d+ bytes of files once unpacked, more than the 536870912 this verifier unpacks/);
  });

  it('stops inflating an entry whose headers claim 1,000 bytes the moment it passes them', async () => {
    const names = [BUNDLE_FILES.events, BUNDLE_FILES.state, BUNDLE_FILES.report];
    const zip = handMadeZip([manifestListing(names), ...names.map((n) => ({ ...bomb(n, 1_000), localSize: 1_000 }))]);
    await refusedWithin(zip, /^The bundle entry events\.ndjson inflates to more than the 1000 bytes its header declares: the zip lies about its sizes/);
  });

  it('trusts no header: a local header claiming a tiny size beside a central one that tells the truth is held to the budget', async () => {
    const names = [BUNDLE_FILES.events, BUNDLE_FILES.state, BUNDLE_FILES.report];
    const zip = handMadeZip([manifestListing(names), ...names.map((n) => ({ ...bomb(n, GiB), localSize: 1_000 }))]);
    await refusedWithin(zip, /more than the 536870912 this verifier unpacks/);
  });

  it('holds a lower budget when told to, counting what entries really inflate to across the zip', async () => {
    const names = [BUNDLE_FILES.events, BUNDLE_FILES.state];
    // Each entry claims 40 MiB (80 MiB in all, under a 100 MiB budget) but really holds 1 GiB: the first is stopped at 40 MiB.
    const zip = handMadeZip([manifestListing(names), ...names.map((n) => bomb(n, 40 * 1024 * 1024))]);
    await refusedWithin(zip, /^The bundle entry events\.ndjson inflates to more than the 41943040 bytes its header declares/, { maxBytes: 100 * 1024 * 1024 });
    const within = readBundleArchive(handMadeZip([stored('a.txt', 'x'.repeat(600)), stored('b.txt', 'y'.repeat(600))]), { maxBytes: 1_000 });
    expect(within).toEqual({ ok: false, problem: 'declares 1200 bytes of files once unpacked, more than the 1000 this verifier unpacks (raise the limit only for a bundle you expect to be that large)' });
  });

  it('refuses a manifest.json that claims to be bigger than a manifest may be, without inflating it', async () => {
    await refusedWithin(handMadeZip([bomb(BUNDLE_FILES.manifest, GiB)]), /^The bundle has a manifest\.json that claims to be bigger than a manifest may be/);
  });
});
