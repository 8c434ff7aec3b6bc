import { ActionStatus } from '../plan/plan-events.js';
import type { Action, PlanState, Recommendation, Workstream } from '../plan/plan-state.js';
import { formatUkDate } from '../shared/dates.js';
import { dictionary, own, type Dictionary } from '../shared/dictionary.js';
import { readAsAt, type AsAtInstant } from './rag-calendar.js';
import { ACTION_RAG_RATINGS, DEFAULT_RAG_RULES, keptActionRagAt, keptTallyAt, keptTallyHolds, type ActionRag, type ActionRagTally, type ActionRagRating, type KeptTally, type RagDiscrepancy, type RagRuleSet } from './rag-rules.js';

/**
 * RAG roll-ups: every action's derived rating, gathered by recommendation, workstream and plan, with
 * the one sentence a scrutiny panel asks for ("35 of 54 recommendations completed in full") and the
 * list of optimistic manual ratings to explain. Pure: the instant and the rules are arguments.
 */

export interface RagCounts {
  actionsTotal: number;
  actionsComplete: number;
  byRating: Record<ActionRagRating, number>;
  byStatus: Record<ActionStatus, number>;
}

export interface RecommendationRag extends RagCounts {
  recommendationId: string;
  ref: string;
  /** Signed off on or before the instant, or every action that is not superseded is complete (and there is at least one). */
  complete: boolean;
  /** The sign-off date, when it is on or before the instant. */
  signedOffOn?: string;
  /** Green if complete; otherwise the worst rating of its actions that are not superseded; no_target if it has none. */
  rating: ActionRagRating;
  /** The rating in one sentence. */
  reason: string;
}

export interface WorkstreamRag extends RagCounts {
  workstreamId: string;
  number: string;
  title: string;
  recommendationsComplete: number;
  recommendationsTotal: number;
  /** Every recommendation in it complete, and every action outside a recommendation complete or superseded. */
  complete: boolean;
  /** The worst of its recommendations' ratings and of its actions that sit outside any recommendation. */
  rating: ActionRagRating;
}

export interface PlanRag extends RagCounts {
  recommendationsComplete: number;
  recommendationsTotal: number;
  rating: ActionRagRating;
  /** "35 of 54 recommendations completed in full". */
  sentence: string;
}

export interface PlanRagDiscrepancy extends RagDiscrepancy {
  actionId: string;
  ref: string;
  recommendationId?: string;
  workstreamId?: string;
}

export interface PlanRagSummary {
  /** The instant, normalised (a plain date reads as the end of that day). */
  asAt: string;
  rulesVersion: string;
  /** In the plan's order, as every record here. */
  actions: Record<string, ActionRag>;
  recommendations: Record<string, RecommendationRag>;
  workstreams: Record<string, WorkstreamRag>;
  plan: PlanRag;
  discrepancies: PlanRagDiscrepancy[];
}

/**
 * Worst first. Red and Amber are known problems; no_target and awaiting are unknowns that an
 * inspector must not read as Green, so they rank above it; superseded actions are out of the count.
 */
export const RAG_SEVERITY: Readonly<Record<ActionRagRating, number>> = {
  red: 5,
  amber: 4,
  no_target: 3,
  awaiting: 2,
  green: 1,
  superseded: 0,
};

/** The worst of some ratings by RAG_SEVERITY; undefined for none. */
export function worstRating(ratings: Iterable<ActionRagRating>): ActionRagRating | undefined {
  let worst: ActionRagRating | undefined;
  for (const rating of ratings) if (worst === undefined || RAG_SEVERITY[rating] > RAG_SEVERITY[worst]) worst = rating;
  return worst;
}

/** The scrutiny panel's sentence: "35 of 54 recommendations completed in full". */
export function recommendationsCompletedSentence(complete: number, total: number): string {
  if (total === 0) return 'No recommendations recorded';
  return `${complete} of ${total} ${total === 1 ? 'recommendation' : 'recommendations'} completed in full`;
}

