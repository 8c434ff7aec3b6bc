import { describe, expect, it } from '@jest/globals';
import { foldPlan } from '../plan/evolve.js';
import type { StoredPlanEvent } from '../plan/plan-events.js';
import type { Action, PlanState } from '../plan/plan-state.js';
import { readAsAt } from './rag-calendar.js';
import { configureRagRules, DEFAULT_RAG_RULES, planRagSummary, type RagRuleSet } from './index.js';
import { actionRagJson, deriveActionRagAt, keptActionRagAt, keptRagIntervalOf, type ActionRag } from './rag-rules.js';
import { namedPlans, shuffled } from './testing/named-plans.js';
import { instantsOfAction, instantsOfPlan, iso, seeded } from './testing/rag-instants.js';
import { oneAction } from './testing/rag-test-plans.js';
import type { PlanCommand } from '../plan/plan-commands.js';
import { planRagSummary as referencePlanRagSummary } from './testing/reference/rag-rollup.js';

/**
 * A rating is kept per Action object for the interval of instants it holds over (keptActionRagAt), and every
 * summary rates through it. This checks that a kept rating is, as JSON, exactly what a fresh rating gives, at the
 * instants where a rating can turn (the rag equivalence spec's), in time order (so that one interval serves the
 * next instant) and shuffled, and at both edges of every interval it keeps: its first instant and its last
 * millisecond give the kept object, and the instant after it a rating that is again exactly a fresh one.
 *
 * A rating whose reasons count days ("in 12 days", "3 days overdue") is kept with the count as a hole, and each
 * day of its interval is filled in from it: at its edges and on days inside it the rating comes from the same
 * kept record (no fresh rating), and both the object and its JSON (actionRagJson) are a fresh rating's.
 */

const DAY_MS = 86_400_000;
const RULE_SETS: readonly RagRuleSet[] = [
  DEFAULT_RAG_RULES,
  configureRagRules({ dueSoonDays: 0, ongoingReviewCadence: { every: 1, unit: 'week', label: 'Weekly' } }),
  configureRagRules({ dueSoonDays: 30, ongoingReviewCadence: { every: 1, unit: 'year', label: 'Annually' } }),
];

const fresh = (action: Action, ms: number, rules: RagRuleSet) => JSON.stringify(deriveActionRagAt(action, readAsAt(iso(ms)), rules));

/**
 * Rates the action at each instant through the kept rating, comparing each with a fresh one and probing the edges
 * of each interval kept; the differences are collected (a few hundred thousand expect() calls would be most of the run).
 */
