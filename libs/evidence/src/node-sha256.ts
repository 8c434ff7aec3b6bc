import { createHash } from 'node:crypto';

/**
 * node:crypto's SHA-256 of the concatenated parts, in the shape of #integrity's pure sha256 (the same bytes): for
 * callers that run on Node only (the bundle writer, `ledger verify`), where the Merkle tree's twenty thousand short
 * hashes and the chain's ten thousand cost several times less. The verifier itself never imports this file: it runs
 * in browsers, and is handed this function as its `sha256` option.
 */
export function nodeSha256(...parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}
