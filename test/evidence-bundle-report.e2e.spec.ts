import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { chromium, type Browser, type Page } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { EvidenceFiles, PlanCommandService, PlanRepository } from '#application';
import { DEFAULT_RAG_RULES, planStreamName } from '#domain';
import { SqliteEventStore } from '#event-store';
import { buildEvidenceBundle, loadOrCreateSigningKey } from '#evidence';
import { importOfstedPlan, recordProgressIn2012 } from './support/ofsted-plan.js';

/**
 * report.html as a person meets it: opened in a real browser and printed to PDF. The PNG is kept in
 * the temp folder (evidence-bundle-report.png) so a person can look at what the council officer sees.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const REPORT_PNG = path.join(tmpdir(), 'evidence-bundle-report.png');

jest.setTimeout(90_000);

let dir: string;
let reportUrl: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required at ${CHROMIUM} (or set CHROMIUM_PATH) to render report.html; install it (apt-get install chromium)`);
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-report-'));
  const store = new SqliteEventStore({ path: path.join(dir, 'ledger.sqlite') });
  const repository = new PlanRepository(store);
  const service = new PlanCommandService(store, repository, { now: () => new Date(), newId: () => uuidv7() });
  const evidence = new EvidenceFiles(path.join(dir, 'evidence'));
  const planId = await importOfstedPlan(service);
  await recordProgressIn2012(service, repository, planId, evidence);
  const built = await buildEvidenceBundle({
    planId,
    events: await store.readStream(planStreamName(planId)),
    asAt: '2012-12-31T23:59:59.999Z',
    time: 'effective',
    rules: DEFAULT_RAG_RULES,
    signingKey: await loadOrCreateSigningKey(path.join(dir, 'keys')),
    generator: { name: 'safeguarding-evidence-ledger', version: '0.1.0' },
    readEvidenceFile: (sha256) => evidence.get(sha256),
  });
  await store.close();
  const folder = path.join(dir, 'bundle');
  mkdirSync(folder);
  for (const [name, bytes] of Object.entries(unzipSync(built.zip))) {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), bytes);
  }
  reportUrl = pathToFileURL(path.join(folder, 'report.html')).href;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // Nothing may be fetched: the report must stand alone, offline, years from now.
  const requests: string[] = [];
  page.on('request', (request) => {
    if (request.url() !== reportUrl) requests.push(request.url());
  });
  await page.goto(reportUrl);
  expect(requests).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('report.html in a browser', () => {
  it('reads as a document: the title, the roll-up sentence and the plan table are visible', async () => {
    expect(await page.title()).toBe('Evidence bundle: Central Bedfordshire Council Safeguarding and Looked After Children Post Inspection Action Plan as at 31 Dec 2012');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Central Bedfordshire Council Safeguarding and Looked After Children Post Inspection Action Plan');
    expect(await page.getByText('1 of 70 recommendations completed in full').isVisible()).toBe(true);
    const row = page.locator('table.rag-table tr', { hasText: 'Revised guidance for practitioners on the completion of chronologies' });
    expect(await row.isVisible()).toBe(true);
    expect((await row.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      '1.1.2',
      'Revised guidance for practitioners on the completion of chronologies',
      'Audit Manager, Head of QA', // two leads: the importer splits "and" between two roles
      '30 July 2012',
      'Completed 27 Jul 2012 As at 2 Jul 2012: Draft guidance circulated to team managers for comment (Rachel Deakin)',
      'Green Completed on 27 Jul 2012.',
    ]);
    // The recommendation is written once, beside all seven of its actions, as in the council's plan.
    const recommendation = page.locator('table.rag-table td.rec', { hasText: 'Guidance to be issued that outlines the purpose and benefits of chronologies' });
    expect(await recommendation.getAttribute('rowspan')).toBe('7');
    expect(await recommendation.isVisible()).toBe(true);
    // Colour and the word: the Green cell is green.
    // Runs in the page; the cast only because this project's type library is Node's, without the DOM.
    type Styles = { getComputedStyle(element: unknown): { backgroundColor: string } };
    const green = await row.locator('td.rag').evaluate((cell) => (globalThis as unknown as Styles).getComputedStyle(cell).backgroundColor);
    expect(green).toBe('rgb(0, 112, 60)');
    expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(10);
  });

  it('prints to a landscape PDF of several pages, and leaves a PNG to look at', async () => {
    // The first screens: header, summary, chart, work streams and the start of the plan table.
    await page.screenshot({ path: REPORT_PNG, clip: { x: 0, y: 0, width: 1400, height: 2400 }, fullPage: true });
    expect(existsSync(REPORT_PNG)).toBe(true);
    const pdf = Buffer.from(await page.pdf({ preferCSSPageSize: true, printBackground: true }));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdf.toString('latin1');
    const pages = text.match(/\/Type\s*\/Page(?!s)/g) ?? [];
    expect(pages.length).toBeGreaterThan(3);
    // A4 landscape: 297 × 210 mm = 841.89 × 595.28 points.
    const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(text);
    expect(Number(box![1])).toBeCloseTo(841.9, 0);
    expect(Number(box![2])).toBeCloseTo(595.3, 0);
    writeFileSync(REPORT_PNG.replace(/\.png$/, '.pdf'), pdf);
  });
});
