/**
 * A rebuild worker (node:worker_threads, started by PlanProjector.rebuild with `workers`): folds the plan
 * streams it is given into a read-model file of its own, which the rebuilding thread then copies from.
 * Reports progress (events folded), what the projector logs (quarantines) and, at the end, how many events it folded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '#event-store';
import { dropAuditIndexes, PlanProjector } from './plan-projector.js';
import { openReadModelDatabase, startRebuild } from './read-model-database.js';

const { storePath, readModelPath, streamIds, lastPosition } = workerData as { storePath: string; readModelPath: string; streamIds: string[]; lastPosition: string };
const store = new SqliteEventStore({ path: storePath });
const db = openReadModelDatabase(readModelPath);
try {
  startRebuild(db);
  // Built once, by the rebuilding thread, over every worker's rows.
  dropAuditIndexes(db);
  const projector = new PlanProjector(store, db, (log) => parentPort!.postMessage({ log }));
  const done = await projector.projectStreams(streamIds, BigInt(lastPosition), (n) => parentPort!.postMessage({ progress: n }));
  parentPort!.postMessage({ done });
} finally {
  db.close();
  await store.close();
}
