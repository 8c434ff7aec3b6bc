import { describe, it } from '@jest/globals';
import { DomainError } from '../shared/domain-error.js';
import type { Target } from '../targets/target.js';
import type { PlanCommand } from './plan-commands.js';
import type { SubmittedProposal } from './plan-events.js';
import { planDecider, planEvent } from '../testing/plan-decider-spec.js';
import { APPROVER, SUBMITTER, approvalDecider } from '../testing/approval-decider-spec.js';

/**
 * Approval of updates, given events → when a command by someone → then exactly these events. Decisions are made
 * at 1 October 2012, 09:00 UTC unless a clock is given; every given event was recorded by Rachel Deakin, so she
 * is the submitter of every given submission and Karen Oellermann the approver.
 */
const TARGET: Target = { text: '30 November 2012', kind: 'date', due: '2012-11-30' };
const planCreated = planEvent('PlanCreated', 'e-plan', { planId: 'plan-1', title: 'Post-inspection action plan 2012-13', organisation: 'Central Bedfordshire Council', organisationId: 'cbc', respondsTo: 'Ofsted 2012' });
const workstream1 = planEvent('WorkstreamAdded', 'e-ws-1', { workstreamId: 'ws-1', number: '1', title: 'Front door' });
const workstream2 = planEvent('WorkstreamAdded', 'e-ws-2', { workstreamId: 'ws-2', number: '2', title: 'Looked after children' });
const action1 = planEvent('ActionAdded', 'e-act-1', { actionId: 'act-1', ref: '1.1', workstreamId: 'ws-1', description: 'Audit every contact at the front door', leads: ['Rachel Deakin'], target: TARGET, dependencies: [] });
const action2 = planEvent('ActionAdded', 'e-act-2', { actionId: 'act-2', ref: '2.1', workstreamId: 'ws-2', description: 'Review every care plan', leads: ['Sue Ioannou'], target: TARGET, dependencies: [] });
const planRequiresApproval = planEvent('ApprovalRequirementSet', 'e-approval', { required: true });
const plan = [planCreated, workstream1, workstream2, action1, action2];
const approvalPlan = [...plan, planRequiresApproval];

const progress: SubmittedProposal = { type: 'RecordProgressUpdate', actionId: 'act-1', effectiveAt: '2012-09-28T00:00:00.000Z', narrative: '212 of 240 contacts audited' };
const submitted = planEvent('UpdateSubmitted', 'e-sub-1', { submissionId: 'sub-1', proposal: progress });
const toInProgress: SubmittedProposal = { type: 'ChangeActionStatus', actionId: 'act-1', effectiveAt: '2012-10-01T09:00:00.000Z', reason: 'Audits started', to: 'in_progress' };
const statusSubmitted = planEvent('UpdateSubmitted', 'e-sub-2', { submissionId: 'sub-2', proposal: toInProgress });
const rejected = planEvent('UpdateRejected', 'e-rej-1', { submissionId: 'sub-1' }, { reason: 'Say which contacts were not audited' });
const withdrawn = planEvent('UpdateWithdrawn', 'e-wd-1', { submissionId: 'sub-1' });

const recordProgress: PlanCommand = { type: 'RecordProgressUpdate', actionId: 'act-1', narrative: '212 of 240 contacts audited', effectiveAt: '2012-09-28' };
const accept = (submissionId = 'sub-1'): PlanCommand => ({ type: 'AcceptUpdate', submissionId });
const OCT_15 = { now: '2012-10-15T14:30:00.000Z' };

describe('approval: the setting', () => {
  it('makes a plan require approval, with who and why', () => {
    approvalDecider
      .given(plan)
      .when({ command: { type: 'SetApprovalRequirement', required: true, reason: 'Agreed at the improvement board' } })
      .then([planEvent('ApprovalRequirementSet', 'id-1', { required: true }, { reason: 'Agreed at the improvement board' })]);
  });

  it('sets a work stream on its own, and refuses an unknown work stream or no change', () => {
    approvalDecider.given(plan).when({ command: { type: 'SetApprovalRequirement', workstreamId: 'ws-2', required: true } }).then([planEvent('ApprovalRequirementSet', 'id-1', { workstreamId: 'ws-2', required: true })]);
    approvalDecider
      .given(plan)
      .when({ command: { type: 'SetApprovalRequirement', workstreamId: 'constructor', required: true } })
      .thenThrows(new DomainError('WORKSTREAM_NOT_FOUND', 'There is no workstream constructor in this plan', [{ path: 'workstreamId', problem: 'is not a workstream of this plan' }]));
    approvalDecider
      .given(approvalPlan)
      .when({ command: { type: 'SetApprovalRequirement', required: true } })
      .thenThrows(new DomainError('NO_CHANGE', 'The plan already requires approval of updates', [{ path: 'required', problem: 'is the current setting' }]));
  });
});

