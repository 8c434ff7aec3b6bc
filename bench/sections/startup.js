/**
 * 7. Start-up and catch-up, over the largest store (1M events; 100k with BENCH_QUICK):
 *   start:    the real API process as `npm start` runs it (`node dist/api/main.js`, the bundle apps/api/build.mjs
 *             makes; configured by environment as in production) on a copy of the store with its read models
 *             up to date, timed from spawn to the first successful response (GET /health, polled every 5 ms);
 *             one untimed start first (it creates the signing keys and warms the file cache). Beside it, turn
 *             about in each run, the same app unbundled (`node dist/apps/api/src/main.js`, tsc's output: what
 *             `npm start` ran before round 4), so the bundle's gain is a same-run ratio; and the bundle on an
 *             empty ledger (the floor: what a start costs with nothing stored), so "large ÷ empty" shows whether
 *             anything on the start grows with the store (1× if nothing does). Besides the process's CPU time
 *             (every thread), the main thread's: on an idle machine the start's wall time comes near it.
 *   catch-up: PlanProjector.start() on a read-model file projected up to N events before the end of the log
 *             (N = 1,000 and 10,000), so N events are unprojected: the cost should follow N, not the store.
 * The read-model files are made once per data set (and kept beside it in BENCH_DATA_DIR): a rebuild over a view
 * of the store that ends 10,000 events early, then catch-ups over views ending 1,000 early and at the end.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import os from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { openReadModelDatabase, PlanProjector } from '../../dist/libs/projections/src/index.js';
import { removeStoreFiles } from '../lib/datasets.js';
import { summarise } from '../lib/stats.js';
import { cpuMsOf } from '../lib/process-cpu.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UNBUNDLED = join(ROOT, 'dist/apps/api/src/main.js');
/** What `npm start` runs; a build from before round 4 has no bundle, and then only the unbundled start is timed. */
const BUNDLED = join(ROOT, 'dist/api/main.js');
const BEHIND = [1_000, 10_000];

/** The store as it stood at `lastPosition`: what a projector would have seen then (reads only). */
function storeEndingAt(store, lastPosition) {
  return {
    async readAll(options = {}) {
      return (await store.readAll(options)).filter((event) => event.position <= lastPosition);
    },
    async readStream(streamId, options) {
      return (await store.readStream(streamId, options)).filter((event) => event.position <= lastPosition);
    },
    async readAllOfTypes(types) {
      return (await store.readAllOfTypes(types)).filter((event) => event.position <= lastPosition);
    },
    async readEventsById(eventIds) {
      return (await store.readEventsById(eventIds)).filter((event) => event.position <= lastPosition);
    },
    listStreams: (prefix) => store.listStreams(prefix),
    streamSummary: (streamId) => store.streamSummary(streamId),
    subscribeToAll() {
      return { close: async () => {} };
    },
  };
}

