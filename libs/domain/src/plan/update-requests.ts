import { own } from '../shared/dictionary.js';
import { formatUkDate } from '../shared/dates.js';
import { addCadence, addDays, readAsAt } from '../rag/rag-calendar.js';
import { DEFAULT_RAG_RULES, type RagRuleSet } from '../rag/rag-rules.js';
import type { UpdateRequestKind } from './plan-events.js';
import type { Action, PlanState } from './plan-state.js';

/** Days ahead of a target date that its action is due an update, when the plan sets none. */
export const DEFAULT_UPDATE_WINDOW_DAYS = 45;

/** One reason an action owes an update, with the date the update is due. */
export interface UpdateRequestReason {
  kind: UpdateRequestKind;
  dueOn: string;
  /** In plain words, with UK dates. */
  text: string;
}

/** What one action owes at an instant: the earliest due reason first. */
export interface UpdateRequest {
  actionId: string;
  ref: string;
  description: string;
  leads: string[];
  /** The earliest due date of its reasons. */
  dueOn: string;
  kind: UpdateRequestKind;
  reason: string;
  reasons: UpdateRequestReason[];
  /** The as-at date of its latest progress update, if any. */
  lastUpdateOn?: string;
  /** For the plan's manager: no update for two cadences, or overdue (target or audit follow-up) with no update since. */
  escalated: boolean;
  escalation?: string;
}

/**
 * What each action of the plan owes at `asAt` (an instant; a date means the end of that day), from the plan as
 * it stood then. Pure: the same plan, instant and window always give the same list. An "update" is a progress
 * update with its as-at date on or before the day (on a plan that requires approval, only accepted ones are in
 * the state). Completed and superseded actions owe nothing. The rules (docs/rag-rules.md, "When an update is due"):
 * - cadence: a recurring or ongoing action owes its next update one cadence after its latest (counted as the RAG
 *   rules count it); it is listed once that date is within the window;
 * - target-window: a target date within the next `windowDays` days, with no update since the window opened;
 * - overdue: a target date passed; due at once with no update since it passed (escalated), else `windowDays`
 *   after the latest update;
 * - audit-follow-up: an audit's follow-up date within the window or passed, with no update since the audit.
 */
export function updateRequestsOf(state: PlanState, asAt: string, rules: RagRuleSet = DEFAULT_RAG_RULES): UpdateRequest[] {
  const day = readAsAt(asAt).date;
  const windowDays = state.updates?.windowDays ?? DEFAULT_UPDATE_WINDOW_DAYS;
  const horizon = addDays(day, windowDays);
  const requests: UpdateRequest[] = [];
  for (const actionId of state.actionOrder) {
    const action = own(state.actions, actionId);
    if (!action) continue;
    const request = requestOf(action, day, horizon, windowDays, rules);
    if (request) requests.push(request);
  }
  return requests.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
}

