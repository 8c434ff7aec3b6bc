import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepository } from '#application';
import { formatUkDate, IsoDate, IsoInstant, openSubmissionsOf, own, type PlanState, type Submission } from '#domain';
import type { EventStore } from '#event-store';
import { operator, UsageError } from './access-commands.js';

/**
 * `ledger approval accept|reject <submissionId> --plan <planId>` and `ledger submissions <planId> [--by <userId>]`:
 * the approver's decisions and the submitter's own list from the command line, through the same command handler
 * and the same rules as the API (the operator running the CLI is the approver, and cannot decide their own).
 */
type Values = Record<string, string | boolean | undefined>;

const str = (values: Values, key: string): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);

function service(store: EventStore): PlanCommandService {
  return new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
}

function effectiveAtOf(values: Values): string | undefined {
  const text = str(values, 'effective-at');
  if (text === undefined) return undefined;
  if (!IsoDate.safeParse(text).success && !IsoInstant.safeParse(text).success) throw new UsageError(`--effective-at must be a date (YYYY-MM-DD) or an instant, not "${text}"`);
  return text;
}

export const APPROVAL_DECISION_OPTIONS = { plan: { type: 'string' }, reason: { type: 'string' }, 'effective-at': { type: 'string' } } as const;

export async function approvalDecide(decision: 'accept' | 'reject', store: EventStore, submissionId: string, values: Values, out: (line: string) => void, json: boolean): Promise<number> {
  const planId = str(values, 'plan');
  if (!planId) throw new UsageError(`approval ${decision} needs --plan <planId>`);
  const reason = str(values, 'reason');
  if (decision === 'reject' && !reason?.trim()) throw new UsageError('approval reject needs --reason "<why>": the submitter is shown it');
  const effectiveAt = effectiveAtOf(values);
  const command =
    decision === 'accept'
      ? { type: 'AcceptUpdate' as const, submissionId, ...(reason ? { reason } : {}), ...(effectiveAt ? { effectiveAt } : {}) }
      : { type: 'RejectUpdate' as const, submissionId, reason: reason!, ...(effectiveAt ? { effectiveAt } : {}) };
  const result = await service(store).execute(planId, command, { actor: operator(), correlationId: `cli-${uuidv7()}` });
  const submission = result.state.submissions.find((s) => s.submissionId === submissionId);
  if (json) out(JSON.stringify({ planId, submissionId, status: submission?.status, events: result.events.map((e) => e.type), revision: result.revision }));
  else out(decision === 'accept' ? `Accepted ${describe(submission, result.state)}: it now counts.` : `Rejected ${describe(submission, result.state)}: the submitter sees the reason.`);
  return 0;
}

export async function listSubmissions(store: EventStore, planId: string, values: Values, out: (line: string) => void, err: (line: string) => void, json: boolean): Promise<number> {
  const state = await new PlanRepository(store).load(planId);
  if (!state.exists) {
    err(`There is no plan ${planId}.`);
    return 1;
  }
  const by = str(values, 'by');
  const open = by === undefined ? state.submissions.filter((s) => s.status === 'pending' || (s.status === 'rejected' && !s.resubmittedAs)) : openSubmissionsOf(state, by);
  for (const s of open) {
    if (json) out(JSON.stringify({ submissionId: s.submissionId, status: s.status, type: s.proposal.type, actionId: s.actionId, submittedBy: s.submittedBy, submittedAt: s.submittedAt, ...(s.resolution?.reason ? { reason: s.resolution.reason } : {}) }));
    else out(`${formatUkDate(s.submittedAt)}  ${s.status === 'pending' ? 'awaiting approval' : `rejected by ${s.resolution?.by.displayName ?? '?'}: ${s.resolution?.reason ?? ''}`}  ${describe(s, state)}  (${s.submissionId})`);
  }
  if (!json && open.length === 0) out(by === undefined ? 'No submitted update is awaiting approval or rejected.' : `${by} has no submitted update awaiting approval or rejected.`);
  return 0;
}

function describe(submission: Submission | undefined, state: PlanState): string {
  if (!submission) return 'the update';
  const action = own(state.actions, submission.actionId);
  return `${submission.submittedBy.displayName}'s ${submission.proposal.type} on action ${action?.ref ?? submission.actionId}`;
}
