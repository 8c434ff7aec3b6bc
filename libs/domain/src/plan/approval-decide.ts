import { DomainError } from '../shared/domain-error.js';
import { own } from '../shared/dictionary.js';
import type { DecisionContext } from './decide.js';
import type { PlanCommand } from './plan-commands.js';
import { SubmittedProposal, type NewPlanEvent, type PlanEventData, type PlanEventType } from './plan-events.js';
import type { PlanState, Submission } from './plan-state.js';
import { APPROVAL_EVENT_TYPES } from './approval-evolve.js';

export type ApprovalCommand = Extract<PlanCommand, { type: 'SetApprovalRequirement' | 'AcceptUpdate' | 'RejectUpdate' | 'WithdrawUpdate' | 'ResubmitUpdate' }>;
/** The updates an editor makes that, on a plan requiring approval, are submitted rather than applied. */
export type SubmittableCommand = Extract<PlanCommand, { type: 'RecordProgressUpdate' | 'ChangeActionStatus' | 'ReassignAction' | 'SlipTargetDate' | 'CompleteAction' }>;
/** The rules for every other command, applied directly: what an accepted submission is decided by. */
export type DirectDecider = (command: Exclude<PlanCommand, ApprovalCommand>, state: PlanState, ctx: DecisionContext) => NewPlanEvent[];

const APPROVAL_COMMANDS: ReadonlySet<string> = new Set(['SetApprovalRequirement', 'AcceptUpdate', 'RejectUpdate', 'WithdrawUpdate', 'ResubmitUpdate']);
const SUBMITTABLE_COMMANDS: ReadonlySet<string> = new Set(['RecordProgressUpdate', 'ChangeActionStatus', 'ReassignAction', 'SlipTargetDate', 'CompleteAction']);

export function isApprovalCommand(command: PlanCommand): command is ApprovalCommand {
  return APPROVAL_COMMANDS.has(command.type);
}

export function isSubmittableCommand(command: PlanCommand): command is SubmittableCommand {
  return SUBMITTABLE_COMMANDS.has(command.type);
}

/** Whether updates on this action must be accepted: its work stream's own setting if it has one, else the plan's. */
export function actionRequiresApproval(state: PlanState, actionId: string): boolean {
  const action = own(state.actions, actionId);
  if (!action) return false;
  const workstreamSetting = action.workstreamId === undefined ? undefined : own(state.approval.workstreams, action.workstreamId);
  return workstreamSetting ?? state.approval.plan;
}

/**
 * The approval rules, in front of the direct ones: approval commands decided here, an update on an action that
 * requires approval turned into a submission, and everything else passed through untouched, so a plan that
 * requires no approval is decided exactly as before.
 */
export function decideWithApproval(command: PlanCommand, state: PlanState, ctx: DecisionContext, direct: DirectDecider): NewPlanEvent[] {
  if (isApprovalCommand(command)) return decideApprovalCommand(command, state, ctx, direct);
  if (command.type === 'CorrectEntry') {
    const original = state.history.find((e) => e.eventId === command.eventId);
    // The approval trail is the evidence of who agreed what: it is answered by withdrawing or rejecting, not corrected.
    if (original && APPROVAL_EVENT_TYPES.has(original.type)) {
      throw new DomainError('NOT_CORRECTABLE', `A ${original.type} entry cannot be corrected: withdraw, reject or resubmit the update instead`);
    }
  }
  if (isSubmittableCommand(command) && actionRequiresApproval(state, command.actionId)) return [submission(proposalOf(command, state, ctx, direct), undefined, ctx)];
  return direct(command, state, ctx);
}

