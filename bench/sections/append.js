/**
 * 1. Append. The same events, appended in the same shape (one event per append, then 100 per append, each
 * append one IMMEDIATE transaction, WAL with synchronous=FULL: every commit is fsynced) by:
 *   - the ledger's SqliteEventStore (validation, expected revision, hash chain, insert), with its WAL checkpoints
 *     in the background (its default) and, beside it, with SQLite's checkpoint inside the COMMIT ('on-commit'),
 *   - raw better-sqlite3 inserts of the very rows the ledger wrote, into the same table (the engine's limit): one
 *     statement run per row (the floor of the targets), and one INSERT of up to 50 rows (what the ledger does),
 *   - raw better-sqlite3 again, a statement per row, into a bare table of the same columns (rowid only: no index,
 *     constraint or trigger), so the ledger's table's own cost shows beside the floor,
 *   - Emmett's SQLite event store (its public getSQLiteEventStore API, which opens a connection per call),
 *   - Emmett's appendToStream on one connection kept open (its best case, to be fair to it).
 * The engines take turns, a block of appends each (in a rotating order), each on its own file, so every ratio
 * compares appends made side by side, under the same load: other processes on a shared 2-core machine move all
 * of them alike. run.js gives the process --expose-gc, and a full GC before every block keeps one engine's
 * garbage off another's clock.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { storeBatches, TARGET_PLAN_ID } from '../lib/plan-generator.js';
import { removeStoreFiles, SEED } from '../lib/datasets.js';
import { quantile, rotate, summarise } from '../lib/stats.js';

const TARGET_STREAM = `plan-${TARGET_PLAN_ID}`;

/**
 * The workload. Single appends: one plan's import (set-up, not timed), then its monthly entries one by one.
 * Batched appends: the other plans of a small ledger, each plan's entries in chunks of 100 appended to its own
 * stream, in the order they were recorded (as an import or a month's catch-up arrives).
 */
function workload(singleCount, batchCount) {
  const target = [];
  const pending = new Map();
  const batches = [];
  for (const batch of storeBatches({ seed: SEED, totalEvents: 10_000 + batchCount * 100 + 20_000 })) {
    if (batch.streamId === TARGET_STREAM) {
      target.push(...batch.events);
      continue;
    }
    const buffer = pending.get(batch.streamId) ?? [];
    buffer.push(...batch.events);
    while (buffer.length >= 100 && batches.length < batchCount) batches.push({ streamId: batch.streamId, events: buffer.splice(0, 100) });
    pending.set(batch.streamId, buffer);
  }
  if (batches.length < batchCount) throw new Error(`The generated ledger is too small for ${batchCount} batches`);
  const importSize = target.findIndex((e) => e.type !== 'PlanCreated' && e.type !== 'WorkstreamAdded' && e.type !== 'RecommendationAdded' && e.type !== 'ActionAdded');
  return { setup: { streamId: TARGET_STREAM, events: target.slice(0, importSize) }, singles: target.slice(importSize, importSize + singleCount).map((e) => ({ streamId: TARGET_STREAM, events: [e] })), batches };
}

const RECORDED_AT = () => new Date();

async function ledgerEngine(path, options = {}) {
  const store = new SqliteEventStore({ path, clock: RECORDED_AT, ...options });
  const revisions = new Map();
  return {
    async append({ streamId, events }) {
      const result = await store.appendToStream(streamId, events, { expectedRevision: revisions.get(streamId) ?? 'no_stream' });
      revisions.set(streamId, result.nextExpectedRevision);
    },
    // Whether a background checkpoint (on the store's worker thread) is in flight: read before and after each
    // single append, so the slow appends can be told apart by whether one overlapped them (a private field).
    checkpointing: () => store.checkpointing !== undefined,
    // The store's own connection (a private field: this is plain JavaScript reading what the store really set).
    settings: () => settingsOf(store.db),
    close: () => store.close(),
  };
}

/** journal_mode is the file's; synchronous is per connection, so it is read on the engine's own where it can be. */
function settingsOf(db) {
  return { journalMode: db.pragma('journal_mode', { simple: true }), synchronous: SYNCHRONOUS[db.pragma('synchronous', { simple: true })] };
}
const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

/** Rows exactly as the ledger stored them (same JSON, same hashes), in append order, read back from a ledger file. */
async function ledgerRows(dir, w) {
  const path = join(dir, 'rows-source.sqlite');
  removeStoreFiles(path);
  const engine = await ledgerEngine(path);
  await engine.append(w.setup);
  for (const append of [...w.singles, ...w.batches]) await engine.append(append);
  await engine.close();
  const db = new Database(path, { readonly: true });
  const rows = db.prepare('SELECT stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash FROM events ORDER BY position').raw().all();
  db.close();
  removeStoreFiles(path);
  return rows;
}

