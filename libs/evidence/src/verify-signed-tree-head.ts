import { z } from 'zod';
import { canonicalBytes } from '#integrity';
import { fingerprint, verifyEd25519 } from './public-key.js';

/**
 * A signed tree head, as Certificate Transparency logs publish them: the size and Merkle root of a
 * plan's event stream at a moment, signed with the ledger's key. Anyone who keeps one can later
 * demand a consistency proof from it, so history cannot be rewritten without the signed head showing it.
 */

export interface SignedTreeHead {
  planId: string;
  /** Number of events (leaves). */
  treeSize: number;
  /** Hex RFC 6962 root over the events' hashes; leaf = SHA-256(0x00 ‖ event hash bytes). */
  rootHash: string;
  /** When the head was signed (ISO instant). */
  timestamp: string;
  /** "SHA256:" + hex SHA-256 of the signing key's DER SPKI. */
  keyFingerprint: string;
  /** Base64 Ed25519 signature over the RFC 8785 canonical JSON of the five fields above. */
  signature: string;
}

export const SignedTreeHeadSchema = z
  .object({
    planId: z.string().min(1).max(100),
    treeSize: z.number().int().nonnegative(),
    rootHash: z.string().regex(/^[0-9a-f]{64}$/),
    timestamp: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 instant'),
    keyFingerprint: z.string().regex(/^SHA256:[0-9a-f]{64}$/),
    signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
  })
  .strict();

/** The bytes the signature covers: canonical JSON of every field but the signature. */
export function treeHeadSignedBytes(head: Omit<SignedTreeHead, 'signature'>): Uint8Array {
  return canonicalBytes({ planId: head.planId, treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp, keyFingerprint: head.keyFingerprint });
}

export type TreeHeadVerification = { ok: true; head: SignedTreeHead } | { ok: false; problem: string };

/**
 * Is this a well-formed tree head signed by this public key (SPKI PEM)? Never throws (the promise never rejects).
 * WebCrypto only, as the bundle verifier: it runs in a browser or with npx, without the ledger or node:crypto.
 * A tree head proves nothing about a key you have not compared with the operator's published fingerprint.
 */
export async function verifySignedTreeHead(head: unknown, publicKeyPem: string): Promise<TreeHeadVerification> {
  const parsed = SignedTreeHeadSchema.safeParse(head);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, problem: `not a signed tree head: ${issue.path.map(String).join('.') || '(head)'} ${issue.message}` };
  }
  const sth = parsed.data;
  try {
    if (fingerprint(publicKeyPem) !== sth.keyFingerprint) return { ok: false, problem: `signed by key ${sth.keyFingerprint}, not by the key given (${fingerprint(publicKeyPem)})` };
    if (!(await verifyEd25519(publicKeyPem, treeHeadSignedBytes(sth), base64Bytes(sth.signature)))) return { ok: false, problem: 'the signature does not match the tree head: it has been altered or was not made with this key' };
  } catch (error) {
    return { ok: false, problem: `the public key cannot be used: ${(error as Error).message}` };
  }
  return { ok: true, head: sth };
}

/** The schema has already checked the characters; atob, not Buffer, so this runs wherever the verifier does. */
function base64Bytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