describe('approval: submitting', () => {
  it('applies an update at once on a plan that does not require approval, exactly as before', () => {
    const applied = [planEvent('ProgressUpdateRecorded', 'id-1', { actionId: 'act-1', narrative: '212 of 240 contacts audited', asAt: '2012-09-28' }, { effectiveAt: '2012-09-28T00:00:00.000Z' })];
    planDecider.given(plan).when(recordProgress).then(applied);
    approvalDecider.given([...approvalPlan, planEvent('ApprovalRequirementSet', 'e-off', { required: false })]).when({ command: recordProgress }).then(applied);
  });

  it("submits an editor's progress update on a plan that requires approval, keeping the date it speaks for", () => {
    approvalDecider.given(approvalPlan).when({ command: recordProgress, by: SUBMITTER }).then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: progress })]);
  });

  it('gives an undated update the effective time it would have had if applied now', () => {
    approvalDecider
      .given(approvalPlan)
      .when({ command: { type: 'RecordProgressUpdate', actionId: 'act-1', narrative: 'Audit under way' } })
      .then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: { type: 'RecordProgressUpdate', actionId: 'act-1', effectiveAt: '2012-10-01T00:00:00.000Z', narrative: 'Audit under way' } })]);
    approvalDecider
      .given(approvalPlan)
      .when({ command: { type: 'ChangeActionStatus', actionId: 'act-1', to: 'in_progress', reason: 'Audits started' } })
      .then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: toInProgress })]);
  });

  it('submits a status change, a completion, a reassignment and a target slip', () => {
    const at = '2012-10-01T09:00:00.000Z';
    approvalDecider
      .given(approvalPlan)
      .when({ command: { type: 'CompleteAction', actionId: 'act-1', reason: 'All contacts audited' } })
      .then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: { type: 'ChangeActionStatus', actionId: 'act-1', effectiveAt: at, reason: 'All contacts audited', to: 'completed' } })]);
    approvalDecider
      .given(approvalPlan)
      .when({ command: { type: 'ReassignAction', actionId: 'act-1', to: ['Sue Ioannou'], reason: 'Rachel on leave' } })
      .then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: { type: 'ReassignAction', actionId: 'act-1', effectiveAt: at, reason: 'Rachel on leave', to: ['Sue Ioannou'] } })]);
    approvalDecider
      .given(approvalPlan)
      .when({ command: { type: 'SlipTargetDate', actionId: 'act-1', to: '31 January 2013', reason: 'Awaiting the peer audit' } })
      .then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: { type: 'SlipTargetDate', actionId: 'act-1', effectiveAt: at, reason: 'Awaiting the peer audit', to: '31 January 2013' } })]);
  });

  it('refuses a submission the rules would refuse if it were applied', () => {
    approvalDecider
      .given(approvalPlan)
      .when({ command: { type: 'ReassignAction', actionId: 'act-1', to: ['Rachel Deakin'], reason: 'No change' } })
      .thenThrows(new DomainError('SAME_LEAD', 'Action 1.1 is already led by Rachel Deakin', [{ path: 'to', problem: 'is the same as the current lead' }]));
    approvalDecider.given(approvalPlan).when({ command: { ...recordProgress, actionId: '__proto__' } as PlanCommand }).thenThrows('ACTION_NOT_FOUND');
  });

  it("follows a work stream's own setting over the plan's", () => {
    const direct = planEvent('ProgressUpdateRecorded', 'id-1', { actionId: 'act-1', narrative: '212 of 240 contacts audited', asAt: '2012-09-28' }, { effectiveAt: '2012-09-28T00:00:00.000Z' });
    approvalDecider.given([...approvalPlan, planEvent('ApprovalRequirementSet', 'e-ws-off', { workstreamId: 'ws-1', required: false })]).when({ command: recordProgress }).then([direct]);
    approvalDecider.given([...plan, planEvent('ApprovalRequirementSet', 'e-ws-on', { workstreamId: 'ws-1', required: true })]).when({ command: recordProgress }).then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: progress })]);
    approvalDecider
      .given([...plan, planEvent('ApprovalRequirementSet', 'e-ws-on', { workstreamId: 'ws-1', required: true })])
      .when({ command: { ...recordProgress, actionId: 'act-2' } })
      .then([planEvent('ProgressUpdateRecorded', 'id-1', { actionId: 'act-2', narrative: '212 of 240 contacts audited', asAt: '2012-09-28' }, { effectiveAt: '2012-09-28T00:00:00.000Z' })]);
  });
});

