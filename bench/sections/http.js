/**
 * 5. HTTP: the real API (createLedgerApp) in its own process on 127.0.0.1, on a copy of the 100k-event store
 * (the 10k-event plan among 16 others; BENCH_QUICK builds it too), loaded by autocannon for a fixed time:
 *   read:  GET /plans/:id?asAt=<random instant>&time=recorded   (as-at replay of the 10k-event plan, compact view)
 *   now:   GET /plans/:id                                        (its present state, compact view)
 *   write: POST /plans/:id/actions/:actionId/progress-updates    (decide, durable append, projection)
 *   new positions: GET /plans/:id?asAt=<instant>&time=effective, one request per position of the plan's effective
 *          axis, in a shuffled order, each at an instant no request before it resolved to (a figure, not a target)
 * and, for each, the API process's CPU time per request over the load (/proc, all its threads): 8 connections
 * on one event loop meet p50 < 25 ms only if a read costs the server under ~3 ms of CPU.
 * The floor of both reads: a plain node:http server (bench/lib/floor-server.js) sending the very bytes the API
 * sent for the same requests, from memory, under the same load (connections, duration, instants in the same
 * order), with its own CPU per request: what this machine can serve at all with the load generator on the same
 * cores parsing the same bodies. A latency target below the floor's own figure is below this machine's floor.
 */
import http from 'node:http';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '../lib/random.js';
import { load, startServer, stopServer } from '../lib/server-process.js';
import { summarise } from '../lib/stats.js';
import { cpuMsOf } from '../lib/process-cpu.js';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { effectiveAtOf } from '../../dist/libs/domain/src/index.js';

const SERVER = fileURLToPath(new URL('../lib/http-server.js', import.meta.url));
const FLOOR_SERVER = fileURLToPath(new URL('../lib/floor-server.js', import.meta.url));

/** The body of one GET as the load reads it (no Accept-Encoding), with its content type; throws unless 200. */
function bodyOf(server, path) {
  return new Promise((resolve, reject) => {
    http
      .get(`${server.url}${path}`, { headers: server.headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve({ body: Buffer.concat(chunks), contentType: res.headers['content-type'] }) : reject(new Error(`${path} answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** The responses to `paths`, fetched a few at a time, in order. */
async function bodiesOf(server, paths) {
  const out = new Array(paths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < paths.length) {
        const i = next++;
        out[i] = await bodyOf(server, paths[i]);
      }
    }),
  );
  return out;
}

/**
 * The floor's loads: the floor server in its own process, holding `responses`, loaded as the API was (`connections`,
 * `seconds`, request i answered with response i modulo their count), with its CPU per request.
 */
async function floorLoad(autocannon, work, name, responses, connections, seconds) {
  const bodiesFile = join(work, `floor-${name}.bin`);
  const indexFile = join(work, `floor-${name}.json`);
  let offset = 0;
  const bodies = responses.map(({ body }) => {
    const entry = [offset, body.length];
    offset += body.length;
    return entry;
  });
  writeFileSync(bodiesFile, Buffer.concat(responses.map(({ body }) => body)));
  writeFileSync(indexFile, JSON.stringify({ contentType: responses[0].contentType, bodies }));
  const floor = await startServer(FLOOR_SERVER, [bodiesFile, indexFile], 'The floor server');
  try {
    let i = 0;
    return await loadCountingCpu(autocannon, { url: floor.url, connections, duration: seconds, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/${i++}` }) }] }, floor.child.pid);
  } finally {
    await stopServer(floor);
    rmSync(bodiesFile, { force: true });
    rmSync(indexFile, { force: true });
  }
}

