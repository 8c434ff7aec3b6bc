import { planStreamName, upcastPlanEvent, type PlanState, type StoredPlanEvent } from '#domain';
import type { EventStore } from '#event-store';
import { eventsAsAt, type AsAt } from './as-at.js';
import { foldPlan } from '#domain';

/**
 * As-at replay from a plan's own events (never the whole store): in recorded time the store's
 * (stream, recordedAt) index stops the read at the instant; in effective time, at knownAt.
 */
export class PlanHistory {
  constructor(private readonly store: EventStore) {}

  /** The plan's events, upcast, recorded up to `recordedUpTo` if given. */
  async events(planId: string, recordedUpTo?: string): Promise<StoredPlanEvent[]> {
    const recorded = await this.store.readStream(planStreamName(planId), recordedUpTo ? { recordedUpTo: new Date(recordedUpTo).toISOString() } : {});
    return recorded.map(upcastPlanEvent);
  }

  async stateAsAt(planId: string, when: AsAt): Promise<PlanState> {
    const cutOff = when.time === 'recorded' ? when.asAt : when.knownAt;
    return foldPlan(eventsAsAt(await this.events(planId, cutOff), when));
  }

  /** Does the plan exist at all (at any time)? */
  async exists(planId: string): Promise<boolean> {
    return (await this.store.streamSummary(planStreamName(planId))) !== null;
  }
}