describe('approval: accepting and rejecting', () => {
  it('accepts an update: it takes effect with its own effective date, not the day it was accepted', () => {
    approvalDecider
      .given([...approvalPlan, submitted])
      .when({ command: accept(), by: APPROVER }, OCT_15)
      .then([
        planEvent('UpdateAccepted', 'id-2', { submissionId: 'sub-1', appliedEventId: 'id-1' }),
        planEvent('ProgressUpdateRecorded', 'id-1', { actionId: 'act-1', narrative: '212 of 240 contacts audited', asAt: '2012-09-28' }, { effectiveAt: '2012-09-28T00:00:00.000Z' }),
      ]);
  });

  it('accepts a status change decided on the action as it is when accepted, keeping the reason given', () => {
    approvalDecider
      .given([...approvalPlan, statusSubmitted])
      .when({ command: { type: 'AcceptUpdate', submissionId: 'sub-2', reason: 'Checked with the audit team' }, by: APPROVER }, OCT_15)
      .then([
        planEvent('UpdateAccepted', 'id-2', { submissionId: 'sub-2', appliedEventId: 'id-1' }, { reason: 'Checked with the audit team' }),
        planEvent('ActionStatusChanged', 'id-1', { actionId: 'act-1', from: 'not_started', to: 'in_progress' }, { effectiveAt: '2012-10-01T09:00:00.000Z', reason: 'Audits started' }),
      ]);
    approvalDecider
      .given([...plan, planEvent('ActionStatusChanged', 'e-st', { actionId: 'act-1', from: 'not_started', to: 'in_progress' }), planRequiresApproval, statusSubmitted])
      .when({ command: accept('sub-2'), by: APPROVER })
      .thenThrows(new DomainError('NO_CHANGE', 'Action 1.1 is already in progress'));
  });

  it('refuses the submitter accepting or rejecting their own update', () => {
    approvalDecider
      .given([...approvalPlan, submitted])
      .when({ command: accept(), by: SUBMITTER })
      .thenThrows(new DomainError('SELF_APPROVAL', 'You submitted this update, so someone else must accept it', [{ path: 'submissionId', problem: 'was submitted by you' }]));
    approvalDecider
      .given([...approvalPlan, submitted])
      .when({ command: { type: 'RejectUpdate', submissionId: 'sub-1', reason: 'Changed my mind' }, by: SUBMITTER })
      .thenThrows('SELF_APPROVAL');
  });

  it('refuses a decision by no one known', () => {
    approvalDecider.given([...approvalPlan, submitted]).when({ command: accept() }).thenThrows('ACTOR_REQUIRED');
  });

  it('rejects an update with a reason', () => {
    approvalDecider
      .given([...approvalPlan, submitted])
      .when({ command: { type: 'RejectUpdate', submissionId: 'sub-1', reason: 'Say which contacts were not audited' }, by: APPROVER })
      .then([planEvent('UpdateRejected', 'id-1', { submissionId: 'sub-1' }, { reason: 'Say which contacts were not audited' })]);
  });

  it('refuses to decide an update twice, or one that does not exist', () => {
    approvalDecider
      .given([...approvalPlan, submitted, rejected])
      .when({ command: accept(), by: APPROVER })
      .thenThrows(new DomainError('SUBMISSION_NOT_PENDING', 'That update was rejected by Rachel Deakin', [{ path: 'submissionId', problem: 'is rejected, not pending' }]));
    approvalDecider
      .given([...approvalPlan, submitted])
      .when({ command: accept('constructor'), by: APPROVER })
      .thenThrows(new DomainError('SUBMISSION_NOT_FOUND', 'There is no submitted update constructor in this plan', [{ path: 'submissionId', problem: 'is not a submitted update of this plan' }]));
  });
});

