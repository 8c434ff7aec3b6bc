import { describe, expect, it } from '@jest/globals';
import { decide } from './decide.js';
import { foldPlan, historyKeptFor, PlanFold } from './evolve.js';
import { initialPlanState, type PlanState } from './plan-state.js';
import { prototypeNamedPlanEvents } from '../rag/testing/bench-like-plan.js';
import { own } from '../shared/dictionary.js';
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

describe('PlanFold keeping only the history its corrections need (a rebuild, which knows them beforehand)', () => {
  /** The bench-like plan whose action and recommendation ids are every Object.prototype name, with corrections of every confined kind on its end. */
  let opened: string[] = [];
  function correctedPlan(): StoredPlanEvent[] {
    const events = prototypeNamedPlanEvents();
    let state = foldPlan(events);
    const ctx = testContext(undefined, 'light');
    const run = (command: Parameters<typeof decide>[0]) => {
      const stored = recorded(decide(command, state, ctx), state.revision + 1);
      state = foldPlan(stored, state);
      events.push(...stored);
      return stored[0]!;
    };
    // Three actions still open, each named after an Object.prototype name (as every action of this plan is).
    const [constructor, proto, toString] = state.actionOrder.filter((id) => state.actions[id]!.status !== 'completed') as [string, string, string];
    opened = [constructor, proto, toString];
    const note = run({ type: 'RecordProgressUpdate', actionId: constructor, narrative: 'Framework shared', effectiveAt: '2012-01-01' });
    const slip = run({ type: 'SlipTargetDate', actionId: proto, to: 'March 2013', reason: 'Guidance late' });
    const rating = run({ type: 'AssessRag', actionId: toString, rating: 'amber', rationale: 'Slipping' });
    run({ type: 'RecordProgressUpdate', actionId: constructor, narrative: 'Framework in use', effectiveAt: '2012-02-01' });
    run({ type: 'CorrectEntry', eventId: note.eventId, kind: 'amended', amendments: { narrative: 'Framework agreed' }, reason: 'Typo' });
    run({ type: 'CorrectEntry', eventId: slip.eventId, kind: 'amended', amendments: { to: 'June 2013' }, reason: 'Wrong month' });
    run({ type: 'RecordProgressUpdate', actionId: proto, narrative: 'Slip agreed', effectiveAt: '2012-03-01' });
    // The same entry corrected again, and a withdrawal.
    run({ type: 'CorrectEntry', eventId: note.eventId, kind: 'amended', amendments: { narrative: 'Framework agreed by the board' }, reason: 'Fuller' });
    run({ type: 'CorrectEntry', eventId: rating.eventId, kind: 'withdrawn', reason: 'Entered on the wrong action' });
    run({ type: 'RecordProgressUpdate', actionId: toString, narrative: 'Back on track', effectiveAt: '2012-04-01' });
    return events;
  }
  const byId = (events: readonly StoredPlanEvent[]) => new Map(events.map((event) => [event.eventId, event]));
  const corrections = (events: readonly StoredPlanEvent[]) => events.filter((event) => event.type === 'EntryCorrected');
  const withoutHistory = ({ history: _history, ...state }: PlanState) => state;

  it('gives the state of a fold keeping every event, at every position, corrections of the entries of actions named after Object.prototype included', () => {
    const events = correctedPlan();
    expect(corrections(events).length).toBeGreaterThan(4);
    const keeps = historyKeptFor(corrections(events), byId(events))!;
    expect(keeps).toBeDefined();
    const light = new PlanFold(initialPlanState(), keeps);
    const whole = new PlanFold(initialPlanState());
    for (const event of events) {
      light.apply([event]);
      whole.apply([event]);
      // As text at each position (quick), and deeply at the end.
      expect(JSON.stringify(withoutHistory(light.state))).toBe(JSON.stringify(withoutHistory(whole.state)));
    }
    expect(withoutHistory(light.state)).toEqual(withoutHistory(whole.state));
    expect(withoutHistory(light.state)).toEqual(withoutHistory(foldPlan(events)));
    const [noted, slipped, rated] = opened as [string, string, string];
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(expect.arrayContaining(opened));
    expect(own(light.state.actions, noted)!.progress.map((p) => p.narrative)).toContain('Framework agreed by the board');
    expect(own(light.state.actions, noted)!.progress.map((p) => p.narrative)).not.toContain('Framework shared');
    expect(own(light.state.actions, slipped)!.target.text).toBe('June 2013');
    expect(own(light.state.actions, rated)!.ragAssessments.some((r) => r.rationale === 'Slipping')).toBe(false);
    // What it kept: the corrections, and the entries of the actions they correct, in order; fewer than the plan's.
    expect(light.state.history).toEqual(whole.state.history.filter(keeps));
    expect(light.state.history.filter((event) => event.type === 'EntryCorrected')).toEqual(corrections(events));
    expect(light.state.history.length).toBeLessThan(whole.state.history.length);
  });

  it('keeps the whole history for a correction of the plan\'s shape, of a correction, or of an entry not found before it', () => {
    const events = correctedPlan();
    const state = foldPlan(events);
    const ctx = testContext(undefined, 'shape');
    const added = events.find((event) => event.type === 'ActionAdded')!;
    const shape = recorded(decide({ type: 'CorrectEntry', eventId: added.eventId, kind: 'amended', amendments: { description: 'Referral framework' }, reason: 'Clearer' }, state, ctx), state.revision + 1);
    expect(historyKeptFor([...corrections(events), ...shape], byId([...events, ...shape]))).toBeUndefined();
    const [first] = corrections(events) as [Extract<StoredPlanEvent, { type: 'EntryCorrected' }>];
    const ofCorrection = { ...first, eventId: 'of-a-correction', revision: state.revision + 1, data: { ...first.data, correctedEventId: first.eventId, correctedEventType: 'EntryCorrected' } };
    expect(historyKeptFor([...corrections(events), ofCorrection], byId([...events, ofCorrection]))).toBeUndefined();
    expect(historyKeptFor(corrections(events), byId(events.filter((event) => event.eventId !== first.data.correctedEventId)))).toBeUndefined();
    const early = { ...first, revision: 0 };
    expect(historyKeptFor([early], byId(events))).toBeUndefined();
  });

  it('refuses a correction it was not told of, rather than fold it without the entries it needs', () => {
    const events = correctedPlan();
    const [first, ...others] = corrections(events);
    const fold = new PlanFold(initialPlanState(), historyKeptFor(others, byId(events)));
    expect(() => fold.apply(events)).toThrow(`must keep every correction (event ${first!.eventId})`);
  });
});