const INSERT = 'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash) VALUES ';

/**
 * A table of the same columns and types with nothing else: its rowid as the position, no other index, no UNIQUE,
 * no CHECK, no trigger. What the same rows cost SQLite when it keeps nothing an event store needs to find or guard
 * them (not even the lookup by stream and revision); shown beside the floor, whose table is the ledger's own.
 */
const BARE_TABLE = `CREATE TABLE events (
  position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
  data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL) STRICT`;

/**
 * rowsPerStatement 1: a statement run per row (the targets' floor); 50: the ledger's own multi-row INSERT.
 * table 'ledger': the ledger's own schema, created by the ledger (the same table, indexes, CHECKs and triggers);
 * 'bare': BARE_TABLE.
 */
async function rawEngine(path, rows, rowsPerStatement = 1, table = 'ledger') {
  if (table === 'ledger') await new SqliteEventStore({ path }).close();
  const db = new Database(path);
  if (table === 'bare') db.exec(BARE_TABLE);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const statements = new Map();
  const statement = (count) => {
    if (!statements.has(count)) statements.set(count, db.prepare(INSERT + new Array(count).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')));
    return statements.get(count);
  };
  const insertAll = db.transaction((batch) => {
    for (let start = 0; start < batch.length; start += rowsPerStatement) {
      const chunk = batch.slice(start, start + rowsPerStatement);
      statement(chunk.length).run(chunk.length === 1 ? chunk[0] : chunk.flat());
    }
  });
  let next = 0;
  return {
    async append({ events }) {
      insertAll.immediate(rows.slice(next, next + events.length));
      next += events.length;
    },
    settings: () => settingsOf(db),
    close: async () => db.close(),
  };
}

/**
 * Emmett 0.38 on node-sqlite3 sometimes fails a COMMIT with "SQLITE_BUSY: cannot commit transaction - SQL
 * statements in progress" (its INSERT/UPDATE … RETURNING statement is finalised asynchronously and can still
 * be open when COMMIT runs). It rolls back, so the append is simply retried, as an application would; the
 * retries are counted and reported, and their time is part of Emmett's figures.
 */
const emmettRetries = { count: 0 };
async function withBusyRetry(append) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await append();
    } catch (error) {
      if (error?.code !== 'SQLITE_BUSY' || attempt >= 10) throw error;
      emmettRetries.count += 1;
    }
  }
}

const toEmmett = (events) => events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata }));

async function emmettEngine(path, emmett) {
  const store = emmett.getSQLiteEventStore({ fileName: path });
  const versions = new Map();
  return {
    async append({ streamId, events }) {
      const version = versions.get(streamId);
      const result = await withBusyRetry(() => store.appendToStream(streamId, toEmmett(events), { expectedStreamVersion: version ?? emmett.STREAM_DOES_NOT_EXIST }));
      versions.set(streamId, result.nextExpectedStreamVersion);
    },
    // Its connections come and go per call: the settings are the file's and node-sqlite3's default connection's.
    settings: async () => {
      const connection = emmett.sqliteConnection({ fileName: path });
      const settings = { journalMode: (await connection.querySingle('PRAGMA journal_mode')).journal_mode, synchronous: SYNCHRONOUS[(await connection.querySingle('PRAGMA synchronous')).synchronous] };
      connection.close();
      return settings;
    },
    close: async () => {},
  };
}

async function emmettOpenConnectionEngine(path, emmett) {
  const connection = emmett.sqliteConnection({ fileName: path });
  await emmett.createEventStoreSchema(connection);
  const versions = new Map();
  return {
    async append({ streamId, events }) {
      const result = await withBusyRetry(() => emmett.appendToStream(connection, streamId, 'plan', toEmmett(events), { expectedStreamVersion: versions.get(streamId) ?? 0n }));
      if (!result.success) throw new Error('Emmett refused the append (expected version)');
      versions.set(streamId, result.nextStreamPosition);
    },
    settings: async () => ({ journalMode: (await connection.querySingle('PRAGMA journal_mode')).journal_mode, synchronous: SYNCHRONOUS[(await connection.querySingle('PRAGMA synchronous')).synchronous] }),
    close: async () => connection.close(),
  };
}

/**
 * The single appends slower than the p99 and how many of them a background checkpoint overlapped, beside how many
 * appends in all it overlapped: if the checkpoint made the slow ones, they would be overlapped far more often.
 */
function slowOverlaps(latencies, overlapped) {
  const p99 = quantile(latencies, 0.99);
  let slowSingles = 0;
  let slowSinglesOverlapped = 0;
  let overlappedSingles = 0;
  for (let i = 0; i < latencies.length; i++) {
    overlappedSingles += overlapped[i];
    if (latencies[i] >= p99) {
      slowSingles += 1;
      slowSinglesOverlapped += overlapped[i];
    }
  }
  return { slowSingles, slowSinglesOverlapped, overlappedSingles };
}