function decideApprovalCommand(command: ApprovalCommand, state: PlanState, ctx: DecisionContext, direct: DirectDecider): NewPlanEvent[] {
  switch (command.type) {
    case 'SetApprovalRequirement': {
      const { workstreamId, required } = command;
      if (workstreamId !== undefined && !own(state.workstreams, workstreamId)) {
        throw new DomainError('WORKSTREAM_NOT_FOUND', `There is no workstream ${workstreamId} in this plan`, [{ path: 'workstreamId', problem: 'is not a workstream of this plan' }]);
      }
      const current = workstreamId === undefined ? state.approval.plan : own(state.approval.workstreams, workstreamId);
      if (current === required) {
        const where = workstreamId === undefined ? 'The plan' : `Workstream ${own(state.workstreams, workstreamId)!.number}`;
        throw new DomainError('NO_CHANGE', `${where} already ${required ? 'requires' : 'does not require'} approval of updates`, [{ path: 'required', problem: 'is the current setting' }]);
      }
      const data: PlanEventData<'ApprovalRequirementSet'> = workstreamId === undefined ? { required } : { workstreamId, required };
      return [newEvent('ApprovalRequirementSet', data, ctx, { effectiveAt: instantOf(command.effectiveAt), reason: command.reason })];
    }
    case 'AcceptUpdate': {
      const submitted = pendingSubmission(state, command.submissionId);
      const actor = requireActor(ctx);
      if (actor.id === submitted.submittedBy.id) {
        throw new DomainError('SELF_APPROVAL', 'You submitted this update, so someone else must accept it', [{ path: 'submissionId', problem: 'was submitted by you' }]);
      }
      // Decided afresh on the plan as it is now: a status the action has since reached is refused, not applied twice.
      const applied = direct(commandOf(submitted.proposal), state, ctx);
      const appliedEventId = applied[0]!.eventId;
      return [newEvent('UpdateAccepted', { submissionId: submitted.submissionId, appliedEventId }, ctx, { effectiveAt: instantOf(command.effectiveAt), reason: command.reason }), ...applied];
    }
    case 'RejectUpdate': {
      const submitted = pendingSubmission(state, command.submissionId);
      const actor = requireActor(ctx);
      if (actor.id === submitted.submittedBy.id) {
        throw new DomainError('SELF_APPROVAL', 'You submitted this update: withdraw it instead of rejecting it', [{ path: 'submissionId', problem: 'was submitted by you' }]);
      }
      return [newEvent('UpdateRejected', { submissionId: submitted.submissionId }, ctx, { effectiveAt: instantOf(command.effectiveAt), reason: command.reason })];
    }
    case 'WithdrawUpdate': {
      const submitted = pendingSubmission(state, command.submissionId);
      requireSubmitter(submitted, ctx);
      return [newEvent('UpdateWithdrawn', { submissionId: submitted.submissionId }, ctx, { effectiveAt: instantOf(command.effectiveAt), reason: command.reason })];
    }
    case 'ResubmitUpdate': {
      const previous = requireSubmission(state, command.submissionId);
      if (previous.status !== 'rejected' && previous.status !== 'withdrawn') {
        throw new DomainError('SUBMISSION_NOT_CLOSED', `That update is ${previous.status}; only a rejected or withdrawn update can be resubmitted`, [{ path: 'submissionId', problem: `is ${previous.status}` }]);
      }
      if (previous.resubmittedAs) {
        throw new DomainError('ALREADY_RESUBMITTED', `That update was resubmitted as ${previous.resubmittedAs}`, [{ path: 'submissionId', problem: 'was already resubmitted' }]);
      }
      requireSubmitter(previous, ctx);
      const changed = resubmittedProposal(previous.proposal, command);
      // The resubmission must still make sense on the plan as it is now, as a first submission must.
      const proposal = proposalOf(commandOf(changed), state, ctx, direct);
      return [submission(proposal, previous.submissionId, ctx)];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`Unhandled command ${(unreachable as { type: string }).type}`);
    }
  }
}

/**
 * The proposal a submittable command makes: checked by deciding it directly (so a submission the rules would
 * refuse is refused now, with the same error), its effective time the one it would have had if applied now.
 */
function proposalOf(command: SubmittableCommand, state: PlanState, ctx: DecisionContext, direct: DirectDecider): SubmittedProposal {
  const [would] = direct(command, state, { now: ctx.now, newId: () => 'not-drawn' });
  const effectiveAt = would?.effectiveAt ?? ctx.now().toISOString();
  const reason = 'reason' in command && command.reason ? { reason: command.reason } : {};
  const base = { actionId: command.actionId, effectiveAt, ...reason };
  switch (command.type) {
    case 'RecordProgressUpdate':
      return { type: 'RecordProgressUpdate', ...base, narrative: command.narrative };
    case 'ChangeActionStatus':
      return { type: 'ChangeActionStatus', ...base, to: command.to };
    case 'CompleteAction':
      return { type: 'ChangeActionStatus', ...base, to: 'completed' };
    case 'ReassignAction':
      return { type: 'ReassignAction', ...base, to: command.to };
    case 'SlipTargetDate':
      return { type: 'SlipTargetDate', ...base, to: command.to };
  }
}

/** The command an accepted proposal is decided as: with its own effective time, so it counts from then. */
function commandOf(proposal: SubmittedProposal): SubmittableCommand {
  const { effectiveAt, actionId } = proposal;
  switch (proposal.type) {
    case 'RecordProgressUpdate':
      return { type: 'RecordProgressUpdate', actionId, narrative: proposal.narrative, effectiveAt };
    case 'ChangeActionStatus':
      return { type: 'ChangeActionStatus', actionId, to: proposal.to, reason: proposal.reason ?? '', effectiveAt };
    case 'ReassignAction':
      return { type: 'ReassignAction', actionId, to: proposal.to, reason: proposal.reason ?? '', effectiveAt };
    case 'SlipTargetDate':
      return { type: 'SlipTargetDate', actionId, to: proposal.to, reason: proposal.reason ?? '', effectiveAt };
  }
}

