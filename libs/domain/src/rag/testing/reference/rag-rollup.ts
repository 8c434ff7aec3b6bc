// FROZEN ORACLE: libs/domain/src/rag/rag-rollup.ts exactly as it was at commit 8852ba9, before the round-4 work on
// rating a plan at a new instant cheaply. rag-equivalence.unit.spec.ts compares the live code with it at many
// instants; never edit it to make that test pass (a change of behaviour is a new rules version, docs/rag-rules.md).
import { ActionStatus } from '../../../plan/plan-events.js';
import type { PlanState, Recommendation, Workstream } from '../../../plan/plan-state.js';
import { formatUkDate } from '../../../shared/dates.js';
import { dictionary, own } from '../../../shared/dictionary.js';
import { readAsAt } from './rag-calendar.js';
import { ACTION_RAG_RATINGS, DEFAULT_RAG_RULES, deriveActionRag, type ActionRag, type ActionRagRating, type RagDiscrepancy, type RagRuleSet } from './rag-rules.js';

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

/** Every action's rating and the roll-ups above them, at `asAt` under `rules`. */
export function planRagSummary(state: PlanState, asAt: string, rules: RagRuleSet = DEFAULT_RAG_RULES): PlanRagSummary {
  const at = readAsAt(asAt);
  // Built from entries, never by assigning outside ids as keys: the records stay prototype-less (see dictionary).
  const actions = dictionary<ActionRag>(state.actionOrder.flatMap((id) => {
    const action = own(state.actions, id);
    return action ? [[id, deriveActionRag(action, at.instant, rules)] as const] : [];
  }));
  const ragsOf = (ids: readonly string[]): ActionRag[] => ids.flatMap((id) => { const rag = own(actions, id); return rag ? [rag] : []; });

  const recommendations = dictionary<RecommendationRag>(state.recommendationOrder.flatMap((id) => {
    const recommendation = own(state.recommendations, id);
    return recommendation ? [[id, recommendationRag(recommendation, ragsOf(recommendation.actionIds), at.date)] as const] : [];
  }));

  /** Actions that answer no recommendation stand on their own in a workstream's and the plan's rating. */
  const standalone = (rag: ActionRag): boolean => !own(state.actions, rag.actionId)?.recommendationId;
  const allRags = Object.values(actions);

  const workstreams = dictionary<WorkstreamRag>(state.workstreamOrder.flatMap((id) => {
    const workstream = own(state.workstreams, id);
    if (!workstream) return [];
    const rags = allRags.filter((rag) => own(state.actions, rag.actionId)?.workstreamId === id);
    const recs = Object.values(recommendations).filter((rec) => own(state.recommendations, rec.recommendationId)?.workstreamId === id);
    return [[id, workstreamRag(workstream, rags, recs, rags.filter(standalone))] as const];
  }));

  const recs = Object.values(recommendations);
  const recommendationsComplete = recs.filter((rec) => rec.complete).length;
  const plan: PlanRag = {
    ...countsOf(allRags),
    recommendationsComplete,
    recommendationsTotal: recs.length,
    rating: worstRating([...recs.map((rec) => rec.rating), ...liveRatings(allRags.filter(standalone))]) ?? 'no_target',
    sentence: recommendationsCompletedSentence(recommendationsComplete, recs.length),
  };

  const discrepancies: PlanRagDiscrepancy[] = allRags.flatMap((rag) => {
    if (!rag.discrepancy) return [];
    const action = own(state.actions, rag.actionId);
    return [
      {
        actionId: rag.actionId,
        ref: rag.ref,
        ...(action?.recommendationId ? { recommendationId: action.recommendationId } : {}),
        ...(action?.workstreamId ? { workstreamId: action.workstreamId } : {}),
        ...rag.discrepancy,
      },
    ];
  });

  return { asAt: at.instant, rulesVersion: rules.version, actions, recommendations, workstreams, plan, discrepancies };
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
  return {
    recommendationId: recommendation.id,
    ref: recommendation.ref,
    ...countsOf(rags),
    complete,
    ...(signedOffOn ? { signedOffOn } : {}),
    rating,
    reason,
  };
}

function workstreamRag(workstream: Workstream, rags: readonly ActionRag[], recs: readonly RecommendationRag[], standalone: readonly ActionRag[]): WorkstreamRag {
  const liveStandalone = standalone.filter((rag) => rag.rating !== 'superseded');
  const recommendationsComplete = recs.filter((rec) => rec.complete).length;
  const hasWork = recs.length > 0 || liveStandalone.length > 0;
  return {
    workstreamId: workstream.id,
    number: workstream.number,
    title: workstream.title,
    ...countsOf(rags),
    recommendationsComplete,
    recommendationsTotal: recs.length,
    complete: hasWork && recommendationsComplete === recs.length && liveStandalone.every((rag) => rag.completed),
    rating: worstRating([...recs.map((rec) => rec.rating), ...liveRatings(standalone)]) ?? 'no_target',
  };
}

function liveRatings(rags: readonly ActionRag[]): ActionRagRating[] {
  return rags.map((rag) => rag.rating).filter((rating) => rating !== 'superseded');
}

function countsOf(rags: readonly ActionRag[]): RagCounts {
  const byRating = Object.fromEntries(ACTION_RAG_RATINGS.map((rating) => [rating, 0])) as Record<ActionRagRating, number>;
  const byStatus = Object.fromEntries(ActionStatus.options.map((status) => [status, 0])) as Record<ActionStatus, number>;
  for (const rag of rags) {
    byRating[rag.rating] += 1;
    byStatus[rag.status] += 1;
  }
  return { actionsTotal: rags.length, actionsComplete: rags.filter((rag) => rag.completed).length, byRating, byStatus };
}
