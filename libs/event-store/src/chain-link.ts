import type { ChainLink } from '../../evidence/src/hash-chain.js';
import type { RecordedEvent } from './event-store.js';

/** A recorded event as the link verifyChain recomputes (revision as a number, as the hash body has it). */
export function chainLinkOf(event: RecordedEvent): ChainLink {
  return {
    streamId: event.streamId,
    revision: Number(event.revision),
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt,
    previousHash: event.previousHash,
    hash: event.hash,
  };
}
