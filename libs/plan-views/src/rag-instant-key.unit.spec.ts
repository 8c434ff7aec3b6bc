import { describe, expect, it } from '@jest/globals';
import { evolve, foldPlan, own, type PlanState, type StoredPlanEvent } from '#domain';
import { benchLikePlanEvents, prototypeNamedPlanEvents } from '#domain/rag-testing/bench-like-plan';
import { namedPlans } from '#domain/rag-testing/named-plans';
import { ragInstantKey } from './rag-instant-key.js';

/**
 * ragInstantKey reads each slip's and assessment's effective instant as the rules do (instantMsOf, remembered per
 * string) and keeps them per Action object: this checks it against the plain count (Date.parse of every entry, no
 * memo), for every state of a plan folded event by event (each state sharing the actions its event left alone and
 * copying the one it touched), at instants either side of entries' effective instants and at dates.
 */
function plainKey(state: PlanState, asAt: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(asAt) ? `${asAt}T23:59:59.999Z` : asAt);
  let inEffect = 0;
  for (const id of state.actionOrder) {
    const action = own(state.actions, id);
    if (!action) continue;
    for (const entry of [...action.targetChanges, ...action.ragAssessments]) if (Date.parse(entry.effectiveAt) <= ms) inEffect += 1;
  }
  return `${new Date(ms).toISOString().slice(0, 10)}#${inEffect}`;
}

function differences(events: readonly StoredPlanEvent[], every: number): { differences: string[]; compared: number } {
  const found: string[] = [];
  let compared = 0;
  let state: PlanState | undefined;
  events.forEach((event, n) => {
    state = state ? evolve(state, event) : foldPlan([event]);
    if (n % every !== 0 && event.type !== 'RagAssessed' && event.type !== 'TargetDateSlipped') return;
    const at = event.metadata.effectiveAt ?? event.recordedAt;
    const ms = Date.parse(at);
    for (const asAt of [new Date(ms - 1).toISOString(), at, new Date(ms + 1).toISOString(), at.slice(0, 10), new Date(ms + 86_400_000 * 40).toISOString()]) {
      const key = ragInstantKey(state, asAt);
      const expected = plainKey(state, asAt);
      compared += 1;
      if (key !== expected) found.push(`${event.type} #${n} at ${asAt}: ${key}, plainly ${expected}`);
    }
  });
  return { differences: found, compared };
}

describe('the RAG key of an instant, against the plain count', () => {
  it('the bench-like plan (2,000 events), every state folded event by event', () => {
    const { differences: found, compared } = differences(benchLikePlanEvents({ maxEvents: 2_000 }), 10);
    expect(found.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(500);
  });

  it('the plan whose action and recommendation ids are every Object.prototype name', () => {
    const { differences: found, compared } = differences(prototypeNamedPlanEvents(), 5);
    expect(found.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(500);
  });

  for (const [name, plan] of namedPlans().filter(([name]) => !name.includes('bench'))) {
    it(`${name}, from ../shared/fixtures`, () => {
      const { differences: found, compared } = differences(plan.events, 3);
      expect(found.slice(0, 10)).toEqual([]);
      expect(compared).toBeGreaterThan(100);
    });
  }
});