/** What the read-model files depend on: if none of it changed, those kept beside the data set are reused. */
function readModelFingerprint(storePath) {
  const hash = createHash('sha256').update(storePath);
  for (const lib of ['projections', 'plan-views', 'domain', 'event-store']) {
    const dir = join(ROOT, 'dist/libs', lib, 'src');
    for (const file of readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js')).sort()) hash.update(relative(ROOT, join(dir, file))).update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function project(store, file, { rebuild, storePath }) {
  const db = openReadModelDatabase(file);
  try {
    const projector = new PlanProjector(store, db, () => {});
    // The workers read the store's file and stop at the view's last position, as the view does.
    if (rebuild) await projector.rebuild(undefined, { workers: os.availableParallelism?.() ?? os.cpus().length, storePath });
    else await projector.start();
    await projector.stop();
    return projector.checkpoint;
  } finally {
    db.close();
  }
}

/** Read-model files `behind` events short of the log's end, for each of BEHIND and 0 (up to date). */
async function readModelFiles(largest, log) {
  const cache = join(dirname(largest.path), `read-models-${largest.totalEvents}`);
  const fingerprint = readModelFingerprint(largest.path);
  const files = new Map([0, ...BEHIND].map((behind) => [behind, join(cache, `behind-${behind}.sqlite`)]));
  const manifest = join(cache, 'fingerprint');
  if (existsSync(manifest) && readFileSync(manifest, 'utf8') === fingerprint && [...files.values()].every((f) => existsSync(f))) return files;
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  const store = new SqliteEventStore({ path: largest.path });
  try {
    const lastPosition = lastPositionOf(largest.path);
    const ordered = [...files.keys()].sort((a, b) => b - a);
    let previous;
    for (const behind of ordered) {
      const file = files.get(behind);
      const started = performance.now();
      // Each file carries on from the one before (a catch-up), the first from nothing (a rebuild).
      if (previous) copyFileSync(previous, file);
      const checkpoint = await project(storeEndingAt(store, lastPosition - BigInt(behind)), file, { rebuild: !previous, storePath: largest.path });
      if (checkpoint !== lastPosition - BigInt(behind)) throw new Error(`The read models reached position ${checkpoint}, not ${lastPosition - BigInt(behind)}`);
      log(`read models ${behind} events behind the end: made in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      previous = file;
    }
  } finally {
    await store.close();
  }
  writeFileSync(manifest, fingerprint);
  return files;
}

function lastPositionOf(path) {
  const db = new Database(path, { readonly: true });
  try {
    return BigInt(db.prepare('SELECT max(position) AS last FROM events').get().last);
  } finally {
    db.close();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function healthy(port) {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/health', timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode >= 200 && response.statusCode < 300);
    });
    request.once('error', () => resolve(false));
    request.once('timeout', () => (request.destroy(), resolve(false)));
  });
}


/** Spawn the API and time it to its first successful response; then stop it. */
async function timeStart(work, port, profileDir, main) {
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    LEDGER_DB_PATH: join(work, 'ledger.sqlite'),
    LEDGER_READ_MODEL_PATH: join(work, 'read-models.sqlite'),
    LEDGER_EVIDENCE_DIR: join(work, 'evidence'),
    LEDGER_SIGNING_KEY_DIR: join(work, 'keys'),
    LEDGER_HOST: '127.0.0.1',
    LEDGER_PORT: String(port),
    LEDGER_DEMO: 'false',
  };
  const args = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, main] : [main];
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`The API exited before it answered:\n${stderr}`);
      if (await healthy(port)) return { ms: performance.now() - started, cpuMs: cpuMsOf(child.pid) ?? NaN, mainCpuMs: cpuMsOf(child.pid, child.pid) ?? NaN };
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (performance.now() - started > 600_000) throw new Error('The API did not answer within 10 minutes');
    }
  } finally {
    if (!exited) await new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM')));
  }
}

export async function run({ dir, runs, datasets, log }) {
  const largest = datasets.stores.reduce((a, b) => (b.totalEvents > a.totalEvents ? b : a));
  const files = await readModelFiles(largest, log);
  const work = join(dir, 'api');
  // The floor: the same start on a ledger with nothing in it (the app makes its files on the untimed start).
  const empty = join(dir, 'api-empty');
  for (const folder of [work, empty]) {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
  }
  const starts = [];
  const startCpu = [];
  const startMainCpu = [];
  const emptyStarts = [];
  const emptyCpu = [];
  const emptyMainCpu = [];
  const unbundledStarts = [];
  const unbundledCpu = [];
  const bundled = existsSync(BUNDLED);
  const catchUps = new Map(BEHIND.map((n) => [n, []]));
  try {
    copyFileSync(largest.path, join(work, 'ledger.sqlite'));
    copyFileSync(files.get(0), join(work, 'read-models.sqlite'));
    const port = await freePort();
    const profiles = process.env.BENCH_PROFILE === '1' ? join(dir, '..', 'profiles') : undefined;
    const main = bundled ? BUNDLED : UNBUNDLED;
    log(`API start (untimed warm-up): ${(await timeStart(work, port, undefined, main)).ms.toFixed(0)} ms`);
    log(`API start on an empty ledger (untimed warm-up): ${(await timeStart(empty, port, undefined, main)).ms.toFixed(0)} ms`);
    const kinds = bundled ? ['npm start', 'unbundled', 'empty'] : ['npm start', 'empty'];
    for (let r = 0; r < runs; r++) {
      // Turn about, the order rotated each run, so none always follows another.
      const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]);
      for (const which of order) {
        const file = which === 'unbundled' ? UNBUNDLED : main;
        const profileDir = profiles && r === 0 ? join(profiles, { 'npm start': 'startup-api', unbundled: 'startup-api-unbundled', empty: 'startup-api-empty' }[which]) : undefined;
        const { ms, cpuMs, mainCpuMs } = await timeStart(which === 'empty' ? empty : work, port, profileDir, file);
        if (which === 'npm start') starts.push(ms), startCpu.push(cpuMs), startMainCpu.push(mainCpuMs);
        else if (which === 'unbundled') unbundledStarts.push(ms), unbundledCpu.push(cpuMs);
        else emptyStarts.push(ms), emptyCpu.push(cpuMs), emptyMainCpu.push(mainCpuMs);
        const what = { 'npm start': relative(ROOT, main), unbundled: `unbundled, ${relative(ROOT, UNBUNDLED)}`, empty: `${relative(ROOT, main)} on an empty ledger` }[which];
        log(`API start run ${r + 1}/${runs} (${what}): first response ${ms.toFixed(0)} ms after spawn, ${cpuMs} ms of CPU (main thread ${mainCpuMs} ms)`);
      }
    }
    const store = new SqliteEventStore({ path: largest.path });
    try {
      for (let r = 0; r < runs; r++) {
        for (const behind of BEHIND) {
          const file = join(work, `catch-up-${behind}.sqlite`);
          removeStoreFiles(file);
          copyFileSync(files.get(behind), file);
          const db = openReadModelDatabase(file);
          const projector = new PlanProjector(store, db, () => {});
          const before = projector.checkpoint;
          // As the other sections do before a timed run: the heap the run before left (a 10,000-event catch-up's
          // garbage) is collected now, not inside the next catch-up's time.
          globalThis.gc?.();
          const started = performance.now();
          await projector.start();
          const ms = performance.now() - started;
          const caughtUp = Number(projector.checkpoint - before);
          await projector.stop();
          db.close();
          removeStoreFiles(file);
          if (caughtUp !== behind) throw new Error(`The catch-up projected ${caughtUp} events, not ${behind}`);
          catchUps.get(behind).push(ms);
          log(`catch-up run ${r + 1}/${runs}: ${behind} unprojected events in ${ms.toFixed(0)} ms`);
        }
      }
    } finally {
      await store.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  }
  const catchUp = Object.fromEntries(BEHIND.map((n) => [n, summarise(catchUps.get(n))]));
  const ratios = [];
  for (let r = 0; r < runs; r++) ratios.push(catchUps.get(BEHIND[1])[r] / catchUps.get(BEHIND[0])[r]);
  const unbundled = bundled
    ? { startMs: summarise(unbundledStarts), startCpuMs: summarise(unbundledCpu), cpuRatio: summarise(startCpu.map((cpu, r) => cpu / unbundledCpu[r])), wallRatio: summarise(starts.map((ms, r) => ms / unbundledStarts[r])) }
    : undefined;
  const emptyLedger = { startMs: summarise(emptyStarts), startCpuMs: summarise(emptyCpu), startMainCpuMs: summarise(emptyMainCpu), cpuRatio: summarise(startCpu.map((cpu, r) => cpu / emptyCpu[r])), wallRatio: summarise(starts.map((ms, r) => ms / emptyStarts[r])) };
  return { events: largest.totalEvents, plans: largest.streams, bundled, startMs: summarise(starts), startCpuMs: summarise(startCpu), startMainCpuMs: summarise(startMainCpu), emptyLedger, unbundled, behind: BEHIND, catchUpMs: catchUp, catchUpRatio: summarise(ratios) };
}
