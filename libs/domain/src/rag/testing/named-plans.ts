import type { StoredPlanEvent } from '../../plan/plan-events.js';
import type { PlanState } from '../../plan/plan-state.js';
import { benchLikePlan } from './bench-like-plan.js';
import { fixturePlan } from './fixture-plans.js';
import { seeded } from './rag-instants.js';

/**
 * The plans the tests that compare kept results with fresh ones ask at many instants (the RAG's kept ratings, the
 * plan page's kept section): the bench's 10,000-event plan and the two real plans in ../shared with their seeded
 * histories, by name; and the seeded shuffle those tests ask instants in. Test support only.
 */
export type NamedPlan = [name: string, plan: { events: StoredPlanEvent[]; state: PlanState }];

export function namedPlans(): NamedPlan[] {
  return [
    ['the bench-like 10,000-event plan', benchLikePlan()],
    ['the Laming 2009 plan (Central Bedfordshire)', fixturePlan('laming', 7)],
    ['the Ofsted 2012-13 plan (Central Bedfordshire)', fixturePlan('ofsted', 11)],
  ];
}

/** `items` in an order drawn from `seed` (Fisher–Yates over seeded()): the same order for the same seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = seeded(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
