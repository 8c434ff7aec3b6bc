import { describe, expect, it } from '@jest/globals';
import { decide } from '../plan/decide.js';
import { evolve, foldPlan } from '../plan/evolve.js';
import type { PlanCommand } from '../plan/plan-commands.js';
import { effectiveAtOf, type StoredPlanEvent } from '../plan/plan-events.js';
import type { Action, PlanState } from '../plan/plan-state.js';
import { own } from '../shared/dictionary.js';
import { recorded, testContext } from '../testing/plan-decider-spec.js';
import { readAsAt } from './rag-calendar.js';
import { configureRagRules, DEFAULT_RAG_RULES, planRagSummary, planRagTally, type RagRuleSet } from './index.js';
import { actionRagJson, deriveActionRagAt, keptActionRagAt, tallyActionRagAt } from './rag-rules.js';
import { prototypeNamedPlanEvents } from './testing/bench-like-plan.js';
import { namedPlans } from './testing/named-plans.js';
import { instantsOfAction, iso, seeded } from './testing/rag-instants.js';
import { oneAction } from './testing/rag-test-plans.js';
import { planRagSummary as referencePlanRagSummary } from './testing/reference/rag-rollup.js';

/**
 * A kept rating (with words, or a tally) serves any version of an action that reads the same: each event that
 * touches an action gives the next state a copy of it (new arrays holding the same entries), and the copy finds the
 * rating kept for the version before it when nothing the rules read has changed (a progress update on an action
 * under way with a dated target), but not when it has (an update a timetable reads, a slip, an assessment for the
 * words, a status). This checks, for every event of the plans that touches an action, the version before and the
 * version after rated at the same instants, through the kept ratings, against a fresh rating of each; and that the
 * kept ratings are reused across versions.
 */

const RULE_SETS: readonly RagRuleSet[] = [
  DEFAULT_RAG_RULES,
  configureRagRules({ dueSoonDays: 0, ongoingReviewCadence: { every: 1, unit: 'week', label: 'Weekly' } }),
  configureRagRules({ dueSoonDays: 30, ongoingReviewCadence: { every: 1, unit: 'year', label: 'Annually' } }),
];

const freshJson = (action: Action, asAt: string, rules: RagRuleSet) => JSON.stringify(deriveActionRagAt(action, readAsAt(asAt), rules));
const freshTally = (action: Action, asAt: string, rules: RagRuleSet) => {
  const rag = deriveActionRagAt(action, readAsAt(asAt), rules);
  return JSON.stringify({ rating: rag.rating, completed: rag.completed });
};

/**
 * Folds the events one at a time (evolve: each state shares the actions its event left alone and copies the one it
 * touched) and, for a seeded share of the events that touched an action, rates the version before and then the
 * version after at instants around the event and the action's own dates, each through the kept ratings and afresh.
 */
function versionDifferences(events: readonly StoredPlanEvent[], share: number, perEvent: number, seed: number) {
  const next = seeded(seed);
  const differences: string[] = [];
  let compared = 0;
  let sharedAcross = 0;
  let talliesSharedAcross = 0;
  let state: PlanState | undefined;
  for (const event of events) {
    const before = state;
    state = before ? evolve(before, event) : foldPlan([event]);
    if (!before || next() >= share) continue;
    for (const id of state.actionOrder) {
      const older = own(before.actions, id);
      const newer = own(state.actions, id);
      if (!older || !newer || older === newer) continue;
      const own_ = instantsOfAction(newer);
      const ms = Date.parse(event.recordedAt);
      const around = [event.recordedAt, iso(ms + 86_400_000), iso(ms + 40 * 86_400_000), iso(ms + 200 * 86_400_000), effectiveAtOf(event)];
      const instants = [...around, ...own_.filter(() => next() < perEvent / Math.max(own_.length, 1))];
      const rules = RULE_SETS[Math.floor(next() * RULE_SETS.length)]!;
      for (const asAt of instants) {
        const at = readAsAt(asAt);
        const olderRag = keptActionRagAt(older, at, rules);
        const newerRag = keptActionRagAt(newer, at, rules);
        if (olderRag === newerRag) sharedAcross += 1;
        const olderTally = tallyActionRagAt(older, at, rules);
        const newerTally = tallyActionRagAt(newer, at, rules);
        if (olderTally === newerTally) talliesSharedAcross += 1;
        for (const [what, action, rag, tally] of [
          ['before', older, olderRag, olderTally],
          ['after', newer, newerRag, newerTally],
        ] as const) {
          const expected = freshJson(action, asAt, rules);
          if (JSON.stringify(rag) !== expected || actionRagJson(rag) !== expected) {
            differences.push(`${action.ref} ${what} ${event.type} at ${asAt} (${rules.version}): kept ${JSON.stringify(rag)}, fresh ${expected}`);
          }
          if (JSON.stringify(tally) !== freshTally(action, asAt, rules)) differences.push(`${action.ref} tally ${what} ${event.type} at ${asAt} (${rules.version}): ${JSON.stringify(tally)}`);
        }
        compared += 1;
      }
    }
  }
  return { differences, compared, sharedAcross, talliesSharedAcross };
}

