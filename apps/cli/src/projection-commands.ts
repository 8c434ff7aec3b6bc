import type { EventStore } from '#event-store';
import { openReadModelDatabase, PlanProjector, ReadModelsInUseError } from '#projections';
import { ProgressDisplay, type ProgressStream } from './progress-display.js';

/**
 * `ledger rebuild-projections`: drop the read models and rebuild them from every event, with progress on
 * stderr; on a SQLite store the plans are folded in worker threads (`--workers`, one per core by default). Refused, with nothing touched, while an API projects into the same file.
 */
export async function rebuildProjections(
  store: EventStore,
  readModelPath: string,
  io: { out: (line: string) => void; err: (line: string) => void; progress: ProgressStream },
  options: { json?: boolean; forceProgress?: boolean; workers?: number; storePath?: string } = {},
): Promise<number> {
  const total = await countEvents(store);
  const db = openReadModelDatabase(readModelPath);
  const started = Date.now();
  const display = new ProgressDisplay({ command: 'rebuild-projections', stream: io.progress, force: options.forceProgress === true });
  try {
    const projector = new PlanProjector(store, db);
    let done: number;
    try {
      display.update('projecting', 0, total, 'events');
      // Worker threads read the store's file themselves: only for a SQLite store.
      done = await projector.rebuild((count) => display.update('projecting', count, total, 'events'), { workers: options.workers, storePath: options.storePath });
    } catch (error) {
      display.finish();
      if (!(error instanceof ReadModelsInUseError)) throw error;
      io.err(`Refused: ${error.message}`);
      return 1;
    }
    display.finish();
    const seconds = (Date.now() - started) / 1000;
    const perSecond = Math.round(done / Math.max(seconds, 0.001));
    if (options.json) io.out(JSON.stringify({ events: done, seconds, eventsPerSecond: perSecond, readModelPath }, null, 2));
    else io.out(`Rebuilt the read models from ${done} events in ${seconds.toFixed(1)} s (${perSecond} events/s) into ${readModelPath}.`);
    return 0;
  } finally {
    db.close();
  }
}

async function countEvents(store: EventStore): Promise<number> {
  let count = 0;
  let from: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: 10_000 });
    if (page.length === 0) return count;
    count += page.length;
    from = page[page.length - 1]!.position;
  }
}
