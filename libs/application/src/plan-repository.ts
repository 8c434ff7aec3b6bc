import type { EventStore } from '#event-store';
import { foldPlan, initialPlanState, planStreamName, readablePlanEvents, type PlanState } from '#domain';

/**
 * Loads a plan's current state from its stream. Keeps the last folded state of each plan in memory
 * (a snapshot keyed by revision) so a command reads only the events appended since.
 */
export class PlanRepository {
  private readonly snapshots = new Map<string, PlanState>();

  constructor(
    private readonly store: EventStore,
    private readonly maxSnapshots = 1_000,
  ) {}

  async load(planId: string): Promise<PlanState> {
    const snapshot = this.snapshots.get(planId) ?? initialPlanState();
    const newer = await this.store.readStream(planStreamName(planId), { fromRevision: BigInt(snapshot.revision + 1) });
    if (newer.length === 0) return snapshot;
    // A repair voids an entry that may be anywhere in the stream: fold the whole stream afresh, without it.
    const state = newer.some((event) => event.type === 'EventVoided')
      ? foldPlan(readablePlanEvents(await this.store.readStream(planStreamName(planId))))
      : foldPlan(readablePlanEvents(newer), snapshot);
    this.remember(planId, state);
    return state;
  }

  private remember(planId: string, state: PlanState): void {
    this.snapshots.delete(planId);
    this.snapshots.set(planId, state);
    if (this.snapshots.size > this.maxSnapshots) this.snapshots.delete(this.snapshots.keys().next().value!);
  }
}
