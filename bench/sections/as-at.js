/**
 * 2. As-at replay: PlanHistory.sharedStateAsAt (the replay every read is served from; stateAsAt adds a detached
 * deep copy for a caller that changes what it is given) on one plan of 10k events, at random instants, in recorded and in
 * effective time, with 10k, 100k and 1M events in the store. The three stores are queried in turn inside
 * each run, so "1M ÷ 10k" is a ratio taken under the same conditions: it should stay near 1 (the cost
 * follows the plan, not the store).
 *
 * Every query in a run uses a fresh PlanHistory, first one cold query (what the first inspector to open a
 * plan after a restart waits), then warm ones; only the warm ones make the p50/p99.
 */
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { PlanHistory } from '../../dist/libs/projections/src/index.js';
import { Random } from '../lib/random.js';
import { quantile, rotate, summarise } from '../lib/stats.js';

/** Warm queries per store, time axis and run: a replay takes a fraction of a millisecond, and a p50 of 40 moved by a fifth between runs. */
const QUERIES_PER_RUN = 200;
const DAY_MS = 86_400_000;

export async function run({ runs, datasets, log }) {
  const stores = datasets.stores.map((d) => ({ ...d, store: new SqliteEventStore({ path: d.path }) }));
  const random = new Random(4242);
  const perRun = [];
  try {
    for (let r = 0; r < runs; r++) {
      const figures = {};
      // The same instants for every store in a run (as fractions of the plan's life, which each store's copy of
      // the plan spans alike): where an instant falls between snapshots sets what a replay folds, so stores asked
      // at different instants would compare the draws, not the stores.
      const fractionsOf = { recorded: fractions(random), effective: fractions(random) };
      for (const d of rotate(stores, r)) {
        for (const time of ['recorded', 'effective']) {
          const history = new PlanHistory(d.store);
          const { firstRecordedMs, lastRecordedMs, planId } = d.target;
          // Effective instants span the plan's life, from the month before its import to its last entry.
          const from = time === 'recorded' ? firstRecordedMs : firstRecordedMs - 30 * DAY_MS;
          const instants = fractionsOf[time].map((u) => new Date(from + u * (lastRecordedMs - from)).toISOString());
          const latencies = [];
          let cold = 0;
          let events = 0;
          for (let i = 0; i < instants.length; i++) {
            const started = performance.now();
            const state = await history.sharedStateAsAt(planId, { asAt: instants[i], time });
            const ms = performance.now() - started;
            if (i === 0) cold = ms;
            else latencies.push(ms);
            events += state.history.length;
          }
          figures[`${d.totalEvents}/${time}`] = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), cold, meanEventsFolded: Math.round(events / instants.length) };
        }
      }
      const sizes = stores.map((d) => d.totalEvents);
      const smallest = Math.min(...sizes);
      const largest = Math.max(...sizes);
      for (const time of ['recorded', 'effective']) figures[`ratio/${time}`] = figures[`${largest}/${time}`].p50 / figures[`${smallest}/${time}`].p50;
      perRun.push(figures);
      log(`as-at run ${r + 1}/${runs}: ${Object.entries(figures).filter(([k]) => !k.startsWith('ratio')).map(([k, v]) => `${k} p50 ${v.p50.toFixed(2)} ms`).join(', ')}`);
    }
  } finally {
    for (const d of stores) await d.store.close();
  }
  const result = { queriesPerRun: QUERIES_PER_RUN, targetPlanEvents: stores[0].target.events, sizes: stores.map((d) => d.totalEvents), cells: {} };
  for (const key of Object.keys(perRun[0])) {
    if (key.startsWith('ratio/')) result.cells[key] = summarise(perRun.map((f) => f[key]));
    else result.cells[key] = { p50: summarise(perRun.map((f) => f[key].p50)), p99: summarise(perRun.map((f) => f[key].p99)), cold: summarise(perRun.map((f) => f[key].cold)), meanEventsFolded: perRun[0][key].meanEventsFolded };
  }
  return result;
}

/** One cold and QUERIES_PER_RUN warm instants, as fractions of the span asked about. */
function fractions(random) {
  return Array.from({ length: QUERIES_PER_RUN + 1 }, () => random.next());
}
