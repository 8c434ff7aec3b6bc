import { describe, expect, it } from '@jest/globals';
import { decide } from './decide.js';
import { foldPlan, PlanFold } from './evolve.js';
import { asStored, given, testContext } from '../testing/plan-decider-spec.js';

describe('PlanFold, the in-place fold an import batch owns', () => {
  it('ends in exactly the state foldPlan gives, corrections included, without touching where it started', () => {
    const { state: base, events } = given([
      { type: 'CreatePlan', planId: 'p', title: 'Plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Laming 2009' },
      { type: 'AddAction', ref: '4.1', description: 'Framework', leads: ['Peter Worthington'], target: 'Quarterly', dependencies: [] },
    ]);
    const before = JSON.stringify(base);
    const actionId = base.actionOrder[0]!;
    const ctx = testContext(undefined, 'fold');
    const fold = new PlanFold(base);
    const later = [];
    for (const command of [
      { type: 'RecordProgressUpdate' as const, actionId, narrative: 'In place', asAt: '2009-10-01' },
      { type: 'ReassignAction' as const, actionId, to: ['Iain Melville'], reason: 'Handover' },
      { type: 'SlipTargetDate' as const, actionId, to: 'March 2010', reason: 'Guidance late' },
    ]) {
      const stored = asStored(decide(command, fold.state, ctx), fold.state.revision + 1);
      fold.apply(stored);
      later.push(...stored);
    }
    const correction = asStored(decide({ type: 'CorrectEntry', eventId: later[0]!.eventId, kind: 'withdrawn', reason: 'Wrong action' }, fold.state, ctx), fold.state.revision + 1);
    fold.apply(correction);
    later.push(...correction);
    expect(fold.state).toEqual(foldPlan([...events, ...later]));
    expect(fold.state.actions[actionId]!.progress).toEqual([]);
    expect(JSON.stringify(base)).toBe(before);
  });
});
