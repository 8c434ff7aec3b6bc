import { describe, expect, it } from '@jest/globals';
import { canonicalJson } from '#integrity';
import { hashLeaf, hashToHex, merkleRoot } from './merkle-tree.js';
import { signTreeHead } from './signed-tree-head.js';
import { treeHeadSignedBytes, verifySignedTreeHead } from './verify-signed-tree-head.js';
import { testPlanEvents, testSigningKey, TEST_PLAN_ID } from './bundle/testing/bundle-test-plan.js';

const key = testSigningKey();
const other = testSigningKey();
const hashes = testPlanEvents().map((e) => e.hash);
const head = signTreeHead({ planId: TEST_PLAN_ID, eventHashes: hashes, timestamp: '2013-03-01T09:00:00Z' }, key);

describe('signed tree heads', () => {
  it('give the size and RFC 6962 root of the stream, leaves being the events\' hash bytes', () => {
    expect(head).toMatchObject({ planId: TEST_PLAN_ID, treeSize: hashes.length, timestamp: '2013-03-01T09:00:00.000Z', keyFingerprint: key.fingerprint });
    expect(head.rootHash).toBe(hashToHex(merkleRoot(hashes.map((h) => Buffer.from(h, 'hex')))));
    // A one-event tree's root is that event's leaf hash: SHA-256(0x00 ‖ hash bytes).
    const one = signTreeHead({ planId: TEST_PLAN_ID, eventHashes: hashes.slice(0, 1), timestamp: '2013-03-01T09:00:00Z' }, key);
    expect(one.rootHash).toBe(hashToHex(hashLeaf(Buffer.from(hashes[0]!, 'hex'))));
  });

  it('sign the canonical JSON of every other field, base64', async () => {
    const { signature, ...rest } = head;
    expect(Buffer.from(treeHeadSignedBytes(rest)).toString('utf8')).toBe(canonicalJson(rest));
    expect(Buffer.from(signature, 'base64')).toHaveLength(64);
    expect(await verifySignedTreeHead(head, key.publicKeyPem)).toEqual({ ok: true, head });
  });

  it.each([
    ['treeSize', { treeSize: hashes.length - 1 }],
    ['rootHash', { rootHash: '0'.repeat(64) }],
    ['timestamp', { timestamp: '2014-03-01T09:00:00.000Z' }],
    ['planId', { planId: 'another-plan' }],
  ])('do not verify once %s is changed', async (_field, change) => {
    expect(await verifySignedTreeHead({ ...head, ...change }, key.publicKeyPem)).toEqual({ ok: false, problem: expect.stringContaining('signature does not match') });
  });

  it('do not verify with another key, and say whose key signed them', async () => {
    expect(await verifySignedTreeHead(head, other.publicKeyPem)).toEqual({ ok: false, problem: expect.stringContaining(`signed by key ${key.fingerprint}`) });
  });

  it('answer malformed input and unusable keys with a problem, never an exception', async () => {
    expect(await verifySignedTreeHead(null, key.publicKeyPem)).toMatchObject({ ok: false, problem: expect.stringContaining('not a signed tree head') });
    expect(await verifySignedTreeHead({ ...head, extra: 1 }, key.publicKeyPem)).toMatchObject({ ok: false });
    expect(await verifySignedTreeHead(head, 'not a key')).toMatchObject({ ok: false, problem: expect.stringContaining('public key cannot be used') });
  });
});
