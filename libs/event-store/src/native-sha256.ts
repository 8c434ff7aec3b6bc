import { createHash } from 'node:crypto';
import type { Sha256 } from '#integrity';

/**
 * node:crypto's SHA-256 in the integrity lib's shape. The stores run only on Node, and the pure SHA-256 the
 * verifier must use (it runs in browsers) is several times slower: ten thousand events of an import spent
 * seconds in it. The bytes are the same (hash-chain.unit.spec checks both against each other).
 */
export const nativeSha256: Sha256 = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
