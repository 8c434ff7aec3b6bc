import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bytesToHex, sha256 } from '#integrity';
import { nodeSha256 } from './node-sha256.js';

describe('nodeSha256', () => {
  it('gives the pure SHA-256 of the concatenated parts, for no part, one part and several', () => {
    expect(bytesToHex(nodeSha256())).toBe(bytesToHex(sha256()));
    expect(bytesToHex(nodeSha256())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (parts) => bytesToHex(nodeSha256(...parts)) === bytesToHex(sha256(...parts))),
      { numRuns: 500 },
    );
  });

  it('hashes parts that are views into a larger buffer by their own bytes only', () => {
    const whole = Uint8Array.from({ length: 200 }, (_, i) => i);
    const parts = [whole.subarray(3, 40), whole.subarray(100, 101), whole.subarray(150, 200)];
    expect(bytesToHex(nodeSha256(...parts))).toBe(bytesToHex(sha256(Uint8Array.from([...parts[0]!, ...parts[1]!, ...parts[2]!]))));
    expect(bytesToHex(nodeSha256(parts[0]!))).toBe(bytesToHex(sha256(Uint8Array.from(parts[0]!))));
  });
});
