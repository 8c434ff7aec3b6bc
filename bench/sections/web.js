/**
 * 6. Web pages: the plan page of the real app (createLedgerApp in its own process, 127.0.0.1), rendered from
 * the GOV.UK Design System's templates, loaded by autocannon with 8 connections for a fixed time, on a copy
 * of the 10,000-event store with the demo plan imported beside it:
 *   demo:   GET /web/plans/<demo plan>                              (67 actions)
 *   now:    GET /web/plans/<the bench's 10,000-event plan, 280 actions>
 *   as at:  GET /web/plans/<that plan>?asAt=<random past instant>&time=recorded
 *   new positions: GET /web/plans/<that plan>?asAt=<instant>&time=effective, one page at each position of the plan's
 *          effective axis, shuffled, after the loads above (which read recorded time only): each page the first at
 *          its position (a figure beside the as-at target, not a target; see the http section's newPositionInstants)
 * and the page weight: the HTML of each (uncompressed, and the 10k-event plan's as sent gzipped), and the CSS
 * and JS every page loads (uncompressed, and as sent gzipped to a browser that accepts it). The loads ask for
 * no encoding (autocannon's default): their figures are the pages' cost without compression.
 */
import http from 'node:http';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '../lib/random.js';
import { load, startServer, stopServer } from '../lib/server-process.js';
import { summarise } from '../lib/stats.js';
import { cpuMsOf } from '../lib/process-cpu.js';
import { effectiveInstantsOf, newPositionInstants } from './http.js';

const SERVER = fileURLToPath(new URL('../lib/web-server.js', import.meta.url));
const ASSETS = ['/assets/css/govuk-frontend.css', '/assets/css/moj-frontend.css', '/assets/css/ledger.css', '/assets/js/ledger.js', '/assets/js/govuk-frontend.min.js'];

async function bytesOf(url, cookie) {
  const response = await fetch(url, { headers: cookie ? { cookie } : {} });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return body.length;
}

/** Bytes on the wire for a browser that accepts gzip (fetch would hand back the decoded body). */
function wireBytesOf(url, cookie) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip', ...(cookie ? { cookie } : {}) } }, (response) => {
        let bytes = 0;
        response.on('data', (chunk) => (bytes += chunk.length));
        response.on('end', () => (response.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url} answered ${response.statusCode}`))));
      })
      .on('error', reject);
  });
}


export async function run({ dir, runs, quick, datasets, log }) {
  const { default: autocannon } = await import('autocannon');
  const source = datasets.stores.find((d) => d.totalEvents === 10_000) ?? datasets.stores[0];
  const seconds = quick ? 5 : 10;
  const random = new Random(4242);
  const perRun = [];
  let weight;
  for (let r = 0; r < runs; r++) {
    const work = join(dir, 'web');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const storePath = join(work, 'ledger.sqlite');
    copyFileSync(source.path, storePath);
    const effectiveInstants = await effectiveInstantsOf(storePath, source.target.planId);
    const server = await startServer(SERVER, [storePath, work, source.target.planId], 'The web app process');
    try {
      const { firstRecordedMs, lastRecordedMs } = source.target;
      const instants = Array.from({ length: 200 }, () => new Date(firstRecordedMs + random.next() * (lastRecordedMs - firstRecordedMs)).toISOString());
      const page = (planId) => `/web/plans/${planId}`;
      if (!weight) {
        let assets = 0;
        let assetsGzipped = 0;
        for (const asset of ASSETS) {
          assets += await bytesOf(`${server.url}${asset}`);
          assetsGzipped += await wireBytesOf(`${server.url}${asset}`);
        }
        weight = {
          demoHtml: await bytesOf(`${server.url}${page(server.demo.planId)}`, server.demo.cookie),
          targetHtml: await bytesOf(`${server.url}${page(server.target.planId)}`, server.target.cookie),
          targetAsAtHtml: await bytesOf(`${server.url}${page(server.target.planId)}?asAt=${encodeURIComponent(instants[0])}&time=recorded`, server.target.cookie),
          targetHtmlGzipped: await wireBytesOf(`${server.url}${page(server.target.planId)}`, server.target.cookie),
          assets,
          assetsGzipped,
        };
      }
      const figures = {};
      const fresh = newPositionInstants(effectiveInstants, random);
      const loads = [
        ['demo', server.demo.cookie, () => page(server.demo.planId)],
        ['now', server.target.cookie, () => page(server.target.planId)],
        ['asAt', server.target.cookie, (i) => `${page(server.target.planId)}?asAt=${encodeURIComponent(instants[i % instants.length])}&time=recorded`],
        ['newPositions', server.target.cookie, (i) => `${page(server.target.planId)}?asAt=${encodeURIComponent(fresh[i % fresh.length])}&time=effective`, fresh.length],
      ];
      for (const [name, cookie, path, amount] of loads) {
        let i = 0;
        const cpuBefore = cpuMsOf(server.child.pid);
        const result = await load(autocannon, {
          url: server.url,
          connections: 8,
          ...(amount ? { amount } : { duration: seconds }),
          headers: { cookie, accept: 'text/html' },
          requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path(i++) }) }],
        });
        const cpuAfter = cpuMsOf(server.child.pid);
        // The app's CPU per page over the load: what a page costs the server whatever the machine's load does to latency.
        const cpuMs = cpuBefore === null || cpuAfter === null || result.requests.total === 0 ? null : (cpuAfter - cpuBefore) / result.requests.total;
        figures[name] = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, min: result.latency.min, max: result.latency.max, cpuMs, requests: result.requests.total, non2xx: result.non2xx, errors: result.errors + result.timeouts };
      }
      perRun.push(figures);
      log(`web run ${r + 1}/${runs}: demo p50 ${figures.demo.p50} ms; 10k plan now p50 ${figures.now.p50} ms, as at p50 ${figures.asAt.p50} ms, at new positions (${fresh.length}, effective) p50 ${figures.newPositions.p50} p99 ${figures.newPositions.p99} ms; app CPU per page demo ${figures.demo.cpuMs?.toFixed(2)} / now ${figures.now.cpuMs?.toFixed(2)} / as at ${figures.asAt.cpuMs?.toFixed(2)} / new positions ${figures.newPositions.cpuMs?.toFixed(2)} ms (${figures.demo.non2xx + figures.now.non2xx + figures.asAt.non2xx + figures.newPositions.non2xx} non-2xx)`);
      figures.newPositions.positions = fresh.length;
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
  return { storeEvents: source.totalEvents, targetPlanEvents: source.target.events, seconds, connections: 8, demo: figuresOf('demo'), now: figuresOf('now'), asAt: figuresOf('asAt'), newPositions: { ...figuresOf('newPositions'), min: pick((x) => x.newPositions.min), max: pick((x) => x.newPositions.max), positions: perRun[0].newPositions.positions }, weight };
}
