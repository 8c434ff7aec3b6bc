import { decide } from '../plan/decide.js';
import { foldPlan } from '../plan/evolve.js';
import type { PlanCommand } from '../plan/plan-commands.js';
import type { NewPlanEvent, PlanEventData, PlanEventType, StoredPlanEvent } from '../plan/plan-events.js';
import type { PlanState } from '../plan/plan-state.js';
import { asRecorded, type CommandMetadata } from '../event-metadata.js';
import { deciderSpecification } from './decider-specification.js';

export { testContext } from './decider-specification.js';

/** Who recorded the given events of a specification, and when (the instant a decision is made at, by default). */
export const GIVEN_METADATA: CommandMetadata = { actor: { id: 'rachel', displayName: 'Rachel Deakin' }, correlationId: 'c-1' };
export const GIVEN_RECORDED_AT = '2012-10-01T09:00:00.000Z';

/** Decided events as the store hands them back: dense revisions from `startRevision`, the one metadata builder's metadata. */
export function recorded(events: readonly NewPlanEvent[], startRevision = 0, recordedAt = GIVEN_RECORDED_AT): StoredPlanEvent[] {
  return events.map((event, i) => asRecorded(event, GIVEN_METADATA, startRevision + i, recordedAt));
}

/** One plan event, typed by its type, for a specification's given and then. */
export function planEvent<T extends PlanEventType>(type: T, eventId: string, data: PlanEventData<T>, extra: { effectiveAt?: string; reason?: string } = {}): NewPlanEvent {
  return { eventId, type, data, ...extra } as NewPlanEvent;
}

/** The plan decider's specification: given plan events → when a plan command → then plan events. */
export const planDecider = deciderSpecification<PlanCommand, NewPlanEvent, PlanState>({ decide, fold: (events) => foldPlan(recorded(events)) });
