// Integrity: the byte-exact forms the ledger hashes (RFC 8785 canonical JSON), SHA-256 and the per-stream hash
// chain. Shared by the event store (which chains every append) and the evidence code (which verifies chains),
// so both compute the same bytes with the same code. Pure: no Node built-ins, no Buffer, nothing native, so it
// runs in the standalone verifier and in a browser unchanged.
export { canonicalJson, canonicalBytes, endOfCanonicalJson, isCanonicalJsonOf } from './canonical-json.js';
export { sha256, sha256Hex, bytesToHex, hexToBytes, isHexOf, utf8Bytes } from './sha256.js';
export { GENESIS_HASH, chainHash, chainLinkOf, verifyChain } from './hash-chain.js';
export type { ChainedEventBody, ChainLink, ChainVerification, Sha256, StoredChainLink } from './hash-chain.js';
