import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { crc32, gunzipSync } from 'node:zlib';
import { crc32Combine, gzipParts, negotiateEncoding } from './conditional-response.js';

/** The gzip member laid end to end from cached parts must be one any gzip reader takes, CRC and length checked. */
describe('gzip from cached parts', () => {
  const text = (n: number, seed: string) => Buffer.from(Array.from({ length: n }, (_, i) => `${seed}${i % 97},"x":"Ünï 👶"`).join('').slice(0, n), 'utf8');

  it('combines CRC-32s as a CRC of the whole would be', () => {
    for (const [a, b] of [[0, 0], [0, 5], [7, 0], [1, 1], [1000, 3], [65_536, 70_001], [3, 1_000_003]] as const) {
      const left = randomBytes(a);
      const right = randomBytes(b);
      expect(crc32Combine(crc32(left), crc32(right), right.length)).toBe(crc32(Buffer.concat([left, right])));
    }
  });

  it('decodes to the parts laid end to end: long parts deflated and kept, short ones stored', async () => {
    const view = text(300_000, '{"id":');
    const rag = text(40_000, ',"rag":');
    for (const parts of [[view, Buffer.from(',"asAt":null'), rag], [Buffer.from('{'), view], [view], [Buffer.alloc(0), view, Buffer.alloc(0)], [text(100, 'a'), text(70_000, 'b'), text(1023, 'c'), text(1024, 'd')]]) {
      const first = await gzipParts(parts);
      const again = await gzipParts(parts);
      expect(gunzipSync(Buffer.concat(first)).equals(Buffer.concat(parts))).toBe(true);
      expect(gunzipSync(Buffer.concat(again)).equals(Buffer.concat(parts))).toBe(true);
      // The long parts' deflated bytes are the same objects the second time: kept, not compressed again.
      const long = first.filter((piece) => piece.length > 200);
      for (const piece of long) expect(again).toContain(piece);
    }
  });

  it('compresses a kept run of parts as its bytes joined would be, once, and decodes to the run laid end to end', async () => {
    // A view of hundreds of short parts (each under the length a lone part is kept compressed from) and a long one.
    const run = [text(900, '{"head":'), ...Array.from({ length: 300 }, (_, i) => text(700 + (i % 50), `,{"id":${i}`)), Buffer.from(']')];
    const tail = [text(300, ',"rag":'), text(5_000, ',"actions":')];
    const instants = Buffer.from(',"asAt":null');
    const whole = Buffer.concat([...run, instants, ...tail]);
    const first = await gzipParts([run, instants, tail]);
    const again = await gzipParts([run, instants, tail]);
    expect(gunzipSync(Buffer.concat(first)).equals(whole)).toBe(true);
    // The same deflated bytes as the run joined into one part: compressed as well as the whole, not part by part.
    const joined = await gzipParts([Buffer.concat(run), instants, Buffer.concat(tail)]);
    expect(Buffer.concat(first).equals(Buffer.concat(joined))).toBe(true);
    // Kept against the run: the second body's deflated run is the same object, not compressed again.
    expect(again[1]).toBe(first[1]);
    expect(first[1]!.length).toBeLessThan(Buffer.concat(run).length / 5);
  });

  it('stores short parts of any bytes exactly, beside an incompressible long one', async () => {
    const odd = randomBytes(900);
    const noise = randomBytes(200_000);
    const body = await gzipParts([odd, noise, odd]);
    expect(gunzipSync(Buffer.concat(body)).equals(Buffer.concat([odd, noise, odd]))).toBe(true);
  });
});

describe('negotiateEncoding', () => {
  it('gives gzip first only when the server prefers it and the client takes it', () => {
    expect(negotiateEncoding('gzip, deflate, br')).toBe('br');
    expect(negotiateEncoding('gzip, deflate, br', 'gzip')).toBe('gzip');
    expect(negotiateEncoding('br', 'gzip')).toBe('br');
    expect(negotiateEncoding('gzip;q=0, br', 'gzip')).toBe('br');
    expect(negotiateEncoding('x-gzip', 'gzip')).toBe('gzip');
    expect(negotiateEncoding('identity', 'gzip')).toBe('identity');
  });
});
