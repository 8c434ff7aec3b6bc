/**
 * A rebuild worker (node:worker_threads, started by PlanProjector.rebuild with `workers`): reads only the plan
 * streams it is given, folds them in log order and hands the rows to the rebuilding thread, the one writer:
 * audit rows as they are made (in position order), then every plan's rows and the quarantine. It writes no file:
 * its read models are in memory, for what the projector itself keeps there (the quarantine it records).
 * Reports progress (events folded), what the projector logs (quarantines) and, at the end, how many events it folded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '#event-store';
import { PlanProjector, REBUILD_IN_FLIGHT, type RebuildSink, type RebuildWorkerMessage } from './plan-projector.js';
import { openReadModelDatabase, startRebuild } from './read-model-database.js';

const port = parentPort!;
/** The partitions (plan streams) to fold, one after another: only one partition's plans are held at a time. */
const { storePath, partitions, lastPosition } = workerData as { storePath: string; partitions: string[][]; lastPosition: string };
const post = (message: RebuildWorkerMessage) => port.postMessage(message);
let inFlight = 0;
let wake: (() => void) | undefined;
const onAck = () => {
  inFlight--;
  wake?.();
};
port.on('message', onAck);
let part = 0;
let folded = 0;
const sink: RebuildSink = {
  async audit(rows) {
    post({ audit: rows, part });
    inFlight++;
    while (inFlight > REBUILD_IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  },
  auditDone: () => post({ auditDone: true }),
  plans: (plans) => post({ plans }),
  progress: (progress) => post({ progress: folded + progress }),
};
const store = new SqliteEventStore({ path: storePath });
const db = openReadModelDatabase(':memory:');
try {
  startRebuild(db);
  const projector = new PlanProjector(store, db, (log) => post({ log }));
  for (const [p, streamIds] of partitions.entries()) {
    part = p;
    folded += await projector.projectStreams(streamIds, BigInt(lastPosition), sink);
  }
  // The quarantine this worker recorded in its own read models, once, at the end.
  post({ quarantined: db.prepare(`SELECT plan_id, revision, event_id, position, reason, quarantined_at FROM quarantined_plans ORDER BY plan_id`).raw().all() as unknown[][] });
  post({ done: folded });
} finally {
  port.off('message', onAck);
  db.close();
  await store.close();
}
