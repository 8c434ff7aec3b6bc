import { describe, expect, it } from '@jest/globals';
import { foldPlan, PlanFold } from '../plan/evolve.js';
import type { Action } from '../plan/plan-state.js';
import { own } from '../shared/dictionary.js';
import { readAsAt } from './rag-calendar.js';
import { configureRagRules, DEFAULT_RAG_RULES, planRagSummary, planRagTally, type RagRuleSet } from './index.js';
import { deriveActionRagAt, keptTallyIntervalOf, tallyActionRagAt } from './rag-rules.js';
import { benchLikePlanEvents, prototypeNamedPlanEvents } from './testing/bench-like-plan.js';
import { namedPlans, shuffled } from './testing/named-plans.js';
import { dayEdges, instantsOfAction, instantsOfPlan, iso, seeded } from './testing/rag-instants.js';
import { oneAction } from './testing/rag-test-plans.js';
import { decide } from '../plan/decide.js';
import { recorded, testContext } from '../testing/plan-decider-spec.js';

/**
 * A tally (the rating and "completed" alone, what the RAG trend and the bundle's chart count) is kept per Action
 * object for the instants its rating holds over, which are wider than a rating with words (a day count does not
 * cut them, nor an assessment, and an action under way with a target that does not repeat ignores its updates).
 * This checks the kept tally against the plain rating (deriveActionRagAt's `rating` and `completed`, computed
 * afresh with words) at every instant where a rating can turn, in time order and shuffled, at both edges of every
 * interval kept and just after it; on a fold's draft whose actions change in place between tallies; and the
 * plan's tally against the full summary's figures on a plan whose action ids are every Object.prototype name.
 */

const RULE_SETS: readonly RagRuleSet[] = [
  DEFAULT_RAG_RULES,
  configureRagRules({ dueSoonDays: 0, ongoingReviewCadence: { every: 1, unit: 'week', label: 'Weekly' } }),
  configureRagRules({ dueSoonDays: 30, ongoingReviewCadence: { every: 1, unit: 'year', label: 'Annually' } }),
];

const YEAR_1000 = Date.UTC(1000, 0, 1);
const YEAR_10000 = Date.UTC(10_000, 0, 1);

const plain = (action: Action, ms: number, rules: RagRuleSet) => {
  const rag = deriveActionRagAt(action, readAsAt(iso(ms)), rules);
  return { rating: rag.rating, completed: rag.completed };
};

const msOf = (asAt: string) => readAsAt(asAt).ms;


/** Tallies the action at each instant, each against the plain rating, probing the edges of each interval kept; returns the differences. */
function tallyDifferences(action: Action, instants: readonly string[], rules: RagRuleSet): { differences: string[]; compared: number; reused: number; wide: number } {
  const differences: string[] = [];
  let compared = 0;
  let reused = 0;
  let wide = 0;
  const check = (what: string, ms: number) => {
    const tally = tallyActionRagAt(action, readAsAt(iso(ms)), rules);
    const expected = plain(action, ms, rules);
    compared += 1;
    // toStrictEqual's terms, as a string: the same keys, in the same order, and nothing else.
    if (JSON.stringify(tally) !== JSON.stringify(expected) || Object.keys(tally).join() !== 'rating,completed') {
      differences.push(`${action.ref} ${what} ${iso(ms)} (${rules.version}): kept ${JSON.stringify(tally)}, plain ${JSON.stringify(expected)}`);
    }
    return tally;
  };
  for (const asAt of instants) {
    const ms = msOf(asAt);
    const before = keptTallyIntervalOf(action, rules);
    const tally = check('at', ms);
    const kept = keptTallyIntervalOf(action, rules);
    if (before && kept && before.tally === tally) reused += 1;
    if (!kept || kept.tally !== tally) continue;
    if (!(kept.fromMs <= ms && ms < kept.untilMs)) differences.push(`${action.ref} at ${asAt}: kept for an interval that does not hold it`);
    if (kept.untilMs - kept.fromMs > 86_400_000) wide += 1;
    for (const edge of [kept.fromMs, kept.untilMs - 1, Math.floor((kept.fromMs + kept.untilMs) / 2)]) {
      if (edge < YEAR_1000 || edge >= YEAR_10000) continue;
      if (check('at the edge', edge) !== tally) differences.push(`${action.ref} at ${iso(edge)} in the interval kept at ${asAt}: not the kept tally`);
    }
    if (kept.untilMs < YEAR_10000) check('just after the interval', kept.untilMs);
    if (kept.fromMs > YEAR_1000) check('just before the interval', kept.fromMs - 1);
    // Back to where the loop was, so the next instant in time order can find this interval kept.
    tallyActionRagAt(action, readAsAt(asAt), rules);
  }
  return { differences, compared, reused, wide };
}

