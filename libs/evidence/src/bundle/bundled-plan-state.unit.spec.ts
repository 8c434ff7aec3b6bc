import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RAG_RULES, planRagSummary, type StoredPlanEvent } from '#domain';
import { benchLikePlanEvents } from '#domain/rag-testing/bench-like-plan';
import { canonicalJson } from '#integrity';
import { ragTrendPoints, replayPlanAsAt, toPlanView, type TimeAxis } from '#plan-views';
import { bundleEventLine, parseBundleEvents, planEventsOfLines } from './bundle-events.js';
import { bundledPlanState, bundledPlanStateIfExisted } from './bundled-plan-state.js';
import { TEST_PLAN_ID, testPlanEvents } from './testing/bundle-test-plan.js';

// The plan events exactly as a verifier reads them back from events.ndjson.
const lines = parseBundleEvents(Buffer.from(`${testPlanEvents().map(bundleEventLine).join('\n')}\n`, 'utf8'));
if (!lines.ok) throw new Error(lines.problem);
const EVENTS = planEventsOfLines(lines.lines);

// Before the plan, at its import, between entries, on a month's last instant, after the back-dated note, and an
// instant not written as toISOString writes it (so the chart's last point is not the cut-off's string).
const CUT_OFFS = ['2012-03-01T00:00:00.000Z', '2012-06-01T09:00:00.000Z', '2012-08-15T12:00:00.000Z', '2012-10-31T23:59:59.999Z', '2012-12-31T23:59:59.999Z', '2013-03-01T09:00:00.000Z', '2012-11-30T12:00:00Z'];

/** bundledPlanState as a separate replay (replayPlanAsAt, folding from the first event) and rating of every point give it. */
function referenceState(events: readonly StoredPlanEvent[], planId: string, asAt: string, time: TimeAxis, instants: readonly string[]) {
  const state = replayPlanAsAt(events, { asAt, time });
  return {
    planId,
    asAt,
    time,
    rulesVersion: DEFAULT_RAG_RULES.version,
    plan: toPlanView(state),
    rag: planRagSummary(state, asAt, DEFAULT_RAG_RULES),
    trend: { interval: 'month', points: ragTrendPoints(events, instants, time, DEFAULT_RAG_RULES, (when) => replayPlanAsAt(events, when)) },
  };
}

describe('bundledPlanState', () => {
  for (const time of ['recorded', 'effective'] as TimeAxis[]) {
    for (const asAt of CUT_OFFS) {
      it(`gives what a separate replay and rating of every point give, as at ${asAt} in ${time} time`, () => {
        const cutOff = { planId: TEST_PLAN_ID, asAt, time };
        const state = replayPlanAsAt(EVENTS, { asAt, time });
        const existing = bundledPlanStateIfExisted(EVENTS, cutOff, DEFAULT_RAG_RULES);
        if (!state.exists) {
          expect(existing).toBeUndefined();
          return;
        }
        const bundled = bundledPlanState(EVENTS, cutOff, DEFAULT_RAG_RULES);
        // The chart's last point (the cut-off) comes from the state's own rating; every point must be what rating that instant alone gives.
        const instants = bundled.trend.points.map((p) => p.at);
        expect(instants.at(-1)).toBe(new Date(asAt).toISOString());
        expect(canonicalJson(bundled)).toBe(canonicalJson(referenceState(EVENTS, TEST_PLAN_ID, asAt, time, instants)));
        expect(canonicalJson(existing)).toBe(canonicalJson(bundled));
      });
    }
  }

  // The recorded-time chart is folded forward in place, point after point (PlanFold): on a plan shaped like the
  // bench's (280 actions, a note a month each, late write-ups, slips, assessments, completions, sign-offs and
  // corrections), most actions change between two points, and every point must still be what rating it alone gives.
  const GENERATED = benchLikePlanEvents({ seed: 2121, actions: 60, months: 48, maxEvents: 2_500 });
  // And, half-way, a correction of the plan's shape (a recommendation's text), which PlanFold folds by re-folding the
  // history into a new draft: the states after it must be that draft's.
  const middle = GENERATED[1_250]!;
  const recommendation = GENERATED.find((event) => event.type === 'RecommendationAdded')!;
  const shapeCorrection = {
    ...middle,
    eventId: '0190a5b0-0000-7000-8000-0000000fffff',
    type: 'EntryCorrected',
    data: { correctedEventId: recommendation.eventId, correctedEventType: 'RecommendationAdded', kind: 'amended', amendments: { text: 'Corrected recommendation' } },
  } as StoredPlanEvent;
  const BENCH_LIKE = [...GENERATED.slice(0, 1_251), shapeCorrection, ...GENERATED.slice(1_251)].map((event, revision) => ({ ...event, revision }) as StoredPlanEvent);
  const created = BENCH_LIKE[0]!;
  const benchPlanId = created.type === 'PlanCreated' ? created.data.planId : '';
  const first = Date.parse(BENCH_LIKE[0]!.recordedAt);
  const last = Date.parse(BENCH_LIKE.at(-1)!.recordedAt);
  for (const time of ['recorded', 'effective'] as TimeAxis[]) {
    for (const share of [0.3, 0.75, 1.01]) {
      const asAt = new Date(first + share * (last - first)).toISOString();
      it(`gives the separate replays' state and chart on a bench-like plan, as at ${Math.round(share * 100)} % of its recorded life in ${time} time`, () => {
        expect(BENCH_LIKE.some((event) => event.type === 'EntryCorrected')).toBe(true);
        // Recorded in order, so the recorded-time chart takes the in-place fold, not the timeline.
        expect(BENCH_LIKE.every((event, i) => i === 0 || event.recordedAt >= BENCH_LIKE[i - 1]!.recordedAt)).toBe(true);
        const bundled = bundledPlanState(BENCH_LIKE, { planId: benchPlanId, asAt, time }, DEFAULT_RAG_RULES);
        expect(bundled.trend.points.length).toBeGreaterThan(10);
        if (share > 0.5) expect(bundled.plan.recommendations.some((r) => r.text === 'Corrected recommendation')).toBe(true);
        expect(canonicalJson(bundled)).toBe(canonicalJson(referenceState(BENCH_LIKE, benchPlanId, asAt, time, bundled.trend.points.map((p) => p.at))));
      });
    }
  }
});
