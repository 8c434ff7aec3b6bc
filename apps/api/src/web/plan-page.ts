import type { Action, ActionRag, ActionRagRating, ActionStatus, PlanRagSummary, PlanState, Role, Target } from '#domain';
import { formatUkDate, own } from '#domain';
import { latestProgressOf } from '#plan-views';

/**
 * What the plan pages show, shaped from a plan state and its RAG summary: the council's document
 * order (work streams → recommendations → actions), each rating with its word, never colour alone.
 */

export const ROLE_NAMES = new Map<string, string>([
  ['admin', 'administrator'],
  ['editor', 'editor'],
  ['auditor', 'quality assurance'],
  ['inspector', 'inspector'],
  ['regulator', 'regulator'],
  ['approver', 'approver'],
] satisfies [Role, string][]);

const RAG_TAGS = new Map<ActionRagRating, { text: string; classes: string }>([
  ['red', { text: 'Red', classes: 'govuk-tag--red' }],
  ['amber', { text: 'Amber', classes: 'govuk-tag--orange' }],
  ['green', { text: 'Green', classes: 'govuk-tag--green' }],
  ['awaiting', { text: 'Awaiting', classes: 'govuk-tag--blue' }],
  ['no_target', { text: 'No target', classes: 'govuk-tag--grey' }],
  ['superseded', { text: 'Superseded', classes: 'govuk-tag--grey' }],
]);

const STATUS_NAMES = new Map<ActionStatus, string>([
  ['not_started', 'Not started'],
  ['in_progress', 'In progress'],
  ['completed', 'Completed'],
  ['blocked', 'Blocked'],
  ['awaiting_guidance', 'Awaiting guidance'],
  ['superseded', 'Superseded'],
]);

export function ragTag(rating: ActionRagRating, completed = false): { text: string; classes: string } {
  if (completed) return { text: 'Complete', classes: 'govuk-tag--green' };
  return RAG_TAGS.get(rating) ?? { text: rating, classes: 'govuk-tag--grey' };
}

const TARGET_KINDS = new Map<Target['kind'], string>([
  ['date', 'a date'],
  ['month', 'the end of a month'],
  ['recurring', 'recurring'],
  ['ongoing', 'ongoing'],
  ['awaiting', 'awaiting something'],
  ['to-be-advised', 'to be advised'],
  ['completed', 'written as completed'],
  ['event', 'tied to a meeting or report'],
  ['none', 'no target given'],
  ['unparsed', 'could not be read'],
]);

/** The target as interpreted, in words: "due 30 Sep 2012, and ongoing". */
export function interpretTarget(target: Target): string {
  const parts: string[] = [];
  if (target.due) parts.push(`due ${formatUkDate(target.due)}`);
  if (target.cadence) parts.push(`every ${target.cadence.every} ${target.cadence.unit}${target.cadence.every === 1 ? '' : 's'}`);
  if (target.ongoing) parts.push('and ongoing');
  if (target.awaiting) parts.push(`awaiting ${target.awaiting}`);
  if (parts.length === 0) parts.push(TARGET_KINDS.get(target.kind) ?? target.kind);
  return parts.join(', ');
}

export function planSummaryView(state: PlanState, rag: PlanRagSummary) {
  const counts = rag.plan.byRating;
  return {
    id: state.id,
    title: state.title,
    organisation: state.organisation,
    owner: state.owner,
    respondsTo: state.respondsTo,
    period: state.period,
    revision: state.revision,
    lastRecordedAt: state.lastRecordedAt,
    sentence: rag.plan.sentence,
    actionsTotal: rag.plan.actionsTotal,
    actionsComplete: rag.plan.actionsComplete,
    rating: ragTag(rag.plan.rating),
    counts: (['red', 'amber', 'green', 'awaiting', 'no_target', 'superseded'] as const).map((rating) => ({ ...ragTag(rating), count: counts[rating] ?? 0 })),
    discrepancies: rag.discrepancies.length,
  };
}

const SUMMARIES = new WeakMap<object, { state: PlanState; view: ReturnType<typeof planSummaryView> }>();

/** planSummaryView, kept per summary roll-up (cachedRagSummary gives one per state and RAG key; its copies for other instants share it). */
export function cachedSummaryView(state: PlanState, rag: PlanRagSummary): ReturnType<typeof planSummaryView> {
  const kept = SUMMARIES.get(rag.plan);
  if (kept && kept.state === state) return kept.view;
  const view = planSummaryView(state, rag);
  SUMMARIES.set(rag.plan, { state, view });
  return view;
}