/**
 * Every action's rating and the roll-ups above them, at `asAt` under `rules`. The instant is read once, and each
 * record is gathered in one pass over the plan's order (a workstream's actions and recommendations grouped as
 * they come, not filtered out of the whole plan once per workstream): the same records, keys in the same order.
 * Each action's rating is the one kept for its interval when the instant falls in it (keptActionRagAt): the
 * records under `actions` are shared, frozen, between summaries of the states that hold the same Action object.
 */
export function planRagSummary(state: PlanState, asAt: string, rules: RagRuleSet = DEFAULT_RAG_RULES): PlanRagSummary {
  const at = readAsAt(asAt);
  // Built from entries, never by assigning outside ids as keys: the records stay prototype-less (see dictionary).
  const entries: (readonly [string, ActionRag])[] = [];
  for (const id of state.actionOrder) {
    const action = own(state.actions, id);
    if (action) entries.push([id, keptActionRagAt(action, at, rules)]);
  }
  const actions = dictionary<ActionRag>(entries);

  const recommendationEntries: (readonly [string, RecommendationRag])[] = [];
  for (const id of state.recommendationOrder) {
    const recommendation = own(state.recommendations, id);
    if (!recommendation) continue;
    const rags: ActionRag[] = [];
    for (const actionId of recommendation.actionIds) {
      const rag = own(actions, actionId);
      if (rag) rags.push(rag);
    }
    recommendationEntries.push([id, recommendationRag(recommendation, rags, at.date)]);
  }
  const recommendations = dictionary<RecommendationRag>(recommendationEntries);

  const allRags = valuesOf(entries, actions);
  // Each rating's action as the plan holds it under the rating's own id, read once: its workstream and recommendation.
  const ragsByWorkstream = new Map<string, ActionRag[]>();
  const standaloneByWorkstream = new Map<string, ActionRag[]>();
  const standalone: ActionRag[] = [];
  const actionOf: (Action | undefined)[] = [];
  for (const rag of allRags) {
    const action = own(state.actions, rag.actionId);
    actionOf.push(action);
    /** Actions that answer no recommendation stand on their own in a workstream's and the plan's rating. */
    const alone = !action?.recommendationId;
    if (alone) standalone.push(rag);
    const workstreamId = action?.workstreamId;
    if (workstreamId === undefined) continue;
    push(ragsByWorkstream, workstreamId, rag);
    if (alone) push(standaloneByWorkstream, workstreamId, rag);
  }
  const recs = valuesOf(recommendationEntries, recommendations);
  const recsByWorkstream = new Map<string, RecommendationRag[]>();
  for (const rec of recs) {
    const workstreamId = own(state.recommendations, rec.recommendationId)?.workstreamId;
    if (workstreamId !== undefined) push(recsByWorkstream, workstreamId, rec);
  }

  const workstreamEntries: (readonly [string, WorkstreamRag])[] = [];
  for (const id of state.workstreamOrder) {
    const workstream = own(state.workstreams, id);
    if (!workstream) continue;
    workstreamEntries.push([id, workstreamRag(workstream, ragsByWorkstream.get(id) ?? NONE, recsByWorkstream.get(id) ?? NONE, standaloneByWorkstream.get(id) ?? NONE)]);
  }
  const workstreams = dictionary<WorkstreamRag>(workstreamEntries);

  let recommendationsComplete = 0;
  for (const rec of recs) if (rec.complete) recommendationsComplete += 1;
  const counts = countsOf(allRags);
  const plan: PlanRag = {
    actionsTotal: counts.actionsTotal,
    actionsComplete: counts.actionsComplete,
    byRating: counts.byRating,
    byStatus: counts.byStatus,
    recommendationsComplete,
    recommendationsTotal: recs.length,
    rating: worstOf(recs, standalone) ?? 'no_target',
    sentence: recommendationsCompletedSentence(recommendationsComplete, recs.length),
  };

  const discrepancies: PlanRagDiscrepancy[] = [];
  allRags.forEach((rag, i) => {
    if (!rag.discrepancy) return;
    const action = actionOf[i];
    const discrepancy: PlanRagDiscrepancy = { actionId: rag.actionId, ref: rag.ref } as PlanRagDiscrepancy;
    if (action?.recommendationId) discrepancy.recommendationId = action.recommendationId;
    if (action?.workstreamId) discrepancy.workstreamId = action.workstreamId;
    discrepancy.declared = rag.discrepancy.declared;
    discrepancy.derived = rag.discrepancy.derived;
    discrepancy.message = rag.discrepancy.message;
    discrepancies.push(discrepancy);
  });

  return { asAt: at.instant, rulesVersion: rules.version, actions, recommendations, workstreams, plan, discrepancies };
}

