import type { ChainLink } from '#integrity';
import { chainLinkOf } from '../chain-link.js';
import type { RecordedEvent } from '../event-store.js';

/** Recorded events as the links verifyChain recomputes. */
export function chainLinksOf(events: readonly RecordedEvent[]): ChainLink[] {
  return events.map(chainLinkOf);
}
