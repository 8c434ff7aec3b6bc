import { describe, expect, it } from '@jest/globals';
import { PlanFold, foldPlan } from '../plan/evolve.js';
import type { StoredPlanEvent } from '../plan/plan-events.js';
import type { PlanState } from '../plan/plan-state.js';
import { configureRagRules, DEFAULT_RAG_RULES, deriveActionRag, planRagSummary, planRagTally, type RagRuleSet } from './index.js';
import { benchLikePlan } from './testing/bench-like-plan.js';
import { fixturePlan } from './testing/fixture-plans.js';
import { instantsOfAction, instantsOfPlan, iso, seeded } from './testing/rag-instants.js';
import { planRagSummary as referencePlanRagSummary } from './testing/reference/rag-rollup.js';
import { deriveActionRag as referenceDeriveActionRag } from './testing/reference/rag-rules.js';

/**
 * The RAG rules rate a plan at a new instant from per-action facts worked out once and cadence arithmetic on
 * day numbers (rag-rules.ts). This checks that they give byte for byte what the rules gave before that work
 * (testing/reference/, a frozen copy of the code as it was): the same ratings, rule ids, reasons, dates,
 * declarations and discrepancies, with the same keys in the same order, at the instants where a rule turns
 * (each day's edges, each slip's and assessment's effective instant, a millisecond either side), at random ones,
 * on the bench's kind of plan and on the two real plans in ../shared/fixtures, under three rule sets.
 */

const DAY_MS = 86_400_000;
const RULE_SETS: readonly RagRuleSet[] = [
  DEFAULT_RAG_RULES,
  configureRagRules({ dueSoonDays: 0, ongoingReviewCadence: { every: 1, unit: 'week', label: 'Weekly' } }),
  configureRagRules({ dueSoonDays: 30, ongoingReviewCadence: { every: 1, unit: 'year', label: 'Annually' } }),
];

/** The first difference, named, rather than two half-megabyte strings side by side. */
function expectSameSummary(state: PlanState, asAt: string, rules: RagRuleSet): void {
  const reference = referencePlanRagSummary(state, asAt, rules);
  // The trend's counts without reasons: the reference summary's own figures.
  const { actionsTotal, actionsComplete, byRating, recommendationsComplete, recommendationsTotal, sentence } = reference.plan;
  expect({ asAt, tally: planRagTally(state, asAt, rules) }).toEqual({ asAt, tally: { actionsTotal, actionsComplete, byRating, recommendationsComplete, recommendationsTotal, sentence } });
  const expected = JSON.stringify(reference);
  const actual = JSON.stringify(planRagSummary(state, asAt, rules));
  if (actual === expected) return;
  const a = JSON.parse(actual) as Record<string, Record<string, unknown>>;
  const e = JSON.parse(expected) as Record<string, Record<string, unknown>>;
  for (const part of Object.keys(e)) {
    if (JSON.stringify(a[part]) === JSON.stringify(e[part])) continue;
    if (typeof e[part] === 'object' && e[part] !== null) {
      for (const key of Object.keys(e[part]!)) expect({ asAt, rules: rules.version, part, key, value: JSON.stringify(a[part]?.[key]) }).toEqual({ asAt, rules: rules.version, part, key, value: JSON.stringify(e[part]![key]) });
    }
    expect({ asAt, part, value: JSON.stringify(a[part]) }).toEqual({ asAt, part, value: JSON.stringify(e[part]) });
  }
  expect(actual).toBe(expected);
}

/** Each action at (a seeded sample of at most `perAction` of) the instants where its rating can turn. */
function expectSameActionRatings(state: PlanState, rules: RagRuleSet, perAction: number): number {
  const next = seeded(99);
  let compared = 0;
  for (const id of state.actionOrder) {
    const action = state.actions[id]!;
    const instants = instantsOfAction(action);
    for (const asAt of instants) {
      if (instants.length > perAction && next() > perAction / instants.length) continue;
      const actual = JSON.stringify(deriveActionRag(action, asAt, rules));
      const expected = JSON.stringify(referenceDeriveActionRag(action, asAt, rules));
      if (actual !== expected) expect({ ref: action.ref, asAt, rules: rules.version, actual }).toEqual({ ref: action.ref, asAt, rules: rules.version, actual: expected });
      compared += 1;
    }
  }
  return compared;
}

const recordedBy = (events: readonly StoredPlanEvent[], ms: number) => events.filter((e) => Date.parse(e.recordedAt) <= ms);

