import { effectiveAtOf, foldPlan, type PlanState, type StoredPlanEvent } from '#domain';

/**
 * The two times. recorded: what the ledger knew at the instant (only events recorded by then).
 * effective: what was true at the instant, including entries recorded later but effective earlier;
 * with knownAt, as the ledger knew it at knownAt (bitemporal: effective at X as known at Y).
 */
export type TimeAxis = 'recorded' | 'effective';

export interface AsAt {
  asAt: string;
  time: TimeAxis;
  /** Effective time only: ignore entries recorded after this instant. */
  knownAt?: string;
}

/** Instants are compared as numbers so "2009-10-01T00:00:00Z" and "…00.000Z" agree. */
function ms(instant: string): number {
  return Date.parse(instant);
}

/**
 * The events that make up the plan as at the given instant, in the order to fold them.
 * In effective time a correction applies whenever it is known: it says the entry was wrong, so the
 * truth at any earlier effective instant is the corrected one.
 */
export function eventsAsAt(events: readonly StoredPlanEvent[], when: AsAt): StoredPlanEvent[] {
  const asAt = ms(when.asAt);
  if (when.time === 'recorded') return events.filter((e) => ms(e.recordedAt) <= asAt);
  const knownAt = when.knownAt ? ms(when.knownAt) : Number.POSITIVE_INFINITY;
  return events
    .filter((e) => ms(e.recordedAt) <= knownAt && (e.type === 'EntryCorrected' || ms(effectiveAtOf(e)) <= asAt))
    .map((e, index) => ({ e, index, at: e.type === 'EntryCorrected' ? Number.NEGATIVE_INFINITY : ms(effectiveAtOf(e)) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ e }) => e);
}

export function replayPlanAsAt(events: readonly StoredPlanEvent[], when: AsAt): PlanState {
  return foldPlan(eventsAsAt(events, when));
}

/** Entries whose effective time is earlier than their recorded time by more than the tolerance: back-dating. */
export function retrospectiveEntries(events: readonly StoredPlanEvent[], toleranceMs: number): StoredPlanEvent[] {
  return events.filter((e) => ms(e.recordedAt) - ms(effectiveAtOf(e)) > toleranceMs);
}
