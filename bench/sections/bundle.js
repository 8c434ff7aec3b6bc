/**
 * 4. Evidence bundle: build and verify a bundle of the 10k-event plan (recorded time, as at its last entry),
 * each against the floor measured beside it in the same run: parsing, canonicalising (RFC 8785) and hashing
 * (node:crypto SHA-256) the bundle's event lines, plus the zip (fflate at the bundle's level, deflating the
 * same files for the build, inflating the same zip for the verification). Then the same bundle verified by
 * the standalone package (node on packages/bundle-verifier/dist/verify-bundle.js, a process of its own) and
 * by the web verify page's code (that same file, in Debian Chromium through playwright-core, timed in the
 * page), against the CLI's verification (verifyBundle of libs/evidence, what `ledger verify` runs). Beside
 * them, raw SHA-256 over the bundle's files and the documented offline check (sha256sum + openssl).
 * "Not available" when this build of the ledger has no bundle writer and verifier yet.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync } from 'fflate';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { median, summarise } from '../lib/stats.js';

async function bundleApi() {
  try {
    const evidence = await import('../../dist/libs/evidence/src/index.js');
    const domain = await import('../../dist/libs/domain/src/index.js');
    if (typeof evidence.buildEvidenceBundle !== 'function' || typeof evidence.verifyEvidenceBundle !== 'function') return null;
    const archive = await import('../../dist/libs/evidence/src/bundle/bundle-archive.js').catch(() => null);
    return { evidence, domain, readBundleArchive: archive?.readBundleArchive };
  } catch {
    return null;
  }
}

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const STANDALONE = join(ROOT, 'packages/bundle-verifier/dist/verify-bundle.js');

/** The floor's canonical JSON: the ledger's own RFC 8785 code (the same bytes are what is hashed). */
async function canonicalJsonOf() {
  const integrity = await import('../../dist/libs/integrity/src/index.js');
  return integrity.canonicalJson;
}

/**
 * The floor: every event line parsed, canonicalised and hashed, and the zip (deflate of the same files at the
 * bundle's level for a build, inflate of the same zip for a verification). No validation, no chain, no replay.
 */
function floorMs(files, zip, canonicalJson) {
  const text = new TextDecoder().decode(files.get('events.ndjson'));
  const started = performance.now();
  let end = 0;
  for (let start = 0; start < text.length; start = end + 1) {
    end = text.indexOf('\n', start);
    createHash('sha256').update(canonicalJson(JSON.parse(text.slice(start, end)))).digest();
  }
  const eventsMs = performance.now() - started;
  let t = performance.now();
  const zippable = {};
  const options = { mtime: new Date(1980, 0, 1), os: 3, attrs: 0o100644 * 0x10000, level: 6 };
  for (const [path, bytes] of files) zippable[path] = [bytes, options];
  zipSync(zippable, options);
  const deflateMs = performance.now() - t;
  t = performance.now();
  unzipSync(zip);
  const inflateMs = performance.now() - t;
  return { eventsMs, deflateMs, inflateMs, build: eventsMs + deflateMs, verify: eventsMs + inflateMs };
}

/** The standalone package: node on its built file, in a process of its own; the times it reports. */
function standaloneTimes(zipFile, runs) {
  if (!existsSync(STANDALONE)) return null;
  const out = execFileSync(process.execPath, [join(ROOT, 'bench/lib/standalone-verifier.js'), zipFile, String(runs)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out);
}

/**
 * The web verify page's code in Chromium: the page imports the same verify-bundle.js from a localhost origin
 * (a secure context, so WebCrypto is there), served by playwright's routing: no server, no network. The zip is
 * handed to the page first; only verifyBundle is timed, inside the page. Null without playwright or Chromium.
 */
async function browserTimes(zip, runs, log) {
  const executablePath = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    log('bundle: playwright-core is not installed: no browser figure');
    return null;
  }
  if (!existsSync(executablePath) || !existsSync(STANDALONE)) {
    log(`bundle: no ${existsSync(STANDALONE) ? executablePath : STANDALONE}: no browser figure`);
    return null;
  }
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const script = readFileSync(STANDALONE);
    await page.route('http://localhost:47999/**', (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/verify-bundle.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: script });
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>verify</title><script type="module">import { verifyBundle } from "./verify-bundle.js"; window.verifyBundle = verifyBundle;</script>' });
    });
    await page.goto('http://localhost:47999/verify.html');
    await page.waitForFunction(() => typeof window.verifyBundle === 'function');
    await page.evaluate((b64) => {
      window.benchZip = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    }, Buffer.from(zip).toString('base64'));
    return await page.evaluate(async (n) => {
      const times = [];
      // Two untimed verifications first, as the standalone run has: the JIT warms up.
      for (let r = 0; r < 2 + n; r++) {
        const started = performance.now();
        const report = await window.verifyBundle(window.benchZip);
        const ms = performance.now() - started;
        if (!report.ok) throw new Error(`The browser verifier failed the bundle: ${report.lines.join(' / ')}`);
        if (r >= 2) times.push(ms);
      }
      return times;
    }, runs);
  } finally {
    await browser.close();
  }
}