describe('rating a plan at a new instant gives what the rules gave before (the frozen reference)', () => {
  const bench = benchLikePlan();
  const plans: [string, { events: StoredPlanEvent[]; state: PlanState }][] = [
    ['the bench-like 10,000-event plan', bench],
    ['the Laming 2009 plan (Central Bedfordshire)', fixturePlan('laming', 7)],
    ['the Ofsted 2012-13 plan (Central Bedfordshire)', fixturePlan('ofsted', 11)],
  ];

  it('generates plans that reach every rule, so the comparison means something', () => {
    expect(bench.events.length).toBe(10_000);
    expect(bench.state.actionOrder.length).toBe(280);
    const rules = new Set<string>();
    for (const [, { state }] of plans) {
      for (const asAt of instantsOfPlan(state, 10, 5)) for (const rag of Object.values(referencePlanRagSummary(state, asAt).actions)) rules.add(rag.ruleId);
    }
    expect([...rules].sort()).toEqual(['AWAITING', 'BLOCKED', 'COMPLETED', 'DUE_SOON', 'NOT_STARTED_AFTER_START', 'NOT_YET_DUE_TO_START', 'NO_TARGET', 'ON_TARGET', 'OVERDUE', 'RECURRING_ONE_LATE', 'RECURRING_ON_CADENCE', 'RECURRING_TWO_LATE', 'SLIPPED', 'SUPERSEDED']);
  });

  for (const [name, plan] of plans) {
    it(`${name}: every action at each instant where its rating can turn, under three rule sets`, () => {
      let compared = 0;
      for (const rules of RULE_SETS) compared += expectSameActionRatings(plan.state, rules, name.includes('bench') ? 12 : 40);
      expect(compared).toBeGreaterThan(3_000);
    });

    it(`${name}: the whole summary (roll-ups, discrepancies, key order) at random instants, day edges and around slips and assessments`, () => {
      const instants = instantsOfPlan(plan.state, name.includes('bench') ? 40 : 80, 3);
      for (const [i, asAt] of instants.entries()) expectSameSummary(plan.state, asAt, RULE_SETS[i % RULE_SETS.length]!);
    });

    it(`${name}: the plan as it stood at past instants (replayed in recorded time), rated at those instants and later`, () => {
      const next = seeded(17);
      const first = Date.parse(plan.events[0]!.recordedAt);
      const last = Date.parse(plan.events.at(-1)!.recordedAt);
      for (let i = 0; i < 6; i++) {
        const ms = Math.floor(first + next() * (last - first));
        const state = foldPlan(recordedBy(plan.events, ms));
        for (const asAt of [iso(ms), iso(ms + 1), iso(ms + 40 * DAY_MS)]) expectSameSummary(state, asAt, DEFAULT_RAG_RULES);
      }
    });
  }

  it('rates one state again and again, in any order, and the same as a fresh copy of it (what is remembered is keyed on the unchanged objects)', () => {
    const { state } = plans[1]![1];
    const instants = instantsOfPlan(state, 20, 23);
    const first = instants.map((asAt) => JSON.stringify(planRagSummary(state, asAt)));
    const shuffled = instants.map((asAt, i) => [asAt, i] as const).sort(([a], [b]) => (a < b ? 1 : -1));
    for (const [asAt, i] of shuffled) expect(JSON.stringify(planRagSummary(state, asAt))).toBe(first[i]);
    const copy = structuredClone(state);
    for (const [i, asAt] of instants.entries()) expect(JSON.stringify(planRagSummary(copy, asAt))).toBe(first[i]);
  });

  it('sees entries pushed onto an action it has already rated (a fold that owns its draft changes actions in place)', () => {
    const events = bench.events;
    const fold = new PlanFold(foldPlan(events.slice(0, 4_000)));
    const instants = [events[3_999]!.recordedAt, events[7_000]!.recordedAt, iso(Date.parse(events[9_999]!.recordedAt) + 90 * DAY_MS)];
    for (const asAt of instants) expectSameSummary(fold.state, asAt, DEFAULT_RAG_RULES);
    // Past the corrections' re-folds too: the draft's actions grow in place, entry by entry.
    for (let from = 4_000; from < 10_000; from += 1_500) {
      fold.apply(events.slice(from, from + 1_500));
      for (const asAt of instants) expectSameSummary(fold.state, asAt, DEFAULT_RAG_RULES);
    }
  });
});
