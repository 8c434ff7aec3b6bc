/**
 * 7. Group commit: concurrent HTTP writers on one plan, against the engine's durable single-append rate.
 *
 * The real API (createLedgerApp, bench/lib/http-server.js) in its own process on 127.0.0.1, on a copy of the
 * 100k-event store (10k with BENCH_QUICK); N autocannon connections (BENCH_GROUP_WRITERS, default 8) post
 * progress notes to different actions of the one 10k-event plan for a fixed time. Every request is a whole
 * write: authorisation, load → decide → durable append (synchronous=FULL) → the projector's read-your-writes.
 *
 * The floor, measured in the same run, in blocks between the HTTP loads (so both see the same machine load):
 * raw better-sqlite3 inserting one progress-note-sized row per BEGIN IMMEDIATE … COMMIT, WAL, synchronous=FULL,
 * into the ledger's own table (schema, indexes, CHECKs and triggers), on a file of its own. That is what one
 * durable append costs the engine with nothing else done; the target is HTTP writes/s ≥ 0.5× of it.
 *
 * The floor of a whole HTTP write, in the same run, with the same connections and bodies for as long: a bare
 * node:http server (bench/lib/bare-write-server.js, its own process) that parses the JSON body, checks it and
 * inserts one row per request in its own durable transaction (one fsync per request, as the raw floor), on a
 * file of its own. What HTTP plus one durable insert per request costs this machine with no framework at all.
 *
 * Beside it, the store alone (no HTTP): as many in-process callers as connections, each appending one event at a
 * time to a stream of its own, for as long as a floor block: what the group commit makes of appends that arrive
 * together (more appends per second than one fsync each would allow).
 *
 * After each load the bench reads the plan's stream back and checks that every 2xx answer is one event in it
 * (plus at most one per connection still in flight when the load stopped) and that the hash chain recomputes
 * whole: a fast answer that lost or merged writes would not count. It also counts the appends that carried
 * them (the store stamps one recordedAt per append): writes per append is the size of the plan's groups, the
 * commands queued on the plan during a turn and decided and appended together. And it reads the API process's
 * CPU time (user + system, from /proc) before and after the load: its CPU per write, which the machine's load
 * moves less than writes/s.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import * as integrity from '../../dist/libs/integrity/src/index.js';
import { removeStoreFiles } from '../lib/datasets.js';
import { cpuMsOf } from '../lib/process-cpu.js';
import { load, startServer, stopServer } from '../lib/server-process.js';
import { summarise } from '../lib/stats.js';

const SERVER = fileURLToPath(new URL('../lib/http-server.js', import.meta.url));
const BARE_SERVER = fileURLToPath(new URL('../lib/bare-write-server.js', import.meta.url));
const NARRATIVE = 'Benchmark progress note: case file audit completed and findings shared with the team, with actions agreed.';

/** The floor: raw durable single-row appends for `ms` milliseconds; returns appends per second. */
function rawSingleAppends(db, insert, state, ms) {
  const row = (revision) => [
    'plan-raw-floor',
    revision,
    randomUUID(),
    'ProgressUpdateRecorded',
    JSON.stringify({ planId: 'raw-floor', actionId: randomUUID(), updateId: randomUUID(), narrative: NARRATIVE, effectiveAt: '2012-01-31T00:00:00.000Z' }),
    JSON.stringify({ actor: 'Bench Writer', correlationId: randomUUID(), schemaVersion: 2 }),
    new Date().toISOString(),
    'a'.repeat(64),
    'b'.repeat(64),
  ];
  const append = db.transaction((values) => insert.run(values));
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < ms) {
    append.immediate(row(state.revision++));
    count += 1;
  }
  return count / ((performance.now() - started) / 1000);
}

/**
 * The store alone: `writers` callers appending one progress-note-sized event each, over and over, to streams of
 * their own, for `ms` milliseconds; appends per second. What the group commit gives when requests arrive together.
 */