export async function run({ dir, runs, datasets, log }) {
  const api = await bundleApi();
  if (!api) {
    log('bundle: not available in this build (no buildEvidenceBundle / verifyEvidenceBundle exported by libs/evidence)');
    return { available: false };
  }
  const { evidence, domain } = api;
  const canonicalJson = await canonicalJsonOf();
  const smallest = datasets.stores.reduce((a, b) => (b.totalEvents < a.totalEvents ? b : a));
  const store = new SqliteEventStore({ path: smallest.path });
  const events = await store.readStream(`plan-${smallest.target.planId}`);
  await store.close();
  const signingKey = await evidence.loadOrCreateSigningKey(join(dir, 'bundle-keys'));
  const request = {
    planId: smallest.target.planId,
    events,
    asAt: new Date(smallest.target.lastRecordedMs + 1000).toISOString(),
    time: 'recorded',
    rules: domain.DEFAULT_RAG_RULES,
    signingKey,
    generator: evidence.ledgerGenerator(),
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  // The CLI's verification: `ledger verify` calls verifyBundle (the verifier plus its report in words), with
  // node:crypto's SHA-256 for the chain and the Merkle tree when this build has it (nodeSha256), as the CLI passes it.
  const verifyFn = evidence.verifyBundle ?? evidence.verifyEvidenceBundle;
  const cliVerify = evidence.nodeSha256 ? (zipBytes) => verifyFn(zipBytes, { sha256: evidence.nodeSha256 }) : verifyFn;
  const perRun = [];
  let zip;
  let files;
  let archived;
  // One untimed round first: the first build and verify in a process also compiles the code (JIT).
  const warmUp = performance.now();
  await cliVerify((await evidence.buildEvidenceBundle(request)).zip);
  const firstRoundMs = performance.now() - warmUp;
  for (let r = 0; r < runs; r++) {
    let started = performance.now();
    const built = await evidence.buildEvidenceBundle(request);
    const buildMs = performance.now() - started;
    zip = built.zip;
    started = performance.now();
    const verification = await cliVerify(zip);
    const verifyMs = performance.now() - started;
    if (!verification.ok) throw new Error(`The bundle did not verify: ${JSON.stringify(verification.checks.filter((c) => !c.ok))}`);
    // The bundle's files as a verifier reads them, once: they are the same bytes in every run.
    archived ??= api.readBundleArchive ? api.readBundleArchive(zip).files : null;
    files ??= archived ? [...archived.values()] : [Buffer.from(zip)];
    const bytes = files.reduce((n, f) => n + f.length, 0);
    const floor = archived ? floorMs(archived, zip, canonicalJson) : null;
    // Raw SHA-256 over the same bytes, file by file, best of a few passes (it takes milliseconds).
    const shaPasses = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      for (const f of files) createHash('sha256').update(f).digest();
      shaPasses.push(performance.now() - t);
    }
    const shaMs = median(shaPasses);
    const offlineMs = offlineCheckMs(archived, join(dir, 'bundle-unzipped'));
    perRun.push({
      buildMs,
      verifyMs,
      shaMs,
      verifyMBps: bytes / 1e6 / (verifyMs / 1000),
      shaMBps: bytes / 1e6 / (shaMs / 1000),
      ratio: shaMs / verifyMs,
      ...(floor ? { floorEventsMs: floor.eventsMs, floorDeflateMs: floor.deflateMs, floorInflateMs: floor.inflateMs, buildFloorMs: floor.build, verifyFloorMs: floor.verify, buildToFloor: buildMs / floor.build, verifyToFloor: verifyMs / floor.verify } : {}),
      ...(offlineMs === null ? {} : { offlineMs, offlineRatio: shaMs / offlineMs }),
    });
    log(`bundle run ${r + 1}/${runs}: build ${buildMs.toFixed(0)} ms${floor ? ` (floor ${floor.build.toFixed(0)} ms: ${(buildMs / floor.build).toFixed(2)}×)` : ''}, verify ${verifyMs.toFixed(0)} ms${floor ? ` (floor ${floor.verify.toFixed(0)} ms: ${(verifyMs / floor.verify).toFixed(2)}×)` : ''}, raw SHA-256 ${(bytes / 1e6 / (shaMs / 1000)).toFixed(0)} MB/s`);
  }
  // The other two verifiers on the same bundle, each beside a fresh run of the CLI's, so the ratios are same-run.
  mkdirSync(dir, { recursive: true });
  const zipFile = join(dir, 'bundle.zip');
  writeFileSync(zipFile, zip);
  const verifiers = [];
  for (let r = 0; r < runs; r++) {
    const cli = [];
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      await cliVerify(zip);
      cli.push(performance.now() - started);
    }
    const standalone = standaloneTimes(zipFile, 2);
    const browser = await browserTimes(zip, 2, log);
    const cliMs = median(cli);
    const entry = { cliMs };
    if (standalone) Object.assign(entry, { standaloneMs: median(standalone), standaloneRatio: median(standalone) / cliMs });
    if (browser) Object.assign(entry, { browserMs: median(browser), browserRatio: median(browser) / cliMs });
    verifiers.push(entry);
    log(`bundle verifiers ${r + 1}/${runs}: CLI ${cliMs.toFixed(0)} ms${standalone ? `, standalone ${entry.standaloneMs.toFixed(0)} ms (${entry.standaloneRatio.toFixed(2)}×)` : ''}${browser ? `, browser ${entry.browserMs.toFixed(0)} ms (${entry.browserRatio.toFixed(2)}×)` : ''}`);
  }
  const pick = (k, from = perRun) => summarise(from.map((x) => x[k]));
  const all = (k, from = perRun) => from.every((x) => x[k] !== undefined);
  return {
    available: true,
    events: events.length,
    zipBytes: zip.length,
    uncompressedBytes: files.reduce((n, f) => n + f.length, 0),
    files: files.length,
    firstRoundMs,
    buildMs: pick('buildMs'),
    verifyMs: pick('verifyMs'),
    verifyMBps: pick('verifyMBps'),
    shaMBps: pick('shaMBps'),
    ratio: pick('ratio'),
    ...(all('buildFloorMs')
      ? { floorEventsMs: pick('floorEventsMs'), floorDeflateMs: pick('floorDeflateMs'), floorInflateMs: pick('floorInflateMs'), buildFloorMs: pick('buildFloorMs'), verifyFloorMs: pick('verifyFloorMs'), buildToFloor: pick('buildToFloor'), verifyToFloor: pick('verifyToFloor') }
      : {}),
    cliVerifyMs: pick('cliMs', verifiers),
    ...(all('standaloneMs', verifiers) ? { standaloneVerifyMs: pick('standaloneMs', verifiers), standaloneRatio: pick('standaloneRatio', verifiers) } : {}),
    ...(all('browserMs', verifiers) ? { browserVerifyMs: pick('browserMs', verifiers), browserRatio: pick('browserRatio', verifiers) } : {}),
    ...(all('offlineMs') ? { offlineMs: pick('offlineMs'), offlineRatio: pick('offlineRatio') } : {}),
  };
}

/**
 * The check a regulator runs without the ledger, exactly as docs/evidence-bundle.md gives it: every file
 * intact (sha256sum -c SHA256SUMS), the manifest signed (openssl), the files the signed ones (the manifest's
 * hashes through sha256sum -c). Real processes, spawn time included; the median of 5. Null without the tools.
 */
function offlineCheckMs(files, folder) {
  if (!files) return null;
  rmSync(folder, { recursive: true, force: true });
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), bytes);
  }
  const script = [
    'sha256sum --quiet -c SHA256SUMS',
    'openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.sig >/dev/null',
    `sed -n 's/^    "\\([^"]*[./][^"]*\\)": "\\([0-9a-f]\\{64\\}\\)",\\{0,1\\}$/\\2  \\1/p' manifest.json | sha256sum --quiet -c -`,
  ].join(' && ');
  const times = [];
  try {
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      execFileSync('sh', ['-c', script], { cwd: folder, stdio: ['ignore', 'ignore', 'pipe'] });
      times.push(performance.now() - started);
    }
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw new Error(`The offline check failed on a good bundle: ${error.stderr?.toString() ?? error.message}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return median(times);
}
