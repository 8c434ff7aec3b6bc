import { planRagTallies, type PlanRagSummary, type PlanRagTally, type PlanState, type RagRuleSet, type StoredPlanEvent } from '#domain';
import { replayPlanAsAt, type AsAt, type TimeAxis } from './as-at.js';
import { PlanTimeline } from './plan-timeline.js';

/**
 * RAG over time: the plan's counts of Green, Amber, Red and complete actions at the end of each
 * interval. One computation, shared by the rag-trend endpoint and the evidence bundle's chart (whose
 * verifier recomputes it), so the two can never disagree.
 */

export type TrendInterval = 'week' | 'month' | 'quarter';

export interface RagTrendPoint {
  at: string;
  green: number;
  amber: number;
  red: number;
  awaiting: number;
  noTarget: number;
  complete: number;
  actions: number;
  sentence: string;
}

/** The end of each interval from `from` to `to`, and `to` itself last. */
export function intervalEnds(from: string, to: string, interval: TrendInterval): string[] {
  const ends: string[] = [];
  const start = new Date(from);
  const stop = Date.parse(to);
  const step = (d: Date, n: number) => {
    if (interval === 'week') return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 7 * n));
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + (interval === 'quarter' ? 3 : 1) * n, 1));
  };
  // Month and quarter points fall on the last instant of each calendar month (or quarter end).
  let cursor = interval === 'week' ? step(start, 1) : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + (interval === 'quarter' ? 3 - (start.getUTCMonth() % 3) : 1), 1));
  while (cursor.getTime() - 1 < stop && ends.length <= 500) {
    ends.push(new Date(cursor.getTime() - 1).toISOString());
    cursor = step(cursor, 1);
  }
  if (ends[ends.length - 1] !== new Date(stop).toISOString()) ends.push(new Date(stop).toISOString());
  return ends;
}

/**
 * The plan replayed as at each instant (in the given time) and rated under `rules`. Pure. The replays share
 * one timeline's snapshots (exactly replayPlanAsAt, a few hundred events folded each) rather than each folding
 * the plan from its first event: sixty monthly points of a 10,000-event plan were most of a bundle's making
 * and checking.
 */
export function ragTrendPoints(
  events: readonly StoredPlanEvent[],
  instants: readonly string[],
  time: TimeAxis,
  rules: RagRuleSet,
  replay: (when: AsAt) => PlanState = asAtReplay(events),
): RagTrendPoint[] {
  // A point counts ratings and reads no reason: planRagTally rates each action without putting a word together,
  // and the points' run of tallies carries each action's kept tally to the next point.
  const tallyAt = planRagTallies(rules);
  return instants.map((at) => {
    const state = replay({ asAt: at, time });
    return trendPointOfTally(at, tallyAt(state, at));
  });
}

/** One point of the RAG trend: a plan's RAG summary at an instant, counted by rating. */
export function trendPointOf(at: string, rag: PlanRagSummary): RagTrendPoint {
  return trendPointOfTally(at, rag.plan);
}

/** The same point from the counts alone (planRagTally, or a summary's `plan`): the two give equal points. */
function trendPointOfTally(at: string, plan: PlanRagTally): RagTrendPoint {
  return {
    at,
    green: plan.byRating.green,
    amber: plan.byRating.amber,
    red: plan.byRating.red,
    awaiting: plan.byRating.awaiting,
    noTarget: plan.byRating.no_target,
    complete: plan.actionsComplete,
    actions: plan.actionsTotal,
    sentence: plan.sentence,
  };
}

/** Many as-at replays of one stream's events: through a timeline when they are revisions 0, 1, 2… in order. */
export function asAtReplay(events: readonly StoredPlanEvent[]): (when: AsAt) => PlanState {
  if (!events.every((event, i) => event.revision === i)) return (when) => replayPlanAsAt(events, when);
  const timeline = new PlanTimeline();
  timeline.append(events);
  // Shared states: the trend only reads them, and the actions they share let the RAG rules' memo serve them.
  return (when) => timeline.sharedStateAsAt(when);
}