describe('a kept rating serves another version of the action only when it reads the same', () => {
  for (const [name, plan] of namedPlans()) {
    it(`${name}: every version an event made, and the one before it, rated at the same instants, are each a fresh rating`, () => {
      const bench = name.includes('bench');
      const { differences, compared, sharedAcross, talliesSharedAcross } = versionDifferences(plan.events, bench ? 0.01 : 0.08, bench ? 4 : 6, bench ? 71 : 73);
      expect(differences.slice(0, 10)).toEqual([]);
      expect(compared).toBeGreaterThan(500);
      // The copies do find the ratings kept for the versions before them.
      expect(sharedAcross).toBeGreaterThan(compared / 20);
      expect(talliesSharedAcross).toBeGreaterThan(compared / 20);
    });
  }

  it('a plan whose action and recommendation ids are every Object.prototype name: versions rated across, and summaries of each state as the reference', () => {
    const names = Object.getOwnPropertyNames(Object.prototype);
    const hostile = prototypeNamedPlanEvents();
    expect(foldPlan(hostile).actionOrder).toEqual(expect.arrayContaining(names));
    const { differences, compared, sharedAcross } = versionDifferences(hostile, 0.2, 6, 79);
    expect(differences.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(500);
    expect(sharedAcross).toBeGreaterThan(0);
    // Whole summaries of successive states (sharing and copying actions) at instants after each event, as the frozen reference.
    const next = seeded(83);
    let state: PlanState | undefined;
    for (const event of hostile) {
      state = state ? evolve(state, event) : foldPlan([event]);
      if (next() >= 0.05) continue;
      const asAt = iso(Date.parse(event.recordedAt) + Math.floor(next() * 90) * 86_400_000);
      for (const rules of RULE_SETS) {
        // As JSON, as the equivalence spec compares with the reference (whose records are not prototype-less): key order counts.
        expect(JSON.stringify(planRagSummary(state, asAt, rules))).toBe(JSON.stringify(referencePlanRagSummary(state, asAt, rules)));
        const { plan } = referencePlanRagSummary(state, asAt, rules);
        expect(planRagTally(state, asAt, rules)).toStrictEqual({
          actionsTotal: plan.actionsTotal,
          actionsComplete: plan.actionsComplete,
          byRating: plan.byRating,
          recommendationsComplete: plan.recommendationsComplete,
          recommendationsTotal: plan.recommendationsTotal,
          sentence: plan.sentence,
        });
      }
    }
  });

  /** The action's next version: the commands decided and folded with evolve, as a new state (a copy of the action). */
  const nextVersion = (state: PlanState, command: PlanCommand, at: string) => {
    const ctx = testContext(at, `version-${state.revision + 1}`);
    let next = state;
    for (const event of recorded(decide(command, state, ctx), state.revision + 1, at)) next = evolve(next, event);
    return next;
  };

  it('an action under way with a dated target, given a progress update: the copy gets the kept rating and tally, the same objects', () => {
    const { state, actionId } = oneAction({ target: 'March 2013', startDate: 'May 2012' }, (id) => [
      { type: 'ChangeActionStatus', actionId: id, to: 'in_progress', reason: 'Work begun', effectiveAt: '2012-05-02' },
      { type: 'RecordProgressUpdate', actionId: id, narrative: 'Guidance drafted', effectiveAt: '2012-06-01' },
    ]);
    const at = readAsAt('2012-11-20T12:00:00.000Z');
    const older = own(state.actions, actionId)!;
    const rag = keptActionRagAt(older, at, DEFAULT_RAG_RULES);
    const tally = tallyActionRagAt(older, at, DEFAULT_RAG_RULES);
    const newer = own(nextVersion(state, { type: 'RecordProgressUpdate', actionId, narrative: 'Consulted on', effectiveAt: '2012-10-01' }, '2012-10-01T09:00:00.000Z').actions, actionId)!;
    expect(newer).not.toBe(older);
    expect(newer.progress).not.toBe(older.progress);
    expect(keptActionRagAt(newer, at, DEFAULT_RAG_RULES)).toBe(rag);
    expect(tallyActionRagAt(newer, at, DEFAULT_RAG_RULES)).toBe(tally);
    expect(JSON.stringify(rag)).toBe(freshJson(newer, at.instant, DEFAULT_RAG_RULES));
  });

  it('a quarterly action given an update dated before the instant: the copy is rated afresh (green), not given the kept amber', () => {
    const { state, actionId } = oneAction({ target: 'Quarterly', startDate: 'May 2012' }, (id) => [
      { type: 'RecordProgressUpdate', actionId: id, narrative: 'Audit planned', effectiveAt: '2012-05-20' },
    ]);
    const at = readAsAt('2012-11-20T12:00:00.000Z');
    const older = own(state.actions, actionId)!;
    expect(keptActionRagAt(older, at, DEFAULT_RAG_RULES).rating).toBe('amber');
    expect(tallyActionRagAt(older, at, DEFAULT_RAG_RULES).rating).toBe('amber');
    const newer = own(nextVersion(state, { type: 'RecordProgressUpdate', actionId, narrative: 'Quarterly audit reported', effectiveAt: '2012-11-15' }, '2012-11-16T09:00:00.000Z').actions, actionId)!;
    expect(keptActionRagAt(newer, at, DEFAULT_RAG_RULES).rating).toBe('green');
    expect(tallyActionRagAt(newer, at, DEFAULT_RAG_RULES).rating).toBe('green');
    expect(JSON.stringify(keptActionRagAt(newer, at, DEFAULT_RAG_RULES))).toBe(freshJson(newer, at.instant, DEFAULT_RAG_RULES));
  });

  it('a quarterly action whose update is corrected to a later date: the refolded action (its target the same object, its one update a new one) is rated afresh', () => {
    const { state, actionId } = oneAction({ target: 'Quarterly', startDate: 'May 2012' }, (id) => [
      { type: 'RecordProgressUpdate', actionId: id, narrative: 'Quarterly audit reported', effectiveAt: '2012-05-20' },
    ]);
    const at = readAsAt('2012-11-20T12:00:00.000Z');
    const older = own(state.actions, actionId)!;
    expect(keptActionRagAt(older, at, DEFAULT_RAG_RULES).rating).toBe('amber');
    expect(tallyActionRagAt(older, at, DEFAULT_RAG_RULES).rating).toBe('amber');
    const update = state.history.find((event) => event.type === 'ProgressUpdateRecorded')!;
    const corrected = nextVersion(state, { type: 'CorrectEntry', eventId: update.eventId, kind: 'amended', amendments: { asAt: '2012-11-15' }, reason: 'Wrong date' }, '2012-11-16T09:00:00.000Z');
    const newer = own(corrected.actions, actionId)!;
    // What a kept rating must not be fooled by: the same target, and as many updates, but not the same one.
    expect(newer.target).toBe(older.target);
    expect(newer.progress).toHaveLength(older.progress.length);
    expect(newer.progress[0]!.asAt).toBe('2012-11-15');
    expect(keptActionRagAt(newer, at, DEFAULT_RAG_RULES).rating).toBe('green');
    expect(tallyActionRagAt(newer, at, DEFAULT_RAG_RULES).rating).toBe('green');
    expect(JSON.stringify(keptActionRagAt(newer, at, DEFAULT_RAG_RULES))).toBe(freshJson(newer, at.instant, DEFAULT_RAG_RULES));
  });

  it('an action given an assessment: the copy keeps the tally but its rating with words declares it', () => {
    const { state, actionId } = oneAction({ target: 'March 2013', startDate: 'May 2012' }, (id) => [
      { type: 'RecordProgressUpdate', actionId: id, narrative: 'Guidance drafted', effectiveAt: '2012-06-01' },
    ]);
    const at = readAsAt('2012-11-20T12:00:00.000Z');
    const older = own(state.actions, actionId)!;
    const rag = keptActionRagAt(older, at, DEFAULT_RAG_RULES);
    const tally = tallyActionRagAt(older, at, DEFAULT_RAG_RULES);
    expect(rag.declared).toBeUndefined();
    const newer = own(
      nextVersion(state, { type: 'AssessRag', actionId, rating: 'amber', rationale: 'Consultation late', effectiveAt: '2012-10-01T09:00:00.000Z' }, '2012-10-01T09:00:00.000Z').actions,
      actionId,
    )!;
    expect(newer.ragAssessments).toHaveLength(1);
    const newerRag = keptActionRagAt(newer, at, DEFAULT_RAG_RULES);
    expect(newerRag.declared?.rating).toBe('amber');
    expect(JSON.stringify(newerRag)).toBe(freshJson(newer, at.instant, DEFAULT_RAG_RULES));
    expect(tallyActionRagAt(newer, at, DEFAULT_RAG_RULES)).toBe(tally);
  });
});
