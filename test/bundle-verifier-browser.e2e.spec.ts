import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { resealBundle, testSigningKey, unzipBundle, zipFiles } from '../libs/evidence/src/bundle/testing/bundle-test-plan.js';
import { buildTestBundle } from '../libs/evidence/src/bundle/testing/test-bundle.js';

/**
 * The third place the verifier runs: a browser. Chromium loads the built dist/verify-bundle.js (the file the web
 * service's verify page serves) from a server on 127.0.0.1 and verifies a real bundle and a tampered one, with
 * the browser's own WebCrypto doing the SHA-256 and Ed25519.
 */

const ROOT = process.cwd();
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const key = testSigningKey();
let server: Server;
let base: string;
let browser: Browser;
const served = new Map<string, { type: string; body: Uint8Array }>();

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required at ${CHROMIUM} (or set CHROMIUM_PATH)`);
  const build = spawnSync(process.execPath, [path.join(ROOT, 'packages/bundle-verifier/build.mjs')], { encoding: 'utf8' });
  expect(build).toMatchObject({ status: 0 });
  const built = await buildTestBundle(key);
  const files = unzipBundle(built.zip);
  const events = files.get('events.ndjson')!.toString('utf8').replace('Draft guidance circulated', 'Final guidance published');
  const tampered = resealBundle(zipFiles(new Map([...files, ['events.ndjson', Buffer.from(events, 'utf8')]])), key, () => {});
  served.set('/verify-bundle.js', { type: 'text/javascript', body: readFileSync(path.join(ROOT, 'packages/bundle-verifier/dist/verify-bundle.js')) });
  served.set('/bundle.zip', { type: 'application/zip', body: built.zip });
  served.set('/tampered.zip', { type: 'application/zip', body: tampered });
  served.set('/', { type: 'text/html', body: Buffer.from('<!doctype html><title>verify</title>') });
  server = createServer((req, res) => {
    const file = served.get(req.url ?? '');
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('the built verifier in Chromium', () => {
  it('verifies a real bundle and fails a tampered one, check by check, with the browser WebCrypto', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const outcome = await page.evaluate(async ({ fingerprint, moduleUrl }) => {
      const verifier = await import(moduleUrl);
      const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const good = await verifier.verifyBundle(await bytes('/bundle.zip'), { trustedFingerprint: fingerprint });
      const bad = await verifier.verifyBundle(await bytes('/tampered.zip'));
      return { hasBuffer: typeof (globalThis as { Buffer?: unknown }).Buffer, good: { ok: good.ok, summary: good.summary, checks: good.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]) }, bad: { ok: bad.ok, failed: bad.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string; detail: string }) => `${c.name}: ${c.detail}`) } };
    }, { fingerprint: key.fingerprint, moduleUrl: '/verify-bundle.js' });
    expect(outcome.hasBuffer).toBe('undefined');
    expect(outcome.good).toEqual({
      ok: true,
      summary: 'All 8 checks passed.',
      checks: [
        ['The bundle can be read', true],
        ['Every file matches the manifest', true],
        ['SHA256SUMS agrees with the files and the manifest', true],
        ['The manifest is signed', true],
        ['The signing key is the one you trust', true],
        ['The hash chain over events.ndjson holds', true],
        ['The Merkle root matches the events', true],
        ['Replaying the events reproduces state.json', true],
      ],
    });
    expect(outcome.bad.ok).toBe(false);
    expect(outcome.bad.failed).toEqual(expect.arrayContaining([expect.stringMatching(/^The hash chain over events\.ndjson holds: events\.ndjson: the chain breaks at revision 6/)]));
    await page.close();
  });
});
