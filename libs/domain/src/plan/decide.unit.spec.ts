import { describe, expect, it } from '@jest/globals';
import { decide } from './decide.js';
import { evolve, foldPlan } from './evolve.js';
import type { PlanCommand } from './plan-commands.js';
import { asStored, expectDomainError, given, testContext } from '../testing/plan-decider-spec.js';

const createPlan: PlanCommand = {
  type: 'CreatePlan',
  planId: '018f0000-0000-7000-8000-000000000001',
  title: 'Laming Recommendations 2009 – Response and Action Plan',
  organisation: 'Central Bedfordshire Council',
  respondsTo: 'Lord Laming 2009',
};

function planWithOneAction(extra: Partial<Extract<PlanCommand, { type: 'AddAction' }>> = {}) {
  const ctx = testContext();
  const withRecommendation = given([createPlan, { type: 'AddRecommendation', ref: '6', text: 'Regularly review all points of referral.' }], ctx);
  const recommendationId = withRecommendation.state.recommendationOrder[0]!;
  const { state, events } = given([
    createPlan,
    { type: 'AddRecommendation', ref: '6', text: 'Regularly review all points of referral.' },
    {
      type: 'AddAction',
      ref: '6.1',
      recommendationId,
      description: 'Audit manager to undertake regular specific audits of referrals',
      leads: ['Rachel Deakin', 'Sue Ioannou'],
      priority: 'High Priority',
      startDate: 'May 2009',
      target: 'First audit by June 2009. Thereafter 6 monthly or as required',
      dependencies: [],
      ...extra,
    },
  ], testContext());
  const actionId = state.actionOrder[0]!;
  return { state, ctx, events, actionId, recommendationId };
}

describe('decide: plans and their shape', () => {
  it('creates a plan with the id the caller chose', () => {
    const events = decide(createPlan, foldPlan([]), testContext());
    expect(events).toEqual([expect.objectContaining({ type: 'PlanCreated', data: expect.objectContaining({ planId: createPlan.planId, respondsTo: 'Lord Laming 2009' }) })]);
  });

  it('rejects creating a plan twice', () => {
    const { state } = given([createPlan]);
    expectDomainError(() => decide(createPlan, state, testContext()), 'PLAN_ALREADY_EXISTS');
  });

  it('rejects any other command on a plan that does not exist', () => {
    expectDomainError(() => decide({ type: 'AddWorkstream', number: '1', title: 'Safeguarding' }, foldPlan([]), testContext()), 'PLAN_NOT_FOUND');
  });

  it('keeps the target as written and reads what it can from it', () => {
    const { state, actionId } = planWithOneAction();
    const action = state.actions[actionId]!;
    expect(action.target.text).toBe('First audit by June 2009. Thereafter 6 monthly or as required');
    expect(action.target.due).toBe('2009-06-30');
    expect(action.leads).toEqual(['Rachel Deakin', 'Sue Ioannou']);
    expect(state.recommendations[state.recommendationOrder[0]!]!.actionIds).toEqual([actionId]);
  });

  it('accepts a target before the start date but flags it as a data-quality warning', () => {
    const { state, actionId } = planWithOneAction({ startDate: 'July 2012', target: '30 June 2012' });
    expect(state.actions[actionId]!.warnings).toEqual([expect.objectContaining({ code: 'TARGET_BEFORE_START' })]);
  });

  it('rejects a second workstream with the same number', () => {
    const { state } = given([createPlan, { type: 'AddWorkstream', number: '1', title: 'Safeguarding six month actions' }]);
    expectDomainError(() => decide({ type: 'AddWorkstream', number: '1', title: 'Other' }, state, testContext()), 'DUPLICATE_REFERENCE');
  });

  it('rejects an action under a recommendation that does not exist', () => {
    const { state } = given([createPlan]);
    expectDomainError(
      () => decide({ type: 'AddAction', ref: '1', recommendationId: 'nope', description: 'x', leads: [], target: '', dependencies: [] }, state, testContext()),
      'RECOMMENDATION_NOT_FOUND',
    );
  });
});

