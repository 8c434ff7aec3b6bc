import type { PlanState, StoredPlanEvent } from '#domain';

/** The action an entry is about, if any (for a correction: the action of the entry it corrects). */
export function actionIdOf(event: StoredPlanEvent, plan: PlanState): string | null {
  if (event.type === 'EntryCorrected') {
    const original = plan.history.find((e) => e.eventId === event.data.correctedEventId);
    return original ? actionIdOf(original, plan) : null;
  }
  if (event.type === 'UpdateSubmitted') return event.data.proposal.actionId;
  if (event.type === 'UpdateAccepted' || event.type === 'UpdateRejected' || event.type === 'UpdateWithdrawn') {
    const submissionId = event.data.submissionId;
    return plan.submissions.find((s) => s.submissionId === submissionId)?.actionId ?? null;
  }
  if (event.type === 'AuditOutcomeRecorded') return event.data.subject.kind === 'action' ? event.data.subject.actionId : null;
  const data = event.data as { actionId?: string };
  return data.actionId ?? null;
}
