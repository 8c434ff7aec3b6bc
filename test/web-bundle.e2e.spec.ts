import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AccessControl } from '#application';
import { unzipBundle, zipFiles } from '../libs/evidence/src/bundle/testing/bundle-test-plan.js';
import { buildBundleVerifier, startDemoPlanLedger } from './support/demo-plan-ledger.js';
import { DEFAULT_ORGANISATION, type RunningLedger } from './support/ledger-app.js';
import { checkPage, launchBrowser, newPage, SCREENS, signIn } from './support/web-browser.js';

/**
 * The evidence-bundle pages in Debian's Chromium against the real app on a temp SQLite file: a bundle checked on
 * the public verify page by the verifier's browser build, a tampered one failing with the broken check named.
 */

const ROOT = process.cwd();
const FILES = path.resolve(ROOT, 'test-artifacts', 'bundles');
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(180_000);

let ledger: RunningLedger;
let browser: Browser;
let planId: string;
const problems: string[] = [];

/** A page of its own context, with or without script; its problems recorded by the shared helper. */
async function pageWith(javaScriptEnabled = true): Promise<Page> {
  return newPage(await browser.newContext({ javaScriptEnabled }), problems);
}

/** A bundle from the JSON API, as a regulator's script would fetch it. */
async function apiBundle(query = ''): Promise<{ zip: Buffer; fingerprint: string }> {
  const token = await ledger.tokenFor('Rhona Regulator', 'inspector');
  const res = await fetch(`${ledger.url}/plans/${planId}/bundle${query}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return { zip: Buffer.from(await res.arrayBuffer()), fingerprint: res.headers.get('x-signing-key-fingerprint')! };
}

/** Flip one byte inside an event's line and zip the files up again: the manifest's digests no longer match. */
function tamper(zip: Buffer): Buffer {
  const files = unzipBundle(zip);
  const events = Buffer.from(files.get('events.ndjson')!);
  const line = events.indexOf('"type"');
  expect(line).toBeGreaterThan(0);
  events[line + 2] = events[line + 2]! ^ 0x01;
  files.set('events.ndjson', events);
  return Buffer.from(zipFiles(files));
}

async function verifyOnPage(page: Page, bundle: string, options: { previous?: string; fingerprint?: string } = {}) {
  await page.goto(`${ledger.url}/web/verify`);
  // The Design System's enhanced file upload (a drop zone) keeps the real input under it.
  await page.locator('input[type=file][name=bundle]').setInputFiles(bundle);
  if (options.previous) await page.locator('input[type=file][name=previous]').setInputFiles(options.previous);
  if (options.fingerprint) await page.getByLabel('Key fingerprint you trust (optional)').fill(options.fingerprint);
  await page.getByRole('button', { name: 'Check the bundle' }).click();
  await page.getByTestId('verify-outcome').waitFor();
  const checks = await page.getByTestId('verify-checks').locator('li').evaluateAll((items) =>
    items.map((li) => [li.querySelector('p')!.textContent, li.querySelector('.govuk-tag')!.textContent]),
  );
  return { outcome: (await page.getByTestId('verify-outcome').innerText()).trim(), checks };
}

beforeAll(async () => {
  buildBundleVerifier();
  mkdirSync(FILES, { recursive: true });
  ({ ledger, planId } = await startDemoPlanLedger());
  const access = ledger.app.get(AccessControl);
  const operator = { id: 'test-setup', displayName: 'Test set-up' };
  await access.registerUser({ userId: 'inspector.one', displayName: 'Ines Pector', organisationId: 'ofsted' }, operator);
  await access.setPassword({ userId: 'inspector.one', role: 'inspector', password: PASSWORD }, operator);
  await access.grant({ userId: 'inspector.one', role: 'inspector', planId, reason: 'Inspection of the plan' }, DEFAULT_ORGANISATION, operator);
  await access.registerUser({ userId: 'sue.ioannou', displayName: 'Sue Ioannou', organisationId: DEFAULT_ORGANISATION }, operator);
  await access.setPassword({ userId: 'sue.ioannou', role: 'editor', password: PASSWORD }, operator);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
});

describe('the verify page', () => {
  it('serves the verifier as a module under the strict policy, and says plainly that checking needs JavaScript without it', async () => {
    const asset = await fetch(`${ledger.url}/assets/js/verify-bundle.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(await asset.text()).toContain('export {');
    const page = await fetch(`${ledger.url}/web/verify`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/assets/js/verify-page.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const noScript = await pageWith(false);
    await noScript.goto(`${ledger.url}/web/verify`);
    // Playwright's text locators skip <noscript>; what the reader sees is the main region's rendered text.
    const seen = await noScript.locator('main').innerText();
    expect(seen).toContain('Checking a bundle on this page needs JavaScript');
    expect(seen).toContain('npx @safeguarding-evidence-ledger/verify-evidence-bundle bundle.zip');
    await expect(noScript.getByRole('button', { name: 'Check the bundle' }).isVisible()).resolves.toBe(false);
    // axe needs script in the page, so the page without it is photographed; the same HTML is axe-checked below.
    await noScript.screenshot({ path: path.join(SCREENS, 'verify-no-javascript.png'), fullPage: true });
    await noScript.context().close();
  });

  it('passes every check of a real bundle, and fails a tampered one naming the check that broke', async () => {
    const { zip: good, fingerprint } = await apiBundle();
    const goodFile = path.join(FILES, 'bundle.zip');
    const badFile = path.join(FILES, 'tampered.zip');
    writeFileSync(goodFile, good);
    writeFileSync(badFile, tamper(good));

    const page = await pageWith();
    await page.goto(`${ledger.url}/web/verify`);
    await checkPage(page, 'verify');
    // Without a fingerprint to trust, seven checks and the bundle's own fingerprint to compare by eye.
    const unpinned = await verifyOnPage(page, goodFile);
    expect(unpinned.outcome).toMatch(/The bundle checks out\s+All 7 checks passed\./);
    await expect(page.getByTestId('verify-fingerprint').innerText()).resolves.toBe(fingerprint);
    await expect(page.getByText('Compare the signing key fingerprint with the one the ledger operator publishes').isVisible()).resolves.toBe(true);

    const passed = await verifyOnPage(page, goodFile, { fingerprint });
    expect(passed.outcome).toMatch(/The bundle checks out\s+All 8 checks passed\./);
    expect(passed.checks).toEqual([
      ['The bundle can be read', 'Passed'],
      ['Every file matches the manifest', 'Passed'],
      ['SHA256SUMS agrees with the files and the manifest', 'Passed'],
      ['The manifest is signed', 'Passed'],
      ['The signing key is the one you trust', 'Passed'],
      ['The hash chain over events.ndjson holds', 'Passed'],
      ['The Merkle root matches the events', 'Passed'],
      ['Replaying the events reproduces state.json', 'Passed'],
    ]);
    await checkPage(page, 'verify-passed');

    // With an earlier bundle: a tree extends itself, so the consistency check holds; a tampered earlier one fails it.
    const later = await verifyOnPage(page, goodFile, { previous: goodFile, fingerprint });
    expect(later.checks).toContainEqual(['This bundle extends the older one unchanged', 'Passed']);
    const againstTampered = await verifyOnPage(page, goodFile, { previous: badFile, fingerprint });
    expect(againstTampered.checks).toContainEqual(['This bundle extends the older one unchanged', 'Failed']);

    const wrongKey = await verifyOnPage(page, goodFile, { fingerprint: `SHA256:${'A'.repeat(43)}` });
    expect(wrongKey.checks).toContainEqual(['The signing key is the one you trust', 'Failed']);

    const failed = await verifyOnPage(page, badFile);
    expect(failed.outcome).toMatch(/Do not rely on this bundle/);
    expect(failed.checks).toContainEqual(['Every file matches the manifest', 'Failed']);
    await expect(page.getByText(/events\.ndjson/).first().isVisible()).resolves.toBe(true);
    await checkPage(page, 'verify-failed');
    await page.context().close();
  });

  it('asks for a bundle when none was chosen, GOV.UK style', async () => {
    const page = await pageWith();
    await page.goto(`${ledger.url}/web/verify`);
    await page.getByRole('button', { name: 'Check the bundle' }).click();
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toContain('Select the evidence bundle to check');
    await expect(page.locator('#bundle-error').textContent()).resolves.toBe('Error: Select the evidence bundle to check');
    await expect(page.evaluate<string>("document.activeElement.className")).resolves.toContain('govuk-error-summary');
    await checkPage(page, 'verify-error');
    await page.context().close();
  });

  it('downloads a bundle from the bundle page that the verify page passes, and refuses a date that is not one', async () => {
    const page = await pageWith();
    await signIn(page, ledger.url, 'inspector.one', PASSWORD);
    await page.goto(`${ledger.url}/web/plans/${planId}/bundle`);
    const fingerprint = (await page.getByTestId('bundle-fingerprint').innerText()).trim();
    expect(fingerprint).toMatch(/^SHA256:[0-9a-f]{64}$/);
    await expect(page.getByTestId('tree-head').innerText()).resolves.toMatch(/Events \(tree size\)\s+\d+/);
    await checkPage(page, 'bundle');

    await page.getByLabel('Day').fill('31');
    await page.getByLabel('Month').fill('2');
    await page.getByLabel('Year').fill('2012');
    await page.getByRole('button', { name: 'Download the bundle' }).click();
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toContain('The date must be a real date');
    await expect(page.getByLabel('Day').inputValue()).resolves.toBe('31');
    await checkPage(page, 'bundle-error');

    const today = new Date();
    await page.getByLabel('Day').fill(String(today.getUTCDate()));
    await page.getByLabel('Month').fill(String(today.getUTCMonth() + 1));
    await page.getByLabel('Year').fill(String(today.getUTCFullYear()));
    await page.getByLabel('Effective time').check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the bundle' }).click()]);
    const file = path.join(FILES, 'downloaded.zip');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/\.zip$/);

    const checked = await verifyOnPage(page, file, { fingerprint });
    expect(checked.outcome).toMatch(/All 8 checks passed\./);
    await expect(page.getByTestId('verify-result-as-at').innerText()).resolves.toContain('effective time');
    await page.context().close();

    // The download went in the access log as the API's does, with the instant it was of.
    const log = await ledger.request('GET', '/access-log');
    expect(JSON.stringify(log.body)).toContain('/web/plans/:planId/bundle/download');
  });

  it('refuses the bundle page to someone without bundle.export, as the API does', async () => {
    const page = await pageWith();
    await signIn(page, ledger.url, 'sue.ioannou', PASSWORD);
    // With the page's session cookie, but not as a navigation: a refused page is a console error by design.
    for (const address of ['bundle', 'bundle/download']) {
      const response = await page.request.get(`${ledger.url}/web/plans/${planId}/${address}`, { maxRedirects: 0 });
      expect({ address, status: response.status() }).toEqual({ address, status: 403 });
    }
    await page.context().close();
  });

  it('raised no script or console error on any page', () => {
    // A form refused with its errors is a 400 page by design; Chromium logs that status as an error.
    expect(problems.filter((p) => !/status of 400 \(Bad Request\)$/.test(p))).toEqual([]);
  });
});
