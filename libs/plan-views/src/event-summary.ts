import { formatUkDate, own, type PlanState, type StoredPlanEvent, type Target } from '#domain';

/** How the summary finds the references ("6.3", "19(b)") of the things an event names. */
export interface PlanReferences {
  actionRef(actionId: string): string | undefined;
  recommendationRef(recommendationId: string): string | undefined;
}

export function referencesOf(plan: Pick<PlanState, 'actions' | 'recommendations'>): PlanReferences {
  return { actionRef: (id) => own(plan.actions, id)?.ref, recommendationRef: (id) => own(plan.recommendations, id)?.ref };
}

/**
 * One line a person reads in the audit log, in plain words:
 * "Target date for action 6.3 moved from 30 Sep 2012 to 31 Dec 2012 by Rachel Deakin: awaiting peer audit".
 * `refs` are the references as they stood when the event was recorded.
 */
export function summariseEvent(event: StoredPlanEvent, refs: PlanReferences): string {
  const by = event.metadata.actor.displayName;
  const why = event.metadata.reason ? `: ${event.metadata.reason}` : '';
  const action = (id: string) => `action ${refs.actionRef(id) ?? '(unknown)'}`;
  const recommendation = (id: string) => `recommendation ${refs.recommendationRef(id) ?? '(unknown)'}`;
  switch (event.type) {
    case 'PlanCreated':
      return `Plan "${event.data.title}" created for ${event.data.organisation} by ${by}, responding to ${event.data.respondsTo}${why}`;
    case 'WorkstreamAdded':
      return `Workstream ${event.data.number} "${event.data.title}" added by ${by}${why}`;
    case 'RecommendationAdded':
      return `Recommendation ${event.data.ref} added by ${by}${why}`;
    case 'ActionAdded':
      return `Action ${event.data.ref} added by ${by}, led by ${leads(event.data.leads)}, target ${targetWords(event.data.target)}${why}`;
    case 'ProgressUpdateRecorded':
      return `Progress on ${action(event.data.actionId)} as at ${formatUkDate(event.data.asAt)} recorded by ${by}: "${clip(event.data.narrative)}"`;
    case 'ActionStatusChanged':
      return `Status of ${action(event.data.actionId)} changed from ${statusWords(event.data.from)} to ${statusWords(event.data.to)} by ${by}${why}`;
    case 'ActionReassigned':
      return `Lead for ${action(event.data.actionId)} changed from ${leads(event.data.from)} to ${leads(event.data.to)} by ${by}${why}`;
    case 'TargetDateSlipped':
      return `Target date for ${action(event.data.actionId)} moved from ${targetWords(event.data.from)} to ${targetWords(event.data.to)} by ${by}${why}`;
    case 'RagAssessed':
      return `${capitalise(event.data.rating)} RAG rating given to ${action(event.data.actionId)} by ${by}: ${clip(event.data.rationale)}`;
    case 'EvidenceAttached':
      return `Evidence "${event.data.name}" (${sizeWords(event.data.size)}) attached to ${action(event.data.actionId)} by ${by}${why}`;
    case 'AuditOutcomeRecorded': {
      const subject = event.data.subject.kind === 'action' ? action(event.data.subject.actionId) : recommendation(event.data.subject.recommendationId);
      const followUp = event.data.followUpDue ? `; follow-up due ${formatUkDate(event.data.followUpDue)}` : '';
      return `Audit of ${subject} on ${formatUkDate(event.data.auditDate)} by ${event.data.auditor} rated ${statusWords(event.data.rating)}${followUp} (recorded by ${by})`;
    }
    case 'ActionCompleted':
      return `${capitalise(action(event.data.actionId))} marked completed on ${formatUkDate(event.data.completedOn)} by ${by}${why}`;
    case 'ActionReopened':
      return `${capitalise(action(event.data.actionId))} reopened (now ${statusWords(event.data.to)}) by ${by}${why}`;
    case 'RecommendationSignedOff':
      return `${capitalise(recommendation(event.data.recommendationId))} signed off on ${formatUkDate(event.data.signedOffOn)} by ${by}${why}`;
    case 'EntryCorrected': {
      const what = event.data.kind === 'withdrawn' ? 'withdrawn' : `amended (${Object.keys(event.data.amendments ?? {}).join(', ')})`;
      return `An earlier ${entryWords(event.data.correctedEventType)} entry was ${what} by ${by}${why}`;
    }
    case 'EventVoided':
      return `Entry at revision ${event.data.voidedRevision} (${event.data.voidedEventType}) voided by ${by}${why}`;
    case 'ApprovalRequirementSet': {
      const where = event.data.workstreamId === undefined ? 'the plan' : `a workstream`;
      return `Approval of updates ${event.data.required ? 'required' : 'no longer required'} on ${where} by ${by}${why}`;
    }
    case 'UpdateSubmitted': {
      const proposal = event.data.proposal;
      const what = proposal.type === 'RecordProgressUpdate' ? 'progress update' : proposal.type === 'ChangeActionStatus' ? `status change to ${statusWords(proposal.to)}` : proposal.type === 'ReassignAction' ? `reassignment to ${leads(proposal.to)}` : `target change to "${proposal.to}"`;
      return `${capitalise(what)} on ${action(proposal.actionId)} submitted for approval by ${by}${event.data.resubmits ? ' (resubmitted)' : ''}`;
    }
    case 'UpdateAccepted':
      return `Submitted update ${event.data.submissionId} accepted by ${by}${why}`;
    case 'UpdateRejected':
      return `Submitted update ${event.data.submissionId} rejected by ${by}${why}`;
    case 'UpdateWithdrawn':
      return `Submitted update ${event.data.submissionId} withdrawn by ${by}${why}`;
    case 'UpdateWindowSet':
      return `Update window set to ${event.data.days} days ahead of a target by ${by}${why}`;
    case 'LeadContactSet':
      return `${event.data.displayName} (${event.data.email}) named by ${by} as the contact for the lead "${event.data.lead}"${why}`;
    case 'UpdateRoundOpened': {
      const asked = new Set(event.data.requests.flatMap((r) => r.leads));
      return `Update round "${event.data.title}" opened by ${by}, due by ${formatUkDate(event.data.dueBy)}: ${event.data.requests.length} ${event.data.requests.length === 1 ? 'action' : 'actions'} asked of ${asked.size} ${asked.size === 1 ? 'lead' : 'leads'}${why}`;
    }
    case 'UpdateRoundClosed':
      return `Update round ${event.data.roundId} closed by ${by}: ${event.data.received.length} received, ${event.data.missing.length} not received${event.data.missing.length ? ` (${event.data.missing.map((m) => action(m.actionId)).join(', ')})` : ''}${why}`;
    case 'ReminderSent':
      return `Reminder for ${event.data.actionIds.length} ${event.data.actionIds.length === 1 ? 'action' : 'actions'} sent to ${event.data.email} for ${formatUkDate(event.data.day)}`;
    case 'ReminderFailed':
      return `Reminder to ${event.data.email} for ${formatUkDate(event.data.day)} could not be delivered (to be tried again): ${clip(event.data.error)}`;
    default: {
      const unreachable: never = event;
      return `Entry ${(unreachable as StoredPlanEvent).type}`;
    }
  }
}

export function targetWords(target: Target): string {
  if (target.due && (target.kind === 'date' || target.kind === 'month')) return formatUkDate(target.due);
  return target.text ? `"${target.text}"` : 'none set';
}

export function statusWords(status: string): string {
  return status.replace(/_/g, ' ');
}

function leads(names: readonly string[]): string {
  return names.length === 0 ? 'nobody' : names.join(', ');
}

function entryWords(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The text on one line (each run of white space one space), cut to `max` characters with an ellipsis. */
export function clip(text: string, max = 140): string {
  // Notes run to 20,000 characters and every entry's summary clips one (a rebuild writes them all): flatten a head
  // long enough instead of the whole. Flattening only shortens, and the whole text's flat form begins with its
  // head's (a run of white space across the cut is one space either way), so when the flat head is longer than
  // max + 1 the clip is in it; a head that is mostly white space falls through to the whole.
  if (text.length > 4 * max) {
    const head = text.slice(0, 4 * max).replace(/\s+/g, ' ').trimStart();
    if (head.length > max + 1) return `${head.slice(0, max - 1)}…`;
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function sizeWords(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
