import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let ledger: RunningLedger;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required at ${CHROMIUM} (or set CHROMIUM_PATH) to test the API explorer; install it (apt-get install chromium)`);
  ledger = await startLedger();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
});

describe('the API explorer at /api/docs', () => {
  it('renders every operation from the ledger itself, under the strict CSP, with nothing blocked', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const elsewhere: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(ledger.url) && !request.url().startsWith('data:')) elsewhere.push(request.url());
    });
    const response = await page.goto(`${ledger.url}/api/docs`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');

    await page.locator('.opblock').first().waitFor();
    const doc = (await ledger.request('GET', '/api/openapi.json', { actor: null })).body as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(await page.locator('.opblock-summary-path', { hasText: '/plans/{planId}/actions/{actionId}/progress-updates' }).count()).toBe(1);
    expect(await page.locator('.opblock-tag', { hasText: 'Recording' }).count()).toBe(1);

    // Open one operation: its deprecated alias is shown as such, from the same document.
    await page.locator('#operations-Recording-recordProgressUpdate .opblock-summary').click();
    await page.locator('#operations-Recording-recordProgressUpdate .opblock-body').waitFor();
    expect(await page.locator('#operations-Recording-recordProgressUpdate').innerText()).toContain('effectiveAt');

    expect(problems).toEqual([]);
    expect(elsewhere).toEqual([]);
    await page.close();
  }, 60_000);

  it('serves only its own files under /api/docs/', async () => {
    expect((await ledger.request('GET', '/api/docs/explorer.js', { actor: null })).headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const name of ['index.html', '..%2Fpackage.json', 'constructor', '__proto__', 'swagger-initializer.js']) {
      const res = await ledger.request('GET', `/api/docs/${name}`, { actor: null });
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
    }
  });
});