function requestOf(action: Action, day: string, horizon: string, windowDays: number, rules: RagRuleSet): UpdateRequest | undefined {
  const completedBy = action.status === 'completed' && (!action.completedOn || action.completedOn <= day);
  if (completedBy || action.status === 'superseded') return undefined;
  const latest = latestUpdateOn(action, day);
  const since = latest ? `; the latest progress update is as at ${formatUkDate(latest)}` : '; no progress update is recorded';
  const reasons: UpdateRequestReason[] = [];
  const escalations: string[] = [];
  const target = action.target;
  const recurring = target.kind === 'recurring' || target.kind === 'ongoing' || target.cadence !== undefined;
  const bounded = target.ongoing === false && target.due !== undefined;

  if (recurring && !(bounded && target.due! < day)) {
    const cadence = target.cadence ?? rules.ongoingReviewCadence;
    const firstDue = bounded ? undefined : target.due;
    let next: string;
    if (latest) {
      const after = addCadence(latest, cadence);
      next = firstDue && firstDue > after ? firstDue : after;
    } else if (firstDue) next = firstDue;
    else next = addCadence(action.start?.date ?? action.addedAt.slice(0, 10), cadence);
    if (next <= horizon) {
      reasons.push({ kind: 'cadence', dueOn: next, text: `${cadence.label}: the next update is due by ${formatUkDate(next)}${since}.` });
      if (addCadence(next, cadence) < day) escalations.push(`No update for two ${cadence.label.toLowerCase()} cadences: the one due by ${formatUkDate(next)} and the next have not been recorded.`);
    }
  } else if (target.due) {
    const due = target.due;
    if (due >= day && due <= horizon) {
      const opened = addDays(due, -windowDays);
      if (!latest || latest < opened) reasons.push({ kind: 'target-window', dueOn: due, text: `The target of ${formatUkDate(due)} ("${target.text}") is within ${windowDays} days${since}.` });
    } else if (due < day) {
      if (!latest || latest < due) {
        reasons.push({ kind: 'overdue', dueOn: due, text: `The target of ${formatUkDate(due)} ("${target.text}") has passed with no update since${latest ? ` (the latest is as at ${formatUkDate(latest)})` : ''}.` });
        escalations.push(`Overdue since ${formatUkDate(due)} with no update since.`);
      } else {
        const next = addDays(latest, windowDays);
        reasons.push({ kind: 'overdue', dueOn: next, text: `The target of ${formatUkDate(due)} ("${target.text}") has passed; the latest progress update is as at ${formatUkDate(latest)}, so the next is due by ${formatUkDate(next)}.` });
      }
    }
  }

  const followUp = latestFollowUp(action, day);
  if (followUp && followUp.followUpDue <= horizon && (!latest || latest < followUp.auditDate)) {
    const passed = followUp.followUpDue < day;
    reasons.push({
      kind: 'audit-follow-up',
      dueOn: followUp.followUpDue,
      text: `The audit of ${formatUkDate(followUp.auditDate)} by ${followUp.auditor} asked for a follow-up by ${formatUkDate(followUp.followUpDue)}; no progress update since the audit.`,
    });
    if (passed) escalations.push(`The audit follow-up due by ${formatUkDate(followUp.followUpDue)} has passed with no update since the audit.`);
  }

  if (reasons.length === 0) return undefined;
  reasons.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
  const first = reasons[0]!;
  return {
    actionId: action.id,
    ref: action.ref,
    description: action.description,
    leads: [...action.leads],
    dueOn: first.dueOn,
    kind: first.kind,
    reason: first.text,
    reasons,
    ...(latest ? { lastUpdateOn: latest } : {}),
    escalated: escalations.length > 0,
    ...(escalations.length > 0 ? { escalation: escalations.join(' ') } : {}),
  };
}

/** The latest progress update's as-at date on or before `day`. */
function latestUpdateOn(action: Action, day: string): string | undefined {
  let latest: string | undefined;
  for (const update of action.progress) if (update.asAt <= day && (!latest || update.asAt > latest)) latest = update.asAt;
  return latest;
}

/** The latest audit on or before `day` that asked for a follow-up. */
function latestFollowUp(action: Action, day: string): { auditDate: string; followUpDue: string; auditor: string } | undefined {
  let found: { auditDate: string; followUpDue: string; auditor: string } | undefined;
  for (const audit of action.audits) {
    if (!audit.followUpDue || audit.auditDate > day) continue;
    if (!found || audit.auditDate >= found.auditDate) found = { auditDate: audit.auditDate, followUpDue: audit.followUpDue, auditor: audit.auditor };
  }
  return found;
}

/** The requests grouped by lead (an action with two leads is listed under each), leads in name order. */
export function requestsByLead<T extends { leads: string[] }>(requests: readonly T[]): { lead: string; requests: T[] }[] {
  const byLead = new Map<string, T[]>();
  for (const request of requests) {
    const leads = request.leads.length > 0 ? request.leads : ['(no lead named)'];
    for (const lead of leads) {
      const list = byLead.get(lead) ?? [];
      list.push(request);
      byLead.set(lead, list);
    }
  }
  return [...byLead.entries()].sort(([a], [b]) => a.localeCompare(b, 'en-GB')).map(([lead, list]) => ({ lead, requests: list }));
}
