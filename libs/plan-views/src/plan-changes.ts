import { effectiveAtOf, own, type Action, type PlanState, type StoredPlanEvent } from '#domain';
import { eventsAsAt, type TimeAxis } from './as-at.js';
import { referencesOf, statusWords, summariseEvent, targetWords } from './event-summary.js';
import { actionIdOf } from './action-id-of.js';

export interface ChangeCause {
  eventId: string;
  type: string;
  summary: string;
  actor: string;
  recordedAt: string;
  effectiveAt: string;
}

export interface ActionChange {
  actionId: string;
  ref: string;
  field: 'status' | 'leads' | 'target' | 'rag';
  from: string;
  to: string;
  causes: ChangeCause[];
}

export interface PlanChanges {
  from: string;
  to: string;
  time: TimeAxis;
  actionsAdded: { actionId: string; ref: string; description: string; causes: ChangeCause[] }[];
  changes: ActionChange[];
}

/** Ratings per action at each end, when the caller has them (derived RAG lives in the domain's rules). */
export type RatingsAt = Record<string, string>;

/**
 * What changed between two as-at states of a plan: actions added; status, lead, target and RAG changes;
 * each with the events (between the two instants, on the same time axis) that caused it.
 */
export function planChanges(
  events: readonly StoredPlanEvent[],
  before: PlanState,
  after: PlanState,
  window: { from: string; to: string; time: TimeAxis },
  ratings?: { before: RatingsAt; after: RatingsAt },
): PlanChanges {
  const inBefore = new Set(eventsAsAt(events, { asAt: window.from, time: window.time }).map((e) => e.eventId));
  const between = eventsAsAt(events, { asAt: window.to, time: window.time }).filter((e) => !inBefore.has(e.eventId));
  const refs = referencesOf(after);
  const causesFor = (actionId: string, types?: readonly string[]): ChangeCause[] =>
    between
      .filter((e) => actionIdOf(e, after) === actionId && (!types || types.includes(e.type) || e.type === 'EntryCorrected'))
      .map((e) => ({ eventId: e.eventId, type: e.type, summary: summariseEvent(e, refs), actor: e.metadata.actor.displayName, recordedAt: e.recordedAt, effectiveAt: effectiveAtOf(e) }));

  const actionsAdded = after.actionOrder
    .filter((id) => !own(before.actions, id))
    .map((id) => ({ actionId: id, ref: own(after.actions, id)!.ref, description: own(after.actions, id)!.description, causes: causesFor(id, ['ActionAdded']) }));

  const changes: ActionChange[] = [];
  for (const id of after.actionOrder) {
    const was = own(before.actions, id);
    const now = own(after.actions, id);
    if (!was || !now) continue;
    const compare = (field: ActionChange['field'], show: (a: Action) => string, types: string[]) => {
      const from = show(was);
      const to = show(now);
      if (from !== to) changes.push({ actionId: id, ref: now.ref, field, from, to, causes: causesFor(id, types) });
    };
    compare('status', (a) => statusWords(a.status), ['ActionStatusChanged', 'ActionCompleted', 'ActionReopened']);
    compare('leads', (a) => a.leads.join(', '), ['ActionReassigned']);
    compare('target', (a) => targetWords(a.target), ['TargetDateSlipped']);
    const ratedBefore = ratings ? own(ratings.before, id) : undefined;
    const ratedAfter = ratings ? own(ratings.after, id) : undefined;
    if (ratedBefore !== undefined && ratedAfter !== undefined && ratedBefore !== ratedAfter) {
      changes.push({ actionId: id, ref: now.ref, field: 'rag', from: ratedBefore, to: ratedAfter, causes: causesFor(id) });
    }
  }
  return { ...window, actionsAdded, changes };
}
