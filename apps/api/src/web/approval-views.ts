import { actionRequiresApproval, authorisePlan, formatUkDate, own, pendingAsAt, pendingSubmissions, planRagSummary, type AccessState, type Identity, type PlanRagSummary, type PlanState, type RagRuleSet, type Submission, type SubmittedProposal } from '#domain';
import { ragTag } from './plan-page.js';

/**
 * What the approval pages show about a submitted update, in plain words, shaped from the plan state the
 * query bus returns: the action's context, what the update proposes, who submitted it and when, and what
 * became of it. The same shape on the queue, the action page, "my submitted updates" and the plan page.
 */

const STATUS_WORDS = new Map<string, string>([
  ['not_started', 'Not started'],
  ['in_progress', 'In progress'],
  ['completed', 'Completed'],
  ['blocked', 'Blocked'],
  ['awaiting_guidance', 'Awaiting guidance'],
  ['superseded', 'Superseded'],
]);

const KIND_WORDS = new Map<SubmittedProposal['type'], string>([
  ['RecordProgressUpdate', 'Progress update'],
  ['ChangeActionStatus', 'Status change'],
  ['ReassignAction', 'Reassignment'],
  ['SlipTargetDate', 'Target date change'],
]);

const OUTCOME_WORDS = new Map<Submission['status'], string>([
  ['pending', 'Awaiting approval'],
  ['accepted', 'Accepted'],
  ['rejected', 'Rejected'],
  ['withdrawn', 'Withdrawn'],
]);

/** What a submittable command is called in a confirmation: "Progress update submitted for approval". */
export const SUBMITTED_WORDS = new Map<string, string>([
  ['RecordProgressUpdate', 'Progress update'],
  ['ChangeActionStatus', 'Status change'],
  ['CompleteAction', 'Completion'],
  ['ReassignAction', 'Reassignment'],
  ['SlipTargetDate', 'Target date change'],
]);

export function statusWords(status: string): string {
  return STATUS_WORDS.get(status) ?? status;
}

/** The proposal's own words: the new value (or the note), and the reason given. */
export function proposalDetails(proposal: SubmittedProposal): { label: string; text: string }[] {
  const rows: { label: string; text: string }[] = [];
  switch (proposal.type) {
    case 'RecordProgressUpdate':
      rows.push({ label: 'Progress', text: proposal.narrative });
      break;
    case 'ChangeActionStatus':
      rows.push({ label: 'New status', text: statusWords(proposal.to) });
      break;
    case 'ReassignAction':
      rows.push({ label: 'New leads', text: proposal.to.join(', ') });
      break;
    case 'SlipTargetDate':
      rows.push({ label: 'New target', text: proposal.to });
      break;
  }
  if (proposal.reason) rows.push({ label: 'Reason', text: proposal.reason });
  return rows;
}

/** `ratings`: the plan's RAG summary now, computed once for a page of submissions. */
export function submissionView(submission: Submission, state: PlanState, ratings: PlanRagSummary) {
  const action = own(state.actions, submission.actionId);
  const rag = action ? own(ratings.actions, action.id) : undefined;
  return {
    submissionId: submission.submissionId,
    eventId: submission.eventId,
    planId: state.id,
    planTitle: state.title,
    action: action
      ? {
          id: action.id,
          ref: action.ref,
          description: action.description,
          leads: action.leads.join(', ') || 'None named',
          status: statusWords(action.status),
          rag: rag ? ragTag(rag.rating, rag.completed) : undefined,
        }
      : undefined,
    kind: KIND_WORDS.get(submission.proposal.type) ?? submission.proposal.type,
    type: submission.proposal.type,
    details: proposalDetails(submission.proposal),
    submittedBy: submission.submittedBy,
    submittedAt: submission.submittedAt,
    effectiveAt: submission.proposal.effectiveAt,
    status: submission.status,
    statusText: OUTCOME_WORDS.get(submission.status) ?? submission.status,
    resubmitted: Boolean(submission.resubmits),
    resolution: submission.resolution ? { by: submission.resolution.by.displayName, at: submission.resolution.at, reason: submission.resolution.reason } : undefined,
  };
}

export type SubmissionView = ReturnType<typeof submissionView>;

/**
 * Whether this person sees what is pending on the plan: its editors and approvers do (they write and decide
 * it), an inspector or regulator never does, since a pending update is not yet the council's word. The
 * same authorisePlan call the access guard makes for the posts that write and decide them.
 */
export function seesPending(identity: Identity | undefined, access: AccessState, state: PlanState, now: string): { record: boolean; approve: boolean } {
  if (!identity) return { record: false, approve: false };
  const may = (permission: 'action.record' | 'update.approve') => authorisePlan(identity, access, { organisationId: state.organisationId, planId: state.id }, permission, now).outcome === 'allowed';
  return { record: may('action.record'), approve: may('update.approve') };
}