/** What the RAG trend counts of a plan at an instant: planRagSummary's figures, without its reasons or records. */
export interface PlanRagTally {
  actionsTotal: number;
  actionsComplete: number;
  byRating: Record<ActionRagRating, number>;
  recommendationsComplete: number;
  recommendationsTotal: number;
  sentence: string;
}

/**
 * planRagSummary(state, asAt, rules).plan's counts and sentence, worked out from each action's rating alone:
 * the RAG trend rates a plan at a hundred instants and reads only these, so no reason is put into words.
 */
export function planRagTally(state: PlanState, asAt: string, rules: RagRuleSet = DEFAULT_RAG_RULES): PlanRagTally {
  return tallyPlan(state, readAsAt(asAt), rules, carriedTallies());
}

/**
 * planRagTally at point after point of one plan (the RAG trend, the bundle's chart), the same figures: each
 * action's kept tally is carried from one point to the next at its place in the action order, so an action that
 * is still the same object at the next point is checked against the tally it had (keptTallyHolds, a few
 * comparisons) rather than looked up again in the tallies kept by target (a WeakMap look-up and that check); and the places of the ids are worked out again only when the order changes. The points may
 * come in any order; the carry only saves work when they share actions.
 */
export function planRagTallies(rules: RagRuleSet = DEFAULT_RAG_RULES): (state: PlanState, asAt: string) => PlanRagTally {
  const carried = carriedTallies();
  return (state, asAt) => tallyPlan(state, readAsAt(asAt), rules, carried);
}

/** What a run of tallies carries from one point to the next, by place in the action order. */
interface CarriedTallies {
  /** A copy of the action order the places below were worked out for (a fold draft pushes onto its order in place). */
  order: string[];
  /** The place where each id first stands in the order: a repeated id is rated once, there, as the summary's records. */
  firstPlace: Map<string, number>;
  /** Those places, in order. */
  firsts: number[];
  /** At each place, the action and its kept tally at the point before. */
  readonly actions: (Action | undefined)[];
  readonly kept: (KeptTally | undefined)[];
  /** At each first place, the tally at this point (undefined when the id has no action). */
  readonly tallies: (ActionRagTally | undefined)[];
}

function carriedTallies(): CarriedTallies {
  return { order: [], firstPlace: new Map(), firsts: [], actions: [], kept: [], tallies: [] };
}

function placeActions(carried: CarriedTallies, order: readonly string[]): void {
  const known = carried.order;
  if (known.length === order.length) {
    let same = true;
    for (let i = 0; i < order.length && same; i++) same = known[i] === order[i];
    if (same) return;
  }
  carried.order = [...order];
  carried.firstPlace = new Map();
  carried.firsts = [];
  for (let i = 0; i < order.length; i++) {
    if (carried.firstPlace.has(order[i]!)) continue;
    carried.firstPlace.set(order[i]!, i);
    carried.firsts.push(i);
  }
}

