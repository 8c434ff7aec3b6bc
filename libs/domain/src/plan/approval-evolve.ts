import { dictionary } from '../shared/dictionary.js';
import { effectiveAtOf, type StoredPlanEvent } from './plan-events.js';
import type { PlanState, Submission, SubmissionStatus } from './plan-state.js';

export type ApprovalEvent = Extract<StoredPlanEvent, { type: 'ApprovalRequirementSet' | 'UpdateSubmitted' | 'UpdateAccepted' | 'UpdateRejected' | 'UpdateWithdrawn' }>;

export const APPROVAL_EVENT_TYPES: ReadonlySet<string> = new Set(['ApprovalRequirementSet', 'UpdateSubmitted', 'UpdateAccepted', 'UpdateRejected', 'UpdateWithdrawn']);

/**
 * The approval events' part of the fold, on a draft the caller owns. Submissions never touch the actions:
 * only the entry an acceptance appends beside UpdateAccepted does, so the official record, RAG and as-at
 * views count accepted updates only. A submission is replaced by a new object when its status moves, so
 * copying the array (as cloneState does) is enough.
 */
export function applyApprovalEvent(draft: PlanState, event: ApprovalEvent): void {
  const actor = { id: event.metadata.actor.id, displayName: event.metadata.actor.displayName };
  switch (event.type) {
    case 'ApprovalRequirementSet': {
      const { workstreamId, required } = event.data;
      if (workstreamId === undefined) draft.approval = { ...draft.approval, plan: required };
      else {
        // Built from entries, never by assigning an outside id as a key.
        draft.approval = { ...draft.approval, workstreams: dictionary([...Object.entries(draft.approval.workstreams), [workstreamId, required]]) };
      }
      return;
    }
    case 'UpdateSubmitted': {
      const { submissionId, proposal, resubmits } = event.data;
      draft.submissions.push({
        submissionId,
        eventId: event.eventId,
        actionId: proposal.actionId,
        proposal,
        submittedBy: actor,
        submittedAt: effectiveAtOf(event),
        ...(resubmits ? { resubmits } : {}),
        status: 'pending',
      });
      if (resubmits) replace(draft, resubmits, (s) => ({ ...s, resubmittedAs: submissionId }));
      return;
    }
    case 'UpdateAccepted':
    case 'UpdateRejected':
    case 'UpdateWithdrawn': {
      const status: SubmissionStatus = event.type === 'UpdateAccepted' ? 'accepted' : event.type === 'UpdateRejected' ? 'rejected' : 'withdrawn';
      const appliedEventId = event.type === 'UpdateAccepted' ? event.data.appliedEventId : undefined;
      const reason = event.metadata.reason;
      replace(draft, event.data.submissionId, (s) => ({
        ...s,
        status,
        resolution: { by: actor, at: effectiveAtOf(event), eventId: event.eventId, ...(reason ? { reason } : {}), ...(appliedEventId ? { appliedEventId } : {}) },
      }));
      return;
    }
  }
}

function replace(draft: PlanState, submissionId: string, change: (submission: Submission) => Submission): void {
  const index = draft.submissions.findIndex((s) => s.submissionId === submissionId);
  if (index >= 0) draft.submissions[index] = change(draft.submissions[index]!);
}
