import { describe, expect, it } from '@jest/globals';
import { decide } from './decide.js';
import { detachedCopy, evolve, foldPlan, PlanFold } from './evolve.js';
import type { PlanCommand } from './plan-commands.js';
import type { StoredPlanEvent } from './plan-events.js';
import type { PlanState } from './plan-state.js';
import { recorded, testContext } from '../testing/plan-decider-spec.js';

/**
 * Folds share every action and recommendation an entry does not touch with the state folded from
 * (copy-on-write), so that what the plan reads derive from an action can be kept against it. These check the
 * other half of that bargain: a state once built is never changed by building a later one, from it or from a
 * state sharing its objects. A deep-frozen state makes any change in place throw (modules are strict).
 */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

/** Two recommendations, three actions and every kind of entry on them, each command decided against the state before it. */
function plan(): StoredPlanEvent[] {
  const ctx = testContext();
  let state = foldPlan([]);
  const events: StoredPlanEvent[] = [];
  const run = (command: (s: PlanState) => PlanCommand) => {
    const stored = recorded(decide(command(state), state, ctx), state.revision + 1);
    state = foldPlan(stored, state);
    events.push(...stored);
    return stored;
  };
  const action = (s: PlanState, i: number) => s.actionOrder[i]!;
  run(() => ({ type: 'CreatePlan', planId: '018f0000-0000-7000-8000-000000000002', title: 'Sharing plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' }));
  run(() => ({ type: 'AddWorkstream', number: '1', title: 'Safeguarding' }));
  run((s) => ({ type: 'AddRecommendation', ref: '1', text: 'Review referrals.', workstreamId: s.workstreamOrder[0] }));
  run((s) => ({ type: 'AddRecommendation', ref: '2', text: 'Train staff.', workstreamId: s.workstreamOrder[0] }));
  run((s) => ({ type: 'AddAction', ref: '1.1', recommendationId: s.recommendationOrder[0], description: 'Audit referrals', leads: ['Rachel Deakin'], startDate: 'May 2009', target: 'June 2009', dependencies: [] }));
  run((s) => ({ type: 'AddAction', ref: '2.1', recommendationId: s.recommendationOrder[1], description: 'Train', leads: [], target: 'Quarterly', dependencies: [] }));
  const note = run((s) => ({ type: 'RecordProgressUpdate', actionId: action(s, 0), narrative: 'Audit done Jnue', effectiveAt: '2009-07-01' }));
  run((s) => ({ type: 'AddAction', ref: '1.2', recommendationId: s.recommendationOrder[0], description: 'Thresholds', leads: ['Sue Ioannou'], target: 'December 2009', dependencies: [] }));
  run((s) => ({ type: 'ChangeActionStatus', actionId: action(s, 0), to: 'in_progress', reason: 'Started' }));
  run((s) => ({ type: 'ReassignAction', actionId: action(s, 1), to: ['Sue Ioannou'], reason: 'New post holder' }));
  run((s) => ({ type: 'SlipTargetDate', actionId: action(s, 0), to: '31 December 2009', reason: 'Peer audit' }));
  run((s) => ({ type: 'AssessRag', actionId: action(s, 2), rating: 'amber', rationale: 'Slow' }));
  run((s) => ({ type: 'AttachEvidence', actionId: action(s, 0), name: 'Audit.pdf', mediaType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) }));
  run((s) => ({ type: 'RecordAuditOutcome', subject: { kind: 'action', actionId: action(s, 1) }, effectiveAt: '2009-09-15', auditor: 'QA', rating: 'good', findings: 'Sound' }));
  run((s) => ({ type: 'RecordAuditOutcome', subject: { kind: 'recommendation', recommendationId: s.recommendationOrder[1]! }, effectiveAt: '2009-09-16', auditor: 'QA', rating: 'good', findings: 'Sound' }));
  run((s) => ({ type: 'CompleteAction', actionId: action(s, 0), effectiveAt: '2009-10-01' }));
  run((s) => ({ type: 'ReopenAction', actionId: action(s, 0), reason: 'Gaps found', to: 'in_progress' }));
  run((s) => ({ type: 'CompleteAction', actionId: action(s, 1), effectiveAt: '2009-11-02' }));
  run((s) => ({ type: 'SignOffRecommendation', recommendationId: s.recommendationOrder[1]!, effectiveAt: '2009-11-03' }));
  run(() => ({ type: 'CorrectEntry', eventId: note[0]!.eventId, kind: 'amended', amendments: { narrative: 'Audit done June' }, reason: 'Typo' }));
  run((s) => ({ type: 'RecordProgressUpdate', actionId: action(s, 2), narrative: 'Thresholds agreed', effectiveAt: '2009-12-01' }));
  run((s) => ({ type: 'RecordProgressUpdate', actionId: action(s, 0), narrative: 'Re-audit booked', effectiveAt: '2009-12-02' }));
  return events;
}

