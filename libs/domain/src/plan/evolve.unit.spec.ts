import { describe, expect, it } from '@jest/globals';
import { decide } from './decide.js';
import { evolve, foldPlan } from './evolve.js';
import type { PlanCommand } from './plan-commands.js';
import type { StoredPlanEvent } from './plan-events.js';
import type { PlanState } from './plan-state.js';
import { recorded, testContext } from '../testing/plan-decider-spec.js';

/** One plan that goes through every kind of entry, each command decided against the state before it. */
function planWithEveryKindOfEntry(): StoredPlanEvent[] {
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
  run(() => ({ type: 'CreatePlan', planId: '018f0000-0000-7000-8000-000000000001', title: 'Laming Recommendations 2009', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' }));
  run(() => ({ type: 'AddWorkstream', number: '1', title: 'Safeguarding six month actions' }));
  run((s) => ({ type: 'AddRecommendation', ref: '6', text: 'Regularly review all points of referral.', workstreamId: s.workstreamOrder[0] }));
  run((s) => ({ type: 'AddAction', ref: '6.1', recommendationId: s.recommendationOrder[0], description: 'Audit referrals', leads: ['Rachel Deakin'], startDate: 'May 2009', target: 'June 2009', dependencies: [] }));
  run((s) => ({ type: 'AddAction', ref: '6.2', recommendationId: s.recommendationOrder[0], description: 'Review thresholds', leads: [], target: 'Quarterly', dependencies: [] }));
  const progress = run((s) => ({ type: 'RecordProgressUpdate', actionId: action(s, 0), narrative: 'Audit completed Jnue 2009', effectiveAt: '2009-07-01' }));
  run((s) => ({ type: 'ChangeActionStatus', actionId: action(s, 0), to: 'in_progress', reason: 'Audit started' }));
  run((s) => ({ type: 'ReassignAction', actionId: action(s, 1), to: ['Sue Ioannou'], reason: 'New post holder' }));
  run((s) => ({ type: 'SlipTargetDate', actionId: action(s, 0), to: '31 December 2009', reason: 'Awaiting peer audit' }));
  run((s) => ({ type: 'AssessRag', actionId: action(s, 0), rating: 'amber', rationale: 'Slipped' }));
  run((s) => ({ type: 'AttachEvidence', actionId: action(s, 0), name: 'Audit.pdf', mediaType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) }));
  run((s) => ({ type: 'RecordAuditOutcome', subject: { kind: 'action', actionId: action(s, 0) }, effectiveAt: '2009-09-15', auditor: 'QA', rating: 'good', findings: 'Sound' }));
  run((s) => ({ type: 'RecordAuditOutcome', subject: { kind: 'recommendation', recommendationId: s.recommendationOrder[0]! }, effectiveAt: '2009-09-16', auditor: 'QA', rating: 'good', findings: 'Sound' }));
  run((s) => ({ type: 'CompleteAction', actionId: action(s, 0), effectiveAt: '2009-10-01' }));
  run((s) => ({ type: 'ReopenAction', actionId: action(s, 0), reason: 'Gaps found', to: 'in_progress' }));
  run((s) => ({ type: 'CompleteAction', actionId: action(s, 0), effectiveAt: '2009-11-01' }));
  run((s) => ({ type: 'CompleteAction', actionId: action(s, 1), effectiveAt: '2009-11-02' }));
  run((s) => ({ type: 'SignOffRecommendation', recommendationId: s.recommendationOrder[0]!, effectiveAt: '2009-11-03' }));
  run(() => ({ type: 'CorrectEntry', eventId: progress[0]!.eventId, kind: 'amended', amendments: { narrative: 'Audit completed June 2009' }, reason: 'Typo' }));
  run((s) => ({ type: 'RecordProgressUpdate', actionId: action(s, 1), narrative: 'Thresholds agreed', effectiveAt: '2009-12-01' }));
  return events;
}

describe('evolve and foldPlan: folding never touches the state folded from', () => {
  const events = planWithEveryKindOfEntry();

  it('leaves the starting state exactly as it was, whichever entries are folded onto it', () => {
    for (let split = 0; split <= events.length; split++) {
      const before = foldPlan(events.slice(0, split));
      const untouched = structuredClone(before);
      foldPlan(events.slice(split), before);
      expect(before).toEqual(untouched);
    }
  });

  it('gives the same plan folded from a part-way state as folded from the start', () => {
    const whole = foldPlan(events);
    for (let split = 0; split <= events.length; split++) {
      expect(foldPlan(events.slice(split), foldPlan(events.slice(0, split)))).toEqual(whole);
    }
  });

  it('leaves every intermediate state as it was when folding one entry at a time', () => {
    let state = foldPlan([]);
    const seen: { state: PlanState; copy: PlanState }[] = [];
    for (const event of events) {
      seen.push({ state, copy: structuredClone(state) });
      state = evolve(state, event);
    }
    for (const { state: earlier, copy } of seen) expect(earlier).toEqual(copy);
    expect(state).toEqual(foldPlan(events));
  });
});