/** What a row shows of the action itself: everything but its rating, which depends on the instant too. */
function actionBaseView(state: PlanState, action: Action) {
  const latest = latestProgressOf(action);
  return {
    id: action.id,
    ref: action.ref,
    description: action.description,
    leads: action.leads,
    status: STATUS_NAMES.get(action.status) ?? action.status,
    statusKey: action.status,
    target: action.target.text || 'None given',
    targetInterpreted: interpretTarget(action.target),
    originalTarget: action.targetChanges.length > 0 ? action.originalTarget.text : undefined,
    slips: action.targetChanges.length,
    latestProgress: latest ? { narrative: latest.narrative, asAt: latest.asAt, actor: latest.actor } : undefined,
    evidence: action.evidence.map((e) => ({ name: e.name, size: e.size, sha256: e.sha256 })),
    warnings: action.warnings.map((w) => w.message),
    planId: state.id,
  };
}

/** What a row shows of the action's RAG result at the instant. */
export function ratingView(rag: ActionRag | undefined) {
  return {
    /** The filter's key for the rating: complete, or the derived rating. */
    ratingKey: rag ? (rag.completed ? 'complete' : rag.rating) : undefined,
    rag: rag ? { ...ragTag(rag.rating, rag.completed), reasons: rag.reasons } : undefined,
    declared: rag?.declared ? { ...ragTag(rag.declared.rating), rationale: rag.declared.rationale, by: rag.declared.by } : undefined,
    discrepancy: rag?.discrepancy?.message,
  };
}

export function actionView(state: PlanState, action: Action, rag: ActionRag | undefined) {
  return { ...actionBaseView(state, action), ...ratingView(rag) };
}

/** A row of the plan page's table: the action's view, marked when an update to it awaits approval (shown only to those who may see it). */
export type ActionRow = ReturnType<typeof actionView> & { readonly awaitingApproval?: boolean };
export type ActionRowBase = ReturnType<typeof actionBaseView> & { readonly awaitingApproval?: boolean };

/**
 * The part of a row made from the action alone, once per Action object (and plan, and approval mark). As-at
 * states share the Action objects no event changed, and a state is never changed once read, so a new instant
 * remakes only the rows of the actions it changed; the rest differ only in their rating (whose reasons name
 * the instant: days late, say). The base's HTML is cached against it in turn (action-rows-html.ts).
 */
const BASES = new WeakMap<Action, Map<string, ActionRowBase>>();
const BASE_OF = new WeakMap<ActionRow, ActionRowBase>();

/** The action part of a row (actionBaseView, marked awaitingApproval when `awaiting`), made once per Action object, plan and mark. */
export function cachedRowBase(state: PlanState, action: Action, awaiting = false): ActionRowBase {
  let bases = BASES.get(action);
  if (!bases) BASES.set(action, (bases = new Map()));
  const key = `${awaiting ? 1 : 0}${state.id}`;
  let base = bases.get(key);
  if (!base) {
    const view = actionBaseView(state, action);
    bases.set(key, (base = awaiting ? { ...view, awaitingApproval: true } : view));
  }
  return base;
}

/** actionView(state, action, rag), marked awaitingApproval when `awaiting`, its action's part made once per Action object. */
export function cachedActionRow(state: PlanState, action: Action, rag: ActionRag | undefined, awaiting = false): ActionRow {
  const base = cachedRowBase(state, action, awaiting);
  // The RAG rules keep one rating object per Action object for the interval of instants it holds over, so
  // nearby instants rate a shared action with the same object: its row, and the row's HTML, are then the last.
  const last = LAST_ROW.get(base);
  if (last && last.rag === rag) return last.row;
  const row: ActionRow = { ...base, ...ratingView(rag) };
  BASE_OF.set(row, base);
  LAST_ROW.set(base, { rag, row });
  return row;
}

/** The last row made from a base, and the rating it was made with. Rows are never changed once made. */
const LAST_ROW = new WeakMap<ActionRowBase, { rag: ActionRag | undefined; row: ActionRow }>();

/** The cached action part a row was made from (the row itself when it was not made by cachedActionRow). */
export function baseOfRow(row: ActionRow): ActionRowBase {
  return BASE_OF.get(row) ?? row;
}

export const RATING_FILTERS = [
  { value: 'red', text: 'Red' },
  { value: 'amber', text: 'Amber' },
  { value: 'green', text: 'Green (not complete)' },
  { value: 'complete', text: 'Complete' },
  { value: 'awaiting', text: 'Awaiting' },
  { value: 'no_target', text: 'No target' },
  { value: 'superseded', text: 'Superseded' },
] as const;

export const STATUS_FILTERS = [...STATUS_NAMES.entries()].map(([value, text]) => ({ value, text }));

export interface ActionFilter {
  rating?: string;
  status?: string;
  lead?: string;
  /** Words to find in the reference, description, leads or latest progress. */
  text?: string;
}

export function isFiltering(filter: ActionFilter): boolean {
  return Boolean(filter.rating || filter.status || filter.lead || filter.text);
}

