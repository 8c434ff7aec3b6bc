import { formatUkDate } from '../shared/dates.js';
import { effectiveAtOf, type NewPlanEvent } from './plan-events.js';
import type { PlanState } from './plan-state.js';

export interface EffectiveBeforePlanWarning {
  code: 'EFFECTIVE_BEFORE_PLAN';
  message: string;
  eventId: string;
}

/**
 * Entries dated before the plan itself began are allowed (a plan is sometimes recorded after the work it
 * describes started) but are more often a mistyped year, so the writer is told rather than refused.
 */
export function effectiveBeforePlanWarnings(state: PlanState, events: readonly NewPlanEvent[]): EffectiveBeforePlanWarning[] {
  const created = state.history.find((e) => e.type === 'PlanCreated');
  if (!created) return [];
  const began = effectiveAtOf(created);
  return events
    .filter((e) => e.type !== 'PlanCreated' && e.effectiveAt !== undefined && Date.parse(e.effectiveAt) < Date.parse(began))
    .map((e) => ({
      code: 'EFFECTIVE_BEFORE_PLAN' as const,
      message: `This entry is effective ${formatUkDate(e.effectiveAt!)}, before the plan began (${formatUkDate(began)}); check the date`,
      eventId: e.eventId,
    }));
}
