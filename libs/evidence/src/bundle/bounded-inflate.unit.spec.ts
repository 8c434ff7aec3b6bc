import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import { deflateSync, Inflate } from 'fflate';
import fc from 'fast-check';
import { inflateInto } from './bounded-inflate.js';

/**
 * inflateInto replaced fflate's streaming Inflate, fed 16 KiB slices, in the zip reader. Each outcome here is
 * compared with that plain way (kept below as the reference): the same bytes, the same refusals, for streams from
 * zlib (every level and strategy, so stored, fixed and dynamic blocks) and fflate (the bundle writer's own), for sizes
 * declared exactly, too small and too large, and for cut and damaged streams.
 */

type Outcome = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'overflow' } | { kind: 'short'; written: number } | { kind: 'refused'; problem: string };

/** The reader before inflateInto: fflate's streaming Inflate in 16 KiB slices into a buffer of the declared size. */
function streamingReference(compressed: Uint8Array, declaredSize: number): Outcome {
  const out = new Uint8Array(declaredSize);
  let written = 0;
  let overflow = false;
  let finished = false;
  const inflater = new Inflate((chunk, final) => {
    if (written + chunk.length > out.length) {
      overflow = true;
      throw new Error('overflow');
    }
    out.set(chunk, written);
    written += chunk.length;
    if (final) finished = true;
  });
  try {
    for (let at = 0; at < compressed.length && !finished; at += 16 * 1024) {
      const end = Math.min(at + 16 * 1024, compressed.length);
      inflater.push(compressed.subarray(at, end), end === compressed.length);
    }
    if (compressed.length === 0) inflater.push(compressed, true);
  } catch (error) {
    return overflow ? { kind: 'overflow' } : { kind: 'refused', problem: (error as Error).message };
  }
  if (!finished || written !== declaredSize) return { kind: 'short', written };
  return { kind: 'bytes', bytes: out };
}

function bounded(compressed: Uint8Array, declaredSize: number): Outcome {
  const out = new Uint8Array(declaredSize);
  const result = inflateInto(compressed, out);
  if (!result.ok) return result.overflow ? { kind: 'overflow' } : { kind: 'refused', problem: result.problem };
  if (result.written !== declaredSize) return { kind: 'short', written: result.written };
  return { kind: 'bytes', bytes: out };
}

const STRATEGIES = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];

/** Data that compresses the ways real files do: text-like runs from a small alphabet, long repeats, random bytes. */
const data = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.array(fc.constantFrom(...'abcdef{}":,\n 0123'.split('')), { maxLength: 40_000 }).map((cs) => new TextEncoder().encode(cs.join(''))),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 400 })).map(([unit, times]) => {
    const bytes = new Uint8Array(unit.length * times);
    for (let i = 0; i < times; i++) bytes.set(unit, i * unit.length);
    return bytes;
  }),
);

const compressor = fc.oneof(
  fc.record({ by: fc.constant('zlib' as const), level: fc.integer({ min: 0, max: 9 }), strategy: fc.constantFrom(...STRATEGIES) }),
  fc.record({ by: fc.constant('fflate' as const), level: fc.constantFrom(0, 1, 6, 9) as fc.Arbitrary<0 | 1 | 6 | 9> }),
);

function compress(bytes: Uint8Array, how: { by: 'zlib'; level: number; strategy: number } | { by: 'fflate'; level: 0 | 1 | 6 | 9 }): Uint8Array {
  return how.by === 'zlib' ? new Uint8Array(deflateRawSync(bytes, { level: how.level, strategy: how.strategy })) : deflateSync(bytes, { level: how.level });
}

