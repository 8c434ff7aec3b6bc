/**
 * The ledger's CPU per appended event against raw better-sqlite3's, with the fsync taken out: 100-event appends
 * of 20,000 generated events, `synchronous = OFF` on every connection, process.cpuUsage, the minimum of ROUNDS
 * rounds. Not part of `npm run bench` (which measures durable appends): a profiling aid for the store's own
 * work, usable on another build of the project to compare two commits in the same minutes.
 *
 *   node --expose-gc bench/lib/append-cpu-probe.js [project root with a built dist/, default this one]
 *   ROUNDS=7 ONLY_LEDGER=1 node --expose-gc --cpu-prof bench/lib/append-cpu-probe.js
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { storeBatches } from './plan-generator.js';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('../..', import.meta.url)));
const { SqliteEventStore } = await import(pathToFileURL(join(root, 'dist/libs/event-store/src/index.js')).href);
const EVENTS = 20_000;
const rounds = Number(process.env.ROUNDS ?? 5);
const batches = [];
const pending = new Map();
for (const batch of storeBatches({ seed: 20090312, totalEvents: EVENTS + 20_000 })) {
  const buffer = pending.get(batch.streamId) ?? [];
  buffer.push(...batch.events);
  while (buffer.length >= 100 && batches.length < EVENTS / 100) batches.push({ streamId: batch.streamId, events: buffer.splice(0, 100) });
  pending.set(batch.streamId, buffer);
}
const remove = (path) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
};
const perEvent = async (work) => {
  globalThis.gc?.();
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / EVENTS;
};
const best = { ledger: Infinity, raw: Infinity };
const path = join(tmpdir(), `append-cpu-probe-${process.pid}.sqlite`);
let rows;
for (let round = 0; round < rounds; round++) {
  remove(path);
  // 'on-commit': no checkpoint on the worker thread, whose CPU process.cpuUsage would count. Older builds ignore it.
  const store = new SqliteEventStore({ path, walCheckpoint: 'on-commit' });
  store.db.pragma('synchronous = OFF');
  const revisions = new Map();
  best.ledger = Math.min(best.ledger, await perEvent(async () => {
    for (const { streamId, events } of batches) {
      const result = await store.appendToStream(streamId, events, { expectedRevision: revisions.get(streamId) ?? 'no_stream' });
      revisions.set(streamId, result.nextExpectedRevision);
    }
  }));
  await store.close();
  if (!rows) {
    const db = new Database(path, { readonly: true });
    rows = db.prepare('SELECT stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash FROM events ORDER BY position').raw().all();
    db.close();
  }
  if (process.env.ONLY_LEDGER) continue;
  remove(path);
  await new SqliteEventStore({ path }).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare('INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertAll = db.transaction((batch) => {
    for (const row of batch) insert.run(row);
  });
  best.raw = Math.min(best.raw, await perEvent(() => {
    for (let i = 0; i < rows.length; i += 100) insertAll.immediate(rows.slice(i, i + 100));
  }));
  db.close();
}
remove(path);
console.log(`${root}: ledger ${best.ledger.toFixed(2)} µs of CPU per event${Number.isFinite(best.raw) ? `, raw better-sqlite3 ${best.raw.toFixed(2)} µs (${(best.raw / best.ledger).toFixed(2)}×)` : ''} (min of ${rounds})`);
