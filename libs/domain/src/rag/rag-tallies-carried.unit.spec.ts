import { describe, expect, it } from '@jest/globals';
import { evolve, foldPlan, PlanFold } from '../plan/evolve.js';
import type { StoredPlanEvent } from '../plan/plan-events.js';
import type { PlanState } from '../plan/plan-state.js';
import { own } from '../shared/dictionary.js';
import { configureRagRules, DEFAULT_RAG_RULES, planRagTallies, planRagTally, type PlanRagTally, type RagRuleSet } from './index.js';
import { benchLikePlanEvents, prototypeNamedPlanEvents } from './testing/bench-like-plan.js';
import { namedPlans, shuffled } from './testing/named-plans.js';
import { iso, seeded } from './testing/rag-instants.js';
import { planRagSummary as referencePlanRagSummary } from './testing/reference/rag-rollup.js';

/**
 * planRagTallies carries each action's kept tally from one point to the next at its place in the action order, and
 * checks it still holds rather than looking it up again. This checks its figures, point after point, against the
 * frozen reference summary's (a plain derivation that keeps nothing), key order included: on states that share the
 * actions their events left alone (as the as-at states do), on a fold draft whose actions change in place between
 * points (the same object at the same place, reading differently), with the points in time order, shuffled, and
 * alternating between two plans, and on a plan whose ids are every Object.prototype name.
 */

const RULE_SETS: readonly RagRuleSet[] = [
  DEFAULT_RAG_RULES,
  configureRagRules({ dueSoonDays: 0, ongoingReviewCadence: { every: 1, unit: 'week', label: 'Weekly' } }),
  configureRagRules({ dueSoonDays: 30, ongoingReviewCadence: { every: 1, unit: 'year', label: 'Annually' } }),
];

const WEEK_MS = 7 * 86_400_000;

function referenceTally(state: PlanState, asAt: string, rules: RagRuleSet): PlanRagTally {
  const { plan } = referencePlanRagSummary(state, asAt, rules);
  return { actionsTotal: plan.actionsTotal, actionsComplete: plan.actionsComplete, byRating: plan.byRating, recommendationsComplete: plan.recommendationsComplete, recommendationsTotal: plan.recommendationsTotal, sentence: plan.sentence };
}

/** The states of the plan as at each weekly point (by recorded time), each folded on from the one before with evolve: they share the actions no event between them touched. */
function weeklySharedStates(events: readonly StoredPlanEvent[], extraWeeks = 8): { asAt: string; state: PlanState }[] {
  const first = Date.parse(events[0]!.recordedAt);
  const last = Date.parse(events.at(-1)!.recordedAt) + extraWeeks * WEEK_MS;
  const points: { asAt: string; state: PlanState }[] = [];
  let state = foldPlan([]);
  let folded = 0;
  for (let ms = first + WEEK_MS - 1; ms <= last; ms += WEEK_MS) {
    while (folded < events.length && Date.parse(events[folded]!.recordedAt) <= ms) state = evolve(state, events[folded++]!);
    points.push({ asAt: iso(ms), state });
  }
  return points;
}