function resubmittedProposal(previous: SubmittedProposal, command: Extract<ApprovalCommand, { type: 'ResubmitUpdate' }>): SubmittedProposal {
  if (command.narrative !== undefined && previous.type !== 'RecordProgressUpdate') {
    throw new DomainError('INVALID_RESUBMISSION', 'Only a progress update has a narrative', [{ path: 'narrative', problem: `is not a field of a ${previous.type}` }]);
  }
  if (command.to !== undefined && previous.type === 'RecordProgressUpdate') {
    throw new DomainError('INVALID_RESUBMISSION', 'A progress update has no "to"', [{ path: 'to', problem: 'is not a field of a progress update' }]);
  }
  const merged = {
    ...previous,
    ...(command.narrative !== undefined ? { narrative: command.narrative } : {}),
    ...(command.to !== undefined ? { to: command.to } : {}),
    ...(command.reason ? { reason: command.reason } : {}),
    ...(command.effectiveAt !== undefined ? { effectiveAt: instantOf(command.effectiveAt) } : {}),
  };
  const parsed = SubmittedProposal.safeParse(merged);
  if (!parsed.success) {
    throw new DomainError(
      'INVALID_RESUBMISSION',
      'The resubmitted update would not be valid',
      parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || 'to', problem: issue.message })),
    );
  }
  return parsed.data;
}

function submission(proposal: SubmittedProposal, resubmits: string | undefined, ctx: DecisionContext): NewPlanEvent {
  const submissionId = ctx.newId();
  return newEvent('UpdateSubmitted', { submissionId, proposal, ...(resubmits ? { resubmits } : {}) }, ctx);
}

function requireSubmission(state: PlanState, submissionId: string): Submission {
  const found = state.submissions.find((s) => s.submissionId === submissionId);
  if (!found) throw new DomainError('SUBMISSION_NOT_FOUND', `There is no submitted update ${submissionId} in this plan`, [{ path: 'submissionId', problem: 'is not a submitted update of this plan' }]);
  return found;
}

function pendingSubmission(state: PlanState, submissionId: string): Submission {
  const found = requireSubmission(state, submissionId);
  if (found.status !== 'pending') {
    throw new DomainError('SUBMISSION_NOT_PENDING', `That update was ${found.status} by ${found.resolution?.by.displayName ?? 'someone'}`, [{ path: 'submissionId', problem: `is ${found.status}, not pending` }]);
  }
  return found;
}

function requireActor(ctx: DecisionContext): { id: string; displayName: string } {
  if (!ctx.actor) throw new DomainError('ACTOR_REQUIRED', 'Only a signed-in person can decide on a submitted update');
  return ctx.actor;
}

function requireSubmitter(submitted: Submission, ctx: DecisionContext): void {
  if (requireActor(ctx).id !== submitted.submittedBy.id) {
    throw new DomainError('NOT_SUBMITTER', `Only ${submitted.submittedBy.displayName}, who submitted it, can withdraw or resubmit this update`, [{ path: 'submissionId', problem: 'was submitted by someone else' }]);
  }
}

function newEvent<T extends PlanEventType>(type: T, data: PlanEventData<T>, ctx: DecisionContext, extra: { effectiveAt?: string; reason?: string } = {}): NewPlanEvent {
  const defined = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined && v !== ''));
  return { eventId: ctx.newId(), type, data, ...defined } as NewPlanEvent;
}

function instantOf(effectiveAt: string | undefined): string | undefined {
  if (!effectiveAt) return undefined;
  return effectiveAt.length === 10 ? `${effectiveAt}T00:00:00.000Z` : new Date(effectiveAt).toISOString();
}

/** The updates awaiting a decision, oldest first: an approver's queue. */
export function pendingSubmissions(state: PlanState): Submission[] {
  return state.submissions.filter((s) => s.status === 'pending').sort((a, b) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : 0));
}

/** A submitter's own open updates: pending, or rejected and not yet resubmitted (what they still have to act on). */
export function openSubmissionsOf(state: PlanState, submitterId: string): Submission[] {
  return state.submissions.filter((s) => s.submittedBy.id === submitterId && (s.status === 'pending' || (s.status === 'rejected' && !s.resubmittedAs)));
}

/** What was pending at `instant` (effective time of the submission and of its decision): submitted by then and not yet accepted, rejected or withdrawn. */
export function pendingAsAt(state: PlanState, instant: string): Submission[] {
  return state.submissions.filter((s) => s.submittedAt <= instant && (!s.resolution || s.resolution.at > instant)).map((s) => ({ ...s, status: 'pending' as const, resolution: undefined }));
}
