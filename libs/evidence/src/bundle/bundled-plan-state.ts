import { effectiveAtOf, initialPlanState, PlanFold, planRagSummary, type PlanRagSummary, type PlanState, type RagRuleSet, type StoredPlanEvent } from '#domain';
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
  const eventMs = eventTimes(events, cutOff.time);
  return stateOf(events, cutOff, rules, replayOf(events, cutOff, eventMs), eventMs).state;
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
  const eventMs = eventTimes(events, cutOff.time);
  const replay = replayOf(events, cutOff, eventMs);
  // The chart's points come first, folded forward to the cut-off; a plan that did not exist there wastes only them.
  const points = trendOf(events, cutOff, rules, replay, eventMs);
  const plan = replay({ asAt: cutOff.asAt, time: cutOff.time });
  return plan.exists ? stateOf(events, cutOff, rules, replay, eventMs, points) : undefined;
}

type Replay = (when: AsAt) => PlanState;

function stateOf(
  events: readonly StoredPlanEvent[],
  cutOff: BundleCutOff,
  rules: RagRuleSet,
  replay: Replay,
  eventMs: readonly number[],
  trend = trendOf(events, cutOff, rules, replay, eventMs),
): { state: BundledPlanState; plan: PlanState } {
  const plan = replay({ asAt: cutOff.asAt, time: cutOff.time });
  const rag = planRagSummary(plan, cutOff.asAt, rules);
  // The chart's last point is the cut-off itself: the same state under the same rules, rated here. Rating 280
  // actions is most of a point's cost, so that point is taken from `rag`, not rated again.
  const points = trend.lastIsCutOff ? [...trend.points, trendPointOf(cutOff.asAt, rag)] : trend.points;
  return {
    state: {
      planId: cutOff.planId,
      asAt: cutOff.asAt,
      time: cutOff.time,
      rulesVersion: rules.version,
      plan: toPlanView(plan),
      rag,
      trend: { interval: 'month', points },
    },
    plan,
  };
}

/** The chart's points before the cut-off, in order, and whether the last one is the cut-off itself (left to stateOf). */
function trendOf(events: readonly StoredPlanEvent[], cutOff: BundleCutOff, rules: RagRuleSet, replay: Replay, eventMs: readonly number[]): { points: RagTrendPoint[]; lastIsCutOff: boolean } {
  const instants = trendInstants(eventMs, cutOff);
  const lastIsCutOff = instants.at(-1) === cutOff.asAt;
  return { points: ragTrendPoints(events, lastIsCutOff ? instants.slice(0, -1) : instants, cutOff.time, rules, replay), lastIsCutOff };
}

/**
 * The replays a bundle asks for: the chart's instants in order, then the cut-off, which is never earlier. In recorded
 * time, with the stream recorded in order (as the store writes it), the plan as at each is a prefix of the stream, so
 * each is folded onto the one before, in place (PlanFold): one fold of the plan in all, where snapshots and then a fold
 * from the nearest one for each instant fold it about one and a half times. In place, because nothing keeps a point's
 * state past the next instant asked for: the trend counts each point's ratings before asking for the next (the RAG
 * rules' memos notice an action changed in place, as they do for every PlanFold), and the cut-off, asked for last, is
 * never folded onto. A new state per point (foldPlan) copied the state's records and every action an event touched,
 * point after point, for states read once. Anything else (effective time, an instant out of order, a stream not
 * recorded in order) is replayed by the shared timeline (asAtReplay), which gives the same states.
 */
// recordedMs: each event's recordedAt in milliseconds (eventTimes on the recorded axis); read only when the cut-off is in recorded time.
function replayOf(events: readonly StoredPlanEvent[], cutOff: BundleCutOff, recordedMs: readonly number[]): Replay {
  const timeline = asAtReplay(events);
  if (cutOff.time !== 'recorded') return timeline;
  for (let i = 0; i < recordedMs.length; i++) if (!(recordedMs[i]! >= (i > 0 ? recordedMs[i - 1]! : Number.NEGATIVE_INFINITY))) return timeline;
  let folded = 0;
  let fold: PlanFold | undefined;
  let state = initialPlanState();
  let lastMs = Number.NEGATIVE_INFINITY;
  return (when) => {
    const ms = Date.parse(when.asAt);
    if (when.time !== 'recorded' || when.knownAt !== undefined || !(ms >= lastMs)) return timeline(when);
    let end = folded;
    while (end < recordedMs.length && recordedMs[end]! <= ms) end++;
    if (end > folded) {
      fold ??= new PlanFold(state);
      fold.apply(events.slice(folded, end));
      state = fold.state;
    }
    folded = end;
    lastMs = ms;
    return state;
  };
}

/** When each event happened on the time axis, in milliseconds: parsed once for the chart's instants and the replay. */
function eventTimes(events: readonly StoredPlanEvent[], time: TimeAxis): number[] {
  return events.map((e) => Date.parse(time === 'recorded' ? e.recordedAt : effectiveAtOf(e)));
}

function trendInstants(eventMs: readonly number[], cutOff: BundleCutOff): string[] {
  const cut = Date.parse(cutOff.asAt);
  const times = eventMs.filter((t) => t <= cut);
  const cutDate = new Date(cut);
  // Start no earlier than the months the chart shows, so a plan decades old does not replay every month since.
  const earliestShown = Date.UTC(cutDate.getUTCFullYear(), cutDate.getUTCMonth() - TREND_MAX_POINTS, 1);
  const first = Math.max(earliestShown, times.length > 0 ? times.reduce((a, b) => Math.min(a, b)) : cut);
  return intervalEnds(new Date(first).toISOString(), cutOff.asAt, 'month').slice(-TREND_MAX_POINTS);
}