describe('the RAG tallies of a run of points carry each action kept tally to the next and give the reference figures', () => {
  it('weekly states sharing their untouched actions, in time order and shuffled, under three rule sets; the carry serves most actions', () => {
    const points = weeklySharedStates(benchLikePlanEvents({ actions: 50, months: 40, maxEvents: 1_800 }));
    // The states do share actions from one point to the next: what the carry is for.
    const shared = points.slice(1).filter(({ state }, i) => state.actionOrder.some((id) => state.actions[id] === points[i]!.state.actions[id])).length;
    expect(shared).toBeGreaterThan(points.length / 2);
    for (const [r, rules] of RULE_SETS.entries()) {
      for (const order of [points, shuffled(points, 17 + r)]) {
        const tallyAt = planRagTallies(rules);
        for (const { asAt, state } of order) expect({ asAt, tally: tallyAt(state, asAt) }).toStrictEqual({ asAt, tally: referenceTally(state, asAt, rules) });
      }
    }
  });

  it('a fold draft whose actions change in place between points (the same object at the same place): every point is the reference', () => {
    const events = benchLikePlanEvents({ actions: 60, months: 48, maxEvents: 2_500 });
    const first = Date.parse(events[0]!.recordedAt);
    const last = Date.parse(events.at(-1)!.recordedAt) + 8 * WEEK_MS;
    for (const rules of RULE_SETS) {
      const fold = new PlanFold(foldPlan([]));
      const tallyAt = planRagTallies(rules);
      let folded = 0;
      let sameObjects = 0;
      let previous = new Map<string, unknown>();
      for (let ms = first + WEEK_MS - 1; ms <= last; ms += WEEK_MS) {
        let end = folded;
        while (end < events.length && Date.parse(events[end]!.recordedAt) <= ms) end++;
        fold.apply(events.slice(folded, end));
        folded = end;
        const state = fold.state;
        const asAt = iso(ms);
        for (const id of state.actionOrder) if (previous.get(id) === state.actions[id]) sameObjects += 1;
        expect({ asAt, tally: tallyAt(state, asAt) }).toStrictEqual({ asAt, tally: referenceTally(state, asAt, rules) });
        previous = new Map(state.actionOrder.map((id) => [id, state.actions[id]]));
      }
      // The draft keeps its action objects and changes them in place: the carry meets the same objects, changed.
      expect(sameObjects).toBeGreaterThan(1_000);
    }
  });

  it('points alternating between two plans (other actions at each place), and the hostile-ids plan, each point the reference and planRagTally', () => {
    const plainPoints = weeklySharedStates(benchLikePlanEvents({ actions: 40, months: 30, maxEvents: 1_200 }));
    const hostilePoints = weeklySharedStates(prototypeNamedPlanEvents(), 60);
    expect(hostilePoints.at(-1)!.state.actionOrder).toEqual(expect.arrayContaining(Object.getOwnPropertyNames(Object.prototype)));
    const next = seeded(9);
    for (const rules of RULE_SETS) {
      const tallyAt = planRagTallies(rules);
      const hostileOnly = planRagTallies(rules);
      for (let i = 0; i < Math.max(plainPoints.length, hostilePoints.length); i++) {
        for (const { asAt, state } of [plainPoints[i % plainPoints.length]!, hostilePoints[i % hostilePoints.length]!]) {
          const expected = referenceTally(state, asAt, rules);
          expect({ asAt, tally: tallyAt(state, asAt) }).toStrictEqual({ asAt, tally: expected });
          if (state === hostilePoints[i % hostilePoints.length]!.state) expect({ asAt, tally: hostileOnly(state, asAt) }).toStrictEqual({ asAt, tally: expected });
          if (next() < 0.2) expect(planRagTally(state, asAt, rules)).toStrictEqual(expected);
        }
      }
    }
  });

  it('a real plan and the same plan with its action order reversed (other ids at each place, as many), alternating: each point the reference', () => {
    const [, laming] = namedPlans()[1]!;
    const one = laming.state;
    const other: PlanState = { ...one, actionOrder: [...one.actionOrder].reverse() };
    const next = seeded(11);
    const first = Date.parse(one.history[0]!.recordedAt);
    const last = Date.parse(one.history.at(-1)!.recordedAt) + 365 * 86_400_000;
    const tallyAt = planRagTallies(DEFAULT_RAG_RULES);
    let completedByActions = 0;
    for (let i = 0; i < 40; i++) {
      const asAt = iso(first + next() * (last - first));
      for (const state of [one, other]) {
        const expected = referenceTally(state, asAt, DEFAULT_RAG_RULES);
        expect({ asAt, tally: tallyAt(state, asAt) }).toStrictEqual({ asAt, tally: expected });
        const signedOff = state.recommendationOrder.filter((id) => (own(state.recommendations, id)?.signedOff?.on ?? '9999') <= asAt.slice(0, 10)).length;
        completedByActions += expected.recommendationsComplete - signedOff;
      }
    }
    // Recommendations complete through their actions' tallies, which are found by id: the places must be the state's own.
    expect(completedByActions).toBeGreaterThan(0);
  });
});
