import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RAG_RULES, planRagSummary } from '#domain';
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
        const reference = {
          planId: TEST_PLAN_ID,
          asAt,
          time,
          rulesVersion: DEFAULT_RAG_RULES.version,
          plan: toPlanView(state),
          rag: planRagSummary(state, asAt, DEFAULT_RAG_RULES),
          trend: { interval: 'month', points: ragTrendPoints(EVENTS, instants, time, DEFAULT_RAG_RULES, (when) => replayPlanAsAt(EVENTS, when)) },
        };
        expect(canonicalJson(bundled)).toBe(canonicalJson(reference));
        expect(canonicalJson(existing)).toBe(canonicalJson(bundled));
      });
    }
  }
});
