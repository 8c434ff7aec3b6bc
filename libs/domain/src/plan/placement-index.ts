import { own } from '../shared/dictionary.js';
import type { Action, PlanState, Recommendation, Workstream } from './plan-state.js';

/**
 * Finds a plan's workstream by number, recommendation by ref, action by ref, without reading the whole plan
 * each time: decide used to search every action of the plan for each new one, which made an import of a few
 * thousand rows quadratic (8,000 rows took minutes).
 *
 * The index of a state is kept in a WeakMap keyed by its order array and brought up to date from the entries
 * appended to that array since it was last read. That is sound because a fold only ever pushes onto the order
 * arrays of a state it owns (evolve and foldPlan make new arrays, PlanFold pushes onto its own) and an entry's
 * ref and place never change (decide refuses corrections of identity fields). Ids are kept, not entries, so an
 * entry re-folded in place (a correction) is read afresh. Keys live in Maps: a ref such as "constructor" is a
 * ref like any other.
 */
interface Index {
  seen: number;
  readonly ids: Map<string, string>;
}

const indexes = new WeakMap<readonly string[], Index>();

function lookUp(order: readonly string[], keyOf: (id: string) => string | undefined, key: string): string | undefined {
  let index = indexes.get(order);
  if (!index) {
    index = { seen: 0, ids: new Map() };
    indexes.set(order, index);
  }
  for (; index.seen < order.length; index.seen++) {
    const id = order[index.seen]!;
    const entryKey = keyOf(id);
    // The first of a kind wins, as a search of the plan in its order would find it.
    if (entryKey !== undefined && !index.ids.has(entryKey)) index.ids.set(entryKey, id);
  }
  return index.ids.get(key);
}

const key = (...parts: (string | undefined)[]) => parts.map((part) => (part === undefined ? '-' : `=${part}`)).join('\u0000');

export function workstreamNumbered(state: PlanState, number: string): Workstream | undefined {
  const id = lookUp(state.workstreamOrder, (id) => { const workstream = own(state.workstreams, id); return workstream ? key(workstream.number) : undefined; }, key(number));
  return id === undefined ? undefined : own(state.workstreams, id);
}

export function recommendationPlaced(state: PlanState, ref: string, workstreamId: string | undefined): Recommendation | undefined {
  const id = lookUp(
    state.recommendationOrder,
    (id) => {
      const recommendation = own(state.recommendations, id);
      return recommendation ? key(recommendation.ref, recommendation.workstreamId) : undefined;
    },
    key(ref, workstreamId),
  );
  return id === undefined ? undefined : own(state.recommendations, id);
}

export function actionPlaced(state: PlanState, ref: string, workstreamId: string | undefined, recommendationId: string | undefined): Action | undefined {
  const id = lookUp(
    state.actionOrder,
    (id) => {
      const action = own(state.actions, id);
      return action ? key(action.ref, action.workstreamId, action.recommendationId) : undefined;
    },
    key(ref, workstreamId, recommendationId),
  );
  return id === undefined ? undefined : own(state.actions, id);
}
