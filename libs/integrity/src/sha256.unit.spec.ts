import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { bytesToHex, hexToBytes, isHexOf, sha256, sha256Hex } from './sha256.js';

const nodeSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('sha256 in plain JavaScript', () => {
  it('gives the FIPS 180-4 example digests', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('agrees with node:crypto at every length around the block and padding boundaries, and on random bytes', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      expect(bytesToHex(sha256(bytes))).toBe(nodeSha256(bytes));
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => bytesToHex(sha256(bytes)) === nodeSha256(bytes)));
  });

  it('hashes several parts as their concatenation', () => {
    const a = new TextEncoder().encode('previous hash ');
    const b = new TextEncoder().encode('and the canonical body');
    expect(bytesToHex(sha256(a, b))).toBe(nodeSha256(new Uint8Array([...a, ...b])));
  });

  it('reads hex exactly and refuses what is not hex rather than stopping short', () => {
    expect(bytesToHex(hexToBytes('00ff7Fa0'))).toBe('00ff7fa0');
    for (const bad of ['0', 'zz', '0g', 'ab cd', '\u0660\u0661']) expect(() => hexToBytes(bad)).toThrow('not a hex string');
  });

  it('says a hex string is the bytes exactly when bytesToHex writes them so: lowercase, every digit, no more', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.string({ maxLength: 2, unit: 'binary' }), (bytes, at, inserted) => {
        const hex = bytesToHex(bytes);
        expect(isHexOf(hex, bytes)).toBe(true);
        const i = at % (hex.length + 1);
        const edited = hex.slice(0, i) + inserted + hex.slice(i + 1);
        expect(isHexOf(edited, bytes)).toBe(edited === hex);
        expect(isHexOf(hex.toUpperCase(), bytes)).toBe(hex === hex.toUpperCase());
      }),
      { numRuns: 1000 },
    );
    const hash = sha256(Uint8Array.of(1));
    expect(isHexOf(bytesToHex(hash).slice(0, 62), hash)).toBe(false);
    expect(isHexOf(`${bytesToHex(hash)}00`, hash)).toBe(false);
  });
});
