/**
 * RFC 6962 / RFC 9162 conformance.
 *
 * The vectors in ../shared/test-vectors/rfc6962/ are from the transparency-dev/merkle project
 * (https://github.com/transparency-dev/merkle: testdata/ and testonly/constants.go), the reference
 * implementation used by Certificate Transparency and Go's sumdb, Apache License 2.0 (see
 * ../shared/test-vectors/rfc6962/LICENSE-transparency-dev-merkle). Hashes there are base64 and
 * leaf indices 0-based; a Go nil proof is JSON null.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import {
  EMPTY_TREE_HASH_HEX,
  consistencyProof,
  hashChildren,
  hashFromHex,
  hashLeaf,
  hashToHex,
  inclusionProof,
  merkleRoot,
  proofFromHex,
  proofToHex,
  verifyConsistency,
  verifyInclusion,
} from './merkle-tree.js';

const vectorsDir = path.resolve(process.cwd(), '../shared/test-vectors/rfc6962');

interface LeavesAndRoots {
  leafInputsHex: string[];
  leafHashesHex: string[];
  rootHashesBySizeHex: string[];
}
interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function jsonFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? jsonFilesUnder(path.join(dir, entry.name)) : entry.name.endsWith('.json') ? [path.join(dir, entry.name)] : []))
    .sort();
}

function load<T>(file: string): [string, T] {
  return [path.relative(vectorsDir, file), JSON.parse(readFileSync(file, 'utf8')) as T];
}

const b64 = (text: string): Buffer => Buffer.from(text, 'base64');
const b64List = (proof: string[] | null): Buffer[] => (proof ?? []).map(b64);

const reference = JSON.parse(readFileSync(path.join(vectorsDir, 'leaves-and-roots.json'), 'utf8')) as LeavesAndRoots;
const leaves = reference.leafInputsHex.map((hex) => Buffer.from(hex, 'hex'));
const inclusionVectors = jsonFilesUnder(path.join(vectorsDir, 'inclusion')).map((file) => load<InclusionVector>(file));
const consistencyVectors = jsonFilesUnder(path.join(vectorsDir, 'consistency')).map((file) => load<ConsistencyVector>(file));

describe('Merkle tree hashes (transparency-dev/merkle reference leaves)', () => {
  it('hashes each leaf as SHA-256(0x00 ‖ data)', () => {
    expect(leaves.map((leaf) => hashToHex(hashLeaf(leaf)))).toEqual(reference.leafHashesHex);
  });

  it.each(reference.rootHashesBySizeHex.map((root, size) => [size, root] as const))('computes the root of the first %i leaves as %s', (size, root) => {
    expect(hashToHex(merkleRoot(leaves.slice(0, size)))).toBe(root);
  });

  it('gives the empty tree the hash of the empty string', () => {
    expect(hashToHex(merkleRoot([]))).toBe(EMPTY_TREE_HASH_HEX);
    expect(EMPTY_TREE_HASH_HEX).toBe(reference.rootHashesBySizeHex[0]);
  });

  it('keeps a leaf distinct from an interior node with the same bytes (second-preimage defence)', () => {
    const [a, b] = [hashLeaf(leaves[2]!), hashLeaf(leaves[3]!)];
    expect(hashToHex(merkleRoot([Buffer.concat([a, b])]))).not.toBe(hashToHex(hashChildren(a, b)));
  });
});

describe('verifyInclusion against the transparency-dev/merkle vectors', () => {
  it('loads all 98 inclusion vectors, 6 of them valid proofs', () => {
    expect(inclusionVectors).toHaveLength(98);
    expect(inclusionVectors.filter(([, v]) => !v.wantErr)).toHaveLength(6);
  });

  it.each(inclusionVectors.map(([file, v]) => [v.wantErr ? 'rejects' : 'accepts', file, v] as const))('%s the proof in %s', (_verdict, _file, v) => {
    expect(verifyInclusion(b64(v.leafHash), v.leafIdx, v.treeSize, b64List(v.proof), b64(v.root))).toBe(!v.wantErr);
  });
});

describe('verifyConsistency against the transparency-dev/merkle vectors', () => {
  it('loads all 98 consistency vectors, 6 of them valid proofs', () => {
    expect(consistencyVectors).toHaveLength(98);
    expect(consistencyVectors.filter(([, v]) => !v.wantErr)).toHaveLength(6);
  });

  it.each(consistencyVectors.map(([file, v]) => [v.wantErr ? 'rejects' : 'accepts', file, v] as const))('%s the proof in %s', (_verdict, _file, v) => {
    expect(verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), b64List(v.proof))).toBe(!v.wantErr);
  });
});

describe('proof generation matches the reference vectors', () => {
  const validInclusion = inclusionVectors.filter(([file, v]) => !v.wantErr && !file.startsWith('inclusion/single-entry') && v.treeSize <= leaves.length);
  const validConsistency = consistencyVectors.filter(([file, v]) => !v.wantErr && !file.includes('additional') && v.size2 <= leaves.length);

  it('has reference proofs over the eight reference leaves to compare with', () => {
    expect(validInclusion.length).toBeGreaterThanOrEqual(5);
    expect(validConsistency.length).toBeGreaterThanOrEqual(5);
  });

  it.each(validInclusion)('produces the inclusion proof of %s', (_file, v) => {
    const tree = leaves.slice(0, v.treeSize);
    expect(hashToHex(hashLeaf(tree[v.leafIdx]!))).toBe(b64(v.leafHash).toString('hex'));
    expect(hashToHex(merkleRoot(tree))).toBe(b64(v.root).toString('hex'));
    expect(proofToHex(inclusionProof(tree, v.leafIdx))).toEqual(proofToHex(b64List(v.proof)));
  });

  it.each(validConsistency)('produces the consistency proof of %s', (_file, v) => {
    const tree = leaves.slice(0, v.size2);
    expect(hashToHex(merkleRoot(tree.slice(0, v.size1)))).toBe(b64(v.root1).toString('hex'));
    expect(hashToHex(merkleRoot(tree))).toBe(b64(v.root2).toString('hex'));
    expect(proofToHex(consistencyProof(tree, v.size1))).toEqual(proofToHex(b64List(v.proof)));
  });

  it('proves and verifies every leaf of every tree over the reference leaves', () => {
    for (let size = 1; size <= leaves.length; size++) {
      const root = hashFromHex(reference.rootHashesBySizeHex[size]!);
      for (let index = 0; index < size; index++) {
        expect(verifyInclusion(hashLeaf(leaves[index]!), index, size, inclusionProof(leaves.slice(0, size), index), root)).toBe(true);
      }
    }
  });

  it('proves and verifies consistency between every pair of reference tree sizes', () => {
    for (let newSize = 1; newSize <= leaves.length; newSize++) {
      for (let oldSize = 1; oldSize <= newSize; oldSize++) {
        const proof = consistencyProof(leaves.slice(0, newSize), oldSize);
        const [oldRoot, newRoot] = [hashFromHex(reference.rootHashesBySizeHex[oldSize]!), hashFromHex(reference.rootHashesBySizeHex[newSize]!)];
        expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof)).toBe(true);
      }
    }
  });
});

describe('Merkle proofs beyond 32-bit sizes', () => {
  // A tree of 2^k identical leaves has root P[k], where P[0] is the leaf hash and P[i+1] = H(P[i], P[i]),
  // and every leaf's audit path is P[0..k-1]: enough to check the index arithmetic past 2^32
  // without building the tree.
  const P = [hashLeaf(Buffer.from('same'))];
  for (let i = 0; i < 41; i++) P.push(hashChildren(P[i]!, P[i]!));

  it.each([0, 2 ** 32 + 5, 2 ** 39 + 12345, 2 ** 40 - 1])('verifies leaf %i of a tree of 2^40 leaves', (index) => {
    expect(verifyInclusion(P[0]!, index, 2 ** 40, P.slice(0, 40), P[40]!)).toBe(true);
    expect(verifyInclusion(P[0]!, index, 2 ** 40 + 1, P.slice(0, 40), P[40]!)).toBe(false);
  });

  it('verifies the last leaf of a tree of 2^40 + 1 leaves, alone on the right border', () => {
    expect(verifyInclusion(P[0]!, 2 ** 40, 2 ** 40 + 1, [P[40]!], hashChildren(P[40]!, P[0]!))).toBe(true);
  });

  it('verifies consistency from 2^32 + 1 leaves to 2^33 leaves', () => {
    const oldRoot = hashChildren(P[32]!, P[0]!);
    const proof = [P[0]!, ...P.slice(0, 33)];
    expect(verifyConsistency(2 ** 32 + 1, 2 ** 33, oldRoot, P[33]!, proof)).toBe(true);
    expect(verifyConsistency(2 ** 32 + 1, 2 ** 33, oldRoot, P[33]!, proof.slice(1))).toBe(false);
  });

  it('rejects sizes and indices that are not safe integers instead of rounding them', () => {
    expect(verifyInclusion(P[0]!, 2 ** 64 - 1, 2 ** 64, [], P[0]!)).toBe(false);
    expect(verifyInclusion(P[0]!, 0.5, 1, [], P[0]!)).toBe(false);
    expect(verifyConsistency(-1, 1, P[0]!, P[0]!, [])).toBe(false);
  });
});

describe('Merkle proof edge cases', () => {
  it('refuses to prove a leaf outside the tree', () => {
    expect(() => inclusionProof(leaves.slice(0, 3), 3)).toThrow(RangeError);
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, -1)).toThrow(RangeError);
  });

  it('refuses consistency proofs from the empty tree or from a larger tree', () => {
    expect(() => consistencyProof(leaves, 0)).toThrow(RangeError);
    expect(() => consistencyProof(leaves.slice(0, 3), 4)).toThrow(RangeError);
  });

  it('gives an empty consistency proof between equal sizes', () => {
    expect(consistencyProof(leaves.slice(0, 5), 5)).toEqual([]);
  });

  it('parses hex hashes strictly', () => {
    expect(hashToHex(hashFromHex(EMPTY_TREE_HASH_HEX))).toBe(EMPTY_TREE_HASH_HEX);
    expect(() => hashFromHex('zz'.repeat(32))).toThrow(TypeError);
    expect(() => hashFromHex('00')).toThrow(TypeError);
    expect(proofToHex(proofFromHex(reference.leafHashesHex))).toEqual(reference.leafHashesHex);
  });
});

describe('Merkle proofs from our own functions (property tests)', () => {
  const leafData = fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes));
  const tree = fc.array(leafData, { minLength: 1, maxLength: 70 });

  function flipByte(hash: Uint8Array, at: number): Uint8Array {
    const copy = Buffer.from(hash);
    copy[at % copy.length] ^= 0x01;
    return copy;
  }

  it('verifies an inclusion proof for any leaf of any tree, and rejects it with any byte flipped', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), fc.nat(), (tree, indexSeed, elementSeed, byteSeed) => {
        const index = indexSeed % tree.length;
        const root = merkleRoot(tree);
        const proof = inclusionProof(tree, index);
        const leafHash = hashLeaf(tree[index]!);
        expect(verifyInclusion(leafHash, index, tree.length, proof, root)).toBe(true);

        expect(verifyInclusion(flipByte(leafHash, byteSeed), index, tree.length, proof, root)).toBe(false);
        expect(verifyInclusion(leafHash, index, tree.length, proof, flipByte(root, byteSeed))).toBe(false);
        if (proof.length > 0) {
          const broken = [...proof];
          const at = elementSeed % proof.length;
          broken[at] = flipByte(broken[at]!, byteSeed);
          expect(verifyInclusion(leafHash, index, tree.length, broken, root)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects an inclusion proof presented for another position', () => {
    const distinctTree = fc.uniqueArray(leafData, { minLength: 2, maxLength: 70, selector: (leaf) => leaf.toString('hex') });
    fc.assert(
      fc.property(distinctTree, fc.nat(), fc.nat(), (tree, indexSeed, otherSeed) => {
        const index = indexSeed % tree.length;
        const other = (index + 1 + (otherSeed % (tree.length - 1))) % tree.length;
        const root = merkleRoot(tree);
        const proof = inclusionProof(tree, index);
        expect(verifyInclusion(hashLeaf(tree[index]!), other, tree.length, proof, root)).toBe(false);
        expect(verifyInclusion(hashLeaf(tree[other]!), index, tree.length, proof, root)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('verifies a consistency proof between any two sizes of a growing tree, and rejects it with any byte flipped', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), fc.nat(), (tree, oldSeed, elementSeed, byteSeed) => {
        const oldSize = 1 + (oldSeed % tree.length);
        const oldRoot = merkleRoot(tree.slice(0, oldSize));
        const newRoot = merkleRoot(tree);
        const proof = consistencyProof(tree, oldSize);
        expect(verifyConsistency(oldSize, tree.length, oldRoot, newRoot, proof)).toBe(true);

        expect(verifyConsistency(oldSize, tree.length, flipByte(oldRoot, byteSeed), newRoot, proof)).toBe(false);
        expect(verifyConsistency(oldSize, tree.length, oldRoot, flipByte(newRoot, byteSeed), proof)).toBe(false);
        if (proof.length > 0) {
          const broken = [...proof];
          const at = elementSeed % proof.length;
          broken[at] = flipByte(broken[at]!, byteSeed);
          expect(verifyConsistency(oldSize, tree.length, oldRoot, newRoot, broken)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a consistency proof when the old tree was rewritten rather than extended', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), (tree, oldSeed, changedSeed) => {
        const oldSize = 1 + (oldSeed % tree.length);
        const changed = changedSeed % oldSize;
        const rewritten = tree.map((leaf, i) => (i === changed ? Buffer.concat([leaf, Buffer.from([0xff])]) : leaf));
        const proof = consistencyProof(rewritten, oldSize);
        const honestOldRoot = merkleRoot(tree.slice(0, oldSize));
        expect(verifyConsistency(oldSize, rewritten.length, honestOldRoot, merkleRoot(rewritten), proof)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('merkleRoot built level by level', () => {
  /** RFC 6962 §2.1 as written: MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two below n. */
  function rfcRoot(leaves: readonly Uint8Array[]): Uint8Array {
    if (leaves.length === 1) return hashLeaf(leaves[0]!);
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return hashChildren(rfcRoot(leaves.slice(0, k)), rfcRoot(leaves.slice(k)));
  }
  const nodeSha256 = (...parts: readonly Uint8Array[]) => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    return new Uint8Array(hash.digest());
  };

  it('gives the recursive definition\'s root for every size from 1 to 130, with either SHA-256', () => {
    const leaves = Array.from({ length: 130 }, (_, i) => Uint8Array.of(i, i >> 3, 7));
    for (let n = 1; n <= leaves.length; n++) {
      const expected = hashToHex(rfcRoot(leaves.slice(0, n)));
      expect(hashToHex(merkleRoot(leaves.slice(0, n)))).toBe(expected);
      expect(hashToHex(merkleRoot(leaves.slice(0, n), nodeSha256))).toBe(expected);
    }
    expect(hashToHex(merkleRoot([], nodeSha256))).toBe(EMPTY_TREE_HASH_HEX);
  });
});
