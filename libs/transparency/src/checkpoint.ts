import { base64Decode, base64Encode } from './base64.js';
import type { Parsed } from './signed-note.js';

/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text "origin\nsize\nbase64(root)\n" and any
 * extension lines. The body of every checkpoint the ledger signs and every witness cosigns.
 */

export interface Checkpoint {
  origin: string;
  size: number;
  /** The 32-byte RFC 6962 root hash. */
  rootHash: Uint8Array;
  /** Opaque, non-empty lines after the root (the ledger writes none). */
  extensions: string[];
}

/** RFC 6962's hash of the empty tree: SHA-256 of nothing. */
export const EMPTY_TREE_ROOT = base64Decode('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')!;

export function parseCheckpoint(text: string): Parsed<Checkpoint> {
  if (!text.endsWith('\n')) return { ok: false, problem: 'a checkpoint ends with a newline' };
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return { ok: false, problem: 'a checkpoint has at least three lines: origin, tree size, root hash' };
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) return { ok: false, problem: 'the origin line is empty' };
  if (!/^(0|[1-9]\d{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) return { ok: false, problem: `the tree size ${JSON.stringify(sizeText.slice(0, 40))} is not a decimal number without leading zeros` };
  const rootHash = base64Decode(rootText);
  if (!rootHash || rootHash.length !== 32) return { ok: false, problem: 'the root hash is not the base64 of 32 bytes' };
  if (extensions.some((line) => line.length === 0)) return { ok: false, problem: 'an extension line is empty' };
  return { ok: true, value: { origin, size: Number(sizeText), rootHash, extensions } };
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  if (checkpoint.origin.length === 0 || checkpoint.origin.includes('\n')) throw new TypeError('a checkpoint origin is one non-empty line');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) throw new RangeError('a tree size is a non-negative integer');
  if (checkpoint.rootHash.length !== 32) throw new RangeError('a root hash is 32 bytes');
  return [checkpoint.origin, String(checkpoint.size), base64Encode(checkpoint.rootHash), ...checkpoint.extensions].join('\n') + '\n';
}
