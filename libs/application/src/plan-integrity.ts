import { chainLinkOf, type EventStore, type RecordedEvent } from '#event-store';
import { chainHeadSignatureHolds, verifyChain, type ChainVerification } from '#evidence';
import { planStreamName } from '#domain';
import { HeadSigningEventStore } from './head-signing-event-store.js';

/** The last head the ledger signed for the stream, that the stored events were checked against. */
export interface CheckedSignedHead {
  size: number;
  signedAt: string;
}

export type StreamIntegrity = ChainVerification & { streamId: string; signedHead: CheckedSignedHead | null };

/** Recompute a plan stream's hash chain from what is stored, and say where it breaks. */
export async function checkPlanIntegrity(store: EventStore, planId: string): Promise<StreamIntegrity & { planId: string }> {
  return { planId, ...(await checkStreamIntegrity(store, planStreamName(planId))) };
}

/**
 * The same for any stream: plans, the access stream, an organisation's access log. When the store keeps signed
 * heads, the events must also reach every head the ledger signed: a chain that is whole but shorter than a
 * signed head has lost its tail, which the chain alone cannot show.
 */
export async function checkStreamIntegrity(store: EventStore, streamId: string): Promise<StreamIntegrity> {
  if (store instanceof HeadSigningEventStore) await store.ready();
  const events = await store.readStream(streamId);
  const chain = verifyChain(events.map(chainLinkOf));
  if (!(store instanceof HeadSigningEventStore)) return { streamId, ...chain, signedHead: null };
  const heads = store.heads.headsOf(streamId);
  if (heads.length === 0) return { streamId, ...chain, signedHead: null };
  const publicKeyPem = (await store.signingKey()).publicKeyPem;
  const fingerprint = (await store.signingKey()).fingerprint;
  const latest = heads[0]!;
  const signedHead = { size: latest.size, signedAt: latest.signedAt };
  if (!chain.ok) return { streamId, ...chain, signedHead };
  // Longest first: the head furthest along is the one a truncation contradicts.
  for (const head of heads) {
    // A head in the record that our key did not sign is itself tampering; one signed under an older key cannot be checked here.
    if (head.keyFingerprint === fingerprint && !chainHeadSignatureHolds(head, publicKeyPem)) {
      return broken(streamId, chain.length, Math.min(head.size, events.length), signedHead, `the record of signed heads holds a head for ${head.size} events (signed at ${head.signedAt}) whose signature does not hold: the record has been altered`);
    }
    const problem = headProblem(events, head.size, head.headHash, head.signedAt);
    if (problem) return broken(streamId, chain.length, problem.revision, signedHead, problem.text);
  }
  return { streamId, ...chain, signedHead };
}

function headProblem(events: readonly RecordedEvent[], size: number, headHash: string, signedAt: string): { revision: number; text: string } | undefined {
  if (events.length < size) {
    return { revision: events.length, text: `the log is shorter than the head signed at ${signedAt} (${size} events, now ${events.length}): events have been removed from its end` };
  }
  const event = events[size - 1]!;
  if (event.hash !== headHash) {
    return { revision: size - 1, text: `revision ${size - 1} is not the event the head signed at ${signedAt} names (${size} events): the history has been rewritten` };
  }
  return undefined;
}

function broken(streamId: string, length: number, brokenAtRevision: number, signedHead: CheckedSignedHead, problem: string): StreamIntegrity {
  return { streamId, ok: false, length, brokenAtRevision, problem, signedHead };
}
