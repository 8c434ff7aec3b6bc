import { describe, expect, it } from '@jest/globals';
import { chainHash, GENESIS_HASH } from '#integrity';
import { chainAppendBatch, prepareAppendBatch } from './append-batch.js';

/** The store chains with node:crypto end to end; the verifier (and browsers) with the integrity lib's pure code. */
describe('the store\'s hash chain (issue 21: node:crypto does the hex and UTF-8 too)', () => {
  const awkward = prepareAppendBatch('plan-ü', [
    { eventId: '018f0000-0000-7000-8000-000000000001', type: 'PlanCreated', data: { title: 'Café — “quotes”, emoji 🧒🏽, CJK 児童', z: 1, a: [1.5, -0, 1e21, null, true] }, metadata: { actor: { id: 'ö', displayName: 'Zoë' } } },
    { eventId: '018F0000-0000-7000-8000-000000000002', type: 'ProgressRecorded', data: { '\u0000': 'nul key', '__proto__': 'an ordinary key', nested: { b: { c: 'line\nbreak\ttab\\' } } }, metadata: {} },
    { eventId: '018f0000-0000-7000-8000-000000000003', type: 'RagAssessed', data: {}, metadata: { big: 9007199254740991, small: 5e-324 } },
  ]);

  it('gives exactly the hashes the portable chainHash gives, link for link, from the genesis and from a head', () => {
    for (const head of [null, { revision: 41n, hash: 'c0ffee'.repeat(10) + 'beef' }]) {
      const chained = chainAppendBatch('plan-ü', head, awkward, '2026-12-01T16:00:00.000Z');
      let previous = head?.hash ?? GENESIS_HASH;
      chained.forEach((link, index) => {
        expect(link.previousHash).toBe(previous);
        expect(link.revision).toBe((head?.revision ?? -1n) + 1n + BigInt(index));
        expect(link.hash).toBe(chainHash(previous, { ...link, revision: Number(link.revision) }));
        previous = link.hash;
      });
    }
  });

  it('refuses to chain onto a head whose hash is not 64 lowercase hex characters', () => {
    for (const hash of ['C0FFEE'.repeat(10) + 'BEEF', 'zz'.repeat(32), 'ab'.repeat(31), '']) {
      expect(() => chainAppendBatch('plan-x', { revision: 0n, hash }, awkward, '2026-12-01T16:00:00.000Z')).toThrow(TypeError);
    }
  });
});
