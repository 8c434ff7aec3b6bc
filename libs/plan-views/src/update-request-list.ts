import { DEFAULT_RAG_RULES, DEFAULT_UPDATE_WINDOW_DAYS, own, requestsByLead, roundReturns, updateRequestsOf, type PlanState, type RagRuleSet, type UpdateRequest, type UpdateRound, type UpdateRoundRequest } from '#domain';

/** One action's request as the API, the CLI and the reminders show it: with its plan and the action's page. */
export interface UpdateRequestView extends UpdateRequest {
  planId: string;
  planTitle: string;
  /** The action's page in the web service (relative: the mail prefixes the configured base URL). */
  link: string;
}

export interface UpdateRequestFilters {
  lead?: string;
  escalated?: boolean;
  /** Only actions led by a lead whose named contact (LeadContactSet) is this person: "my actions due an update". */
  contactUserId?: string;
}

export interface UpdateRequestList {
  asAt: string;
  time: 'recorded' | 'effective';
  requests: UpdateRequestView[];
  byLead: { lead: string; requests: UpdateRequestView[] }[];
  byPlan: { planId: string; title: string; windowDays: number; requests: UpdateRequestView[] }[];
}

export function actionLink(planId: string, actionId: string): string {
  return `/web/plans/${encodeURIComponent(planId)}/actions/${encodeURIComponent(actionId)}`;
}

/** The requests of one plan as at `asAt`, each with its plan and link, filtered. */
export function planUpdateRequests(plan: PlanState, asAt: string, filters: UpdateRequestFilters = {}, rules: RagRuleSet = DEFAULT_RAG_RULES): UpdateRequestView[] {
  const mine = (r: UpdateRequest) => filters.contactUserId === undefined || r.leads.some((lead) => own(plan.updates?.contacts ?? {}, lead)?.userId === filters.contactUserId);
  return updateRequestsOf(plan, asAt, rules)
    .filter((r) => (filters.lead === undefined || r.leads.includes(filters.lead)) && (filters.escalated === undefined || r.escalated === filters.escalated) && mine(r))
    .map((r) => ({ ...r, planId: plan.id, planTitle: plan.title, link: actionLink(plan.id, r.actionId) }));
}

/** Every plan's requests at one instant, and the same grouped by lead and by plan (plans as given). */
export function updateRequestList(plans: readonly PlanState[], asAt: string, time: 'recorded' | 'effective', filters: UpdateRequestFilters = {}, rules: RagRuleSet = DEFAULT_RAG_RULES): UpdateRequestList {
  const byPlan = plans.map((plan) => ({ planId: plan.id, title: plan.title, windowDays: plan.updates?.windowDays ?? DEFAULT_UPDATE_WINDOW_DAYS, requests: planUpdateRequests(plan, asAt, filters, rules) }));
  const requests = byPlan.flatMap((p) => p.requests).sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
  const byLead = requestsByLead(requests).filter((group) => filters.lead === undefined || group.lead === filters.lead);
  return { asAt, time, requests, byLead, byPlan };
}

export interface UpdateRoundRequestView extends UpdateRoundRequest {
  ref: string | null;
}

export interface UpdateRoundView {
  roundId: string;
  title: string;
  dueBy: string;
  openedAt: string;
  openedBy: { id: string; displayName: string };
  /** Closed; or past its due date and still open ("reading it after the due date"); or open. */
  status: 'open' | 'past-due' | 'closed';
  requests: UpdateRoundRequestView[];
  received: string[];
  missing: UpdateRoundRequestView[];
  closed: { at: string; by: { id: string; displayName: string }; reason?: string } | null;
}

/** A round as it reads at `now`: once closed, what its closing recorded; before, what has come back so far. */
export function updateRoundView(plan: PlanState, round: UpdateRound, now: string): UpdateRoundView {
  const withRef = (r: UpdateRoundRequest): UpdateRoundRequestView => ({ ...r, ref: own(plan.actions, r.actionId)?.ref ?? null });
  const returns = round.closed ? { received: round.closed.received, missing: round.closed.missing } : roundReturns(plan, round);
  const status = round.closed ? 'closed' : round.dueBy < now.slice(0, 10) ? 'past-due' : 'open';
  return {
    roundId: round.roundId,
    title: round.title,
    dueBy: round.dueBy,
    openedAt: round.openedAt,
    openedBy: round.openedBy,
    status,
    requests: round.requests.map(withRef),
    received: returns.received,
    missing: returns.missing.map(withRef),
    closed: round.closed ? { at: round.closed.at, by: round.closed.by, ...(round.closed.reason ? { reason: round.closed.reason } : {}) } : null,
  };
}