export async function run({ dir, runs, quick, log }) {
  const singleCount = quick ? 300 : 1_000;
  const batchCount = quick ? 60 : 200;
  const w = workload(singleCount, batchCount);
  mkdirSync(dir, { recursive: true });
  const rows = await ledgerRows(dir, w);
  const emmettSqlite = await import('@event-driven-io/emmett-sqlite');
  const { STREAM_DOES_NOT_EXIST } = await import('@event-driven-io/emmett');
  const emmett = { ...emmettSqlite, STREAM_DOES_NOT_EXIST };
  // Emmett logs every error it rolls back; the busy retries are counted instead.
  const consoleLog = console.log;
  console.log = (...args) => {
    if (args[0]?.code !== 'SQLITE_BUSY') consoleLog(...args);
  };
  const engines = {
    ledger: (path) => ledgerEngine(path),
    ledgerOnCommit: (path) => ledgerEngine(path, { walCheckpoint: 'on-commit' }),
    raw: (path) => rawEngine(path, rows),
    rawMulti: (path) => rawEngine(path, rows, 50),
    rawBare: (path) => rawEngine(path, rows, 1, 'bare'),
    emmett: (path) => emmettEngine(path, emmett),
    emmettOpen: (path) => emmettOpenConnectionEngine(path, emmett),
  };
  const names = Object.keys(engines);
  const perRun = [];
  const settings = {};
  for (let r = 0; r < runs; r++) {
    const open = {};
    for (const name of names) {
      const path = join(dir, `append-${name}.sqlite`);
      removeStoreFiles(path);
      open[name] = { path, engine: await engines[name](path), latencies: new Float64Array(w.singles.length), overlapped: new Uint8Array(w.singles.length), batchMs: 0 };
      await open[name].engine.append(w.setup);
    }
    // Blocks of appends, engine after engine in a rotating order. A full GC (untimed) before each block, so that
    // one engine's garbage is not collected on another's time: the engines share a process.
    const singleBlock = quick ? 50 : 100;
    for (let from = 0, k = 0; from < w.singles.length; from += singleBlock, k++) {
      for (const name of rotate(names, r + k)) {
        globalThis.gc?.();
        const { engine } = open[name];
        for (let i = from; i < Math.min(from + singleBlock, w.singles.length); i++) {
          const before = engine.checkpointing?.() ?? false;
          const t = performance.now();
          await engine.append(w.singles[i]);
          open[name].latencies[i] = performance.now() - t;
          if (before || (engine.checkpointing?.() ?? false)) open[name].overlapped[i] = 1;
        }
      }
    }
    // Not shorter: the untimed full GC before each block would then take most of an engine's garbage off its clock
    // (blocks of 2 in round 6 narrowed the spread, but flattered the ledger, which makes the most garbage).
    const batchBlock = quick ? 10 : 20;
    for (let from = 0, k = 0; from < w.batches.length; from += batchBlock, k++) {
      for (const name of rotate(names, r + k)) {
        globalThis.gc?.();
        const t = performance.now();
        for (let j = from; j < Math.min(from + batchBlock, w.batches.length); j++) await open[name].engine.append(w.batches[j]);
        open[name].batchMs += performance.now() - t;
      }
    }
    const figures = {};
    for (const name of names) {
      const { engine, path, latencies, overlapped, batchMs } = open[name];
      // Read from each engine's file after its appends: the durability each really ran with, not what was asked.
      if (r === 0) settings[name] = await engine.settings();
      await engine.close();
      removeStoreFiles(path);
      figures[name] = {
        singlePerSecond: w.singles.length / (latencies.reduce((a, b) => a + b, 0) / 1000),
        singleP50Ms: quantile(latencies, 0.5),
        singleP99Ms: quantile(latencies, 0.99),
        batchEventsPerSecond: (w.batches.length * 100) / (batchMs / 1000),
        ...(engine.checkpointing ? slowOverlaps(latencies, overlapped) : {}),
      };
    }
    figures.ratioToRaw = figures.ledger.batchEventsPerSecond / figures.raw.batchEventsPerSecond;
    figures.ratioToRawMulti = figures.ledger.batchEventsPerSecond / figures.rawMulti.batchEventsPerSecond;
    figures.ratioToRawBare = figures.ledger.batchEventsPerSecond / figures.rawBare.batchEventsPerSecond;
    // What the ledger's table (its indexes, CHECKs and triggers) costs raw SQLite itself, against the bare table.
    figures.rawToRawBare = figures.raw.batchEventsPerSecond / figures.rawBare.batchEventsPerSecond;
    figures.backgroundP99Ratio = figures.ledger.singleP99Ms / figures.ledgerOnCommit.singleP99Ms;
    figures.singleP99RatioToRaw = figures.ledger.singleP99Ms / figures.raw.singleP99Ms;
    figures.ratioToEmmett = figures.ledger.batchEventsPerSecond / figures.emmett.batchEventsPerSecond;
    figures.ratioToEmmettOpen = figures.ledger.batchEventsPerSecond / figures.emmettOpen.batchEventsPerSecond;
    // The ceiling any writer of the ledger's table has against Emmett's table: raw SQLite's own inserts there.
    figures.rawToEmmettOpen = figures.raw.batchEventsPerSecond / figures.emmettOpen.batchEventsPerSecond;
    figures.rawMultiToEmmettOpen = figures.rawMulti.batchEventsPerSecond / figures.emmettOpen.batchEventsPerSecond;
    figures.singleRatioToRaw = figures.ledger.singlePerSecond / figures.raw.singlePerSecond;
    figures.singleRatioToEmmett = figures.ledger.singlePerSecond / figures.emmett.singlePerSecond;
    figures.singleRatioToEmmettOpen = figures.ledger.singlePerSecond / figures.emmettOpen.singlePerSecond;
    perRun.push(figures);
    log(`append run ${r + 1}/${runs}: batched ev/s ledger ${Math.round(figures.ledger.batchEventsPerSecond)}, raw ${Math.round(figures.raw.batchEventsPerSecond)}, emmett ${Math.round(figures.emmett.batchEventsPerSecond)} / ${Math.round(figures.emmettOpen.batchEventsPerSecond)} (open) → ${figures.ratioToRaw.toFixed(2)}× raw (${figures.ratioToRawMulti.toFixed(2)}× multi-row, ${figures.ratioToRawBare.toFixed(2)}× raw on a bare table); single p99 ${figures.ledger.singleP99Ms.toFixed(2)} ms (on-commit checkpoints ${figures.ledgerOnCommit.singleP99Ms.toFixed(2)}, raw ${figures.raw.singleP99Ms.toFixed(2)}: ${figures.singleP99RatioToRaw.toFixed(2)}× raw; ${figures.ledger.slowSinglesOverlapped} of ${figures.ledger.slowSingles} at or above p99 overlapped a background checkpoint, ${figures.ledger.overlappedSingles} of ${w.singles.length} in all)`);
  }
  const pick = (f) => summarise(perRun.map(f));
  const engineFigures = (name) => ({
    singlePerSecond: pick((x) => x[name].singlePerSecond),
    singleP50Ms: pick((x) => x[name].singleP50Ms),
    singleP99Ms: pick((x) => x[name].singleP99Ms),
    batchEventsPerSecond: pick((x) => x[name].batchEventsPerSecond),
  });
  return {
    emmettBusyRetries: emmettRetries.count,
    settings,
    workload: { singleAppends: w.singles.length, batchedAppends: w.batches.length, batchedStreams: new Set(w.batches.map((b) => b.streamId)).size, eventsPerBatch: 100, meanEventBytes: Math.round(rows.reduce((n, r) => n + r[4].length + r[5].length, 0) / rows.length) },
    ledger: engineFigures('ledger'),
    ledgerOnCommit: engineFigures('ledgerOnCommit'),
    raw: engineFigures('raw'),
    rawMulti: engineFigures('rawMulti'),
    rawBare: engineFigures('rawBare'),
    emmett: engineFigures('emmett'),
    emmettOpen: engineFigures('emmettOpen'),
    ratioToRaw: pick((x) => x.ratioToRaw),
    ratioToRawMulti: pick((x) => x.ratioToRawMulti),
    ratioToRawBare: pick((x) => x.ratioToRawBare),
    rawToRawBare: pick((x) => x.rawToRawBare),
    backgroundP99Ratio: pick((x) => x.backgroundP99Ratio),
    singleP99RatioToRaw: pick((x) => x.singleP99RatioToRaw),
    ratioToEmmett: pick((x) => x.ratioToEmmett),
    ratioToEmmettOpen: pick((x) => x.ratioToEmmettOpen),
    rawToEmmettOpen: pick((x) => x.rawToEmmettOpen),
    rawMultiToEmmettOpen: pick((x) => x.rawMultiToEmmettOpen),
    slowSingles: pick((x) => x.ledger.slowSingles),
    slowSinglesOverlapped: pick((x) => x.ledger.slowSinglesOverlapped),
    overlappedSingles: pick((x) => x.ledger.overlappedSingles),
    singleRatioToRaw: pick((x) => x.singleRatioToRaw),
    singleRatioToEmmett: pick((x) => x.singleRatioToEmmett),
    singleRatioToEmmettOpen: pick((x) => x.singleRatioToEmmettOpen),
  };
}
