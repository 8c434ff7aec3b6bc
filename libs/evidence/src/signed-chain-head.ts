import { canonicalBytes } from '#integrity';
import { verify, type SigningKey } from './signing-key.js';

/**
 * A signed chain head: how many events a stream held and the hash of its last one, signed with the ledger's
 * key at a moment. The hash chain commits to every event before it, so one head vouches for the whole prefix
 * and costs one signature, not a Merkle tree, which is why the ledger can sign one on every append.
 */
export interface SignedChainHead {
  streamId: string;
  /** Events in the stream (the last one's revision + 1). */
  size: number;
  /** Hex hash of the event at revision size - 1. */
  headHash: string;
  /** When the head was signed (ISO instant). */
  signedAt: string;
  keyFingerprint: string;
  /** Base64 Ed25519 signature over chainHeadSignedBytes. */
  signature: string;
}

/** The bytes the signature covers; `kind` keeps a chain head from ever passing for a tree head or a manifest. */
export function chainHeadSignedBytes(head: Omit<SignedChainHead, 'signature'>): Uint8Array {
  return canonicalBytes({ kind: 'ledger-chain-head', streamId: head.streamId, size: head.size, headHash: head.headHash, signedAt: head.signedAt, keyFingerprint: head.keyFingerprint });
}

export function signChainHead(input: { streamId: string; size: number; headHash: string; signedAt: string }, key: SigningKey): SignedChainHead {
  if (!/^[0-9a-f]{64}$/.test(input.headHash)) throw new TypeError(`Not a hex SHA-256 event hash: ${JSON.stringify(input.headHash)}`);
  const unsigned = { streamId: input.streamId, size: input.size, headHash: input.headHash, signedAt: new Date(input.signedAt).toISOString(), keyFingerprint: key.fingerprint };
  return { ...unsigned, signature: Buffer.from(key.sign(chainHeadSignedBytes(unsigned))).toString('base64') };
}

/** Was this head signed by this public key (SPKI PEM)? Never throws. */
export function chainHeadSignatureHolds(head: SignedChainHead, publicKeyPem: string): boolean {
  try {
    return verify(publicKeyPem, chainHeadSignedBytes(head), Buffer.from(head.signature, 'base64'));
  } catch {
    return false;
  }
}
