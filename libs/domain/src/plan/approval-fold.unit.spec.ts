import { describe, expect, it } from '@jest/globals';
import { asRecorded } from '../event-metadata.js';
import { planRagSummary } from '../rag/rag-rollup.js';
import { testContext } from '../testing/decider-specification.js';
import { APPROVER, SUBMITTER } from '../testing/approval-decider-spec.js';
import { pendingAsAt, pendingSubmissions } from './approval-decide.js';
import { decide } from './decide.js';
import { foldPlan } from './evolve.js';
import type { PlanCommand } from './plan-commands.js';
import type { StoredPlanEvent } from './plan-events.js';
import type { PlanState } from './plan-state.js';

/**
 * What the official record, the RAG and the as-at views count on a plan that requires approval: commands run
 * through the real decide by the person giving them, at the instant given, and folded as the store returns them.
 */
class Ledger {
  state: PlanState = foldPlan([]);
  events: StoredPlanEvent[] = [];
  private n = 0;

  run(command: PlanCommand, by: { id: string; displayName: string }, at: string): StoredPlanEvent[] {
    const base = testContext(at, `e${++this.n}`);
    const decided = decide(command, this.state, { ...base, actor: by });
    const stored = decided.map((event, i) => asRecorded(event, { actor: by, correlationId: `c-${this.n}` }, this.state.revision + 1 + i, at));
    this.state = foldPlan(stored, this.state);
    this.events.push(...stored);
    return stored;
  }
}

const ADMIN = { id: 'sam', displayName: 'Sam Lloyd' };
const PLAN_ID = 'plan-1';

