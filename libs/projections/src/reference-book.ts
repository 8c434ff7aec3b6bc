import type { PlanState, StoredPlanEvent } from '#domain';
import type { PlanReferences } from '#plan-views';

/**
 * The references (action "6.3", recommendation "19(b)") of one plan as they stand, kept up to date event by
 * event, so a summary reads the same whether its event was projected live or in a rebuild. Built once from
 * the plan when the projector first meets it, then only observed: reading the plan's whole history for every
 * batch made projecting one event cost as much as the plan's history.
 */
export class ReferenceBook implements PlanReferences {
  private readonly actions = new Map<string, string>();
  private readonly recommendations = new Map<string, string>();
  /** Which action or recommendation each adding entry added: a correction of that entry may change its reference. */
  private readonly addedBy = new Map<string, { kind: 'action' | 'recommendation'; id: string }>();

  constructor(plan: PlanState) {
    for (const action of Object.values(plan.actions)) this.actions.set(action.id, action.ref);
    for (const recommendation of Object.values(plan.recommendations)) this.recommendations.set(recommendation.id, recommendation.ref);
    for (const event of plan.history) this.noteAdded(event);
  }

  actionRef(id: string) {
    return this.actions.get(id);
  }

  recommendationRef(id: string) {
    return this.recommendations.get(id);
  }

  /** Take in an event after it has been summarised. */
  observe(event: StoredPlanEvent): void {
    if (event.type === 'ActionAdded') this.actions.set(event.data.actionId, event.data.ref);
    if (event.type === 'RecommendationAdded') this.recommendations.set(event.data.recommendationId, event.data.ref);
    this.noteAdded(event);
    if (event.type === 'EntryCorrected' && typeof event.data.amendments?.ref === 'string') {
      const added = this.addedBy.get(event.data.correctedEventId);
      if (added) (added.kind === 'action' ? this.actions : this.recommendations).set(added.id, event.data.amendments.ref);
    }
  }

  private noteAdded(event: StoredPlanEvent): void {
    if (event.type === 'ActionAdded') this.addedBy.set(event.eventId, { kind: 'action', id: event.data.actionId });
    if (event.type === 'RecommendationAdded') this.addedBy.set(event.eventId, { kind: 'recommendation', id: event.data.recommendationId });
  }
}
