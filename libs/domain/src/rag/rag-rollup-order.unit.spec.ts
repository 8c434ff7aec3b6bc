import { describe, expect, it } from '@jest/globals';
import { foldPlan } from '../plan/evolve.js';
import type { StoredPlanEvent } from '../plan/plan-events.js';
import type { PlanState } from '../plan/plan-state.js';
import { configureRagRules, DEFAULT_RAG_RULES, planRagSummary } from './index.js';
import { benchLikePlanEvents, prototypeNamedPlanEvents } from './testing/bench-like-plan.js';
import { planRagSummary as referencePlanRagSummary } from './testing/reference/rag-rollup.js';

/**
 * The summary gathers its ratings and recommendations from the lists it built rather than reading its records back
 * (Object.values): that is the records' order only when no id repeats and none is an array index, which a record
 * lists first, in numeric order. These plans have ids of both kinds, and every Object.prototype name: each summary
 * must be the frozen reference's as JSON, key order and all (the roll-ups, the plan's figures, the discrepancies' order).
 */

/** Ids a record orders before the rest (array indices), and numeric-looking ones it does not ("01", "-1", 2^32 - 1). */
const NUMERIC_IDS = ['7', '0', '10', '01', '4294967294', '4294967295', '-1', '1.5', '2', '1e3', ' 3'];

/** The plan's action ids and its recommendation ids replaced, everywhere they are written, each by `names` in turn (then `name-i`). */
function renamed(events: readonly StoredPlanEvent[], names: readonly string[]): StoredPlanEvent[] {
  const state = foldPlan([...events]);
  let text = JSON.stringify(events);
  for (const ids of [state.actionOrder, state.recommendationOrder]) {
    ids.forEach((id, i) => (text = text.split(`"${id}"`).join(JSON.stringify(i < names.length ? names[i] : `${names[i % names.length]}-${i}`))));
  }
  return JSON.parse(text) as StoredPlanEvent[];
}

/** The same state with some of its action and recommendation ids listed twice more in its orders. */
function withRepeatedIds(state: PlanState): PlanState {
  const actions = state.actionOrder;
  const recommendations = state.recommendationOrder;
  return {
    ...state,
    actionOrder: [...actions.slice(0, 3), actions[5]!, ...actions.slice(3), actions[0]!],
    recommendationOrder: [recommendations[1]!, ...recommendations, recommendations[0]!],
  };
}

const RULE_SETS = [DEFAULT_RAG_RULES, configureRagRules({ dueSoonDays: 30, ongoingReviewCadence: { every: 1, unit: 'month', label: 'Monthly' } })];

function expectSummariesAsReference(state: PlanState): number {
  const first = Date.parse('2009-06-01T00:00:00Z');
  const last = Date.parse('2012-06-01T00:00:00Z');
  let compared = 0;
  for (const rules of RULE_SETS) {
    for (let i = 0; i <= 24; i++) {
      const asAt = new Date(first + ((last - first) * i) / 24).toISOString();
      const summary = planRagSummary(state, asAt, rules);
      const reference = referencePlanRagSummary(state, asAt, rules);
      // As JSON, key order included (the reference's records are built otherwise: a deep equality would compare their prototypes).
      expect(JSON.stringify(summary)).toBe(JSON.stringify(reference));
      compared += 1;
    }
  }
  return compared;
}

describe('a RAG summary lists its records in the order the records hold them, whatever the ids', () => {
  const events = benchLikePlanEvents({ actions: 40, months: 36, maxEvents: 1_500 });

  it('ids that are array indices, and numeric-looking ids that are not, as the reference', () => {
    const state = foldPlan(renamed(events, NUMERIC_IDS));
    // Some ids a record lists first, out of the plan's order: the case the lists alone would get wrong.
    expect(Object.keys(planRagSummary(state, '2011-01-01T00:00:00Z').actions)).not.toEqual(state.actionOrder);
    expect(Object.keys(planRagSummary(state, '2011-01-01T00:00:00Z').recommendations)).not.toEqual(state.recommendationOrder);
    expect(expectSummariesAsReference(state)).toBe(50);
  });

  it('ids repeated in the plan’s orders are rated once, where they first stand, as the reference', () => {
    expect(expectSummariesAsReference(withRepeatedIds(foldPlan([...events])))).toBe(50);
    expect(expectSummariesAsReference(withRepeatedIds(foldPlan(renamed(events, NUMERIC_IDS))))).toBe(50);
  });

  it('ids that are every Object.prototype name, as the reference', () => {
    expect(expectSummariesAsReference(foldPlan(prototypeNamedPlanEvents()))).toBe(50);
  });
});
