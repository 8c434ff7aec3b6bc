/**
 * Builds benchmark stores through the real SqliteEventStore: every event is validated, hash-chained and
 * durably appended exactly as in production. The store's clock is simulated, so recorded time spans the
 * years the plans ran for (and as-at instants fall inside real history).
 */
import { rmSync } from 'node:fs';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { storeBatches, TARGET_PLAN_ID } from './plan-generator.js';

export { TARGET_PLAN_ID };

export const SEED = Number(process.env.BENCH_SEED ?? 20090312);

export function removeStoreFiles(path) {
  // force: a closing SQLite connection may remove its -wal and -shm files at the same moment.
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

/** Fill a new store file with `totalEvents` events; returns what the as-at benchmark needs to know. */
export async function buildStore(path, { totalEvents, seed = SEED, onProgress } = {}) {
  removeStoreFiles(path);
  let now = 0;
  const store = new SqliteEventStore({ path, clock: () => new Date(now) });
  const revisions = new Map();
  let appended = 0;
  let target = { first: undefined, last: undefined, events: 0 };
  const started = performance.now();
  try {
    for (const batch of storeBatches({ seed, totalEvents })) {
      now = batch.recordedMs;
      const expected = revisions.get(batch.streamId) ?? 'no_stream';
      const result = await store.appendToStream(batch.streamId, batch.events, { expectedRevision: expected });
      revisions.set(batch.streamId, result.nextExpectedRevision);
      appended += batch.events.length;
      if (batch.streamId.endsWith(TARGET_PLAN_ID)) {
        target.first ??= batch.recordedMs;
        target.last = batch.recordedMs;
        target.events += batch.events.length;
      }
      onProgress?.(appended);
    }
  } finally {
    await store.close();
  }
  return { path, totalEvents: appended, streams: revisions.size, target: { planId: TARGET_PLAN_ID, events: target.events, firstRecordedMs: target.first, lastRecordedMs: target.last }, buildSeconds: (performance.now() - started) / 1000 };
}
