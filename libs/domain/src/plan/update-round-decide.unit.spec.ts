import { describe, expect, it } from '@jest/globals';
import { foldPlan } from './evolve.js';
import { roundReturns } from './update-round-decide.js';
import { DomainError } from '../shared/domain-error.js';
import { parseTarget } from '../targets/fuzzy-target.js';
import type { PlanCommand } from './plan-commands.js';
import type { UpdateRoundRequest } from './plan-events.js';
import { planDecider, planEvent, recorded } from '../testing/plan-decider-spec.js';
import { APPROVER, approvalDecider } from '../testing/approval-decider-spec.js';

/**
 * Asking for updates, given events → when a command → then exactly these events. Decisions are made at
 * 1 October 2012, 09:00 UTC, the instant every given event was recorded: an update recorded with the round's
 * opening counts as received.
 */
const planCreated = planEvent('PlanCreated', 'e-plan', { planId: 'plan-1', title: 'Post-inspection action plan 2012-13', organisation: 'Central Bedfordshire Council', organisationId: 'cbc', respondsTo: 'Ofsted 2012' });
const overdue = planEvent('ActionAdded', 'e-a1', { actionId: 'a1', ref: '1.1', description: 'Chronology guidance', leads: ['Audit Manager'], target: parseTarget('30 September 2012'), dependencies: [] });
const dueSoon = planEvent('ActionAdded', 'e-a2', { actionId: 'a2', ref: '1.2', description: 'Supervision survey', leads: ['Head of QA'], target: parseTarget('31 October 2012'), dependencies: [] });
const farOff = planEvent('ActionAdded', 'e-a3', { actionId: 'a3', ref: '1.3', description: 'Training programme', leads: ['Head of QA'], target: parseTarget('31 March 2013'), dependencies: [] });
const plan = [planCreated, overdue, dueSoon, farOff];

const askA1: UpdateRoundRequest = { actionId: 'a1', leads: ['Audit Manager'], kind: 'overdue', dueOn: '2012-09-30', reason: 'The target of 30 Sep 2012 ("30 September 2012") has passed with no update since.' };
const askA2: UpdateRoundRequest = { actionId: 'a2', leads: ['Head of QA'], kind: 'target-window', dueOn: '2012-10-31', reason: 'The target of 31 Oct 2012 ("31 October 2012") is within 45 days; no progress update is recorded.' };
const opened = planEvent('UpdateRoundOpened', 'e-round', { roundId: 'round-1', title: 'October 2012 monitoring', dueBy: '2012-11-10', requests: [askA1, askA2] }, { reason: 'Monthly board' });
const open: PlanCommand = { type: 'OpenUpdateRound', title: 'October 2012 monitoring', dueBy: '2012-11-10', reason: 'Monthly board' };
const close: PlanCommand = { type: 'CloseUpdateRound', roundId: 'round-1' };
const progressOnA2 = planEvent('ProgressUpdateRecorded', 'e-p2', { actionId: 'a2', narrative: 'Survey sent to all teams', asAt: '2012-10-01' }, { effectiveAt: '2012-10-01T00:00:00.000Z' });

describe('update rounds: opening', () => {
  it('asks every lead with an action due an update, recording who was asked for what and why', () => {
    planDecider.given(plan).when(open).then([planEvent('UpdateRoundOpened', 'id-2', { roundId: 'id-1', title: 'October 2012 monitoring', dueBy: '2012-11-10', requests: [askA1, askA2] }, { reason: 'Monthly board' })]);
  });

  it('refuses a round when nothing is due, or one due before the day it opens', () => {
    planDecider.given([planCreated, farOff]).when(open).thenThrows(new DomainError('NOTHING_DUE', 'No action of this plan is due an update, so there is no one to ask'));
    planDecider.given(plan).when({ ...open, dueBy: '2012-09-30' } as PlanCommand).thenThrows(new DomainError('VALIDATION_FAILED', 'A round cannot be due before the day it opens', [{ path: 'dueBy', problem: 'is before today' }]));
  });
});

