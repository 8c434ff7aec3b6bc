/**
 * 3. Projection rebuild over the largest store (1M events; 100k with BENCH_QUICK), into a fresh read-model file
 * each time, three ways taking turns within each run (the order rotates from run to run):
 *   single:   PlanProjector.rebuild(): drop, then fold every plan and write the plans and the audit log.
 *   parallel: PlanProjector.rebuild(…, { workers, storePath }): the plans shared out among `workers` threads
 *             (one per core): this one and workers − 1 worker threads, each folding its own; this thread writes
 *             every row and builds the indexes, so it folds a smaller share.
 *   floor:    the same work with no domain work: read the log in the rebuild's pages (each row's JSON parsed,
 *             as the store does), insert the same audit rows, plan rows and action rows (taken beforehand from
 *             a rebuilt file) with the rebuild's pragmas, then build the same indexes.
 * Then each rebuild once more in a process of its own, for its peak memory (the process's peak RSS, and the
 * heap's at each progress report): one thread, the plans partitioned by PARTITION_EVENTS (the default; the
 * quick store fits one partition, every plan held), one thread with partitions of MEMORY_PARTITION events (about
 * a plan each: what a ledger larger than a partition costs), and the workers.
 * Each way's CPU time (every thread of the process) is reported beside its wall time, and on Linux each thread's
 * (/proc): the main thread's, the worker threads' and the helpers' (V8's collector, SQLite's sorter). From them,
 * what the work would take on an idle machine of this many cores: no less than its busiest thread, nor than all of
 * its CPU time shared over the cores. On a loaded machine that is the only fair reading of the workers' speed-up.
 */
import Database from 'better-sqlite3';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { dropAuditIndexes, openReadModelDatabase, PARTITION_EVENTS, PlanProjector, finishRebuild, startRebuild } from '../../dist/libs/projections/src/index.js';
import { removeStoreFiles } from '../lib/datasets.js';
import { measureThreadCpu } from '../lib/thread-cpu.js';
import { rotate, summarise } from '../lib/stats.js';

const PAGE = 2_000;
const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/** Partitions of about a plan each for the memory pass (the bench's plans have 2k–10k events). */
const MEMORY_PARTITION = 10_000;

/** One rebuild in a child process: its peak RSS and the largest heap seen at its progress reports. */
function memoryInChild(storePath, file, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'rebuild-memory', storePath, file, JSON.stringify(options)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code, signal) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`The memory rebuild failed (exit ${code ?? signal})`))));
  });
}

async function memoryChildMain(storePath, file, options) {
  removeStoreFiles(file);
  const store = new SqliteEventStore({ path: storePath });
  const db = openReadModelDatabase(file);
  let peakHeapBytes = 0;
  const projector = new PlanProjector(store, db, () => {});
  const started = performance.now();
  await projector.rebuild(() => {
    peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
  }, JSON.parse(options));
  const seconds = (performance.now() - started) / 1000;
  await projector.stop();
  db.close();
  await store.close();
  removeStoreFiles(file);
  process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, peakHeapBytes, seconds }));
}

/** The rows a rebuild writes, in memory, to be written again by the floor. */
function rowsOf(file) {
  const db = new Database(file, { readonly: true });
  try {
    const all = (sql) => db.prepare(sql).raw().all();
    return { audit: all('SELECT * FROM audit_log ORDER BY position'), plans: all('SELECT * FROM plans'), actions: all('SELECT * FROM plan_actions') };
  } finally {
    db.close();
  }
}

async function floor(store, file, rows) {
  const db = openReadModelDatabase(file);
  try {
    startRebuild(db);
    const indexes = dropAuditIndexes(db);
    const insertAudit = db.prepare(`INSERT OR IGNORE INTO audit_log VALUES (${rows.audit[0].map(() => '?').join(', ')})`);
    const insertPlan = db.prepare(`INSERT INTO plans VALUES (${rows.plans[0].map(() => '?').join(', ')})`);
    const insertAction = db.prepare(`INSERT INTO plan_actions VALUES (?, ?, ?)`);
    let read = 0;
    let from;
    let next = 0;
    for (;;) {
      const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
      if (page.length === 0) break;
      read += page.length;
      from = page[page.length - 1].position;
      // One audit row per event read, in the rebuild's chunks of 500.
      for (let start = 0; start < page.length; start += 500) {
        const end = Math.min(next + Math.min(500, page.length - start), rows.audit.length);
        db.transaction(() => {
          for (; next < end; next++) insertAudit.run(rows.audit[next]);
        })();
      }
    }
    db.transaction(() => {
      for (const row of rows.plans) insertPlan.run(row);
      for (const row of rows.actions) insertAction.run(row);
    })();
    // Sorted as the rebuild sorts them, with SQLite's helper threads.
    db.pragma('threads = 2');
    db.transaction(() => {
      for (const { sql } of indexes) db.exec(sql);
    })();
    db.pragma('threads = 0');
    finishRebuild(db);
    return read;
  } finally {
    db.close();
  }
}

async function rebuild(store, file, options) {
  const db = openReadModelDatabase(file);
  try {
    const projector = new PlanProjector(store, db, () => {});
    const done = await projector.rebuild(undefined, options);
    await projector.stop();
    return done;
  } finally {
    db.close();
  }
}

function counts(file) {
  const db = new Database(file, { readonly: true });
  try {
    return ['plans', 'plan_actions', 'audit_log'].map((table) => db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n).join('/');
  } finally {
    db.close();
  }
}

