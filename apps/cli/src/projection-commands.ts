import type { EventStore } from '#event-store';
import { openReadModelDatabase, PlanProjector, ReadModelsInUseError } from '#projections';

/**
 * `ledger rebuild-projections`: drop the read models and rebuild them from every event, with a
 * progress bar on stderr. Refused, with nothing touched, while an API projects into the same file.
 */
export async function rebuildProjections(store: EventStore, readModelPath: string, out: (line: string) => void, progress: NodeJS.WriteStream = process.stderr): Promise<number> {
  const total = await countEvents(store);
  const db = openReadModelDatabase(readModelPath);
  const started = Date.now();
  try {
    const projector = new PlanProjector(store, db);
    let done: number;
    try {
      done = await projector.rebuild((count) => drawBar(progress, count, total));
    } catch (error) {
      if (!(error instanceof ReadModelsInUseError)) throw error;
      out(`Refused: ${error.message}`);
      return 1;
    }
    if (progress.isTTY) progress.write('\n');
    const seconds = (Date.now() - started) / 1000;
    out(`Rebuilt the read models from ${done} events in ${seconds.toFixed(1)} s (${Math.round(done / Math.max(seconds, 0.001))} events/s) into ${readModelPath}.`);
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

function drawBar(stream: NodeJS.WriteStream, done: number, total: number): void {
  const width = 30;
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} events`;
  if (stream.isTTY) stream.write(`\r${line}`);
  else if (done === total) stream.write(`${line}\n`);
}
