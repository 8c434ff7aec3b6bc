/**
 * A rebuild worker (node:worker_threads, started by PlanProjector.rebuild with `workers`): reads only the plan
 * streams it is given, folds them in log order and hands the rows to the rebuilding thread, the one writer:
 * audit rows as they are made (in position order), then every plan's rows and the quarantine. It writes no file:
 * its read models are in memory, for what the projector itself keeps there (the quarantine it records).
 * Reports progress (events folded), what the projector logs (quarantines) and, at the end, how many events it folded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '#event-store';
import { PlanProjector, type RebuildSink, type RebuildWorkerMessage } from './plan-projector.js';
import { openReadModelDatabase, startRebuild } from './read-model-database.js';

/**
 * Audit-row batches sent and not yet taken by the writer, at most: enough to keep the writer busy, few enough
 * that a worker ahead of the others (whose rows the writer cannot merge yet) does not pile the log up in memory.
 */
const IN_FLIGHT = 8;

const port = parentPort!;
const { storePath, streamIds, lastPosition } = workerData as { storePath: string; streamIds: string[]; lastPosition: string };
const post = (message: RebuildWorkerMessage) => port.postMessage(message);
let inFlight = 0;
let wake: (() => void) | undefined;
const onAck = () => {
  inFlight--;
  wake?.();
};
port.on('message', onAck);
const sink: RebuildSink = {
  async audit(rows) {
    post({ audit: rows });
    inFlight++;
    while (inFlight > IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  },
  auditDone: () => post({ auditDone: true }),
  plans: (plans) => post({ plans }),
  quarantined: (quarantined) => post({ quarantined }),
  progress: (progress) => post({ progress }),
};
const store = new SqliteEventStore({ path: storePath });
const db = openReadModelDatabase(':memory:');
try {
  startRebuild(db);
  const projector = new PlanProjector(store, db, (log) => post({ log }));
  const done = await projector.projectStreams(streamIds, BigInt(lastPosition), sink);
  post({ done });
} finally {
  port.off('message', onAck);
  db.close();
  await store.close();
}
