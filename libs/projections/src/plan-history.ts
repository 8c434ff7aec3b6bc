import { planStreamName, upcastPlanEvent, voidedEventIds, type PlanState, type StoredPlanEvent } from '#domain';
import type { EventStore } from '#event-store';
import { PlanTimeline, type AsAt } from '#plan-views';

export interface PlanHistoryOptions {
  /** How many plans' timelines (events and snapshots) to keep in memory, least recently used first out. Default 16. */
  maxPlans?: number;
}

/**
 * As-at replay from a plan's own events (never the whole store). The events of the plans replayed lately are
 * kept in memory with snapshots (PlanTimeline): stored events never change, so each replay only reads what
 * was appended since and folds a few hundred events onto the nearest snapshot. The first replay of a plan
 * reads and upcasts all its events.
 */
export class PlanHistory {
  private readonly timelines = new Map<string, PlanTimeline>();
  private readonly maxPlans: number;

  constructor(
    private readonly store: EventStore,
    options: PlanHistoryOptions = {},
  ) {
    this.maxPlans = Math.max(1, options.maxPlans ?? 16);
  }

  /** The plan's events, upcast, recorded up to `recordedUpTo` if given. The events are shared: do not change them. */
  async events(planId: string, recordedUpTo?: string): Promise<StoredPlanEvent[]> {
    const upTo = recordedUpTo === undefined ? undefined : new Date(recordedUpTo).toISOString();
    const events = (await this.timeline(planId)).all();
    // Fixed-width ISO strings order as the instants do: the comparison the store makes for recordedUpTo.
    return upTo === undefined ? events : events.filter((e) => e.recordedAt <= upTo);
  }

  async stateAsAt(planId: string, when: AsAt): Promise<PlanState> {
    // An instant Date cannot read is refused here, as the store refuses it as a recordedUpTo.
    if (when.time === 'recorded') new Date(when.asAt).toISOString();
    if (when.knownAt !== undefined) new Date(when.knownAt).toISOString();
    return (await this.timeline(planId)).stateAsAt(when);
  }

  /** The same, shared with every reader whose instant resolves to the same state (PlanTimeline.sharedStateAsAt): never change it. */
  async sharedStateAsAt(planId: string, when: AsAt): Promise<PlanState> {
    if (when.time === 'recorded') new Date(when.asAt).toISOString();
    if (when.knownAt !== undefined) new Date(when.knownAt).toISOString();
    return (await this.timeline(planId)).sharedStateAsAt(when);
  }

  /** Does the plan exist at all (at any time)? */
  async exists(planId: string): Promise<boolean> {
    return (await this.store.streamSummary(planStreamName(planId))) !== null;
  }

  /** The plan's timeline, brought up to date with what was appended since it was last read. */
  private async timeline(planId: string): Promise<PlanTimeline> {
    let timeline = this.timelines.get(planId) ?? new PlanTimeline();
    // Least recently used goes first: re-inserting moves the plan to the end.
    this.timelines.delete(planId);
    this.timelines.set(planId, timeline);
    if (this.timelines.size > this.maxPlans) this.timelines.delete(this.timelines.keys().next().value!);
    let newer = await this.store.readStream(planStreamName(planId), { fromRevision: BigInt(timeline.nextRevision) });
    if (timeline.nextRevision > 0 && newer.some((e) => e.type === 'EventVoided')) {
      // A repair may void an entry this timeline already holds: start it again from the whole stream.
      timeline = new PlanTimeline();
      this.timelines.set(planId, timeline);
      newer = await this.store.readStream(planStreamName(planId));
    }
    const voided = voidedEventIds(newer);
    // A replay of the same plan running alongside may have appended some of these while we awaited.
    // Appended in runs (a snapshot chain is extended once per run), stepping over voided entries.
    let run: StoredPlanEvent[] = [];
    for (const event of newer) {
      if (Number(event.revision) < timeline.nextRevision + run.length) continue;
      if (!voided.has(event.eventId)) {
        run.push(upcastPlanEvent(event));
        continue;
      }
      timeline.append(run);
      run = [];
      timeline.skip(Number(event.revision));
    }
    timeline.append(run);
    if (timeline.nextRevision === 0) this.timelines.delete(planId);
    return timeline;
  }
}