describe('inflateInto', () => {
  it('gives back exactly the bytes that were deflated, as the streaming reader did, whatever made the stream', () => {
    fc.assert(
      fc.property(data, compressor, (bytes, how) => {
        const compressed = compress(bytes, how);
        const outcome = bounded(compressed, bytes.length);
        expect(outcome).toEqual({ kind: 'bytes', bytes });
        expect(outcome).toEqual(streamingReference(compressed, bytes.length));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a stream longer than the buffer, and reports a shorter one, as the streaming reader did', () => {
    fc.assert(
      fc.property(data, compressor, fc.integer({ min: -5000, max: 5000 }), (bytes, how, lie) => {
        const declared = Math.max(0, bytes.length + lie);
        const compressed = compress(bytes, how);
        const outcome = bounded(compressed, declared);
        expect(outcome).toEqual(streamingReference(compressed, declared));
        if (declared < bytes.length) expect(outcome).toEqual({ kind: 'overflow' });
        if (declared > bytes.length) expect(outcome).toEqual({ kind: 'short', written: bytes.length });
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a cut stream with the streaming reader’s words, and never reads it as whole', () => {
    fc.assert(
      fc.property(data.filter((b) => b.length > 0), compressor, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (bytes, how, where) => {
        const compressed = compress(bytes, how);
        const cut = compressed.subarray(0, Math.floor(where * compressed.length));
        const outcome = bounded(cut, bytes.length);
        expect(outcome.kind).not.toBe('bytes');
        expect(outcome).toEqual(streamingReference(cut, bytes.length));
      }),
      { numRuns: 400 },
    );
  });

  it('never writes past its buffer nor throws on damaged streams, accepts none the streaming reader refused, and reads what it read', () => {
    fc.assert(
      fc.property(data, compressor, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), (bytes, how, flips, spare) => {
        const compressed = compress(bytes, how).slice();
        for (const [at, mask] of flips) if (compressed.length > 0) compressed[at % compressed.length]! ^= mask;
        const buffer = new Uint8Array(bytes.length + spare + 8).fill(0xee);
        const result = inflateInto(compressed, buffer.subarray(0, bytes.length + spare));
        expect(buffer.subarray(bytes.length + spare).every((b) => b === 0xee)).toBe(true);
        const outcome = bounded(compressed, bytes.length);
        const reference = streamingReference(compressed, bytes.length);
        // Never looser than the streaming reader: what it refused stays refused (this may refuse more, never less).
        if (reference.kind !== 'bytes') expect(outcome.kind).not.toBe('bytes');
        if (outcome.kind === 'bytes' && reference.kind === 'bytes') expect(outcome.bytes).toEqual(reference.bytes);
        if (reference.kind === 'overflow' && result.ok) expect(result.written).toBeLessThanOrEqual(bytes.length + spare);
      }),
      { numRuns: 600 },
    );
  });

  it('stops at the declared size however much the stream really holds', () => {
    // 64 MiB of zeros in about 64 KB: the reader holds no more than the 1,000 bytes declared.
    const compressed = new Uint8Array(deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }));
    const out = new Uint8Array(1_000);
    expect(inflateInto(compressed, out)).toEqual({ ok: false, overflow: true, problem: 'the stream holds more bytes than the buffer given for it' });
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it('reads an empty entry, stored blocks of every size, and matches reaching back the whole window', () => {
    expect(bounded(new Uint8Array(0), 0)).toEqual({ kind: 'bytes', bytes: new Uint8Array(0) });
    const random = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 2654435761) >>> 24);
    expect(bounded(new Uint8Array(deflateRawSync(random, { level: 0 })), random.length)).toEqual({ kind: 'bytes', bytes: random });
    // The same 32 KiB twice: the second copy is matches 32,768 bytes back, the farthest DEFLATE reaches.
    const window = random.subarray(0, 32 * 1024);
    const twice = new Uint8Array(2 * window.length);
    twice.set(window);
    twice.set(window, window.length);
    expect(bounded(new Uint8Array(deflateRawSync(twice, { level: 9 })), twice.length)).toEqual({ kind: 'bytes', bytes: twice });
  });

  it('reads the shared fixtures as the bundle writer deflates them', () => {
    const folder = path.resolve(process.cwd(), '../shared/fixtures');
    for (const name of readdirSync(folder)) {
      const bytes = new Uint8Array(readFileSync(path.join(folder, name)));
      const compressed = deflateSync(bytes, { level: 6 });
      expect(bounded(compressed, bytes.length)).toEqual({ kind: 'bytes', bytes });
    }
  });
});