export async function run({ dir, runs, datasets, log }) {
  const largest = datasets.stores.reduce((a, b) => (b.totalEvents > a.totalEvents ? b : a));
  const workers = os.availableParallelism?.() ?? os.cpus().length;
  const store = new SqliteEventStore({ path: largest.path });
  const perRun = [];
  let rows;
  try {
    // The floor writes the rows a rebuild writes: take them from one (untimed).
    const reference = join(dir, 'reference.sqlite');
    removeStoreFiles(reference);
    await rebuild(store, reference, {});
    rows = rowsOf(reference);
    const expected = counts(reference);
    removeStoreFiles(reference);
    const ways = {
      single: (file) => rebuild(store, file, {}),
      parallel: (file) => rebuild(store, file, { workers, storePath: largest.path }),
      floor: (file) => floor(store, file, rows),
    };
    for (let r = 0; r < runs; r++) {
      const figures = {};
      for (const way of rotate(Object.keys(ways), r)) {
        const file = join(dir, `read-models-${way}.sqlite`);
        removeStoreFiles(file);
        globalThis.gc?.();
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        const stopThreads = measureThreadCpu();
        const done = await ways[way](file);
        const seconds = (performance.now() - started) / 1000;
        // Every thread of this process (the workers included): what the work cost, whatever else the machine runs.
        const cpu = process.cpuUsage(cpuBefore);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        const threads = stopThreads();
        if (done !== largest.totalEvents) throw new Error(`The ${way} rebuild read ${done} events, not the ${largest.totalEvents} in the store`);
        if (way !== 'floor' && counts(file) !== expected) throw new Error(`The ${way} rebuild wrote ${counts(file)} rows (plans/actions/audit), not ${expected}`);
        removeStoreFiles(file);
        // The worker threads (one fewer than the threads folding: the rebuilding thread folds a share too) are the busiest
        // threads begun during the run (SQLite's sorter threads, begun for the indexes, are brief).
        const workerThreads = way === 'parallel' && threads ? threads.started.slice(0, workers - 1) : [];
        const busiest = threads ? Math.max(threads.main, ...workerThreads) : cpuSeconds;
        figures[way] = {
          eventsPerSecond: done / seconds,
          seconds,
          cpuSeconds,
          mainThreadSeconds: threads?.main,
          workerThreadSeconds: workerThreads,
          // The wall time an idle machine of `workers` cores would need at least: the busiest thread, or all the CPU time shared out.
          idleSeconds: Math.max(busiest, cpuSeconds / workers),
        };
        log(
          `rebuild run ${r + 1}/${runs}, ${way}: ${done} events in ${seconds.toFixed(1)} s (${Math.round(done / seconds)} events/s), ${cpuSeconds.toFixed(1)} s of CPU` +
            (threads ? ` (main thread ${threads.main.toFixed(1)} s${workerThreads.length ? `, workers ${workerThreads.map((t) => t.toFixed(1)).join(' + ')} s` : ''}, helpers ${threads.others.toFixed(1)} s)` : '') +
            `, ${(cpuSeconds / seconds).toFixed(2)} cores' worth, load ${os.loadavg()[0].toFixed(1)}`,
        );
      }
      perRun.push(figures);
    }
  } finally {
    await store.close();
  }
  const memory = {};
  for (const [name, options] of [
    ['single', {}],
    ['partitioned', { partitionEvents: MEMORY_PARTITION }],
    ['parallel', { workers, storePath: largest.path }],
  ]) {
    memory[name] = await memoryInChild(largest.path, join(dir, `read-models-memory.sqlite`), options);
    log(`rebuild memory, ${name}: peak RSS ${(memory[name].maxRssBytes / 2 ** 20).toFixed(0)} MiB, heap at most ${(memory[name].peakHeapBytes / 2 ** 20).toFixed(0)} MiB (${memory[name].seconds.toFixed(1)} s)`);
  }
  const pick = (f) => summarise(perRun.map(f));
  const way = (name) => ({
    eventsPerSecond: pick((x) => x[name].eventsPerSecond),
    seconds: pick((x) => x[name].seconds),
    cpuSeconds: pick((x) => x[name].cpuSeconds),
    // How many of the machine's cores the work had, on average: CPU time over wall time.
    cores: pick((x) => x[name].cpuSeconds / x[name].seconds),
    ...(perRun[0][name].mainThreadSeconds !== undefined && {
      mainThreadSeconds: pick((x) => x[name].mainThreadSeconds),
      workerThreadSeconds: perRun[0][name].workerThreadSeconds.map((_, i) => pick((x) => x[name].workerThreadSeconds[i] ?? 0)),
      idleSeconds: pick((x) => x[name].idleSeconds),
    }),
  });
  return {
    events: largest.totalEvents,
    plans: largest.streams,
    workers,
    cpus: os.cpus().length,
    single: way('single'),
    parallel: way('parallel'),
    floor: way('floor'),
    singleRatioToFloor: pick((x) => x.floor.seconds / x.single.seconds),
    parallelRatioToFloor: pick((x) => x.floor.seconds / x.parallel.seconds),
    speedup: pick((x) => x.single.seconds / x.parallel.seconds),
    parallelCpuRatio: pick((x) => x.parallel.cpuSeconds / x.single.cpuSeconds),
    // From the CPU times: what the same work would give on an idle machine of this many cores (see the header).
    idleSpeedup: pick((x) => x.single.idleSeconds / x.parallel.idleSeconds),
    idleSingleRatioToFloor: pick((x) => x.floor.idleSeconds / x.single.idleSeconds),
    idleParallelRatioToFloor: pick((x) => x.floor.idleSeconds / x.parallel.idleSeconds),
    memory: { ...memory, partitionEvents: PARTITION_EVENTS, memoryPartitionEvents: MEMORY_PARTITION },
    loadAverage: os.loadavg()[0],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'rebuild-memory') {
  await memoryChildMain(process.argv[3], process.argv[4], process.argv[5]);
}