function expectKeptEqualsFresh(
  action: Action,
  instants: readonly string[],
  rules: RagRuleSet,
  differences: string[],
): { compared: number; reused: number; edges: number; counted: number } {
  let compared = 0;
  let reused = 0;
  let edges = 0;
  let counted = 0;
  const check = (what: string, ms: number, actual: ActionRag) => {
    const expected = fresh(action, ms, rules);
    const json = JSON.stringify(actual);
    if (json !== expected) differences.push(`${action.ref} ${what} ${iso(ms)} (${rules.version}): kept ${json}, fresh ${expected}`);
    const bytes = actionRagJson(actual);
    if (bytes !== expected) differences.push(`${action.ref} ${what} ${iso(ms)} (${rules.version}): kept JSON ${bytes}, fresh ${expected}`);
  };
  for (const asAt of instants) {
    const at = readAsAt(asAt);
    const before = keptRagIntervalOf(action, rules);
    const kept = keptActionRagAt(action, at, rules);
    const interval = keptRagIntervalOf(action, rules);
    if (before && interval && before.kept === interval.kept && interval.rag === kept) reused += 1;
    const expected = JSON.stringify(deriveActionRagAt(action, at, rules));
    for (const json of [JSON.stringify(kept), actionRagJson(kept)]) {
      if (json !== expected) differences.push(`${action.ref} at ${asAt} (${rules.version}): kept ${json}, fresh ${expected}`);
    }
    compared += 1;
    if (!interval || interval.rag !== kept) continue;
    if (!(interval.fromMs <= at.ms && at.ms < interval.untilMs)) differences.push(`${action.ref} at ${asAt}: kept for an interval that does not hold it`);
    if (interval.counted) counted += 1;
    // The edges, where the interval ends on a day or an entry's instant the calendar can show, and (for a rating
    // that counts days, a new rating object per day) days inside it.
    const inside = interval.counted ? [interval.fromMs + DAY_MS, (interval.fromMs + interval.untilMs) / 2, interval.untilMs - DAY_MS - 1].map(Math.floor) : [];
    for (const ms of [interval.fromMs, interval.untilMs - 1, ...inside.filter((ms) => ms > interval.fromMs && ms < interval.untilMs)]) {
      if (!Number.isFinite(ms) || ms < Date.UTC(1000, 0, 1) || ms >= Date.UTC(10_000, 0, 1)) continue;
      const atEdge = keptActionRagAt(action, readAsAt(iso(ms)), rules);
      const after = keptRagIntervalOf(action, rules);
      if (interval.counted ? after?.kept !== interval.kept || after.rag !== atEdge : atEdge !== kept) {
        differences.push(`${action.ref} at ${iso(ms)} in the interval kept at ${asAt}: not the kept rating`);
      }
      check('at the edge', ms, atEdge);
      edges += 1;
    }
    if (Number.isFinite(interval.untilMs) && interval.untilMs < Date.UTC(10_000, 0, 1)) {
      check('just after the interval', interval.untilMs, keptActionRagAt(action, readAsAt(iso(interval.untilMs)), rules));
      // Back to where the loop was, so the next instant in time order finds this interval kept.
      keptActionRagAt(action, at, rules);
      edges += 1;
    }
  }
  return { compared, reused, edges, counted };
}

const byMs = (instants: readonly string[]) => [...instants].sort((a, b) => Date.parse(a.length === 10 ? `${a}T23:59:59.999Z` : a) - Date.parse(b.length === 10 ? `${b}T23:59:59.999Z` : b));


const recordedBy = (events: readonly StoredPlanEvent[], ms: number) => events.filter((e) => Date.parse(e.recordedAt) <= ms);

