import type { EventStore, RecordedEvent } from '#event-store';
import { foldPlan, initialPlanState, planStreamName, readablePlanEvents, upcastPlanEventFast, voidedEventIds, type PlanState, type StoredPlanEvent } from '#domain';

/**
 * Loads a plan's current state from its stream. Keeps the last folded state of each plan in memory
 * (a snapshot keyed by revision) so a command reads only the events appended since.
 */
export class PlanRepository {
  private readonly snapshots = new Map<string, PlanState>();
  /** The load of each plan under way, for atLeast to share. */
  private readonly loading = new Map<string, Promise<PlanState>>();

  constructor(
    private readonly store: EventStore,
    private readonly maxSnapshots = 1_000,
  ) {}

  /**
   * The plan as it is now (the cached snapshot itself when nothing was appended since: states are never
   * changed in place, so callers may share it).
   */
  load(planId: string): Promise<PlanState> {
    const loading = this.read(planId);
    this.loading.set(planId, loading);
    const done = () => {
      if (this.loading.get(planId) === loading) this.loading.delete(planId);
    };
    loading.then(done, done);
    return loading;
  }

  /**
   * The plan at `revision` or later, for a writer to show what it wrote: the snapshot when it has got there, or
   * a load under way that gets there, so the writers of one append fold its events once between them.
   */
  async atLeast(planId: string, revision: number): Promise<PlanState> {
    const snapshot = this.snapshots.get(planId);
    if (snapshot && snapshot.revision >= revision) return snapshot;
    const underWay = this.loading.get(planId);
    if (underWay) {
      const state = await underWay.catch(() => undefined);
      if (state && state.revision >= revision) return state;
    }
    return this.load(planId);
  }

  private async read(planId: string): Promise<PlanState> {
    const snapshot = this.snapshots.get(planId) ?? initialPlanState();
    const newer = await this.store.readStream(planStreamName(planId), { fromRevision: BigInt(snapshot.revision + 1) });
    if (newer.length === 0) return snapshot;
    // A repair voids an entry that may be anywhere in the stream: fold the whole stream afresh, without it.
    const state = newer.some((event) => event.type === 'EventVoided')
      ? foldPlan(readable(await this.store.readStream(planStreamName(planId))))
      : foldPlan(readable(newer), snapshot);
    this.remember(planId, state);
    return state;
  }

  private remember(planId: string, state: PlanState): void {
    this.snapshots.delete(planId);
    this.snapshots.set(planId, state);
    if (this.snapshots.size > this.maxSnapshots) this.snapshots.delete(this.snapshots.keys().next().value!);
  }
}

/**
 * A stream's events as a fold must see them, read with upcastPlanEventFast: upcastPlanEvent's events and errors,
 * without zod's parse of an event already in its current form (as every event this build writes is). Every write
 * reads its group's events back here, and a plan's first load reads all of them.
 */
function readable(events: readonly RecordedEvent[]): StoredPlanEvent[] {
  return readablePlanEvents(events, voidedEventIds(events), upcastPlanEventFast);
}