describe('decide: what happens to an action', () => {
  it('records a progress update effective on its "as at" date', () => {
    const { state, actionId } = planWithOneAction();
    const [event] = decide({ type: 'RecordProgressUpdate', actionId, narrative: '1st audit completed and reported on June 2009.', effectiveAt: '2009-10-01' }, state, testContext());
    expect(event).toMatchObject({ type: 'ProgressUpdateRecorded', effectiveAt: '2009-10-01T00:00:00.000Z', data: { asAt: '2009-10-01' } });
  });

  it('rejects a progress update for an unknown action', () => {
    const { state } = planWithOneAction();
    expectDomainError(() => decide({ type: 'RecordProgressUpdate', actionId: 'missing', narrative: 'x' }, state, testContext()), 'ACTION_NOT_FOUND');
  });

  it('records a status change with its reason and where it came from', () => {
    const { state, actionId } = planWithOneAction();
    const [event] = decide({ type: 'ChangeActionStatus', actionId, to: 'in_progress', reason: 'Audit started' }, state, testContext());
    expect(event).toMatchObject({ type: 'ActionStatusChanged', reason: 'Audit started', data: { from: 'not_started', to: 'in_progress' } });
  });

  it('turns a status change to completed into a completion', () => {
    const { state, actionId } = planWithOneAction();
    const [event] = decide({ type: 'ChangeActionStatus', actionId, to: 'completed', reason: 'Done' }, state, testContext('2009-07-02T10:00:00Z'));
    expect(event).toMatchObject({ type: 'ActionCompleted', data: { completedOn: '2009-07-02', from: 'not_started' } });
  });

  it('rejects reassignment to the same person, in any order or case', () => {
    const { state, actionId } = planWithOneAction();
    expectDomainError(() => decide({ type: 'ReassignAction', actionId, to: ['sue ioannou', 'Rachel Deakin'], reason: 'x' }, state, testContext()), 'SAME_LEAD');
  });

  it('records a reassignment from the current leads to the new ones', () => {
    const { state, actionId } = planWithOneAction();
    const [event] = decide({ type: 'ReassignAction', actionId, to: ['Catherine Parry'], reason: 'Rachel left the service' }, state, testContext());
    expect(event).toMatchObject({ type: 'ActionReassigned', data: { from: ['Rachel Deakin', 'Sue Ioannou'], to: ['Catherine Parry'] } });
  });

  it('records a target slip from the old target to the new one, both as written', () => {
    const { state, actionId } = planWithOneAction();
    const [event] = decide({ type: 'SlipTargetDate', actionId, to: '31 December 2009', reason: 'Awaiting peer audit' }, state, testContext());
    expect(event).toMatchObject({ type: 'TargetDateSlipped', data: { from: { text: 'First audit by June 2009. Thereafter 6 monthly or as required' }, to: { text: '31 December 2009', due: '2009-12-31' } } });
  });

  it('rejects a target date slip on a completed action', () => {
    const { state, actionId } = planWithOneAction();
    const done = foldPlan(asStored(decide({ type: 'CompleteAction', actionId }, state, testContext()), state.revision + 1), state);
    expectDomainError(() => decide({ type: 'SlipTargetDate', actionId, to: 'Dec 2009', reason: 'x' }, done, testContext()), 'ACTION_COMPLETED');
  });

  it('allows the slip again once the action is reopened', () => {
    const { state, actionId } = planWithOneAction();
    const ctx = testContext();
    let s = foldPlan(asStored(decide({ type: 'CompleteAction', actionId }, state, ctx), state.revision + 1), state);
    s = foldPlan(asStored(decide({ type: 'ReopenAction', actionId, reason: 'Audit found gaps', to: 'in_progress' }, s, ctx), s.revision + 1), s);
    expect(s.actions[actionId]!.status).toBe('in_progress');
    expect(decide({ type: 'SlipTargetDate', actionId, to: 'Dec 2009', reason: 'Gaps found' }, s, ctx)[0]!.type).toBe('TargetDateSlipped');
  });

  it('rejects reopening an action that is not completed', () => {
    const { state, actionId } = planWithOneAction();
    expectDomainError(() => decide({ type: 'ReopenAction', actionId, reason: 'x', to: 'in_progress' }, state, testContext()), 'ACTION_NOT_COMPLETED');
  });

  it('records an audit outcome effective on the audit date', () => {
    const { state, actionId } = planWithOneAction();
    const [event] = decide(
      { type: 'RecordAuditOutcome', subject: { kind: 'action', actionId }, effectiveAt: '2009-06-15', auditor: 'Rachel Deakin', rating: 'requires_improvement', findings: 'Thresholds unclear' },
      state,
      testContext(),
    );
    expect(event).toMatchObject({ type: 'AuditOutcomeRecorded', effectiveAt: '2009-06-15T00:00:00.000Z' });
  });

  it('signs off a recommendation once only', () => {
    const { state, recommendationId } = planWithOneAction();
    const ctx = testContext();
    const signed = foldPlan(asStored(decide({ type: 'SignOffRecommendation', recommendationId }, state, ctx), state.revision + 1), state);
    expect(signed.recommendations[recommendationId]!.signedOff).toBeDefined();
    expectDomainError(() => decide({ type: 'SignOffRecommendation', recommendationId }, signed, ctx), 'RECOMMENDATION_ALREADY_SIGNED_OFF');
  });
});

