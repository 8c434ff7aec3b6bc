import { describe, expect, it } from '@jest/globals';
import { decide } from './decide.js';
import { foldPlan, PlanFold } from './evolve.js';
import type { StoredPlanEvent } from './plan-events.js';
import { recorded, testContext } from '../testing/plan-decider-spec.js';
import { planFromCommands } from '../testing/plan-from-commands.js';

describe('PlanFold, the in-place fold an import batch owns', () => {
  it('ends in exactly the state foldPlan gives, corrections included, without touching where it started', () => {
    const { state: base, events } = planFromCommands([
      { type: 'CreatePlan', planId: 'p', title: 'Plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Laming 2009' },
      { type: 'AddAction', ref: '4.1', description: 'Framework', leads: ['Peter Worthington'], target: 'Quarterly', dependencies: [] },
    ]);
    const before = JSON.stringify(base);
    const actionId = base.actionOrder[0]!;
    const ctx = testContext(undefined, 'fold');
    const fold = new PlanFold(base);
    const later = [];
    for (const command of [
      { type: 'RecordProgressUpdate' as const, actionId, narrative: 'In place', effectiveAt: '2009-10-01' },
      { type: 'ReassignAction' as const, actionId, to: ['Iain Melville'], reason: 'Handover' },
      { type: 'SlipTargetDate' as const, actionId, to: 'March 2010', reason: 'Guidance late' },
    ]) {
      const stored = recorded(decide(command, fold.state, ctx), fold.state.revision + 1);
      fold.apply(stored);
      later.push(...stored);
    }
    const correction = recorded(decide({ type: 'CorrectEntry', eventId: later[0]!.eventId, kind: 'withdrawn', reason: 'Wrong action' }, fold.state, ctx), fold.state.revision + 1);
    fold.apply(correction);
    later.push(...correction);
    expect(fold.state).toEqual(foldPlan([...events, ...later]));
    expect(fold.state.actions[actionId]!.progress).toEqual([]);
    expect(JSON.stringify(base)).toBe(before);
  });

  it('folds a correction of one action\'s entry by re-folding that action only, to the same state as a full re-fold', () => {
    const { state: base, events } = planFromCommands([
      { type: 'CreatePlan', planId: 'p', title: 'Plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Laming 2009' },
      { type: 'AddRecommendation', ref: '4', text: 'Referrals' },
      { type: 'AddAction', ref: '4.1', description: 'Framework', leads: ['Peter Worthington'], target: 'Quarterly', dependencies: [] },
      { type: 'AddAction', ref: '4.2', description: 'Audit', leads: ['Iain Melville'], target: 'March 2010', dependencies: [] },
    ]);
    const [first, second] = base.actionOrder as [string, string];
    const ctx = testContext(undefined, 'confined');
    const fold = new PlanFold(base);
    const all = [...events];
    const run = (command: Parameters<typeof decide>[0]) => {
      const stored = recorded(decide(command, fold.state, ctx), fold.state.revision + 1);
      fold.apply(stored);
      all.push(...stored);
      return stored[0]!;
    };
    const note = run({ type: 'RecordProgressUpdate', actionId: first, narrative: 'Draft framework shared', effectiveAt: '2009-10-01' });
    run({ type: 'RecordProgressUpdate', actionId: second, narrative: 'Audit booked', effectiveAt: '2009-10-01' });
    const slip = run({ type: 'SlipTargetDate', actionId: first, to: 'March 2010', reason: 'Guidance late' });
    const rating = run({ type: 'AssessRag', actionId: second, rating: 'amber', rationale: 'Slipping' });
    // A correction of the plan's shape (an action's description) takes the general path.
    run({ type: 'CorrectEntry', eventId: events[2]!.eventId, kind: 'amended', amendments: { description: 'Referral framework' }, reason: 'Clearer' });
    // The corrections after it are confined to one action each, and keep the amended description.
    run({ type: 'CorrectEntry', eventId: note.eventId, kind: 'amended', amendments: { narrative: 'Framework agreed by the board' }, reason: 'Typo' });
    run({ type: 'CorrectEntry', eventId: slip.eventId, kind: 'amended', amendments: { to: 'June 2010' }, reason: 'Wrong month' });
    run({ type: 'CorrectEntry', eventId: rating.eventId, kind: 'withdrawn', reason: 'Entered on the wrong action' });
    const secondBefore = fold.state.actions[second];
    run({ type: 'RecordProgressUpdate', actionId: first, narrative: 'Framework in use', effectiveAt: '2009-11-01' });

    expect(fold.state).toEqual(foldPlan(all));
    expect(fold.state.actions[first]!.progress.map((p) => p.narrative)).toEqual(['Framework agreed by the board', 'Framework in use']);
    expect(fold.state.actions[first]!.target.text).toBe('June 2010');
    expect(fold.state.actions[first]!.description).toBe('Referral framework');
    expect(secondBefore!.ragAssessments).toEqual([]);
  });
});

describe('foldPlan onto a state', () => {
  it('records the events on the end of a history of its own, in order and once, leaving the history of the state it folded onto alone', () => {
    const { state: base, events } = planFromCommands([
      { type: 'CreatePlan', planId: 'p', title: 'Plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Laming 2009' },
      { type: 'AddAction', ref: '4.1', description: 'Framework', leads: ['Peter Worthington'], target: 'Quarterly', dependencies: [] },
    ]);
    const actionId = base.actionOrder[0]!;
    const ctx = testContext(undefined, 'onto');
    const baseHistory = [...base.history];
    let state = base;
    const later: StoredPlanEvent[] = [];
    for (const command of [
      { type: 'RecordProgressUpdate' as const, actionId, narrative: 'First note', effectiveAt: '2009-10-01' },
      { type: 'RecordProgressUpdate' as const, actionId, narrative: 'Second note', effectiveAt: '2009-11-01' },
    ]) later.push(...recorded(decide(command, state, ctx), state.revision + 1 + later.length));
    state = foldPlan(later, base);
    expect(state.history).toHaveLength(baseHistory.length + later.length);
    state.history.forEach((event, i) => expect(event).toBe([...baseHistory, ...later][i]));
    expect(state.history).not.toBe(base.history);
    expect(base.history).toEqual(baseHistory);
    expect(state.revision).toBe(later.at(-1)!.revision);
    expect(state.lastRecordedAt).toBe(later.at(-1)!.recordedAt);
    expect(state).toEqual(foldPlan([...events, ...later]));
    // And a fold onto that state again: its history too is its own, the one before it unchanged.
    const third = recorded(decide({ type: 'RecordProgressUpdate', actionId, narrative: 'Third note', effectiveAt: '2009-12-01' }, state, ctx), state.revision + 1);
    const after = foldPlan(third, state);
    expect(after.history).toEqual([...baseHistory, ...later, ...third]);
    expect(state.history).toHaveLength(baseHistory.length + later.length);
    expect(after.actions[actionId]!.progress.map((p) => p.narrative)).toEqual(['First note', 'Second note', 'Third note']);
  });
});