function ofstedPlan(approval: boolean): { ledger: Ledger; actionId: string } {
  const ledger = new Ledger();
  ledger.run({ type: 'CreatePlan', planId: PLAN_ID, title: 'Post-inspection action plan 2012-13', organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted 2012' }, ADMIN, '2012-06-01T09:00:00.000Z');
  const [added] = ledger.run({ type: 'AddAction', ref: '1.1', description: 'Audit every contact at the front door', leads: ['Rachel Deakin'], target: '30 September 2012', dependencies: [] }, ADMIN, '2012-06-01T09:00:00.000Z');
  if (approval) ledger.run({ type: 'SetApprovalRequirement', required: true }, ADMIN, '2012-06-01T09:00:00.000Z');
  return { ledger, actionId: (added!.data as { actionId: string }).actionId };
}

const submissionIdOf = (events: readonly StoredPlanEvent[]): string => (events[0]!.data as { submissionId: string }).submissionId;
const ragOf = (state: PlanState, actionId: string, asAt = '2012-10-20') => planRagSummary(state, asAt).actions[actionId];

describe('approval: what counts', () => {
  it('keeps a pending update out of the official record and the RAG, which change only when it is accepted', () => {
    const { ledger, actionId } = ofstedPlan(true);
    const before = planRagSummary(ledger.state, '2012-10-20');
    const submitted = ledger.run({ type: 'CompleteAction', actionId, effectiveAt: '2012-09-27', reason: 'All contacts audited' }, SUBMITTER, '2012-10-01T09:00:00.000Z');
    expect(ledger.state.actions[actionId]!.status).toBe('not_started');
    expect(planRagSummary(ledger.state, '2012-10-20')).toEqual(before);
    expect(pendingSubmissions(ledger.state).map((s) => s.submissionId)).toEqual([submissionIdOf(submitted)]);

    ledger.run({ type: 'AcceptUpdate', submissionId: submissionIdOf(submitted) }, APPROVER, '2012-10-15T14:30:00.000Z');
    expect(ledger.state.actions[actionId]!).toMatchObject({ status: 'completed', completedOn: '2012-09-27' });
    expect(ragOf(ledger.state, actionId)).not.toEqual(before.actions[actionId]);
    expect(pendingSubmissions(ledger.state)).toEqual([]);
  });

  it('never counts a rejected update: the plan is as if it had not been submitted', () => {
    const plain = ofstedPlan(true);
    const { ledger, actionId } = ofstedPlan(true);
    const submitted = ledger.run({ type: 'RecordProgressUpdate', actionId, narrative: 'All done', effectiveAt: '2012-09-28' }, SUBMITTER, '2012-10-01T09:00:00.000Z');
    ledger.run({ type: 'RejectUpdate', submissionId: submissionIdOf(submitted), reason: 'Say which contacts were audited' }, APPROVER, '2012-10-02T09:00:00.000Z');
    expect(ledger.state.actions[actionId]).toEqual(plain.ledger.state.actions[actionId]);
    expect(planRagSummary(ledger.state, '2012-10-20')).toEqual(planRagSummary(plain.ledger.state, '2012-10-20'));
    expect(ledger.state.submissions[0]).toMatchObject({
      status: 'rejected',
      submittedBy: SUBMITTER,
      resolution: { by: APPROVER, at: '2012-10-02T09:00:00.000Z', reason: 'Say which contacts were audited' },
    });
  });

  it('dates an accepted update by its own effective date, and keeps who submitted and who accepted it', () => {
    const { ledger, actionId } = ofstedPlan(true);
    const submitted = ledger.run({ type: 'RecordProgressUpdate', actionId, narrative: '212 of 240 contacts audited', effectiveAt: '2012-09-28' }, SUBMITTER, '2012-10-01T09:00:00.000Z');
    const [accepted, applied] = ledger.run({ type: 'AcceptUpdate', submissionId: submissionIdOf(submitted) }, APPROVER, '2012-10-15T14:30:00.000Z');
    expect(ledger.state.actions[actionId]!.progress).toEqual([
      { eventId: applied!.eventId, recordedAt: '2012-10-15T14:30:00.000Z', effectiveAt: '2012-09-28T00:00:00.000Z', actor: APPROVER.displayName, narrative: '212 of 240 contacts audited', asAt: '2012-09-28' },
    ]);
    expect(ledger.state.submissions[0]).toMatchObject({ submittedBy: SUBMITTER, status: 'accepted', resolution: { by: APPROVER, eventId: accepted!.eventId, appliedEventId: applied!.eventId } });
    // As at 30 September (what as-at replay folds: every entry effective by then), the accepted note counts.
    const asAt30Sept = foldPlan(ledger.events.filter((e) => (e.metadata.effectiveAt ?? e.recordedAt) <= '2012-09-30T23:59:59.999Z'));
    expect(asAt30Sept.actions[actionId]!.progress.map((p) => p.narrative)).toEqual(['212 of 240 contacts audited']);
  });

  it('says what was pending on a date: submitted by then, not yet decided', () => {
    const { ledger, actionId } = ofstedPlan(true);
    const first = submissionIdOf(ledger.run({ type: 'RecordProgressUpdate', actionId, narrative: 'Audit started' }, SUBMITTER, '2012-10-01T09:00:00.000Z'));
    const second = submissionIdOf(ledger.run({ type: 'SlipTargetDate', actionId, to: '31 December 2012', reason: 'Peer audit' }, SUBMITTER, '2012-10-03T09:00:00.000Z'));
    ledger.run({ type: 'RejectUpdate', submissionId: second, reason: 'Not agreed by the board' }, APPROVER, '2012-10-05T09:00:00.000Z');
    ledger.run({ type: 'AcceptUpdate', submissionId: first }, APPROVER, '2012-10-15T09:00:00.000Z');
    const ids = (instant: string) => pendingAsAt(ledger.state, instant).map((s) => s.submissionId);
    expect(ids('2012-09-30T23:59:59.999Z')).toEqual([]);
    expect(ids('2012-10-04T00:00:00.000Z')).toEqual([first, second]);
    expect(ids('2012-10-10T00:00:00.000Z')).toEqual([first]);
    expect(ids('2012-10-16T00:00:00.000Z')).toEqual([]);
    expect(pendingAsAt(ledger.state, '2012-10-04T00:00:00.000Z').every((s) => s.status === 'pending' && s.resolution === undefined)).toBe(true);
  });

  it("lists an approver's queue oldest first, each with the action it is about", () => {
    const { ledger, actionId } = ofstedPlan(true);
    const first = submissionIdOf(ledger.run({ type: 'RecordProgressUpdate', actionId, narrative: 'Audit started' }, SUBMITTER, '2012-10-01T09:00:00.000Z'));
    const second = submissionIdOf(ledger.run({ type: 'ReassignAction', actionId, to: ['Sue Ioannou'], reason: 'Leave' }, SUBMITTER, '2012-10-02T09:00:00.000Z'));
    expect(pendingSubmissions(ledger.state).map((s) => [s.submissionId, s.actionId])).toEqual([
      [first, actionId],
      [second, actionId],
    ]);
  });

  it('leaves a plan that does not require approval exactly as before: updates apply at once, nothing is pending', () => {
    const { ledger, actionId } = ofstedPlan(false);
    ledger.run({ type: 'CompleteAction', actionId, effectiveAt: '2012-09-27' }, SUBMITTER, '2012-10-01T09:00:00.000Z');
    expect(ledger.events.map((e) => e.type)).toEqual(['PlanCreated', 'ActionAdded', 'ActionCompleted']);
    expect(ledger.state.submissions).toEqual([]);
    expect(ledger.state.actions[actionId]!.status).toBe('completed');
  });
});
