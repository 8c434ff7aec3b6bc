import { effectiveAtOf, planRagSummary, type PlanRagSummary, type PlanState, type RagRuleSet, type StoredPlanEvent } from '#domain';
import { asAtReplay, intervalEnds, ragTrendPoints, toPlanView, trendPointOf, type AsAt, type PlanView, type RagTrendPoint, type TimeAxis } from '#plan-views';

/**
 * state.json: the plan as at the cut-off, computed by this ONE function, which the writer calls to
 * make the file and the verifier calls to check it (replaying events.ndjson must give the same bytes).
 * Pure and deterministic: no clock, no I/O; the instant, the time axis and the rules are arguments.
 */

/** The RAG chart covers at most this many months, ending at the cut-off: five years of monthly reports. */
export const TREND_MAX_POINTS = 60;

export interface BundledPlanState {
  planId: string;
  /** The cut-off instant, normalised. */
  asAt: string;
  time: TimeAxis;
  rulesVersion: string;
  /** The plan as a reader sees it: workstreams, recommendations, actions with leads, targets as written, progress. */
  plan: PlanView;
  /** Every action's derived RAG rating with its reasons, and the roll-ups by recommendation, workstream and plan. */
  rag: PlanRagSummary;
  /** Counts per month from the plan's first event (on this time axis) to the cut-off, the last point being the cut-off itself. */
  trend: { interval: 'month'; points: RagTrendPoint[] };
}

export interface BundleCutOff {
  planId: string;
  asAt: string;
  time: TimeAxis;
}

export function bundledPlanState(events: readonly StoredPlanEvent[], cutOff: BundleCutOff, rules: RagRuleSet): BundledPlanState {
  return stateOf(events, cutOff, rules, asAtReplay(events));
}

/**
 * The same state, or undefined when the plan did not exist at the cut-off: one replay answers both, where
 * a separate existence check and then bundledPlanState would fold the whole plan once more.
 */
export function bundledPlanStateIfExisted(events: readonly StoredPlanEvent[], cutOff: BundleCutOff, rules: RagRuleSet): BundledPlanState | undefined {
  return bundledPlanStateAndFold(events, cutOff, rules)?.state;
}

/**
 * The same, with the plan replayed as at the cut-off (shared with the replays behind it: never change it), for the
 * writer's report, which would otherwise fold the plan once more.
 */
export function bundledPlanStateAndFold(events: readonly StoredPlanEvent[], cutOff: BundleCutOff, rules: RagRuleSet): { state: BundledPlanState; plan: PlanState } | undefined {
  const replay = asAtReplay(events);
  const plan = replay({ asAt: cutOff.asAt, time: cutOff.time });
  return plan.exists ? { state: stateOf(events, cutOff, rules, replay), plan } : undefined;
}

function stateOf(events: readonly StoredPlanEvent[], cutOff: BundleCutOff, rules: RagRuleSet, replay: (when: AsAt) => PlanState): BundledPlanState {
  const state = replay({ asAt: cutOff.asAt, time: cutOff.time });
  const rag = planRagSummary(state, cutOff.asAt, rules);
  const instants = trendInstants(events, cutOff);
  // The chart's last point is the cut-off itself: the same state under the same rules, already rated above.
  // Rating 280 actions is most of a point's cost, so that point is taken from `rag`, not rated again.
  const last = instants.at(-1) === cutOff.asAt ? instants.length - 1 : instants.length;
  const points = ragTrendPoints(events, instants.slice(0, last), cutOff.time, rules, replay);
  if (last < instants.length) points.push(trendPointOf(cutOff.asAt, rag));
  return {
    planId: cutOff.planId,
    asAt: cutOff.asAt,
    time: cutOff.time,
    rulesVersion: rules.version,
    plan: toPlanView(state),
    rag,
    trend: { interval: 'month', points },
  };
}


function trendInstants(events: readonly StoredPlanEvent[], cutOff: BundleCutOff): string[] {
  const cut = Date.parse(cutOff.asAt);
  const times = events.map((e) => Date.parse(cutOff.time === 'recorded' ? e.recordedAt : effectiveAtOf(e))).filter((t) => t <= cut);
  const cutDate = new Date(cut);
  // Start no earlier than the months the chart shows, so a plan decades old does not replay every month since.
  const earliestShown = Date.UTC(cutDate.getUTCFullYear(), cutDate.getUTCMonth() - TREND_MAX_POINTS, 1);
  const first = Math.max(earliestShown, times.length > 0 ? times.reduce((a, b) => Math.min(a, b)) : cut);
  return intervalEnds(new Date(first).toISOString(), cutOff.asAt, 'month').slice(-TREND_MAX_POINTS);
}
