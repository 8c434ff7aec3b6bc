import { z } from 'zod';
import {
  cosignatureTimestamp,
  cosignatureVerifier,
  openNote,
  originHash,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  PLAN_LOG_SEGMENT,
  SIGNATURE_TYPE,
  type Checkpoint,
  type NoteVerifier,
} from '#transparency';
import { consistencyProof, hashFromHex, hashToHex, merkleRoot, proofFromHex, proofToHex, verifyConsistency } from '../merkle-tree.js';

/**
 * checkpoints.json: the plan log's checkpoints that witnesses cosigned (C2SP signed notes with cosignature/v1
 * lines), each with the RFC 6962 proof that this bundle's tree is a prefix of it, and the verifier's witness
 * policy over them: enough trusted witnesses must have cosigned a tree that provably holds the bundle's events,
 * and any witnessed tree the bundle is not a prefix of (a fork), or that is longer than what the ledger could
 * prove (a truncation), fails the bundle, naming the witness. Pure, like the rest of the verifier.
 */

export const CHECKPOINTS_FORMAT = 'C2SP tlog-checkpoint signed notes with tlog-cosignature (cosignature/v1) lines';

export const BundleCheckpoints = z
  .object({
    format: z.literal(CHECKPOINTS_FORMAT),
    /** The plan's log: "<ledger name>/plans/<plan id, percent-encoded>". */
    origin: z.string().min(1).max(600),
    checkpoints: z
      .array(
        z
          .object({
            /** The checkpoint note: its text, the ledger's signature and the witnesses' cosignatures. */
            note: z.string().min(1).max(64 * 1024),
            /** Hex RFC 6962 proof from this bundle's tree to the checkpoint's, when it is larger; empty when it is not; null when the ledger could not make one. */
            proof: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(64).nullable(),
          })
          .strict(),
      )
      .max(100),
  })
  .strict();
export type BundleCheckpoints = z.infer<typeof BundleCheckpoints>;

/**
 * Writer side: the checkpoints.json for a bundle of the first `bundled` of `allHashes` (the stream as stored),
 * from the cosigned notes the ledger holds. A note the stream cannot prove (a longer tree than the ledger now
 * holds, or another history) goes in with proof null: the bundle tells what the witnesses saw, even against itself.
 */
export function bundleCheckpointsOf(origin: string, notes: readonly string[], allHashes: readonly string[], bundled: number): BundleCheckpoints {
  const leaves = allHashes.map(hashFromHex);
  const checkpoints: BundleCheckpoints['checkpoints'] = [];
  for (const note of notes) {
    const parsed = parseNote(note);
    const checkpoint = parsed.ok ? parseCheckpoint(parsed.value.text) : undefined;
    if (!checkpoint?.ok || checkpoint.value.origin !== origin) continue;
    const size = checkpoint.value.size;
    let proof: string[] | null = [];
    if (size > bundled) {
      const provable = size <= leaves.length && hashToHex(merkleRoot(leaves.slice(0, size))) === hashToHex(checkpoint.value.rootHash);
      proof = provable ? proofToHex(consistencyProof(leaves.slice(0, size), bundled)) : null;
    }
    checkpoints.push({ note, proof });
  }
  // Even with none: the file names the plan's log, so a verifier knows what to ask the witnesses about.
  return { format: CHECKPOINTS_FORMAT, origin, checkpoints };
}

/** A trusted witness: its cosignature/v1 vkey and, optionally, its monitoring URL to ask what it holds now. */
export interface TrustedWitness {
  vkey: string;
  url?: string;
}

export interface WitnessPolicy {
  witnesses: readonly TrustedWitness[];
  /** The ledger's name as its operator publishes it: the plan's log is then known without trusting the bundle. */
  logName?: string;
  /** How many distinct witnesses must cover the bundle (default 1). */
  quorum?: number;
}

export interface WitnessedBundle {
  planId: string;
  /** The bundle's event hashes (hex), in revision order; the chain check has passed. */
  eventHashes: readonly string[];
  createdAt: string;
  /** checkpoints.json's bytes, if the bundle has one. */
  checkpointsFile?: Uint8Array;
}

interface Sighting {
  witness: string;
  size: number;
  rootHash: Uint8Array;
  timestamp: number;
  source: 'the bundle' | 'the witness itself';
  /** The bundle's tree is provably a prefix of this one (or equal). */
  covers: boolean;
  problem?: string;
}

