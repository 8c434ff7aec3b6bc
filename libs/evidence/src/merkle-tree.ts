import { bytesToHex, hexToBytes, sha256, type Sha256 } from '#integrity';

/**
 * RFC 6962 / RFC 9162 Merkle tree (the one Certificate Transparency and Go's sumdb use), so an
 * auditor can check our inclusion and consistency proofs with any off-the-shelf CT tooling.
 *
 * Leaves are the raw bytes of each entry; this module hashes them itself with the 0x00 prefix
 * (and interior nodes with 0x01) so that a leaf can never be passed off as an interior node.
 * Sizes and indices are plain numbers: they must be safe integers (< 2^53), far beyond any ledger.
 */

/** Every hash in the tree is a SHA-256 digest. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({}) = SHA-256 of the empty string, in hex (a string, so no caller can mutate it). */
export const EMPTY_TREE_HASH_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Leaf hash = SHA-256(0x00 ‖ data). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, data);
}

/** Interior node hash = SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

/**
 * Merkle Tree Hash (RFC 6962 §2.1) of the leaves, in order. Built level by level: each leaf hashed once, then
 * pairs hashed upwards, a level's odd last node carried up as it is, which gives the tree RFC 6962 defines (it
 * splits at the largest power of two below n: merkle-tree.unit.spec.ts checks both against each other and the
 * vectors). `digest` lets a Node-only caller (the bundle writer) hash with node:crypto; the bytes are the same.
 */
export function merkleRoot(leaves: readonly Uint8Array[], digest: Sha256 = sha256): Uint8Array {
  if (leaves.length === 0) return digest();
  let level: Uint8Array[] = new Array<Uint8Array>(leaves.length);
  for (let i = 0; i < leaves.length; i++) level[i] = digest(LEAF_PREFIX, leaves[i]!);
  while (level.length > 1) {
    const next = new Array<Uint8Array>(Math.ceil(level.length / 2));
    for (let i = 0, j = 0; i < level.length; i += 2, j++) next[j] = i + 1 < level.length ? digest(NODE_PREFIX, level[i]!, level[i + 1]!) : level[i]!;
    level = next;
  }
  return level[0]!;
}

/**
 * Audit path (RFC 6962 §2.1.1 PATH) proving that leaves[index] is in the tree of all the leaves,
 * ordered from the leaf's sibling upwards.
 */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  requireIndex('index', index);
  if (index >= leaves.length) throw new RangeError(`Leaf index ${index} is outside a tree of ${leaves.length} leaves`);
  const hashes = leaves.map(hashLeaf);
  const proof: Uint8Array[] = [];
  auditPath(hashes, index, 0, hashes.length, proof);
  return proof;
}

/**
 * Consistency proof (RFC 6962 §2.1.2 PROOF/SUBPROOF) that the first oldSize leaves are an
 * unchanged prefix of the whole tree. Empty when oldSize equals the tree size.
 */
export function consistencyProof(leaves: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  requireIndex('oldSize', oldSize);
  // RFC 6962 only defines PROOF(m, D[n]) for 0 < m <= n: every tree extends the empty tree, so
  // there is nothing to prove, and our verifier rejects such proofs rather than accept anything.
  if (oldSize === 0) throw new RangeError('A consistency proof needs an old tree of at least one leaf');
  if (oldSize > leaves.length) throw new RangeError(`Old tree size ${oldSize} is larger than the tree of ${leaves.length} leaves`);
  const hashes = leaves.map(hashLeaf);
  const proof: Uint8Array[] = [];
  subproof(hashes, oldSize, 0, hashes.length, true, proof);
  return proof;
}

/**
 * RFC 9162 §2.1.3.2: does the audit path prove that leafHash sits at index in the tree of
 * treeSize leaves whose root is root? Never throws; anything malformed is simply false.
 */
export function verifyInclusion(leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isIndex(index) || !isIndex(treeSize) || index >= treeSize) return false;
  // A short or empty "hash" could otherwise equal a short or empty root of a one-leaf tree.
  if (!isHash(leafHash) || !isHash(root) || !proof.every(isHash)) return false;

  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false; // the proof is longer than the path to the root
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      // On the right border the node has no right sibling at these levels: climb past them.
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameBytes(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does the proof show that the tree of newSize leaves (root newRoot) is an
 * append-only extension of the tree of oldSize leaves (root oldRoot)? Never throws.
 *
 * Edge cases the RFC leaves to the caller, decided as transparency-dev/merkle's vectors do:
 * equal sizes need an empty proof and equal roots; an old size of 0 is always rejected, because
 * a proof from the empty tree proves nothing (compare oldRoot with EMPTY_TREE_HASH_HEX yourself).
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!isIndex(oldSize) || !isIndex(newSize) || oldSize === 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && sameBytes(oldRoot, newRoot);
  if (proof.length === 0 || !proof.every(isHash)) return false;

  // When the old tree is a complete subtree, its root is the first node of the path.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameBytes(fr, oldRoot) && sameBytes(sr, newRoot);
}

/** Lowercase hex, the form hashes take in manifests and on screen. */
export function hashToHex(hash: Uint8Array): string {
  return bytesToHex(hash);
}

/** Parse a 64-character hex SHA-256 hash; throws rather than silently truncate bad input as a lenient parser would. */
export function hashFromHex(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new TypeError(`Not a hex SHA-256 hash: ${JSON.stringify(hex)}`);
  return hexToBytes(hex);
}

export function proofToHex(proof: readonly Uint8Array[]): string[] {
  return proof.map(hashToHex);
}

export function proofFromHex(proof: readonly string[]): Uint8Array[] {
  return proof.map(hashFromHex);
}

// --- internals -------------------------------------------------------------------------------

/** MTH(D[start:end]) over leaf hashes; end > start. */
function subtreeRoot(hashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return hashes[start]!;
  const k = largestPowerOfTwoBelow(n);
  return hashChildren(subtreeRoot(hashes, start, start + k), subtreeRoot(hashes, start + k, end));
}

/** PATH(m, D[start:end]), appended bottom-up. */
function auditPath(hashes: readonly Uint8Array[], m: number, start: number, end: number, out: Uint8Array[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = largestPowerOfTwoBelow(n);
  if (m < k) {
    auditPath(hashes, m, start, start + k, out);
    out.push(subtreeRoot(hashes, start + k, end));
  } else {
    auditPath(hashes, m - k, start + k, end, out);
    out.push(subtreeRoot(hashes, start, start + k));
  }
}

/** SUBPROOF(m, D[start:end], b), appended bottom-up. */
function subproof(hashes: readonly Uint8Array[], m: number, start: number, end: number, completeSubtree: boolean, out: Uint8Array[]): void {
  const n = end - start;
  if (m === n) {
    if (!completeSubtree) out.push(subtreeRoot(hashes, start, end));
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    subproof(hashes, m, start, start + k, completeSubtree, out);
    out.push(subtreeRoot(hashes, start + k, end));
  } else {
    subproof(hashes, m - k, start + k, end, false, out);
    out.push(subtreeRoot(hashes, start, start + k));
  }
}

/** The largest power of two strictly less than n (n >= 2). Arithmetic, not bit operators, so sizes past 2^31 work. */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

// Division rather than >> and &: JavaScript's bit operators truncate to 32 bits.
function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(b: Uint8Array): boolean {
  return b instanceof Uint8Array && b.length === HASH_SIZE;
}

function requireIndex(name: string, n: number): void {
  if (!isIndex(n)) throw new RangeError(`${name} must be a non-negative safe integer, got ${n}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
