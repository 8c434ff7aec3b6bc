import { chainLinkOf, type EventStore } from '#event-store';
import { verifyChain, type ChainVerification } from '#evidence';
import { planStreamName } from '#domain';

/** Recompute a plan stream's hash chain from what is stored, and say where it breaks. */
export async function checkPlanIntegrity(store: EventStore, planId: string): Promise<ChainVerification & { planId: string; streamId: string }> {
  return { planId, ...(await checkStreamIntegrity(store, planStreamName(planId))) };
}

/** The same for any stream: plans, the access stream, an organisation's access log. */
export async function checkStreamIntegrity(store: EventStore, streamId: string): Promise<ChainVerification & { streamId: string }> {
  const events = await store.readStream(streamId);
  const result = verifyChain(events.map(chainLinkOf));
  return { streamId, ...result };
}