describe('decide and evolve: corrections', () => {
  function withProgress() {
    const base = planWithOneAction();
    const ctx = testContext(undefined, 'later');
    const progress = asStored(decide({ type: 'RecordProgressUpdate', actionId: base.actionId, narrative: 'Audit completed Jnue 2009', effectiveAt: '2009-10-01' }, base.state, ctx), base.state.revision + 1);
    return { ...base, ctx, progressEventId: progress[0]!.eventId, state: foldPlan(progress, base.state) };
  }

  it('amends a mistaken entry without touching the original', () => {
    const { state, actionId, progressEventId, ctx } = withProgress();
    const correction = decide({ type: 'CorrectEntry', eventId: progressEventId, kind: 'amended', amendments: { narrative: 'Audit completed June 2009' }, reason: 'Typo' }, state, ctx);
    const corrected = foldPlan(asStored(correction, state.revision + 1), state);
    expect(corrected.actions[actionId]!.progress.map((p) => p.narrative)).toEqual(['Audit completed June 2009']);
    expect(corrected.history.find((e) => e.eventId === progressEventId)!.data).toMatchObject({ narrative: 'Audit completed Jnue 2009' });
    expect(corrected.corrections).toEqual([expect.objectContaining({ correctedEventId: progressEventId, kind: 'amended', reason: 'Typo' })]);
  });

  it('withdraws an entry made in error', () => {
    const { state, actionId, progressEventId, ctx } = withProgress();
    const correction = decide({ type: 'CorrectEntry', eventId: progressEventId, kind: 'withdrawn', reason: 'Recorded against the wrong action' }, state, ctx);
    const corrected = evolve(state, asStored(correction, state.revision + 1)[0]!);
    expect(corrected.actions[actionId]!.progress).toEqual([]);
  });

  it('rejects amendments to fields the entry does not have, or to which thing it is about', () => {
    const { state, progressEventId, ctx } = withProgress();
    expectDomainError(() => decide({ type: 'CorrectEntry', eventId: progressEventId, kind: 'amended', amendments: { narative: 'x' }, reason: 'r' }, state, ctx), 'INVALID_CORRECTION');
    expectDomainError(() => decide({ type: 'CorrectEntry', eventId: progressEventId, kind: 'amended', amendments: { actionId: 'other' }, reason: 'r' }, state, ctx), 'INVALID_CORRECTION');
  });

  it('rejects an amendment that would make the entry invalid', () => {
    const { state, progressEventId, ctx } = withProgress();
    expectDomainError(() => decide({ type: 'CorrectEntry', eventId: progressEventId, kind: 'amended', amendments: { asAt: '2009-02-30' }, reason: 'r' }, state, ctx), 'INVALID_CORRECTION');
  });

  it('rejects withdrawing the entry that added an action', () => {
    const { state, events, ctx } = withProgress();
    const added = events.find((e) => e.type === 'ActionAdded')!;
    expectDomainError(() => decide({ type: 'CorrectEntry', eventId: added.eventId, kind: 'withdrawn', reason: 'r' }, state, ctx), 'NOT_CORRECTABLE');
  });

  it('rejects correcting an entry that is not in the plan', () => {
    const { state, ctx } = withProgress();
    expectDomainError(() => decide({ type: 'CorrectEntry', eventId: 'nope', kind: 'withdrawn', reason: 'r' }, state, ctx), 'EVENT_NOT_FOUND');
  });

  it('amends an action target given as words, re-reading them', () => {
    const { state, events, ctx, actionId } = withProgress();
    const added = events.find((e) => e.type === 'ActionAdded')!;
    const correction = decide({ type: 'CorrectEntry', eventId: added.eventId, kind: 'amended', amendments: { target: 'Quarterly' }, reason: 'Misread' }, state, ctx);
    const corrected = foldPlan(asStored(correction, state.revision + 1), state);
    expect(corrected.actions[actionId]!.target).toMatchObject({ text: 'Quarterly', kind: 'recurring' });
  });
});