/** One as-at response's size as sent: uncompressed (autocannon asks for no encoding), gzip and br. */
async function responseBytes(server, path) {
  const sizes = {};
  for (const encoding of ['identity', 'gzip', 'br']) {
    const body = await new Promise((resolve, reject) => {
      http
        .get(`${server.url}${path}`, { headers: { ...server.headers, 'accept-encoding': encoding } }, (res) => {
          let n = 0;
          res.on('data', (c) => (n += c.length));
          res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${path} answered ${res.statusCode}`))));
        })
        .on('error', reject);
    });
    sizes[encoding] = body;
  }
  return sizes;
}


/**
 * The plan's distinct effective instants in ms, ascending, as PlanTimeline orders its effective axis (corrections
 * apart), from its creation's on (before it, the plan did not exist: a 404).
 */
export async function effectiveInstantsOf(storePath, planId) {
  const store = new SqliteEventStore({ path: storePath });
  try {
    const events = await store.readStream(`plan-${planId}`);
    const created = Date.parse(effectiveAtOf(events[0]));
    const instants = events.filter((e) => e.type !== 'EntryCorrected').map((e) => Date.parse(effectiveAtOf(e)));
    return [...new Set(instants.filter((ms) => ms >= created))].sort((a, b) => a - b);
  } finally {
    await store.close();
  }
}

/**
 * One instant in each position of the plan's effective-time axis, shuffled: `effectiveInstants` are its distinct
 * effective instants (ascending), and an instant from one up to (not including) the next resolves to the position
 * after every entry effective by then, so no two of these resolve to the same position. The bench's 10k-event plan
 * was recorded at 33 instants (its recorded axis has 34 positions, all read by the loads before this one) but its
 * entries are effective at ~160, so in a fresh API process each of these reads is the first at its position:
 * nothing derived from its state (its view's parts, its RAG summary and tail) has been made yet, as for an
 * inspector asking a plan recorded event by event for a date nobody has asked.
 */
export function newPositionInstants(effectiveInstants, random) {
  const instants = effectiveInstants.map((ms, i) => {
    const next = effectiveInstants[i + 1] ?? ms + 30 * 86_400_000;
    return new Date(ms + Math.floor(random.next() * (next - ms))).toISOString();
  });
  for (let i = instants.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [instants[i], instants[j]] = [instants[j], instants[i]];
  }
  return instants;
}

/**
 * A load, and the API's CPU time per request over it: what one request costs the server whatever the
 * machine's load does to latency (8 connections on one event loop queue behind each other's CPU).
 */
async function loadCountingCpu(autocannon, options, pid) {
  const before = cpuMsOf(pid);
  const result = await load(autocannon, options);
  const after = cpuMsOf(pid);
  result.cpuMsPerRequest = before === null || after === null || result.requests.total === 0 ? null : (after - before) / result.requests.total;
  return result;
}

export async function run({ dir, runs, quick, datasets, log }) {
  const { default: autocannon } = await import('autocannon');
  const source = datasets.stores.find((d) => d.totalEvents === 100_000) ?? datasets.stores[0];
  const seconds = quick ? 5 : 10;
  const random = new Random(777);
  const perRun = [];
  for (let r = 0; r < runs; r++) {
    const work = join(dir, 'http');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const storePath = join(work, 'ledger.sqlite');
    copyFileSync(source.path, storePath);
    const effectiveInstants = await effectiveInstantsOf(storePath, source.target.planId);
    const server = await startServer(SERVER, [storePath, work, source.target.planId]);
    try {
      const { firstRecordedMs, lastRecordedMs } = source.target;
      const instants = Array.from({ length: 200 }, () => new Date(firstRecordedMs + random.next() * (lastRecordedMs - firstRecordedMs)).toISOString());
      // The plan's present state first (writes come after: they would move its revision on).
      const now = await loadCountingCpu(autocannon, { url: server.url, connections: 8, duration: seconds, headers: server.headers, requests: [{ method: 'GET', path: `/plans/${server.planId}` }] }, server.child.pid);
      const bytes = await responseBytes(server, `/plans/${server.planId}?asAt=${encodeURIComponent(instants[0])}&time=recorded`);
      let i = 0;
      const read = await loadCountingCpu(autocannon, {
        url: server.url,
        connections: 8,
        duration: seconds,
        headers: server.headers,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/plans/${server.planId}?asAt=${encodeURIComponent(instants[i++ % instants.length])}&time=recorded` }) }],
      }, server.child.pid);
      // The same two reads as a browser asks for them (Accept-Encoding: gzip): what a user of the web service waits
      // for, the body a tenth of the size; the present read's gzip is kept, an as-at read's is made from kept parts.
      const gzipHeaders = { ...server.headers, 'accept-encoding': 'gzip' };
      const nowGzip = await loadCountingCpu(autocannon, { url: server.url, connections: 8, duration: seconds, headers: gzipHeaders, requests: [{ method: 'GET', path: `/plans/${server.planId}` }] }, server.child.pid);
      let k = 0;
      const readGzip = await loadCountingCpu(autocannon, {
        url: server.url,
        connections: 8,
        duration: seconds,
        headers: gzipHeaders,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/plans/${server.planId}?asAt=${encodeURIComponent(instants[k++ % instants.length])}&time=recorded` }) }],
      }, server.child.pid);
      // The floor: the same bytes for the same requests, from memory (fetched before the writes move the plan on).
      const asAtBodies = await bodiesOf(server, instants.map((instant) => `/plans/${server.planId}?asAt=${encodeURIComponent(instant)}&time=recorded`));
      const nowBodies = await bodiesOf(server, [`/plans/${server.planId}`]);
      const floorNow = await floorLoad(autocannon, work, 'now', nowBodies, 8, seconds);
      const floorRead = await floorLoad(autocannon, work, 'read', asAtBodies, 8, seconds);
      // Reads at positions never read before: one request per position of the effective axis (the loads above
      // read recorded time only), as many as there are positions, 8 connections. After the floors (which do not
      // touch the API) and before the writes (which would move the plan on), so no figure above changes.
      const fresh = newPositionInstants(effectiveInstants, random);
      let f = 0;
      const newPositions = await loadCountingCpu(autocannon, {
        url: server.url,
        connections: 8,
        amount: fresh.length,
        headers: server.headers,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/plans/${server.planId}?asAt=${encodeURIComponent(fresh[f++ % fresh.length])}&time=effective` }) }],
      }, server.child.pid);
      let j = 0;
      const write = await loadCountingCpu(autocannon, {
        url: server.url,
        connections: 4,
        duration: seconds,
        headers: { ...server.headers, 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const actionId = server.actionIds[j++ % server.actionIds.length];
              return { ...req, path: `/plans/${server.planId}/actions/${actionId}/progress-updates`, body: JSON.stringify({ narrative: `Benchmark progress note ${j}: case file audit completed and findings shared with the team.`, effectiveAt: '2012-01-31' }) };
            },
          },
        ],
      }, server.child.pid);
      const figures = {};
      for (const [name, result] of [['read', read], ['now', now], ['readGzip', readGzip], ['nowGzip', nowGzip], ['newPositions', newPositions], ['write', write], ['floorRead', floorRead], ['floorNow', floorNow]]) {
        figures[name] = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, min: result.latency.min, max: result.latency.max, cpuMs: result.cpuMsPerRequest, requests: result.requests.total, non2xx: result.non2xx, errors: result.errors + result.timeouts };
      }
      figures.newPositions.positions = fresh.length;
      figures.bytes = bytes;
      figures.floorBytes = { read: asAtBodies.reduce((n, { body }) => n + body.length, 0) / asAtBodies.length, now: nowBodies[0].body.length };
      perRun.push(figures);
      log(`http run ${r + 1}/${runs}: as-at read ${figures.read.rps.toFixed(0)} req/s p50 ${figures.read.p50} p99 ${figures.read.p99} ms (${figures.read.non2xx} non-2xx); present read p50 ${figures.now.p50} p99 ${figures.now.p99} ms; floor (node:http, same bytes) as at p50 ${figures.floorRead.p50} p99 ${figures.floorRead.p99} ms, now p50 ${figures.floorNow.p50} p99 ${figures.floorNow.p99} ms; as at new positions (${figures.newPositions.requests} of ${fresh.length}, effective) min ${figures.newPositions.min} p50 ${figures.newPositions.p50} p99 ${figures.newPositions.p99} max ${figures.newPositions.max} ms, API CPU ${figures.newPositions.cpuMs?.toFixed(2)} ms a request (${figures.newPositions.non2xx} non-2xx); write ${figures.write.rps.toFixed(0)} req/s p99 ${figures.write.p99} ms (${figures.write.non2xx} non-2xx)`);
    } finally {
      await stopServer(server);
      rmSync(work, { recursive: true, force: true });
    }
  }
  const pick = (f) => summarise(perRun.map(f));
  const figuresOf = (name) => ({
    rps: pick((x) => x[name].rps),
    p50: pick((x) => x[name].p50),
    p99: pick((x) => x[name].p99),
    cpuMs: perRun.every((x) => x[name].cpuMs !== null) ? pick((x) => x[name].cpuMs) : null,
    non2xx: perRun.reduce((n, x) => n + x[name].non2xx, 0),
    errors: perRun.reduce((n, x) => n + x[name].errors, 0),
    requests: perRun.reduce((n, x) => n + x[name].requests, 0),
  });
  const newPositions = { ...figuresOf('newPositions'), min: pick((x) => x.newPositions.min), max: pick((x) => x.newPositions.max), positions: perRun[0].newPositions.positions };
  return { storeEvents: source.totalEvents, seconds, connections: { read: 8, write: 4 }, read: figuresOf('read'), newPositions, now: figuresOf('now'), gzip: { read: figuresOf('readGzip'), now: figuresOf('nowGzip') }, write: figuresOf('write'), floor: { read: figuresOf('floorRead'), now: figuresOf('floorNow'), meanBytes: perRun[0].floorBytes }, bytes: perRun[0].bytes };
}