describe('approval: withdrawing and resubmitting', () => {
  it('lets the submitter, and only the submitter, withdraw a pending update', () => {
    approvalDecider.given([...approvalPlan, submitted]).when({ command: { type: 'WithdrawUpdate', submissionId: 'sub-1' }, by: SUBMITTER }).then([planEvent('UpdateWithdrawn', 'id-1', { submissionId: 'sub-1' })]);
    approvalDecider
      .given([...approvalPlan, submitted])
      .when({ command: { type: 'WithdrawUpdate', submissionId: 'sub-1' }, by: APPROVER })
      .thenThrows(new DomainError('NOT_SUBMITTER', 'Only Rachel Deakin, who submitted it, can withdraw or resubmit this update', [{ path: 'submissionId', problem: 'was submitted by someone else' }]));
  });

  it('resubmits a rejected update with the fields changed, naming the one it replaces', () => {
    approvalDecider
      .given([...approvalPlan, submitted, rejected])
      .when({ command: { type: 'ResubmitUpdate', submissionId: 'sub-1', narrative: '212 of 240 audited; the 28 others are out of county' }, by: SUBMITTER })
      .then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: { ...progress, narrative: '212 of 240 audited; the 28 others are out of county' }, resubmits: 'sub-1' })]);
    approvalDecider
      .given([...approvalPlan, submitted, withdrawn])
      .when({ command: { type: 'ResubmitUpdate', submissionId: 'sub-1', effectiveAt: '2012-09-30' }, by: SUBMITTER })
      .then([planEvent('UpdateSubmitted', 'id-2', { submissionId: 'id-1', proposal: { ...progress, effectiveAt: '2012-09-30T00:00:00.000Z' }, resubmits: 'sub-1' })]);
  });

  it('refuses to resubmit a pending update, one resubmitted already, or with fields its kind has not', () => {
    approvalDecider.given([...approvalPlan, submitted]).when({ command: { type: 'ResubmitUpdate', submissionId: 'sub-1' }, by: SUBMITTER }).thenThrows('SUBMISSION_NOT_CLOSED');
    const again = planEvent('UpdateSubmitted', 'e-sub-3', { submissionId: 'sub-3', proposal: progress, resubmits: 'sub-1' });
    approvalDecider.given([...approvalPlan, submitted, rejected, again]).when({ command: { type: 'ResubmitUpdate', submissionId: 'sub-1' }, by: SUBMITTER }).thenThrows('ALREADY_RESUBMITTED');
    approvalDecider
      .given([...approvalPlan, submitted, rejected])
      .when({ command: { type: 'ResubmitUpdate', submissionId: 'sub-1', to: 'completed' }, by: SUBMITTER })
      .thenThrows(new DomainError('INVALID_RESUBMISSION', 'A progress update has no "to"', [{ path: 'to', problem: 'is not a field of a progress update' }]));
    approvalDecider
      .given([...approvalPlan, statusSubmitted, planEvent('UpdateRejected', 'e-rej-2', { submissionId: 'sub-2' }, { reason: 'No' })])
      .when({ command: { type: 'ResubmitUpdate', submissionId: 'sub-2', to: ['Sue Ioannou'] }, by: SUBMITTER })
      .thenThrows('INVALID_RESUBMISSION');
  });

  it('refuses to correct the approval trail', () => {
    approvalDecider
      .given([...approvalPlan, submitted])
      .when({ command: { type: 'CorrectEntry', eventId: 'e-sub-1', kind: 'withdrawn', reason: 'Mistake' }, by: SUBMITTER })
      .thenThrows(new DomainError('NOT_CORRECTABLE', 'A UpdateSubmitted entry cannot be corrected: withdraw, reject or resubmit the update instead'));
  });
});