describe('evolve', () => {
  it('is pure: folding never changes the state it was given', () => {
    const { state, actionId } = planWithOneAction();
    const before = JSON.stringify(state);
    const events = asStored(decide({ type: 'ChangeActionStatus', actionId, to: 'blocked', reason: 'No staff' }, state, testContext()), state.revision + 1);
    const after = evolve(state, events[0]!);
    expect(JSON.stringify(state)).toBe(before);
    expect(after.actions[actionId]!.status).toBe('blocked');
  });

  it('gives the same state event by event as in one fold', () => {
    const { events } = planWithOneAction();
    const stepwise = events.reduce(evolve, foldPlan([]));
    expect(stepwise).toEqual(foldPlan(events));
  });
});

describe('decide: ids that are names every plain object has', () => {
  const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];

  it.each(PROTOTYPE_NAMES)('finds no action, recommendation or workstream called %s', (id) => {
    const { state, ctx } = planWithOneAction();
    expectDomainError(() => decide({ type: 'RecordProgressUpdate', actionId: id, narrative: 'x' }, state, ctx), 'ACTION_NOT_FOUND');
    expectDomainError(() => decide({ type: 'ChangeActionStatus', actionId: id, to: 'blocked', reason: 'x' }, state, ctx), 'ACTION_NOT_FOUND');
    expectDomainError(() => decide({ type: 'SignOffRecommendation', recommendationId: id }, state, ctx), 'RECOMMENDATION_NOT_FOUND');
    expectDomainError(() => decide({ type: 'AddAction', ref: 'x', workstreamId: id, description: 'x', leads: [], target: '', dependencies: [] }, state, ctx), 'WORKSTREAM_NOT_FOUND');
    expectDomainError(() => decide({ type: 'AddAction', ref: 'x', recommendationId: id, description: 'x', leads: [], target: '', dependencies: [] }, state, ctx), 'RECOMMENDATION_NOT_FOUND');
    expectDomainError(
      () => decide({ type: 'RecordAuditOutcome', subject: { kind: 'action', actionId: id }, effectiveAt: '2012-09-01', auditor: 'QA', rating: 'good', findings: 'x' }, state, ctx),
      'ACTION_NOT_FOUND',
    );
  });

  it('keeps the records of a folded plan without a prototype, even after a fold copies them', () => {
    const { state } = planWithOneAction();
    for (const record of [state.actions, state.recommendations, state.workstreams]) expect(Object.getPrototypeOf(record)).toBeNull();
    const again = foldPlan([], state);
    for (const record of [again.actions, again.recommendations, again.workstreams]) expect(Object.getPrototypeOf(record)).toBeNull();
  });
});

