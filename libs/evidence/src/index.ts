// Evidence: integrity primitives (RFC 8785 canonical JSON, per-stream hash chains, RFC 6962 Merkle proofs, Ed25519 signatures) that anyone can check offline.
// Must never depend on Nest, SQL, HTTP or the event store, nor on anything a verifier cannot recompute with standard tools (sha256sum, openssl, any CT verifier).
export { canonicalJson, canonicalBytes } from './canonical-json.js';
export { GENESIS_HASH, sha256Hex, chainHash, verifyChain } from './hash-chain.js';
export type { ChainedEventBody, ChainLink, ChainVerification } from './hash-chain.js';
export {
  HASH_SIZE,
  EMPTY_TREE_HASH_HEX,
  hashLeaf,
  hashChildren,
  merkleRoot,
  inclusionProof,
  verifyInclusion,
  consistencyProof,
  verifyConsistency,
  hashToHex,
  hashFromHex,
  proofToHex,
  proofFromHex,
} from './merkle-tree.js';
export { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, SigningKeyError, loadOrCreateSigningKey, verify, fingerprint } from './signing-key.js';
// The same function under a name that says what it verifies, for readers of `import { … } from '#evidence'`.
export { verify as verifySignature } from './signing-key.js';
export type { SigningKey, SigningKeyErrorCode } from './signing-key.js';