async function concurrentStoreAppends(store, writers, state, ms) {
  const started = performance.now();
  let count = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const streamId = `plan-group-${w}`;
      while (performance.now() - started < ms) {
        const event = { eventId: randomUUID(), type: 'ProgressUpdateRecorded', data: { planId: 'group', actionId: randomUUID(), updateId: randomUUID(), narrative: NARRATIVE, effectiveAt: '2012-01-31T00:00:00.000Z' }, metadata: { actor: 'Bench Writer', correlationId: randomUUID(), schemaVersion: 2 } };
        const result = await store.appendToStream(streamId, [event], { expectedRevision: state.get(streamId) ?? 'no_stream' });
        state.set(streamId, result.nextExpectedRevision);
        count += 1;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** Every 2xx is one event on the plan's stream, and the chain from the first event to the head is whole. */
async function checkStream(storePath, planId, revisionBefore, acknowledged) {
  const store = new SqliteEventStore({ path: storePath });
  try {
    const events = await store.readStream(`plan-${planId}`);
    const appended = events.length - 1 - revisionBefore;
    // Recomputes every hash (10k events: well under a second), so a merged or reordered write shows.
    const verdict = integrity.verifyChain(events.map(integrity.chainLinkOf));
    // The store stamps one recordedAt on each append: how many appends carried the writes (the plan's groups).
    const appends = new Set(events.slice(revisionBefore + 1).map((e) => e.recordedAt)).size;
    return { appended, appends, acknowledged, linked: verdict.ok, problem: verdict.ok ? undefined : verdict.problem };
  } finally {
    await store.close();
  }
}

export async function run({ dir, runs, quick, datasets, log }) {
  const { default: autocannon } = await import('autocannon');
  const source = datasets.stores.find((d) => d.totalEvents === 100_000) ?? datasets.stores[0];
  const seconds = quick ? 5 : 10;
  const writers = Number(process.env.BENCH_GROUP_WRITERS ?? 8);
  const floorBlockMs = quick ? 1_000 : 2_000;
  mkdirSync(dir, { recursive: true });
  const floorPath = join(dir, 'raw-floor.sqlite');
  removeStoreFiles(floorPath);
  // The ledger's own schema, created by the ledger: table, indexes, CHECKs and triggers are identical.
  await new SqliteEventStore({ path: floorPath }).close();
  const floorDb = new Database(floorPath);
  floorDb.pragma('journal_mode = WAL');
  floorDb.pragma('synchronous = FULL');
  const insert = floorDb.prepare('INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const floorState = { revision: 0 };
  const barePath = join(dir, 'bare-floor.sqlite');
  removeStoreFiles(barePath);
  await new SqliteEventStore({ path: barePath }).close();
  const storePath = join(dir, 'store-group.sqlite');
  removeStoreFiles(storePath);
  const groupStore = new SqliteEventStore({ path: storePath });
  const groupState = new Map();
  const perRun = [];
  try {
    for (let r = 0; r < runs; r++) {
      const work = join(dir, 'api');
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work, { recursive: true });
      const storePath = join(work, 'ledger.sqlite');
      copyFileSync(source.path, storePath);
      const server = await startServer(SERVER, [storePath, work, source.target.planId]);
      let write;
      let bare;
      let floorBefore;
      let floorAfter;
      let revisionBefore;
      let cpuBefore = null;
      let cpuAfter = null;
      try {
        const head = await (async () => {
          const store = new SqliteEventStore({ path: storePath });
          try {
            return await store.streamSummary(`plan-${server.planId}`);
          } finally {
            await store.close();
          }
        })();
        revisionBefore = Number(head.revision);
        globalThis.gc?.();
        floorBefore = rawSingleAppends(floorDb, insert, floorState, floorBlockMs);
        let j = 0;
        cpuBefore = cpuMsOf(server.child.pid);
        write = await load(autocannon, {
          url: server.url,
          connections: writers,
          duration: seconds,
          headers: { ...server.headers, 'content-type': 'application/json' },
          requests: [
            {
              method: 'POST',
              setupRequest: (req) => {
                const actionId = server.actionIds[j++ % server.actionIds.length];
                return { ...req, path: `/plans/${server.planId}/actions/${actionId}/progress-updates`, body: JSON.stringify({ narrative: `${NARRATIVE} (${j})`, effectiveAt: '2012-01-31' }) };
              },
            },
          ],
        });
        cpuAfter = cpuMsOf(server.child.pid);
      } finally {
        await stopServer(server);
      }
      // The bare floor's load, between the API's and the raw floor's second block (the same minutes).
      const bareServer = await startServer(BARE_SERVER, [barePath], 'The bare HTTP floor');
      try {
        let k = 0;
        bare = await load(autocannon, {
          url: bareServer.url,
          connections: writers,
          duration: seconds,
          headers: { 'content-type': 'application/json' },
          requests: [
            {
              method: 'POST',
              setupRequest: (req) => {
                const actionId = server.actionIds[k++ % server.actionIds.length];
                return { ...req, path: `/plans/${server.planId}/actions/${actionId}/progress-updates`, body: JSON.stringify({ narrative: `${NARRATIVE} (${k})`, effectiveAt: '2012-01-31' }) };
              },
            },
          ],
        });
      } finally {
        await stopServer(bareServer);
      }
      globalThis.gc?.();
      floorAfter = rawSingleAppends(floorDb, insert, floorState, floorBlockMs);
      globalThis.gc?.();
      const storeGrouped = await concurrentStoreAppends(groupStore, writers, groupState, floorBlockMs);
      const ok = write.requests.total - write.non2xx;
      const check = await checkStream(storePath, server.planId, revisionBefore, ok);
      rmSync(work, { recursive: true, force: true });
      const floor = (floorBefore + floorAfter) / 2;
      const figures = {
        rps: write.requests.average,
        p50: write.latency.p50,
        p99: write.latency.p99,
        requests: write.requests.total,
        non2xx: write.non2xx,
        errors: write.errors + write.timeouts,
        rawSinglePerSecond: floor,
        ratioToRaw: write.requests.average / floor,
        bareHttpPerSecond: bare.requests.average,
        bareNon2xx: bare.non2xx + bare.errors + bare.timeouts,
        bareRatioToRaw: bare.requests.average / floor,
        ratioToBare: write.requests.average / bare.requests.average,
        storeGroupedPerSecond: storeGrouped,
        storeGroupedRatioToRaw: storeGrouped / floor,
        writesPerAppend: check.appends > 0 ? check.appended / check.appends : 0,
        // The API process's CPU (user + system, every thread) over the load, per write it answered.
        cpuMsPerWrite: cpuBefore === null || cpuAfter === null || write.requests.total === 0 ? null : (cpuAfter - cpuBefore) / write.requests.total,
        check,
      };
      perRun.push(figures);
      log(`group-commit run ${r + 1}/${runs}: ${writers} writers ${figures.rps.toFixed(0)} req/s p50 ${figures.p50} ms p99 ${figures.p99} ms (${figures.non2xx} non-2xx); raw durable single appends ${floor.toFixed(0)}/s → ${figures.ratioToRaw.toFixed(2)}×; bare node:http + one durable insert per request ${figures.bareHttpPerSecond.toFixed(0)}/s (${figures.bareRatioToRaw.toFixed(2)}× raw; the API ${figures.ratioToBare.toFixed(2)}× of it); the store alone, ${writers} appenders on their own streams: ${storeGrouped.toFixed(0)}/s (${figures.storeGroupedRatioToRaw.toFixed(2)}×); stream: ${check.appended} events in ${check.appends} appends for ${check.acknowledged} acknowledged, chain ${check.linked ? 'linked' : 'BROKEN'}; the API's CPU ${figures.cpuMsPerWrite?.toFixed(2)} ms per write`);
    }
  } finally {
    floorDb.close();
    removeStoreFiles(floorPath);
    removeStoreFiles(barePath);
    await groupStore.close();
    removeStoreFiles(storePath);
  }
  const pick = (f) => summarise(perRun.map(f));
  return {
    storeEvents: source.totalEvents,
    seconds,
    writers,
    rps: pick((x) => x.rps),
    p50: pick((x) => x.p50),
    p99: pick((x) => x.p99),
    rawSinglePerSecond: pick((x) => x.rawSinglePerSecond),
    ratioToRaw: pick((x) => x.ratioToRaw),
    bareHttpPerSecond: pick((x) => x.bareHttpPerSecond),
    bareRatioToRaw: pick((x) => x.bareRatioToRaw),
    ratioToBare: pick((x) => x.ratioToBare),
    bareNon2xx: perRun.reduce((n, x) => n + x.bareNon2xx, 0),
    storeGroupedPerSecond: pick((x) => x.storeGroupedPerSecond),
    storeGroupedRatioToRaw: pick((x) => x.storeGroupedRatioToRaw),
    writesPerAppend: pick((x) => x.writesPerAppend),
    cpuMsPerWrite: perRun.every((x) => x.cpuMsPerWrite !== null) ? pick((x) => x.cpuMsPerWrite) : undefined,
    non2xx: perRun.reduce((n, x) => n + x.non2xx, 0),
    errors: perRun.reduce((n, x) => n + x.errors, 0),
    requests: perRun.reduce((n, x) => n + x.requests, 0),
    // Every run: each acknowledged write is one event on the stream (at most one more per connection: the
    // requests still in flight when the load stopped, whose answers autocannon does not count), chain linked.
    exact: perRun.every((x) => x.check.appended >= x.check.acknowledged && x.check.appended <= x.check.acknowledged + writers && x.check.linked),
  };
}
