import { foldPlan, IsoDate, IsoInstant, own, pendingAsAt, pendingSubmissions, planStreamName, readablePlanEvents, type Submission } from '#domain';
import type { EventStore } from '#event-store';

/**
 * `ledger approval-queue <planId> [--as-at <instant>] [--json]`: the updates awaiting approval, oldest first,
 * or what was pending at an instant (a date means the end of that day, as everywhere an as-at is read).
 */
export async function approvalQueue(store: EventStore, planId: string, asAt: string | undefined, json: boolean, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const raw = await store.readStream(planStreamName(planId));
  if (raw.length === 0) {
    err(`There is no plan ${planId}.`);
    return 1;
  }
  const state = foldPlan(readablePlanEvents(raw.map((e) => ({ ...e, data: e.data as Record<string, unknown>, metadata: e.metadata as Record<string, unknown> }))));
  let pending: Submission[];
  if (asAt === undefined) pending = pendingSubmissions(state);
  else {
    const instant = IsoDate.safeParse(asAt).success ? `${asAt}T23:59:59.999Z` : IsoInstant.safeParse(asAt).success ? new Date(asAt).toISOString() : undefined;
    if (instant === undefined) {
      err(`--as-at must be a date (YYYY-MM-DD) or an instant, not "${asAt}".`);
      return 2;
    }
    pending = pendingAsAt(state, instant).sort((a, b) => (a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : 0));
  }
  for (const submission of pending) {
    const action = own(state.actions, submission.actionId);
    if (json) out(JSON.stringify({ ...submission, action: action ? { actionId: action.id, ref: action.ref, description: action.description } : null }));
    else out(`${submission.submittedAt}  action ${action?.ref ?? '?'}  ${submission.proposal.type.padEnd(20)} by ${submission.submittedBy.displayName}  (${submission.submissionId})`);
  }
  if (!json && pending.length === 0) out(asAt === undefined ? 'Nothing is awaiting approval.' : `Nothing was awaiting approval at ${asAt}.`);
  return 0;
}