function matches(row: ActionRow, filter: ActionFilter): boolean {
  if (filter.rating && row.ratingKey !== filter.rating) return false;
  if (filter.status && row.statusKey !== filter.status) return false;
  if (filter.lead && !row.leads.some((lead) => lead.toLowerCase().includes(filter.lead!.toLowerCase()))) return false;
  if (filter.text) {
    const haystack = [row.ref, row.description, ...row.leads, row.latestProgress?.narrative ?? ''].join(' ').toLowerCase();
    if (!filter.text.toLowerCase().split(/\s+/).filter(Boolean).every((word) => haystack.includes(word))) return false;
  }
  return true;
}

/** Every lead named in the plan, for the filter's choices. */
export function leadsOf(state: PlanState): string[] {
  const leads = new Set<string>();
  for (const id of state.actionOrder) for (const lead of own(state.actions, id)?.leads ?? []) leads.add(lead);
  return [...leads].sort((a, b) => a.localeCompare(b));
}

/**
 * Work streams → recommendations → actions, in the order the plan was written; what sits outside goes last.
 * `awaiting`: the ids of the actions to mark as awaiting approval (for those who may see pending updates).
 */
export function planLayout(state: PlanState, rag: PlanRagSummary, filter: ActionFilter = {}, awaiting?: ReadonlySet<string>) {
  let shown = 0;
  const filtering = isFiltering(filter);
  const rowsOf = (ids: readonly string[]): ActionRow[] => {
    const rows: ActionRow[] = [];
    for (const id of ids) {
      const action = own(state.actions, id);
      if (!action) continue;
      const row = cachedActionRow(state, action, own(rag.actions, id), awaiting?.has(id) ?? false);
      if (filtering && !matches(row, filter)) continue;
      shown += 1;
      rows.push(row);
    }
    return rows;
  };
  const recommendationView = (id: string) => {
    const rec = own(state.recommendations, id)!;
    const recRag = own(rag.recommendations, id);
    return { id, ref: rec.ref, text: rec.text, rating: recRag ? ragTag(recRag.rating, recRag.complete) : undefined, reason: recRag?.reason, actions: rowsOf(rec.actionIds) };
  };
  const { recsByWorkstream, looseByWorkstream } = byWorkstream(state);
  const recsIn = (workstreamId: string | undefined) => recsByWorkstream.get(workstreamId) ?? [];
  const looseIn = (workstreamId: string | undefined) => looseByWorkstream.get(workstreamId) ?? [];
  const workstreams = state.workstreamOrder.flatMap((id) => {
    const ws = own(state.workstreams, id);
    if (!ws) return [];
    const wsRag = own(rag.workstreams, id);
    return [{ id, number: ws.number, title: ws.title, rating: wsRag ? ragTag(wsRag.rating, wsRag.complete) : undefined, recommendations: recsIn(id).map(recommendationView), actions: rowsOf(looseIn(id)) }];
  });
  const outside = { recommendations: recsIn(undefined).map(recommendationView), actions: rowsOf(looseIn(undefined)) };
  if (!filtering) return { workstreams, outside, shown, total: state.actionOrder.length, filtering: false };
  // A filter hides the recommendations and work streams it leaves empty.
  const withActions = <T extends { actions: ActionRow[] }>(items: T[]) => items.filter((item) => item.actions.length > 0);
  return {
    workstreams: workstreams.map((ws) => ({ ...ws, recommendations: withActions(ws.recommendations) })).filter((ws) => ws.recommendations.length > 0 || ws.actions.length > 0),
    outside: { recommendations: withActions(outside.recommendations), actions: outside.actions },
    shown,
    total: state.actionOrder.length,
    filtering: true,
  };
}

/**
 * The plan's recommendations, and its actions under no recommendation, grouped by work stream in plan order: one
 * pass over each (a Map, since the ids come from outside).
 */
export function byWorkstream(state: Pick<PlanState, 'recommendationOrder' | 'recommendations' | 'actionOrder' | 'actions'>): {
  recsByWorkstream: Map<string | undefined, string[]>;
  looseByWorkstream: Map<string | undefined, string[]>;
} {
  const recsByWorkstream = new Map<string | undefined, string[]>();
  for (const id of state.recommendationOrder) {
    const rec = own(state.recommendations, id);
    if (!rec) continue;
    const list = recsByWorkstream.get(rec.workstreamId);
    if (list) list.push(id);
    else recsByWorkstream.set(rec.workstreamId, [id]);
  }
  const looseByWorkstream = new Map<string | undefined, string[]>();
  for (const id of state.actionOrder) {
    const action = own(state.actions, id);
    if (!action || action.recommendationId) continue;
    const list = looseByWorkstream.get(action.workstreamId);
    if (list) list.push(id);
    else looseByWorkstream.set(action.workstreamId, [id]);
  }
  return { recsByWorkstream, looseByWorkstream };
}
