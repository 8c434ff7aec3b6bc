import { formatCheckpoint, planLogOrigin, signNote } from '#transparency';
import { hashFromHex, hashToHex, merkleRoot } from './merkle-tree.js';
import { noteSignerOf } from './note-keys.js';
import type { SigningKey } from './signing-key.js';

/**
 * A plan's log checkpoint (c2sp.org/tlog-checkpoint) signed by the ledger as a signed note: origin
 * "<ledger name>/plans/<plan>", the event count, and the RFC 6962 root over the event hashes, the same root an
 * evidence bundle's manifest names. What the ledger sends its witnesses.
 */
export async function signPlanCheckpoint(input: { ledgerName: string; planId: string; eventHashes: readonly string[] }, key: SigningKey): Promise<{ origin: string; size: number; rootHash: string; text: string; note: string }> {
  const origin = planLogOrigin(input.ledgerName, input.planId);
  const root = merkleRoot(input.eventHashes.map(hashFromHex));
  const text = formatCheckpoint({ origin, size: input.eventHashes.length, rootHash: root, extensions: [] });
  return { origin, size: input.eventHashes.length, rootHash: hashToHex(root), text, note: await signNote(text, [noteSignerOf(input.ledgerName, key)]) };
}