/** The witness-policy check: ok, and what held or which witness saw what. Never throws. */
export async function checkWitnessPolicy(bundle: WitnessedBundle, policy: WitnessPolicy): Promise<{ ok: boolean; detail: string }> {
  const verifiers: { verifier: NoteVerifier; url?: string }[] = [];
  for (const witness of policy.witnesses) {
    const key = parseVerifierKey(witness.vkey);
    if (!key.ok) return { ok: false, detail: `the witness key ${witness.vkey} cannot be used: ${key.problem}` };
    if (key.value.type !== SIGNATURE_TYPE.cosignatureV1) return { ok: false, detail: `the witness key ${witness.vkey} is not a cosignature/v1 key (type 0x04)` };
    verifiers.push({ verifier: cosignatureVerifier(key.value), ...(witness.url ? { url: witness.url.replace(/\/+$/, '') } : {}) });
  }
  const quorum = policy.quorum ?? 1;
  if (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > verifiers.length) return { ok: false, detail: `a quorum of ${quorum} cannot be met by the ${verifiers.length} witness(es) given` };

  const n = bundle.eventHashes.length;
  const leaves = bundle.eventHashes.map(hashFromHex);
  const bundleRoot = merkleRoot(leaves);
  const suffix = `${PLAN_LOG_SEGMENT}${encodeURIComponent(bundle.planId)}`;
  const sightings: Sighting[] = [];
  const notes: string[] = [];

  let origin: string | undefined = policy.logName !== undefined ? `${policy.logName}${suffix}` : undefined;
  if (bundle.checkpointsFile) {
    let file: BundleCheckpoints;
    try {
      const parsed = BundleCheckpoints.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bundle.checkpointsFile)));
      if (!parsed.success) return { ok: false, detail: `checkpoints.json is not what the format says: ${parsed.error.issues[0]!.path.map(String).join('.')} ${parsed.error.issues[0]!.message}` };
      file = parsed.data;
    } catch (error) {
      return { ok: false, detail: `checkpoints.json cannot be read: ${(error as Error).message}` };
    }
    if (!file.origin.endsWith(suffix)) return { ok: false, detail: `checkpoints.json is of log ${file.origin}, not plan ${bundle.planId}'s` };
    if (origin !== undefined && file.origin !== origin) return { ok: false, detail: `checkpoints.json is of log ${file.origin}, not ${origin}, the log of the ledger name you gave` };
    origin = file.origin;
    for (const [i, entry] of file.checkpoints.entries()) {
      const seen = await sightingsOf(entry.note, origin, verifiers.map((v) => v.verifier), 'the bundle');
      if (!seen.ok) {
        notes.push(`checkpoint ${i + 1} in checkpoints.json: ${seen.problem}`);
        continue;
      }
      for (const s of seen.sightings) sightings.push(judge(s, entry.proof));
    }
  }

  // What each witness holds now, where its address is known: the only view a ledger that rewrote its own files cannot edit.
  if (origin === undefined && verifiers.some((v) => v.url)) notes.push('the bundle names no log (it has no checkpoints.json) and no ledger name was given, so the witnesses could not be asked about it');
  if (origin !== undefined) {
    for (const { verifier, url } of verifiers) {
      if (!url) continue;
      let text: string;
      try {
        const response = await fetch(`${url}/${originHash(origin)}/checkpoint`, { signal: AbortSignal.timeout(10_000) });
        if (response.status === 404) {
          notes.push(`witness ${verifier.name} has cosigned nothing of log ${origin}`);
          continue;
        }
        if (response.status !== 200) {
          notes.push(`witness ${verifier.name} answered ${response.status} when asked for its checkpoint`);
          continue;
        }
        text = (await response.text()).slice(0, 256 * 1024);
      } catch (error) {
        notes.push(`witness ${verifier.name} at ${url} could not be asked (${(error as Error).message})`);
        continue;
      }
      const seen = await sightingsOf(text, origin, [verifier], 'the witness itself');
      if (!seen.ok) notes.push(`witness ${verifier.name}'s answer: ${seen.problem}`);
      else for (const s of seen.sightings) sightings.push(judge(s, null));
    }
  }

  const problems: string[] = [];
  for (const s of sightings) {
    if (!s.problem) continue;
    // A longer tree the bundle carries, the ledger knew of when it made the bundle. One a witness serves counts if it
    // was cosigned before the bundle was made (seconds round down, so a cosignature made in the bundle's own second
    // after it may be taken for earlier: make the bundle again to tell them apart).
    const before = s.source === 'the bundle' || s.timestamp * 1000 < Date.parse(bundle.createdAt);
    if (s.problem === 'longer' && !before) continue;
    problems.push(
      s.problem === 'fork'
        ? `FORK: witness ${s.witness} cosigned a tree of ${s.size} events with root ${hashToHex(s.rootHash)} at ${instant(s.timestamp)} (from ${s.source}), but this bundle's first ${s.size} events give ${hashToHex(merkleRoot(leaves.slice(0, s.size)))}: the witness saw another history of this plan`
        : s.problem === 'longer'
          ? `TRUNCATION: witness ${s.witness} cosigned a tree of ${s.size} events at ${instant(s.timestamp)} (from ${s.source}), known before this bundle was made (${bundle.createdAt}), but the bundle holds ${n} and cannot show they are the first ${n} of those: events have been removed, or the history differs`
          : `witness ${s.witness}'s checkpoint of ${s.size} events does not extend this bundle's ${n}: the consistency proof in checkpoints.json does not verify`,
    );
  }
  const covering = [...new Set(sightings.filter((s) => s.covers).map((s) => s.witness))];
  if (problems.length > 0) return { ok: false, detail: [...problems, ...notes].join('; ') };
  if (covering.length < quorum) {
    const lagging = [...new Set(sightings.filter((s) => !s.covers).map((s) => `${s.witness} (${s.size} events)`))];
    return {
      ok: false,
      detail: `${covering.length} of the ${quorum} trusted witness(es) required cosigned a tree holding this bundle's ${n} events${covering.length ? ` (${covering.join(', ')})` : ''}${lagging.length ? `; seen only shorter trees: ${lagging.join(', ')}` : ''}${notes.length ? `; ${notes.join('; ')}` : ''}`,
    };
  }
  const best = covering.map((w) => {
    const s = sightings.filter((x) => x.witness === w && x.covers).sort((a, b) => b.size - a.size)[0]!;
    return `${w} (${s.size} events, ${instant(s.timestamp)})`;
  });
  return { ok: true, detail: `${covering.length} trusted witness(es) cosigned a tree that provably holds this bundle's ${n} events (quorum ${quorum}): ${best.join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}` };

  function judge(s: Omit<Sighting, 'covers' | 'problem'>, proof: readonly string[] | null): Sighting {
    if (s.size <= n) {
      const prefix = merkleRoot(leaves.slice(0, s.size));
      if (!same(prefix, s.rootHash)) return { ...s, covers: false, problem: 'fork' };
      return { ...s, covers: s.size === n };
    }
    if (proof === null) return { ...s, covers: false, problem: 'longer' };
    if (!verifyConsistency(n, s.size, bundleRoot, s.rootHash, proofFromHex(proof))) return { ...s, covers: false, problem: 'bad-proof' };
    return { ...s, covers: true };
  }
}

/** The cosignatures by trusted witnesses on one checkpoint note of the origin. */
async function sightingsOf(note: string, origin: string, verifiers: NoteVerifier[], source: Sighting['source']): Promise<{ ok: true; sightings: Omit<Sighting, 'covers' | 'problem'>[] } | { ok: false; problem: string }> {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const checkpoint = parseCheckpoint(parsed.value.text);
  if (!checkpoint.ok) return checkpoint;
  if (checkpoint.value.origin !== origin) return { ok: false, problem: `it is a checkpoint of ${checkpoint.value.origin}, not of ${origin}` };
  const opened = await openNote(note, verifiers);
  if (!opened.ok) {
    // No trusted witness on it is not evidence of anything; a trusted witness's signature that fails is.
    return parsed.value.signatures.some((s) => verifiers.some((v) => v.name === s.name && v.keyId === s.keyId)) ? opened : { ok: true, sightings: [] };
  }
  return {
    ok: true,
    sightings: opened.value.verified.map((s) => ({ witness: s.name, size: checkpoint.value.size, rootHash: (checkpoint.value as Checkpoint).rootHash, timestamp: cosignatureTimestamp(s.signature) ?? 0, source })),
  };
}

function instant(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
