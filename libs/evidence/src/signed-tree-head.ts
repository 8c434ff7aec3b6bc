import { hashToHex, merkleRoot } from './merkle-tree.js';
import type { SigningKey } from './signing-key.js';
import { treeHeadSignedBytes, type SignedTreeHead } from './verify-signed-tree-head.js';

/**
 * Signing a plan's tree head, on the ledger (Node: the private key). What it produces, and how anyone checks
 * it without the ledger, is in verify-signed-tree-head.ts.
 */

/** Sign the head of a plan's stream, given its events' hashes in revision order (hex). */
export function signTreeHead(input: { planId: string; eventHashes: readonly string[]; timestamp: string }, key: SigningKey): SignedTreeHead {
  const unsigned = {
    planId: input.planId,
    treeSize: input.eventHashes.length,
    rootHash: hashToHex(merkleRoot(input.eventHashes.map((hash) => Buffer.from(requireHex(hash), 'hex')))),
    timestamp: new Date(input.timestamp).toISOString(),
    keyFingerprint: key.fingerprint,
  };
  return { ...unsigned, signature: Buffer.from(key.sign(treeHeadSignedBytes(unsigned))).toString('base64') };
}

function requireHex(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new TypeError(`Not a hex SHA-256 event hash: ${JSON.stringify(hash)}`);
  return hash;
}