describe('update rounds: closing', () => {
  it('lists what was not received: the requested actions with no update since the round opened', () => {
    planDecider.given([...plan, opened, progressOnA2]).when(close).then([planEvent('UpdateRoundClosed', 'id-1', { roundId: 'round-1', received: ['a2'], missing: [askA1] })]);
  });

  it('does not count an update recorded before the round opened', () => {
    const before = recorded([...plan, progressOnA2], 0, '2012-09-30T09:00:00.000Z');
    const state = foldPlan([...before, ...recorded([opened], before.length, '2012-10-01T09:00:00.000Z')]);
    expect(roundReturns(state, state.updates.rounds[0]!)).toEqual({ received: [], missing: [askA1, askA2] });
  });

  const approvalOn = planEvent('ApprovalRequirementSet', 'e-approval', { required: true });
  const submitted = planEvent('UpdateSubmitted', 'e-sub', { submissionId: 'sub-1', proposal: { type: 'RecordProgressUpdate', actionId: 'a1', effectiveAt: '2012-10-01T00:00:00.000Z', narrative: 'Guidance drafted' } });

  it('counts a submitted update still awaiting approval as received', () => {
    approvalDecider.given([...plan, approvalOn, opened, submitted]).when({ command: close, by: APPROVER }).then([planEvent('UpdateRoundClosed', 'id-1', { roundId: 'round-1', received: ['a1'], missing: [askA2] })]);
  });

  it('never counts a rejected update: the action is still missing', () => {
    const rejected = planEvent('UpdateRejected', 'e-rej', { submissionId: 'sub-1' }, { reason: 'Say which teams' });
    approvalDecider.given([...plan, approvalOn, opened, submitted, rejected]).when({ command: close, by: APPROVER }).then([planEvent('UpdateRoundClosed', 'id-1', { roundId: 'round-1', received: [], missing: [askA1, askA2] })]);
  });

  it('refuses to close a round twice, or a round that is not one of the plan', () => {
    const closed = planEvent('UpdateRoundClosed', 'e-closed', { roundId: 'round-1', received: [], missing: [askA1, askA2] });
    planDecider.given([...plan, opened, closed]).when(close).thenThrows(new DomainError('ROUND_CLOSED', 'The round "October 2012 monitoring" was closed by Rachel Deakin', [{ path: 'roundId', problem: 'is already closed' }]));
    for (const roundId of ['constructor', '__proto__', 'toString']) {
      planDecider.given([...plan, opened]).when({ type: 'CloseUpdateRound', roundId }).thenThrows(new DomainError('ROUND_NOT_FOUND', `There is no update round ${roundId} in this plan`, [{ path: 'roundId', problem: 'is not an update round of this plan' }]));
    }
  });

  it('refuses to correct a round: who was asked for what is evidence as it happened', () => {
    planDecider.given([...plan, opened]).when({ type: 'CorrectEntry', eventId: 'e-round', kind: 'withdrawn', reason: 'Sent in error' }).thenThrows(new DomainError('NOT_CORRECTABLE', 'A UpdateRoundOpened entry cannot be corrected'));
  });
});

describe('update window and lead contacts', () => {
  it("sets the plan's window, and refuses no change", () => {
    planDecider.given(plan).when({ type: 'SetUpdateWindow', days: 60, reason: 'Quarterly boards' }).then([planEvent('UpdateWindowSet', 'id-1', { days: 60 }, { reason: 'Quarterly boards' })]);
    planDecider.given([...plan, planEvent('UpdateWindowSet', 'e-w', { days: 60 })]).when({ type: 'SetUpdateWindow', days: 60 }).thenThrows('NO_CHANGE');
  });

  it('names the person for a lead of the plan, and refuses a lead no action has', () => {
    const contact = { lead: 'Audit Manager', userId: 'sue.ioannou', displayName: 'Sue Ioannou', email: 'sue.ioannou@centralbedfordshire.gov.uk' };
    planDecider.given(plan).when({ type: 'SetLeadContact', ...contact }).then([planEvent('LeadContactSet', 'id-1', contact)]);
    planDecider.given(plan).when({ type: 'SetLeadContact', ...contact, lead: 'constructor' }).thenThrows(new DomainError('LEAD_NOT_FOUND', 'No action of this plan is led by "constructor"', [{ path: 'lead', problem: 'leads no action of this plan' }]));
    planDecider.given([...plan, planEvent('LeadContactSet', 'e-c', contact)]).when({ type: 'SetLeadContact', ...contact }).thenThrows('NO_CHANGE');
  });
});

describe('reminders', () => {
  const sent = { reminderId: 'rem-1', userId: 'sue.ioannou', email: 'sue.ioannou@centralbedfordshire.gov.uk', day: '2012-10-01', actionIds: ['a1'] };
  it('records a reminder sent, and at most one per person per day', () => {
    planDecider.given(plan).when({ type: 'RecordReminderSent', ...sent }).then([planEvent('ReminderSent', 'id-1', sent)]);
    planDecider.given([...plan, planEvent('ReminderSent', 'e-r', sent)]).when({ type: 'RecordReminderSent', ...sent, reminderId: 'rem-2' }).thenThrows('ALREADY_REMINDED');
    planDecider.given([...plan, planEvent('ReminderSent', 'e-r', sent)]).when({ type: 'RecordReminderSent', ...sent, reminderId: 'rem-2', day: '2012-10-02' }).then([planEvent('ReminderSent', 'id-1', { ...sent, reminderId: 'rem-2', day: '2012-10-02' })]);
  });

  it('records a failed delivery, which does not count as the day\'s reminder', () => {
    const failed = planEvent('ReminderFailed', 'e-f', { ...sent, error: '421 try again later' });
    planDecider.given(plan).when({ type: 'RecordReminderFailed', ...sent, error: '421 try again later' }).then([planEvent('ReminderFailed', 'id-1', { ...sent, error: '421 try again later' })]);
    planDecider.given([...plan, failed]).when({ type: 'RecordReminderSent', ...sent, reminderId: 'rem-2' }).then([planEvent('ReminderSent', 'id-1', { ...sent, reminderId: 'rem-2' })]);
  });

  it('refuses a reminder naming an action the plan does not have', () => {
    planDecider.given(plan).when({ type: 'RecordReminderSent', ...sent, actionIds: ['a1', '__proto__'] }).thenThrows(new DomainError('ACTION_NOT_FOUND', 'There is no action __proto__ in this plan', [{ path: 'actionIds.1', problem: 'is not an action of this plan' }]));
  });
});