function tallyPlan(state: PlanState, at: AsAtInstant, rules: RagRuleSet, carried: CarriedTallies): PlanRagTally {
  const order = state.actionOrder;
  placeActions(carried, order);
  const { firsts, actions, kept: keptAt, tallies } = carried;
  const byRating = zeroRatings();
  let actionsTotal = 0;
  let actionsComplete = 0;
  for (let f = 0; f < firsts.length; f++) {
    const i = firsts[f]!;
    const action = own(state.actions, order[i]!);
    if (!action) {
      tallies[i] = undefined;
      continue;
    }
    let kept = keptAt[i];
    if (kept === undefined || actions[i] !== action || !keptTallyHolds(kept, action, at, rules)) {
      kept = keptTallyAt(action, at, rules);
      actions[i] = action;
      keptAt[i] = kept;
    }
    const tally = kept.result;
    tallies[i] = tally;
    actionsTotal += 1;
    byRating[tally.rating] += 1;
    if (tally.completed) actionsComplete += 1;
  }
  let recommendationsTotal = 0;
  let recommendationsComplete = 0;
  const seen = new Set<string>();
  for (const id of state.recommendationOrder) {
    const recommendation = own(state.recommendations, id);
    if (!recommendation || seen.has(id)) continue;
    seen.add(id);
    recommendationsTotal += 1;
    if (recommendation.signedOff && recommendation.signedOff.on <= at.date) {
      recommendationsComplete += 1;
      continue;
    }
    let live = 0;
    let allComplete = true;
    for (const actionId of recommendation.actionIds) {
      const place = carried.firstPlace.get(actionId);
      const tally = place === undefined ? undefined : tallies[place];
      if (!tally || tally.rating === 'superseded') continue;
      live += 1;
      if (!tally.completed) allComplete = false;
    }
    if (live > 0 && allComplete) recommendationsComplete += 1;
  }
  return { actionsTotal, actionsComplete, byRating, recommendationsComplete, recommendationsTotal, sentence: recommendationsCompletedSentence(recommendationsComplete, recommendationsTotal) };
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * Object.values(record) for the record dictionary(entries) made, without reading it back (Object.values of a
 * prototype-less record of the plan's 280 actions cost ~0.1 ms a summary): the entries' values, in order, when no
 * key repeats and none is an array index (a record lists those first, in numeric order, and a repeated key once,
 * where it first stood, with its last value); otherwise the record's own values, as before.
 */
function valuesOf<T>(entries: readonly (readonly [string, T])[], record: Dictionary<T>): T[] {
  const keys = new Set<string>();
  const values = new Array<T>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!;
    if (keys.has(key) || isArrayIndex(key)) return Object.values(record);
    keys.add(key);
    values[i] = value;
  }
  return values;
}

/** A key an object lists before its other keys, in numeric order: the canonical decimal of an integer below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  if (key.length === 0 || key.length > 10) return false;
  const n = Number(key);
  return n >>> 0 === n && n !== 4_294_967_295 && String(n) === key;
}

function push<T>(groups: Map<string, T[]>, key: string, value: T): void {
  const group = groups.get(key);
  if (group) group.push(value);
  else groups.set(key, [value]);
}

/** The worst of some recommendations' ratings and of some actions' ratings that are not superseded. */
function worstOf(recs: readonly RecommendationRag[], rags: readonly ActionRag[]): ActionRagRating | undefined {
  let worst: ActionRagRating | undefined;
  for (const rec of recs) if (worst === undefined || RAG_SEVERITY[rec.rating] > RAG_SEVERITY[worst]) worst = rec.rating;
  for (const rag of rags) if (rag.rating !== 'superseded' && (worst === undefined || RAG_SEVERITY[rag.rating] > RAG_SEVERITY[worst])) worst = rag.rating;
  return worst;
}

function recommendationRag(recommendation: Recommendation, rags: readonly ActionRag[], asAtDate: string): RecommendationRag {
  const live = rags.filter((rag) => rag.rating !== 'superseded');
  const signedOffOn = recommendation.signedOff && recommendation.signedOff.on <= asAtDate ? recommendation.signedOff.on : undefined;
  const allActionsComplete = live.length > 0 && live.every((rag) => rag.completed);
  const complete = signedOffOn !== undefined || allActionsComplete;
  let rating: ActionRagRating;
  let reason: string;
  if (signedOffOn) {
    rating = 'green';
    reason = `Signed off on ${formatUkDate(signedOffOn)} by ${recommendation.signedOff!.by}.`;
  } else if (allActionsComplete) {
    rating = 'green';
    reason = live.length === 1 ? 'Its one action is complete.' : `All ${live.length} of its actions are complete.`;
  } else if (live.length === 0) {
    rating = 'no_target';
    reason = rags.length === 0 ? 'No actions are recorded against it.' : 'All its actions are superseded and none replaces them here.';
  } else {
    rating = worstRating(live.map((rag) => rag.rating))!;
    const worst = live.filter((rag) => rag.rating === rating).map((rag) => rag.ref);
    reason = `${live.filter((rag) => rag.completed).length} of ${live.length} actions complete; ${rating.replace('_', ' ')} because of ${worst.length === 1 ? 'action' : 'actions'} ${worst.join(', ')}.`;
  }
  const counts = countsOf(rags);
  const rag: RecommendationRag = {
    recommendationId: recommendation.id,
    ref: recommendation.ref,
    actionsTotal: counts.actionsTotal,
    actionsComplete: counts.actionsComplete,
    byRating: counts.byRating,
    byStatus: counts.byStatus,
    complete,
  } as RecommendationRag;
  if (signedOffOn) rag.signedOffOn = signedOffOn;
  rag.rating = rating;
  rag.reason = reason;
  return rag;
}

function workstreamRag(workstream: Workstream, rags: readonly ActionRag[], recs: readonly RecommendationRag[], standalone: readonly ActionRag[]): WorkstreamRag {
  let recommendationsComplete = 0;
  for (const rec of recs) if (rec.complete) recommendationsComplete += 1;
  let liveStandalone = 0;
  let standaloneComplete = true;
  for (const rag of standalone) {
    if (rag.rating === 'superseded') continue;
    liveStandalone += 1;
    if (!rag.completed) standaloneComplete = false;
  }
  const hasWork = recs.length > 0 || liveStandalone > 0;
  const counts = countsOf(rags);
  return {
    workstreamId: workstream.id,
    number: workstream.number,
    title: workstream.title,
    actionsTotal: counts.actionsTotal,
    actionsComplete: counts.actionsComplete,
    byRating: counts.byRating,
    byStatus: counts.byStatus,
    recommendationsComplete,
    recommendationsTotal: recs.length,
    complete: hasWork && recommendationsComplete === recs.length && standaloneComplete,
    rating: worstOf(recs, standalone) ?? 'no_target',
  };
}

// Counts keyed in ACTION_RAG_RATINGS' and ActionStatus' order: the order of the keys in the JSON.
const NO_RATINGS = Object.freeze(Object.fromEntries(ACTION_RAG_RATINGS.map((rating) => [rating, 0])) as Record<ActionRagRating, number>);
const NO_STATUSES = Object.freeze(Object.fromEntries(ActionStatus.options.map((status) => [status, 0])) as Record<ActionStatus, number>);

function zeroRatings(): Record<ActionRagRating, number> {
  return { ...NO_RATINGS };
}

function zeroStatuses(): Record<ActionStatus, number> {
  return { ...NO_STATUSES };
}

function countsOf(rags: readonly ActionRag[]): RagCounts {
  const byRating = zeroRatings();
  const byStatus = zeroStatuses();
  let actionsComplete = 0;
  for (const rag of rags) {
    byRating[rag.rating] += 1;
    byStatus[rag.status] += 1;
    if (rag.completed) actionsComplete += 1;
  }
  return { actionsTotal: rags.length, actionsComplete, byRating, byStatus };
}