describe('a tally kept for the interval its rating holds over is exactly the plain rating', () => {
  const plans = namedPlans();
  for (const [name, plan] of plans) {
    it(`${name}: every action at the instants where its rating can turn, in time order and shuffled, with the edges of each interval, under three rule sets`, () => {
      const next = seeded(43);
      const ids = name.includes('bench') ? plan.state.actionOrder.filter(() => next() < 0.15) : plan.state.actionOrder;
      const plansInstants = instantsOfPlan(plan.state, 10, 9).filter(() => next() < 0.1);
      const differences: string[] = [];
      let compared = 0;
      let reused = 0;
      let wide = 0;
      for (const [r, rules] of RULE_SETS.entries()) {
        for (const id of ids) {
          // A copy per rule set and order, so each starts with nothing kept.
          const action = plan.state.actions[id]!;
          // A seeded sample of the action's instants where a rating can turn (thousands for a long-lived action), and the plan's.
          const turns = instantsOfAction(action);
          const instants = [...turns.filter(() => next() < 24 / turns.length), ...plansInstants];
          for (const order of [[...instants].sort((a, b) => msOf(a) - msOf(b)), shuffled(instants, r * 1000 + compared)]) {
            const counts = tallyDifferences({ ...action }, order, rules);
            differences.push(...counts.differences);
            compared += counts.compared;
            reused += counts.reused;
            wide += counts.wide;
          }
        }
      }
      expect(differences.slice(0, 10)).toEqual([]);
      // The kept tallies were used, and over intervals wider than a day (what a rating that counts days keeps).
      expect(compared).toBeGreaterThan(2_000);
      expect(reused).toBeGreaterThan(compared / 50);
      expect(wide).toBeGreaterThan(100);
    });
  }

  it('a fold draft whose actions grow in place between tallies (PlanFold, as the bundle chart folds): every action at every day edge of each month end equals the plain rating', () => {
    const events = benchLikePlanEvents({ actions: 60, months: 48, maxEvents: 2_500 });
    const fold = new PlanFold(foldPlan([]));
    const differences: string[] = [];
    let folded = 0;
    let compared = 0;
    const first = Date.parse(events[0]!.recordedAt);
    const last = Date.parse(events.at(-1)!.recordedAt);
    for (let month = new Date(first); month.getTime() <= last + 31 * 86_400_000; month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1))) {
      const endMs = Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1) - 1;
      let end = folded;
      while (end < events.length && Date.parse(events[end]!.recordedAt) <= endMs) end++;
      fold.apply(events.slice(folded, end));
      folded = end;
      const state = fold.state;
      for (const rules of RULE_SETS) {
        for (const id of state.actionOrder) {
          const action = own(state.actions, id)!;
          for (const asAt of [iso(endMs), ...dayEdges(iso(endMs - 20 * 86_400_000).slice(0, 10))]) {
            const tally = tallyActionRagAt(action, readAsAt(asAt), rules);
            const rag = deriveActionRagAt(action, readAsAt(asAt), rules);
            compared += 1;
            if (tally.rating !== rag.rating || tally.completed !== rag.completed) differences.push(`${action.ref} at ${asAt} (${rules.version}): kept ${JSON.stringify(tally)}, plain ${rag.rating}/${rag.completed}`);
          }
        }
      }
    }
    expect(differences.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(10_000);
  });

  it('an action of a fold draft given a progress update in place, its arrays the same: the tally kept before is not used after', () => {
    // Quarterly, started in May 2012, reported on once in May: one update overdue by November (amber). A fold changes
    // the action twice: the first makes the draft's own copy, the second changes it in place (the same progress
    // array, one longer), with an update that brings it up to date.
    const { state, actionId } = oneAction({ target: 'Quarterly', startDate: 'May 2012' });
    const fold = new PlanFold(state);
    const at = readAsAt('2012-11-20T12:00:00.000Z');
    const apply = (narrative: string, asAt: string) => {
      const ctx = testContext('2012-11-20T09:00:00.000Z', `in-place-${fold.state.revision + 1}`);
      fold.apply(recorded(decide({ type: 'RecordProgressUpdate', actionId, narrative, effectiveAt: asAt }, fold.state, ctx), fold.state.revision + 1, '2012-11-20T09:00:00.000Z'));
    };
    apply('Audit planned', '2012-05-20');
    const action = own(fold.state.actions, actionId)!;
    const progress = action.progress;
    expect(tallyActionRagAt(action, at, DEFAULT_RAG_RULES)).toStrictEqual({ rating: 'amber', completed: false });
    expect(keptTallyIntervalOf(action, DEFAULT_RAG_RULES)?.untilMs).toBeGreaterThan(at.ms);
    apply('Quarterly audit reported to the board', '2012-11-15');
    expect(own(fold.state.actions, actionId)).toBe(action);
    expect(action.progress).toBe(progress);
    expect(tallyActionRagAt(action, at, DEFAULT_RAG_RULES)).toStrictEqual({ rating: 'green', completed: false });
    expect(plain(action, at.ms, DEFAULT_RAG_RULES)).toStrictEqual({ rating: 'green', completed: false });
  });

  it('a plan whose action and recommendation ids are every Object.prototype name: its tally is the full summary figures, at instants over its life', () => {
    const names = Object.getOwnPropertyNames(Object.prototype);
    // Each action's and recommendation's id replaced, everywhere it is written, by a prototype name.
    const hostile = prototypeNamedPlanEvents();
    const state = foldPlan(hostile);
    expect(state.actionOrder).toEqual(expect.arrayContaining(names));
    const next = seeded(5);
    const first = Date.parse(hostile[0]!.recordedAt);
    const last = Date.parse(hostile.at(-1)!.recordedAt) + 400 * 86_400_000;
    const instants = Array.from({ length: 120 }, () => iso(first + next() * (last - first))).sort();
    for (const rules of RULE_SETS) {
      for (const asAt of instants) {
        const past = foldPlan(hostile.filter((e) => Date.parse(e.recordedAt) <= Date.parse(asAt)));
        const { plan } = planRagSummary(past, asAt, rules);
        const tally = planRagTally(past, asAt, rules);
        expect({ asAt, tally }).toStrictEqual({
          asAt,
          tally: { actionsTotal: plan.actionsTotal, actionsComplete: plan.actionsComplete, byRating: plan.byRating, recommendationsComplete: plan.recommendationsComplete, recommendationsTotal: plan.recommendationsTotal, sentence: plan.sentence },
        });
        // Each action's kept tally, as the plain rating of the same action.
        for (const id of past.actionOrder) {
          const action = own(past.actions, id)!;
          expect(tallyActionRagAt(action, readAsAt(asAt), rules)).toStrictEqual(plain(action, msOf(asAt), rules));
        }
      }
    }
  });
});
