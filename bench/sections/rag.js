/**
 * RAG at a new instant (issue #21, round 4): what rating a plan costs at an instant nothing has been cached for.
 * The 10k-event plan (280 actions, ~30 progress updates each) is replayed as at 200 random recorded instants
 * per run (PlanTimeline.sharedStateAsAt, what the reads get: a new state per position, sharing the actions its
 * events left alone with its neighbours, as the HTTP read and the plan page see them), and
 * planRagSummary rates that state at that instant. The replay is the floor beside it, timed on the same
 * instants in the same run: the ratio rag ÷ replay says what rating adds to reading the plan as it was.
 * Then the RAG trend of the plan over its life, a point a week (ragTrendPoints, the chart's and the evidence
 * bundle's computation), against the same weekly replays alone, each on a fresh timeline of its own.
 */
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import * as domain from '../../dist/libs/domain/src/index.js';
import * as views from '../../dist/libs/plan-views/src/index.js';
import { Random } from '../lib/random.js';
import { median, quantile, summarise } from '../lib/stats.js';

const INSTANTS_PER_RUN = 200;

function freshTimeline(events) {
  const timeline = new views.PlanTimeline();
  timeline.append(events);
  return timeline;
}

export async function run({ runs, datasets, log }) {
  const smallest = datasets.stores.reduce((a, b) => (b.totalEvents < a.totalEvents ? b : a));
  const store = new SqliteEventStore({ path: smallest.path });
  let events;
  try {
    events = (await store.readStream(domain.planStreamName(smallest.target.planId))).map(domain.upcastPlanEvent);
  } finally {
    await store.close();
  }
  const rules = domain.DEFAULT_RAG_RULES;
  const { firstRecordedMs, lastRecordedMs } = smallest.target;
  const timeline = new views.PlanTimeline();
  timeline.append(events);
  const weekly = views.intervalEnds(new Date(firstRecordedMs).toISOString(), new Date(lastRecordedMs).toISOString(), 'week');
  const random = new Random(2121);
  // Untimed warm-up: the JIT sees both paths before anything is measured.
  for (let i = 0; i < 20; i++) {
    const asAt = new Date(firstRecordedMs + random.next() * (lastRecordedMs - firstRecordedMs)).toISOString();
    domain.planRagSummary(timeline.sharedStateAsAt({ asAt, time: 'recorded' }), asAt, rules);
  }
  const perRun = [];
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.();
    const replayMs = [];
    const ragMs = [];
    let actions = 0;
    for (let i = 0; i < INSTANTS_PER_RUN; i++) {
      const asAt = new Date(firstRecordedMs + random.next() * (lastRecordedMs - firstRecordedMs)).toISOString();
      let t = performance.now();
      const state = timeline.sharedStateAsAt({ asAt, time: 'recorded' });
      replayMs.push(performance.now() - t);
      t = performance.now();
      const summary = domain.planRagSummary(state, asAt, rules);
      ragMs.push(performance.now() - t);
      actions += summary.plan.actionsTotal;
    }
    // The trend and its floor each on a timeline of their own, made for them: a chart asked for the first time.
    // On the timeline above, the weekly positions' states are kept from the runs before (the process keeps
    // recently read states), so its "replays" cost nothing and the ratio would divide by almost nothing.
    const replays = freshTimeline(events);
    globalThis.gc?.();
    let t = performance.now();
    for (const asAt of weekly) replays.sharedStateAsAt({ asAt, time: 'recorded' });
    const trendReplayMs = performance.now() - t;
    const charted = freshTimeline(events);
    globalThis.gc?.();
    t = performance.now();
    const points = views.ragTrendPoints(events, weekly, 'recorded', rules, (when) => charted.sharedStateAsAt(when));
    const trendMs = performance.now() - t;
    if (points.length !== weekly.length) throw new Error('The trend has a point per week');
    const figures = {
      ragP50: quantile(ragMs, 0.5),
      ragP99: quantile(ragMs, 0.99),
      replayP50: quantile(replayMs, 0.5),
      replayP99: quantile(replayMs, 0.99),
      ratio: median(ragMs) / median(replayMs),
      meanActions: actions / INSTANTS_PER_RUN,
      trendMs,
      trendReplayMs,
      trendRatio: trendMs / trendReplayMs,
      trendRagPerPointMs: (trendMs - trendReplayMs) / weekly.length,
    };
    perRun.push(figures);
    log(`rag run ${r + 1}/${runs}: rating p50 ${figures.ragP50.toFixed(2)} ms (replay ${figures.replayP50.toFixed(2)} ms, ${figures.ratio.toFixed(2)}×); trend of ${weekly.length} weekly points ${figures.trendMs.toFixed(0)} ms (replays ${figures.trendReplayMs.toFixed(0)} ms)`);
  }
  const result = { instantsPerRun: INSTANTS_PER_RUN, events: events.length, actions: Math.round(perRun[0].meanActions), trendPoints: weekly.length };
  for (const key of Object.keys(perRun[0])) if (key !== 'meanActions') result[key] = summarise(perRun.map((f) => f[key]));
  return result;
}