describe('folds share what an entry leaves alone, and never change a state once built', () => {
  const events = plan();

  it('leaves a deep-frozen earlier state as it was, however a later one is built from it', () => {
    for (let split = 0; split <= events.length; split++) {
      const earlier = foldPlan(events.slice(0, split));
      const copy = structuredClone(earlier);
      deepFreeze(earlier);
      const rest = events.slice(split);
      const folded = foldPlan(rest, earlier);
      let stepped = earlier;
      for (const event of rest) stepped = evolve(stepped, event);
      const running = new PlanFold(earlier);
      running.apply(rest);
      expect(earlier).toEqual(copy);
      // And each way of building on it gives the plan folded from the start.
      const whole = foldPlan(events);
      expect(folded).toEqual(whole);
      expect(stepped).toEqual(whole);
      expect(running.state).toEqual(whole);
    }
  });

  it('leaves every state of a chain as it was, each frozen as soon as it is built', () => {
    let state = deepFreeze(foldPlan([]));
    const seen: { state: PlanState; copy: PlanState }[] = [];
    for (const event of events) {
      seen.push({ state, copy: structuredClone(state) });
      state = deepFreeze(evolve(state, event));
    }
    for (const { state: earlier, copy } of seen) expect(earlier).toEqual(copy);
  });

  it('shares the actions and recommendations an entry does not touch, and copies the one it does', () => {
    const split = events.length - 1;
    const before = foldPlan(events.slice(0, split));
    const after = foldPlan(events.slice(split), before);
    const [touched, ...others] = before.actionOrder;
    expect(after.actions[touched!]).not.toBe(before.actions[touched!]);
    expect(after.actions[touched!]!.progress.length).toBe(before.actions[touched!]!.progress.length + 1);
    for (const id of others) expect(after.actions[id]).toBe(before.actions[id]);
    for (const id of before.recommendationOrder) expect(after.recommendations[id]).toBe(before.recommendations[id]);
    for (const id of before.workstreamOrder) expect(after.workstreams[id]).toBe(before.workstreams[id]);
  });

  it('keeps two states built from one apart: neither sees the other’s entries', () => {
    const base = foldPlan(events.slice(0, 8));
    const first = base.actionOrder[0]!;
    const note = (narrative: string, revision: number) => recorded(decide({ type: 'RecordProgressUpdate', actionId: first, narrative, effectiveAt: '2009-08-01' }, base, testContext()), revision);
    const a = foldPlan(note('Branch A', base.revision + 1), base);
    const b = evolve(base, note('Branch B', base.revision + 1)[0]!);
    expect(a.actions[first]!.progress.map((p) => p.narrative)).toEqual([...base.actions[first]!.progress.map((p) => p.narrative), 'Branch A']);
    expect(b.actions[first]!.progress.map((p) => p.narrative)).toEqual([...base.actions[first]!.progress.map((p) => p.narrative), 'Branch B']);
    expect(base.actions[first]!.progress.map((p) => p.narrative)).not.toContain('Branch A');
  });

  it('gives a detached copy of its own to a caller who changes it, leaving the state it was copied from alone', () => {
    const state = deepFreeze(foldPlan(events));
    const copy = structuredClone(state);
    const detached = detachedCopy(state);
    for (const id of state.actionOrder) expect(detached.actions[id]).not.toBe(state.actions[id]);
    for (const id of state.recommendationOrder) expect(detached.recommendations[id]).not.toBe(state.recommendations[id]);
    expect(detached).toEqual(state);
    for (const id of detached.actionOrder) {
      detached.actions[id]!.progress.length = 0;
      detached.actions[id]!.status = 'completed';
    }
    detached.recommendations[detached.recommendationOrder[0]!]!.actionIds.push('x');
    detached.actionOrder.push('x');
    expect(state).toEqual(copy);
  });
});