describe('decide: one name for the business date (effectiveAt)', () => {
  it('keeps the day a completion, sign-off or audit speaks for in the event, and the instant in effectiveAt', () => {
    const { state, actionId, recommendationId } = planWithOneAction();
    const ctx = testContext('2026-03-01T10:00:00Z');
    const [completed] = decide({ type: 'CompleteAction', actionId, effectiveAt: '2009-12-15T16:30:00+01:00' }, state, ctx);
    expect(completed).toMatchObject({ type: 'ActionCompleted', effectiveAt: '2009-12-15T15:30:00.000Z', data: { completedOn: '2009-12-15' } });
    const [signedOff] = decide({ type: 'SignOffRecommendation', recommendationId, effectiveAt: '2010-01-04' }, state, ctx);
    expect(signedOff).toMatchObject({ type: 'RecommendationSignedOff', effectiveAt: '2010-01-04T00:00:00.000Z', data: { signedOffOn: '2010-01-04' } });
    const subject = { kind: 'action' as const, actionId };
    const [audit] = decide({ type: 'RecordAuditOutcome', subject, effectiveAt: '2009-11-20', auditor: 'Sue Ioannou', rating: 'good', findings: 'Referrals screened' }, state, ctx);
    expect(audit).toMatchObject({ type: 'AuditOutcomeRecorded', effectiveAt: '2009-11-20T00:00:00.000Z', data: { auditDate: '2009-11-20' } });
    const [auditToday] = decide({ type: 'RecordAuditOutcome', subject, auditor: 'Sue Ioannou', rating: 'good', findings: 'Referrals screened' }, state, ctx);
    expect(auditToday).toMatchObject({ data: { auditDate: '2026-03-01' } });
    expect(auditToday).not.toHaveProperty('effectiveAt');
  });

  it('back-dates a reopening, a correction and an evidence file', () => {
    const { state, actionId, events } = planWithOneAction();
    const ctx = testContext('2026-03-01T10:00:00Z');
    const done = foldPlan(asStored(decide({ type: 'CompleteAction', actionId, effectiveAt: '2009-12-15' }, state, ctx), state.revision + 1), state);
    const [reopened] = decide({ type: 'ReopenAction', actionId, reason: 'QA found gaps', to: 'in_progress', effectiveAt: '2010-01-10' }, done, ctx);
    expect(reopened).toMatchObject({ type: 'ActionReopened', effectiveAt: '2010-01-10T00:00:00.000Z' });
    const file = { name: 'Audit report.pdf', mediaType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) };
    const [evidence] = decide({ type: 'AttachEvidence', actionId, ...file, effectiveAt: '2009-12-14' }, state, ctx);
    expect(evidence).toMatchObject({ type: 'EvidenceAttached', effectiveAt: '2009-12-14T00:00:00.000Z', data: file });
    expect(evidence!.data).not.toHaveProperty('effectiveAt');
    const [correction] = decide({ type: 'CorrectEntry', eventId: events.at(-1)!.eventId, kind: 'amended', amendments: { priority: 'Medium' }, reason: 'Typo', effectiveAt: '2009-06-01' }, state, ctx);
    expect(correction).toMatchObject({ type: 'EntryCorrected', effectiveAt: '2009-06-01T00:00:00.000Z' });
  });
});
