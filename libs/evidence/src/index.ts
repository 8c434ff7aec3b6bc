// Evidence: integrity primitives (RFC 8785 canonical JSON, per-stream hash chains, RFC 6962 Merkle proofs, Ed25519 signatures, signed tree heads) and the evidence bundles built from them, which anyone can check offline.
// Must never depend on Nest, SQL, HTTP or the event store (bundles replay plans with the pure folds of #domain and #plan-views, never #projections), nor on anything a verifier cannot recompute with standard tools (sha256sum, openssl, any CT verifier).
// Canonical JSON and the hash chain live in #integrity (the event store uses them too); re-exported for callers of this barrel.
export { canonicalJson, canonicalBytes, GENESIS_HASH, sha256Hex, chainHash, verifyChain } from '#integrity';
export type { ChainedEventBody, ChainLink, ChainVerification } from '#integrity';
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
export { ed25519SpkiDer } from './public-key.js';
// The same Ed25519 keys as C2SP signed-note keys: the ledger's log key and witnesses' cosigning keys.
export { rawPublicKey, noteSignerOf, noteVerifierKeyOf, cosignerVerifierKeyOf } from './note-keys.js';
export { signPlanCheckpoint } from './plan-checkpoint.js';
// The same function under a name that says what it verifies, for readers of `import { … } from '#evidence'`.
export { verify as verifySignature } from './signing-key.js';
export type { SigningKey, SigningKeyErrorCode } from './signing-key.js';
export { signTreeHead } from './signed-tree-head.js';
export { verifySignedTreeHead, treeHeadSignedBytes, SignedTreeHeadSchema } from './verify-signed-tree-head.js';
export type { SignedTreeHead, TreeHeadVerification } from './verify-signed-tree-head.js';
export { signChainHead, chainHeadSignatureHolds, chainHeadSignedBytes, type SignedChainHead } from './signed-chain-head.js';
// Evidence bundles: a signed zip of a plan as at an instant that a regulator verifies offline (docs/evidence-bundle.md).
export { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, BUNDLE_FILES, FILES_OUTSIDE_MANIFEST, BundleManifest, BundleEventLine, BundleConsistency } from './bundle/bundle-format.js';
export { bundledPlanState, type BundledPlanState } from './bundle/bundled-plan-state.js';
export { PUBLISHED_RAG_RULES, publishedRagRules } from './bundle/published-rag-rules.js';
export { ledgerGenerator, type BundleGenerator } from './bundle/bundle-generator.js';
export { buildEvidenceBundle, EvidenceBundleError } from './bundle/bundle-writer.js';
export type { EvidenceBundleRequest, BuiltEvidenceBundle, EvidenceBundleErrorCode } from './bundle/bundle-writer.js';
export { verifyEvidenceBundle, CHECKS as BUNDLE_CHECKS } from './bundle/bundle-verifier.js';
export type { BundleCheck, EvidenceBundleVerification, VerifyEvidenceBundleOptions } from './bundle/bundle-verifier.js';
export { verifyBundle, reportOf as bundleReportOf, DEFAULT_MAX_UNPACKED_BYTES } from './bundle/verify-bundle.js';
// node:crypto's SHA-256 in the verifier's `sha256` option shape, for Node callers (`ledger verify`).
export { nodeSha256 } from './node-sha256.js';
export type { VerificationReport } from './bundle/verify-bundle.js';
export { readWitnessPolicy } from './bundle/witness-policy.js';
export { renderBundleReport } from './bundle/report-html.js';
export { BundleCheckpoints, CHECKPOINTS_FORMAT, bundleCheckpointsOf, checkWitnessPolicy } from './bundle/bundle-checkpoints.js';
export type { TrustedWitness, WitnessPolicy, WitnessedBundle } from './bundle/bundle-checkpoints.js';
export type { StoredEventRecord } from './bundle/bundle-events.js';
