import type { EventStore } from '#event-store';
import { planStreamName, upcastPlanEvent } from '#domain';

/** Which organisation a plan belongs to: read from its first event (it never changes), cached. */
export class PlanOrganisations {
  private readonly known = new Map<string, string>();

  constructor(private readonly store: EventStore) {}

  async of(planId: string): Promise<string | null> {
    const cached = this.known.get(planId);
    if (cached) return cached;
    if (planId.length > 100) return null;
    const [first] = await this.store.readStream(planStreamName(planId), { maxCount: 1 });
    if (!first) return null;
    let created;
    try {
      created = upcastPlanEvent(first);
    } catch {
      // A first entry that cannot be read names no organisation, so nobody can be authorised on the plan.
      return null;
    }
    if (created.type !== 'PlanCreated') return null;
    this.known.set(planId, created.data.organisationId);
    return created.data.organisationId;
  }
}
