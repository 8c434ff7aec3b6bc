/**
 * 4. Evidence bundle: build and verify a bundle of the 10k-event plan (recorded time, as at its last entry),
 * and compare verification throughput with node:crypto's raw SHA-256 over the same bytes (every file of the
 * bundle, uncompressed: what `sha256sum -c SHA256SUMS` reads). "Not available" when this build of the ledger
 * has no bundle writer and verifier yet.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

export async function run({ dir, runs, datasets, log }) {
  const api = await bundleApi();
  if (!api) {
    log('bundle: not available in this build (no buildEvidenceBundle / verifyEvidenceBundle exported by libs/evidence)');
    return { available: false };
  }
  const { evidence, domain } = api;
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
  const perRun = [];
  let zip;
  let files;
  let archived;
  // One untimed round first: the first build and verify in a process also compiles the code (JIT).
  const warmUp = performance.now();
  await evidence.verifyEvidenceBundle((await evidence.buildEvidenceBundle(request)).zip);
  const firstRoundMs = performance.now() - warmUp;
  for (let r = 0; r < runs; r++) {
    let started = performance.now();
    const built = await evidence.buildEvidenceBundle(request);
    const buildMs = performance.now() - started;
    zip = built.zip;
    started = performance.now();
    const verification = await evidence.verifyEvidenceBundle(zip);
    const verifyMs = performance.now() - started;
    if (!verification.ok) throw new Error(`The bundle did not verify: ${JSON.stringify(verification.checks.filter((c) => !c.ok))}`);
    // The bundle's files as a verifier reads them, once: they are the same bytes in every run.
    archived ??= api.readBundleArchive ? api.readBundleArchive(zip).files : null;
    files ??= archived ? [...archived.values()] : [Buffer.from(zip)];
    const bytes = files.reduce((n, f) => n + f.length, 0);
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
      ...(offlineMs === null ? {} : { offlineMs, offlineRatio: shaMs / offlineMs }),
    });
    log(`bundle run ${r + 1}/${runs}: build ${buildMs.toFixed(0)} ms, verify ${verifyMs.toFixed(0)} ms (${(bytes / 1e6 / (verifyMs / 1000)).toFixed(1)} MB/s), raw SHA-256 ${(bytes / 1e6 / (shaMs / 1000)).toFixed(0)} MB/s`);
  }
  const pick = (k) => summarise(perRun.map((x) => x[k]));
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
    ...(perRun.every((x) => x.offlineMs !== undefined) ? { offlineMs: pick('offlineMs'), offlineRatio: pick('offlineRatio') } : {}),
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
