// The entry of the thread SqliteAppendWorker keeps: one connection of its own to the store's file, on which it
// runs the single all-or-nothing transaction of each large append it is sent, so those inserts never hold the main thread.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { AppendJobRow, AppendWorkerAnswer, AppendWorkerMessage } from './sqlite-append-worker.js';

interface HeadRow {
  revision: bigint;
  hash: string;
  position: bigint;
}

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };

// The file exists and is in WAL mode already (the main connection made it so); these are per connection.
const db = new Database(path, { fileMustExist: true });
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
// As on the main connection: an acknowledged append is evidence and must survive a power cut.
db.pragma('synchronous = FULL');
const selectHead = db
  .prepare<[string], HeadRow>('SELECT revision, hash, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1')
  .safeIntegers(true);
const selectLastRecordedAt = db.prepare<[], string>('SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1').pluck();
const insertEvent = db
  .prepare(`INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  .safeIntegers(true);

/** Rows of each job, as the main thread sends them chunk by chunk while it prepares them. */
const rowsOf = new Map<number, AppendJobRow[]>();

const append = db.transaction((job: Extract<AppendWorkerMessage, { kind: 'commit' }>, rows: readonly AppendJobRow[]): AppendWorkerAnswer => {
  // Under the write lock (IMMEDIATE): what the main thread chained against must still be the file's state.
  const head = selectHead.get(job.streamId);
  const lastRecordedAt = selectLastRecordedAt.get();
  const headHolds = (head?.hash ?? null) === job.headHash && (head?.revision ?? null) === job.headRevision;
  if (!headHolds || (lastRecordedAt !== undefined && lastRecordedAt > job.recordedAt)) {
    // Another process appended meanwhile: the main thread checks the expected revision and chains again.
    return { id: job.id, kind: 'stale', head: head ? { revision: head.revision, hash: head.hash, position: head.position } : null, lastRecordedAt: lastRecordedAt ?? null };
  }
  let position = -1n;
  for (const row of rows) position = BigInt(insertEvent.run(job.streamId, ...row).lastInsertRowid);
  return { id: job.id, kind: 'appended', position };
});

parentPort!.on('message', (message: AppendWorkerMessage) => {
  if (message.kind === 'checkpoint') {
    let answer: AppendWorkerAnswer;
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      answer = { id: message.id, kind: 'checkpointed', busy: result?.busy === 1, walFrames: result?.log ?? -1, backfilled: result?.checkpointed ?? -1 };
    } catch (error) {
      const { name, code, message: text } = error as { name?: unknown; code?: unknown; message?: unknown };
      answer = { id: message.id, kind: 'failed', error: { name: String(name ?? 'Error'), code: typeof code === 'string' ? code : undefined, message: String(text ?? error) } };
    }
    parentPort!.postMessage(answer);
    return;
  }
  if (message.kind === 'rows') {
    const rows = rowsOf.get(message.id);
    if (rows) rows.push(...message.rows);
    else rowsOf.set(message.id, [...message.rows]);
    return;
  }
  const rows = rowsOf.get(message.id) ?? [];
  let answer: AppendWorkerAnswer;
  try {
    if (rows.length !== message.count) throw new Error(`the append worker was sent ${rows.length} of the ${message.count} events of append ${message.id}`);
    answer = append.immediate(message, rows);
  } catch (error) {
    // A SqliteError crosses the thread as its shape (name, code, message), which the store translates.
    const { name, code, message: text } = error as { name?: unknown; code?: unknown; message?: unknown };
    answer = { id: message.id, kind: 'failed', error: { name: String(name ?? 'Error'), code: typeof code === 'string' ? code : undefined, message: String(text ?? error) } };
  }
  // Whatever the answer, these rows are spent: after a stale answer the main thread chains afresh and sends new ones.
  rowsOf.delete(message.id);
  parentPort!.postMessage(answer);
});