/** The plan page's panel: what awaits approval now, or (as at an instant) what was pending then; null for those who may not see it. */
export function planPendingPanel(identity: Identity | undefined, access: AccessState, current: PlanState, rules: RagRuleSet, asAt: string | undefined) {
  const now = new Date().toISOString();
  const sees = seesPending(identity, access, current, now);
  const allows = (permission: 'plan.shape' | 'update.request') => identity !== undefined && authorisePlan(identity, access, { organisationId: current.organisationId, planId: current.id }, permission, now).outcome === 'allowed';
  const canShape = allows('plan.shape');
  const canRequest = allows('update.request');
  if (!sees.record && !sees.approve) return null;
  const pending = asAt === undefined ? pendingSubmissions(current) : pendingAsAt(current, asAt).sort((a, b) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : 0));
  // The plan page is read often and its rendering is kept fast: the roll-up is computed only when something is pending.
  const ratings = pending.length > 0 ? planRagSummary(current, now, rules) : undefined;
  return {
    asAt,
    required: current.approval.plan || Object.values(current.approval.workstreams).some(Boolean),
    submissions: ratings ? pending.map((s) => submissionView(s, current, ratings)) : [],
    awaiting: new Set(pending.map((s) => s.actionId)),
    canApprove: sees.approve,
    canShape,
    canRequest,
  };
}

/** Marks each action row of the plan page's layout that has an update awaiting approval (for the row's tag). */
type Rows = { actions: { id: string; awaitingApproval?: boolean }[] };
export function markAwaiting(layout: { workstreams: (Rows & { recommendations: Rows[] })[]; outside: Rows & { recommendations: Rows[] } }, awaiting: ReadonlySet<string>): void {
  const mark = (rows: { id: string; awaitingApproval?: boolean }[]) => {
    for (const row of rows) if (awaiting.has(row.id)) row.awaitingApproval = true;
  };
  for (const ws of layout.workstreams) {
    mark(ws.actions);
    for (const rec of ws.recommendations) mark(rec.actions);
  }
  for (const rec of layout.outside.recommendations) mark(rec.actions);
  mark(layout.outside.actions);
}

/** Whether the action's updates are submitted for approval, for the action page's note. */
export function approvalRequiredOn(state: PlanState, actionId: string): boolean {
  return actionRequiresApproval(state, actionId);
}

/**
 * The audit log's line about the approval trail an entry belongs to: who submitted it and who decided it,
 * so every entry an approval touched names both people.
 */
export function approvalNote(eventId: string, type: string, state: PlanState | null | undefined): string | undefined {
  if (!state) return undefined;
  const when = (at: string) => formatUkDate(at);
  if (type === 'UpdateSubmitted') {
    const s = state.submissions.find((x) => x.eventId === eventId);
    if (!s) return undefined;
    if (!s.resolution) return `Submitted by ${s.submittedBy.displayName}; awaiting approval`;
    return `Submitted by ${s.submittedBy.displayName}; ${s.status} by ${s.resolution.by.displayName} on ${when(s.resolution.at)}`;
  }
  if (type === 'UpdateAccepted' || type === 'UpdateRejected' || type === 'UpdateWithdrawn') {
    const s = state.submissions.find((x) => x.resolution?.eventId === eventId);
    if (!s) return undefined;
    const action = own(state.actions, s.actionId);
    const what = `${KIND_WORDS.get(s.proposal.type) ?? s.proposal.type}${action ? ` on action ${action.ref}` : ''}`;
    return `${what}, submitted by ${s.submittedBy.displayName} on ${when(s.submittedAt)}; ${s.status} by ${s.resolution!.by.displayName}`;
  }
  const applied = state.submissions.find((x) => x.resolution?.appliedEventId === eventId);
  if (applied) return `Submitted by ${applied.submittedBy.displayName} on ${when(applied.submittedAt)}; accepted by ${applied.resolution!.by.displayName} on ${when(applied.resolution!.at)}`;
  return undefined;
}

/** The eventIds of the UpdateSubmitted entries still pending: marked on the timeline, or left out for those who may not see them. */
export function pendingEventIds(state: PlanState): Set<string> {
  return new Set(state.submissions.filter((s) => s.status === 'pending').map((s) => s.eventId));
}

/** The action page's approval panel: whether its updates need approval and what awaits a decision; null for inspectors and regulators. */
export function actionApprovalPanel(identity: Identity | undefined, access: AccessState, state: PlanState, actionId: string, ratings: PlanRagSummary, now: string) {
  const sees = seesPending(identity, access, state, now);
  if (!sees.record && !sees.approve) return null;
  const me = identity?.userId;
  const pending = pendingSubmissions(state).filter((s) => s.actionId === actionId);
  return {
    required: actionRequiresApproval(state, actionId),
    canApprove: sees.approve,
    canRecord: sees.record,
    submissions: pending.map((s) => ({ ...submissionView(s, state, ratings), mine: s.submittedBy.id === me })),
  };
}
