/**
 * 3. Projection rebuild: PlanProjector.rebuild() over the largest store (1M events; 100k with BENCH_QUICK),
 * into a fresh read-model file each run: drop, then fold every plan and write the plans and the audit log.
 */
import { join } from 'node:path';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { openReadModelDatabase, PlanProjector } from '../../dist/libs/projections/src/index.js';
import { removeStoreFiles } from '../lib/datasets.js';
import { summarise } from '../lib/stats.js';

export async function run({ dir, runs, datasets, log }) {
  const largest = datasets.stores.reduce((a, b) => (b.totalEvents > a.totalEvents ? b : a));
  const store = new SqliteEventStore({ path: largest.path });
  const perRun = [];
  try {
    for (let r = 0; r < runs; r++) {
      const file = join(dir, 'read-models.sqlite');
      removeStoreFiles(file);
      const db = openReadModelDatabase(file);
      const projector = new PlanProjector(store, db);
      const started = performance.now();
      const done = await projector.rebuild();
      const seconds = (performance.now() - started) / 1000;
      await projector.stop();
      db.close();
      removeStoreFiles(file);
      if (done !== largest.totalEvents) throw new Error(`The rebuild projected ${done} events, not the ${largest.totalEvents} in the store`);
      perRun.push({ eventsPerSecond: done / seconds, seconds });
      log(`rebuild run ${r + 1}/${runs}: ${done} events in ${seconds.toFixed(1)} s (${Math.round(done / seconds)} events/s)`);
    }
  } finally {
    await store.close();
  }
  return { events: largest.totalEvents, plans: largest.streams, eventsPerSecond: summarise(perRun.map((x) => x.eventsPerSecond)), seconds: summarise(perRun.map((x) => x.seconds)) };
}