describe('a rating kept for the interval it holds over is exactly a fresh rating', () => {
  const plans = namedPlans();

  for (const [name, plan] of plans) {
    it(`${name}: every action at the instants where its rating can turn, in time order and shuffled, with the edges of each interval, under three rule sets`, () => {
      const next = seeded(41);
      // The bench-like plan's 280 actions are alike: a sample of them keeps the test quick.
      const ids = name.includes('bench') ? plan.state.actionOrder.filter(() => next() < 0.12) : plan.state.actionOrder;
      const plansInstants = instantsOfPlan(plan.state, 10, 9).filter(() => next() < 0.3);
      let compared = 0;
      let reused = 0;
      let edges = 0;
      let counted = 0;
      const differences: string[] = [];
      // A seeded sample of each action's instants where a rating can turn (thousands for a long-lived action), and the plan's.
      const perAction = name.includes('bench') ? 30 : 40;
      const instantsOf = new Map(
        ids.map((id) => {
          const own = instantsOfAction(plan.state.actions[id]!);
          return [id, [...own.filter(() => next() < perAction / own.length), ...plansInstants]];
        }),
      );
      for (const [r, rules] of RULE_SETS.entries()) {
        for (const id of ids) {
          const action = plan.state.actions[id]!;
          const instants = instantsOf.get(id)!;
          for (const order of [byMs(instants), shuffled(instants, r * 1000 + compared)]) {
            const counts = expectKeptEqualsFresh(action, order, rules, differences);
            compared += counts.compared;
            reused += counts.reused;
            edges += counts.edges;
            counted += counts.counted;
          }
        }
      }
      expect(differences.slice(0, 5)).toEqual([]);
      expect(compared).toBeGreaterThan(2_000);
      // Kept ratings are reused (or this would test nothing) and their edges were probed.
      expect(reused).toBeGreaterThan(compared / 10);
      expect(edges).toBeGreaterThan(300);
      // Ratings that count days were kept with the count as a hole, and their days filled in.
      expect(counted).toBeGreaterThan(compared / 50);
    });

    it(`${name}: states folded one from another (sharing untouched actions) rated at their own instants and later give the frozen reference's summaries`, () => {
      const next = seeded(5);
      const events = plan.events;
      const first = Date.parse(events[0]!.recordedAt);
      const last = Date.parse(events.at(-1)!.recordedAt);
      const stops = Array.from({ length: 24 }, () => Math.floor(first + next() * (last - first))).sort((a, b) => a - b);
      let state: PlanState | undefined;
      let folded = 0;
      for (const ms of stops) {
        const upTo = recordedBy(events, ms);
        // A correction re-folds from the start; otherwise the next state is folded onto the last, as the timeline's are.
        state = upTo.slice(folded).some((e) => e.type === 'EntryCorrected') || !state ? foldPlan(upTo) : foldPlan(upTo.slice(folded), state);
        folded = upTo.length;
        for (const asAt of [iso(ms), iso(ms + 1), iso(ms + 3 * DAY_MS), iso(ms + 40 * DAY_MS), iso(ms).slice(0, 10)]) {
          expect({ asAt, json: JSON.stringify(planRagSummary(state, asAt)) }).toEqual({ asAt, json: JSON.stringify(referencePlanRagSummary(state, asAt)) });
        }
      }
    });
  }

  describe('ratings whose reasons count days, kept with the count as a hole', () => {
    const begin = (actionId: string): PlanCommand => ({ type: 'ChangeActionStatus', actionId, to: 'in_progress', reason: 'Work began', effectiveAt: '2012-05-01' });
    const assess = (actionId: string, rating: 'green' | 'amber', effectiveAt: string, rationale: string): PlanCommand => ({ type: 'AssessRag', actionId, rating, rationale, effectiveAt });
    const slip = (actionId: string, reason: string): PlanCommand => ({ type: 'SlipTargetDate', actionId, to: '31 December 2012', reason, effectiveAt: '2012-10-15' });
    // The private-use character the holes are written as, in the plan's own words: such a rating must not be templated wrongly.
    const hostile = 'Supplier \uE000 delayed';
    // The last argument: an instant where the rating's words hold the plan's hole character (no template may be kept there).
    const cases: [string, Action, string?][] = [
      ['due, due soon, overdue, declared Green (the discrepancy quotes the count)', oneAction({ startDate: 'May 2012', target: '30 July 2012' }, (id) => [begin(id), assess(id, 'green', '2012-06-10', 'Guidance issued.')]).action],
      ['slipped, with a due date', oneAction({ startDate: 'May 2012', target: '30 November 2012' }, (id) => [begin(id), slip(id, 'FWi update delayed by the supplier')]).action],
      ['slipped, its reason holding the hole character', oneAction({ startDate: 'May 2012', target: '30 November 2012' }, (id) => [begin(id), slip(id, hostile)]).action, '2012-11-10T12:00:00.000Z'],
      ['overdue, declared Amber with the hole character in the rationale', oneAction({ target: '30 July 2012' }, (id) => [begin(id), assess(id, 'amber', '2012-06-10', hostile)]).action, '2012-09-10T12:00:00.000Z'],
      ['a commitment that ran until a date', oneAction({ target: 'Monthly throughout 2011/12' }, (id) => [begin(id), { type: 'RecordProgressUpdate', actionId: id, narrative: 'Audit reported.', effectiveAt: '2012-03-15' }]).action],
      ['not started, no start date, due', oneAction({ target: '30 March 2013' }).action],
    ];
    const days = Array.from({ length: 500 }, (_, i) => Date.UTC(2012, 0, 1) + i * DAY_MS);
    const instants = days.flatMap((day, i) => [iso(day + 12 * 3_600_000), i % 2 ? iso(day + DAY_MS - 1) : iso(day).slice(0, 10)]);

    for (const [name, action, holeInWords] of cases) {
      it(`${name}: every day for two years, in time order and shuffled, under three rule sets`, () => {
        const differences: string[] = [];
        let counted = 0;
        let compared = 0;
        let reused = 0;
        for (const [r, rules] of RULE_SETS.entries()) {
          for (const order of [instants, shuffled(instants, 77 + r)]) {
            const counts = expectKeptEqualsFresh(action, order, rules, differences);
            counted += counts.counted;
            compared += counts.compared;
            reused += counts.reused;
          }
        }
        expect(differences.slice(0, 5)).toEqual([]);
        expect(counted).toBeGreaterThan(compared / 10);
        expect(reused).toBeGreaterThan(compared / 4);
        if (holeInWords) {
          // Where the words hold the hole character, the rating is not kept as a template: that day is rated afresh.
          const at = readAsAt(holeInWords);
          const rag = keptActionRagAt(action, at, DEFAULT_RAG_RULES);
          expect(JSON.stringify(rag)).toContain('\uE000');
          expect(actionRagJson(rag)).toBe(JSON.stringify(deriveActionRagAt(action, at, DEFAULT_RAG_RULES)));
          expect(keptRagIntervalOf(action, DEFAULT_RAG_RULES)?.counted).toBe(false);
        }
      });
    }
  });

  it("fills in a day's rating that, to every reader, is a fresh rating: its keys, a spread, a deep equality, frozen", () => {
    // The template's JSON parts ride on each day's rating under a symbol (not a WeakMap entry a day): nothing a
    // reader enumerates may show it, and its JSON is still the parts joined with that day's count.
    const { action } = oneAction({ startDate: 'May 2012', target: '30 July 2012' }, (id) => [
      { type: 'ChangeActionStatus', actionId: id, to: 'in_progress', reason: 'Work began', effectiveAt: '2012-05-01' },
      { type: 'AssessRag', actionId: id, rating: 'green', rationale: 'Guidance issued.', effectiveAt: '2012-06-10' },
    ]);
    let counted = 0;
    for (let i = 0; i < 400; i++) {
      const at = readAsAt(iso(Date.UTC(2012, 4, 1) + i * DAY_MS + 12 * 3_600_000));
      const kept = keptActionRagAt(action, at, DEFAULT_RAG_RULES);
      const made = deriveActionRagAt(action, at, DEFAULT_RAG_RULES);
      if (keptRagIntervalOf(action, DEFAULT_RAG_RULES)?.counted) counted += 1;
      expect(kept).toStrictEqual(made);
      expect(Object.keys(kept)).toEqual(Object.keys(made));
      expect(JSON.stringify({ ...kept })).toBe(JSON.stringify(made));
      expect(actionRagJson(kept)).toBe(JSON.stringify(made));
      expect(actionRagJson({ ...kept })).toBe(JSON.stringify(made));
      expect([Object.isFrozen(kept), Object.isFrozen(kept.reasons), kept.discrepancy === undefined || Object.isFrozen(kept.discrepancy)]).toEqual([true, true, true]);
    }
    expect(counted).toBeGreaterThan(100);
  });

  it('keeps nothing for an instant outside years 1000-9999, and rates it as a fresh rating does', () => {
    const { state } = plans[1]![1];
    const action = state.actions[state.actionOrder[0]!]!;
    for (const asAt of ['0999-12-31T23:59:59.999Z', '0500-06-01', '1000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      const at = readAsAt(asAt);
      expect(JSON.stringify(keptActionRagAt(action, at, DEFAULT_RAG_RULES))).toBe(JSON.stringify(deriveActionRagAt(action, at, DEFAULT_RAG_RULES)));
      const interval = keptRagIntervalOf(action, DEFAULT_RAG_RULES);
      if (at.ms < Date.UTC(1000, 0, 1)) expect(interval === undefined || !(interval.fromMs <= at.ms && at.ms < interval.untilMs)).toBe(true);
      else if (interval) expect(interval.fromMs >= Date.UTC(1000, 0, 1) && interval.untilMs <= Date.UTC(10_000, 0, 1)).toBe(true);
    }
  });

  it('hands out frozen ratings: a summary that shares one cannot change it for the next', () => {
    const { state } = plans[2]![1];
    const summary = planRagSummary(state, '2013-03-01');
    const rag = Object.values(summary.actions)[0]!;
    expect(Object.isFrozen(rag)).toBe(true);
    expect(Object.isFrozen(rag.reasons)).toBe(true);
    expect(planRagSummary(state, '2013-03-01').actions[rag.actionId]).toBe(rag);
  });
});
