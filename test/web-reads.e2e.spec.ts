import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AccessControl, PlanCommandService } from '#application';
import { planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { importDemoPlan } from '#importer';
import { PlanProjector } from '#projections';
import { EVENT_STORE } from '../apps/api/src/ledger.tokens.js';
import { DEFAULT_ORGANISATION, startLedger, type RunningLedger } from './support/ledger-app.js';
import { checkPage, launchBrowser, newPage, SCREENS, signIn } from './support/web-browser.js';

/**
 * What inspectors and quality assurance read, in Debian's Chromium against the real app on a temp SQLite
 * file with the demo plan: "as known at", RAG over time, changes between two dates, back-dated entries,
 * the audit log and its CSV, the "Page not found" page, and each page printed on A4.
 */

const OPERATOR = { id: 'test-setup', displayName: 'Test set-up' };
const PASSWORD = 'correct horse battery staple';
const BACK_DATED_NOTE = 'Supervision audit <i>findings</i> shared with team managers';

jest.setTimeout(180_000);

let ledger: RunningLedger;
let browser: Browser;
let planId: string;
let store: EventStore;
let action41: string;
/** Before the back-dated note was written: what the ledger knew then. */
let beforeNote: string;
const consoleProblems: string[] = [];

/** The page as printed: no navigation chrome or forms, nothing wider than A4, and a PDF Chromium can lay out. */
async function checkPrint(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize()!;
  await page.emulateMedia({ media: 'print' });
  // A4 is 210 mm wide; less 2 × 12 mm margins at 96 px per inch is about 703 px of content.
  await page.setViewportSize({ width: 703, height: 1000 });
  try {
    const chrome = await page.locator('.ledger-header, .govuk-service-navigation, .govuk-footer, form, .govuk-skip-link').evaluateAll((nodes) => nodes.filter((n) => n.getClientRects().length > 0).length);
    expect({ page: name, visibleChrome: chrome }).toEqual({ page: name, visibleChrome: 0 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect({ page: name, overflow: overflow <= 2 }).toEqual({ page: name, overflow: true });
    // Link text is kept in print.
    const mainLinks = await page.locator('main a').allTextContents();
    if (mainLinks.length > 0) expect(mainLinks.join('').trim().length).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENS, `${name}-print.png`), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: false });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  } finally {
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize(viewport);
  }
}

/** Signed in, and on the plans page where sign-in lands. */
async function signInAs(page: Page, userId: string): Promise<void> {
  await signIn(page, ledger.url, userId, PASSWORD);
  await page.waitForURL(`${ledger.url}/web/plans`);
}

async function planEventCount(): Promise<number> {
  return (await store.readStream(planStreamName(planId))).length;
}

beforeAll(async () => {
  ledger = await startLedger();
  const imported = await importDemoPlan(ledger.app.get(PlanCommandService), { id: 'importer', displayName: 'Plan import' });
  planId = imported.planId;
  store = ledger.app.get<EventStore>(EVENT_STORE);

  const plan = await ledger.request('GET', `/plans/${planId}`);
  action41 = (Object.values(plan.body.actions) as { id: string; ref: string }[]).find((a) => a.ref === '4.1')!.id;
  await new Promise((resolve) => setTimeout(resolve, 5));
  beforeNote = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  // Written now, speaking for 15 June 2009: a back-dated entry, and the bitemporal question's answer.
  const written = await ledger.request('POST', `/plans/${planId}/actions/${action41}/progress-updates`, { body: { narrative: BACK_DATED_NOTE, asAt: '2009-06-15' } });
  expect(written.status).toBe(201);
  const head = await store.readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
  await ledger.app.get(PlanProjector).waitFor(head[0]!.position);

  const access = ledger.app.get(AccessControl);
  await access.registerUser({ userId: 'qa.officer', displayName: 'Quentin Assurance', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
  await access.setPassword({ userId: 'qa.officer', role: 'auditor', password: PASSWORD }, OPERATOR);
  await access.registerUser({ userId: 'sue.ioannou', displayName: 'Sue Ioannou', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
  await access.setPassword({ userId: 'sue.ioannou', role: 'editor', password: PASSWORD }, OPERATOR);
  await access.registerUser({ userId: 'inspector.one', displayName: 'Ines Pector', organisationId: 'ofsted' }, OPERATOR);
  await access.setPassword({ userId: 'inspector.one', role: 'inspector', password: PASSWORD }, OPERATOR);
  await access.grant({ userId: 'inspector.one', role: 'inspector', planId, reason: 'Inspection of the plan' }, DEFAULT_ORGANISATION, OPERATOR);

  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
});

describe('quality assurance reads the plan in time', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context.setDefaultTimeout(15_000);
    page = await newPage(context, consoleProblems);
    await signInAs(page, 'qa.officer');
  });
  afterAll(async () => {
    await context.close();
  });

  it('links the plan page to RAG over time, changes, back-dated entries and the audit log, and prints it on A4', async () => {
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    const links = page.getByRole('navigation', { name: 'More about this plan' });
    expect(await links.getByRole('link').allTextContents()).toEqual(['RAG over time', 'Changes between two dates', 'Back-dated entries', 'Audit log of this plan']);
    await checkPrint(page, 'r01-plan');
  });

  it('answers the bitemporal question: effective on 1 Jul 2009 as known before the back-dated note, and as known now', async () => {
    const row = () => page.locator('tr[data-action-ref="4.1"]').getByTestId('latest-progress');
    await page.goto(`${ledger.url}/web/plans/${planId}?asAt=2009-07-01&time=effective`);
    expect(await row().textContent()).toContain('Supervision audit <i>findings</i>');
    await page.goto(`${ledger.url}/web/plans/${planId}?asAt=2009-07-01&time=effective&knownAt=${encodeURIComponent(beforeNote)}`);
    expect(await page.getByTestId('as-at-banner').textContent()).toContain('as the ledger knew it at');
    expect(await row().textContent()).toContain('None recorded');
    await checkPage(page, 'r02-plan-known-at');

    // From the control: a known-at date carried in the address; with recorded time it is refused by the field.
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    expect(await page.getByRole('group', { name: /As known at/ }).count()).toBe(0);
    await page.goto(`${ledger.url}/web/plans/${planId}?asAt=2009-07-01&time=effective`);
    await page.getByLabel('Recorded: what the ledger knew then').check();
    const today = new Date();
    await page.getByRole('group', { name: 'Date', exact: true }).getByLabel('Day').fill('1');
    await page.getByRole('group', { name: 'Date', exact: true }).getByLabel('Month').fill('7');
    await page.getByRole('group', { name: 'Date', exact: true }).getByLabel('Year').fill('2009');
    const known = page.getByRole('group', { name: /As known at/ });
    await known.getByLabel('Day').fill(String(today.getUTCDate()));
    await known.getByLabel('Month').fill(String(today.getUTCMonth() + 1));
    await known.getByLabel('Year').fill(String(today.getUTCFullYear()));
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.locator('#knownAt-error').textContent()).toContain('As known at only applies to effective time');
    expect(await page.locator('.govuk-error-summary a[href="#knownAt-day"]').count()).toBe(1);
    await checkPage(page, 'r03-plan-known-at-error');
    await page.getByLabel('Effective: what was true then, as known now').check();
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/knownAt=/);
    expect(new URL(page.url()).searchParams.get('knownAt')).toBe(today.toISOString().slice(0, 10));
    expect(await row().textContent()).toContain('Supervision audit');
    // The filters keep the known-at date.
    await page.getByLabel('Rating').selectOption('red');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/rating=red/);
    expect(new URL(page.url()).searchParams.get('knownAt')).toBe(today.toISOString().slice(0, 10));
  });

  it('draws RAG over time as an SVG chart with the same numbers as the API, in a table beside it', async () => {
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    await page.getByRole('link', { name: 'RAG over time' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('RAG over time');
    const chart = page.locator('svg.ledger-trend-chart');
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await page.locator('#rag-trend-desc').textContent()).toMatch(/^From \d+ \w{3} \d{4} to/);
    await checkPage(page, 'r04-rag-trend');
    // Quarterly, effective time, over the plan's years: the table's rows are the API's points.
    await page.getByRole('group', { name: 'From' }).getByLabel('Day').fill('1');
    await page.getByRole('group', { name: 'From' }).getByLabel('Month').fill('4');
    await page.getByRole('group', { name: 'From' }).getByLabel('Year').fill('2009');
    await page.getByRole('group', { name: 'To (optional)' }).getByLabel('Day').fill('31');
    await page.getByRole('group', { name: 'To (optional)' }).getByLabel('Month').fill('12');
    await page.getByRole('group', { name: 'To (optional)' }).getByLabel('Year').fill('2012');
    await page.getByLabel('Quarter').check();
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL(/interval=quarter/);
    const api = await ledger.request('GET', `/plans/${planId}/rag-trend?from=2009-04-01&to=${encodeURIComponent('2012-12-31T23:59:59.999Z')}&interval=quarter&time=effective`);
    expect(api.status).toBe(200);
    const rows = await page.getByTestId('rag-trend-table').locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ at: tr.getAttribute('data-at'), cells: Object.fromEntries([...tr.querySelectorAll('td[data-series]')].map((td) => [td.getAttribute('data-series'), Number(td.textContent)])) })),
    );
    expect(rows).toEqual(
      api.body.points.map((p: { at: string; complete: number; green: number; amber: number; red: number; awaiting: number; noTarget: number }) => ({
        at: p.at,
        cells: { complete: p.complete, green: p.green - p.complete, amber: p.amber, red: p.red, awaiting: p.awaiting, noTarget: p.noTarget },
      })),
    );
    expect(await chart.locator('g').count()).toBe(api.body.points.length);
    await checkPage(page, 'r05-rag-trend-quarterly');
    await checkPrint(page, 'r05-rag-trend-quarterly');
  });

  it('refuses a range of more than 500 weekly points, and a made-up date, with the GOV.UK error pattern', async () => {
    const response = await page.goto(`${ledger.url}/web/plans/${planId}/rag-trend?from=1990-01-01&interval=week`);
    expect(response!.status()).toBe(400);
    expect(await page.locator('#interval-error').textContent()).toContain('more than 500 points');
    const bad = await page.goto(`${ledger.url}/web/plans/${planId}/rag-trend?from-day=30&from-month=2&from-year=2010`);
    expect(bad!.status()).toBe(400);
    expect(await page.locator('#from-error').textContent()).toContain('The start date must be a real date');
    await expect(page.getByRole('group', { name: 'From' }).getByLabel('Day').inputValue()).resolves.toBe('30');
    await checkPage(page, 'r06-rag-trend-error');
  });

  it('lists what moved between two dates, each change with the entries that caused it, as the API does', async () => {
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    await page.getByRole('link', { name: 'Changes between two dates' }).click();
    await checkPage(page, 'r07-changes-empty');
    await page.getByRole('group', { name: 'From' }).getByLabel('Day').fill('1');
    await page.getByRole('group', { name: 'From' }).getByLabel('Month').fill('4');
    await page.getByRole('group', { name: 'From' }).getByLabel('Year').fill('2010');
    await page.getByRole('group', { name: 'To (optional)' }).getByLabel('Day').fill('31');
    await page.getByRole('group', { name: 'To (optional)' }).getByLabel('Month').fill('3');
    await page.getByRole('group', { name: 'To (optional)' }).getByLabel('Year').fill('2011');
    await page.getByLabel('Effective: what became true in between, as known now').check();
    await page.getByRole('button', { name: 'Show changes' }).click();
    await page.waitForURL(/from-day=1/);
    const api = await ledger.request('GET', `/plans/${planId}/changes-since?from=2010-04-01&to=${encodeURIComponent('2011-03-31T23:59:59.999Z')}&time=effective`);
    expect(api.status).toBe(200);
    expect(api.body.changes.length).toBeGreaterThan(0);
    const shown = await page.getByTestId('changes').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-change')));
    expect(shown).toEqual(api.body.changes.map((c: { ref: string; field: string }) => `${c.ref} ${c.field}`));
    await checkPage(page, 'r08-changes');
    await checkPrint(page, 'r08-changes');

    // In recorded time since this morning: the whole plan was imported today, each action with the entry that added it.
    const today = new Date().toISOString().slice(0, 10);
    await page.goto(`${ledger.url}/web/plans/${planId}/changes?from=${today}&time=recorded`);
    const recorded = await ledger.request('GET', `/plans/${planId}/changes-since?from=${today}&time=recorded`);
    expect(await page.getByTestId('actions-added').locator('tbody tr').count()).toBe(recorded.body.actionsAdded.length);
    const cause = recorded.body.actionsAdded[0].causes[0];
    expect(await page.getByTestId('actions-added').locator('tbody tr').first().textContent()).toContain(cause.summary);
    await checkPage(page, 'r08a-changes-recorded');

    const backwards = await page.goto(`${ledger.url}/web/plans/${planId}/changes?from=2011-01-01&to=2010-01-01`);
    expect(backwards!.status()).toBe(400);
    expect(await page.locator('#to-error').textContent()).toContain('The end date must be the same as or after the start date');
  });

  it('lists the back-dated entries with how late each was written, and a tolerance that hides the recent ones', async () => {
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    await page.getByRole('link', { name: 'Back-dated entries' }).click();
    const table = page.getByTestId('back-dated');
    expect(await table.textContent()).toContain(BACK_DATED_NOTE);
    expect(await table.locator('b, i').count()).toBe(0);
    const late = await table.locator('tbody tr').first().getByTestId('how-late').textContent();
    expect(late).toMatch(/^[\d,]+ days$/);
    const api = await ledger.request('GET', `/plans/${planId}/retrospective-entries`);
    expect(await table.locator('tbody tr').count()).toBe(api.body.entries.length);
    await checkPage(page, 'r09-back-dated');
    // Sorted by the column on a click (MOJ sortable table), in the browser only.
    await table.getByRole('button', { name: 'How late' }).click();
    expect(await table.locator('th', { hasText: 'How late' }).getAttribute('aria-sort')).toMatch(/ascending|descending/);
    await checkPrint(page, 'r09-back-dated');

    // A tolerance longer than any delay: nothing is listed.
    await page.getByLabel('Leave out entries written within this many hours').fill('8760');
    await page.getByRole('button', { name: 'Show entries' }).click();
    const api2 = await ledger.request('GET', `/plans/${planId}/retrospective-entries?toleranceHours=8760`);
    expect(await page.locator('[data-testid="back-dated"] tbody tr').count()).toBe(api2.body.entries.length);
    const bad = await page.goto(`${ledger.url}/web/plans/${planId}/back-dated?toleranceHours=-3`);
    expect(bad!.status()).toBe(400);
    expect(await page.locator('#toleranceHours-error').textContent()).toContain('Enter the tolerance as a number of hours');
    await expect(page.getByLabel('Leave out entries written within this many hours').inputValue()).resolves.toBe('-3');
    await checkPage(page, 'r10-back-dated-error');
  });

  it('filters the audit log by plan, action, person, type and dates, pages through it, and exports the same entries as CSV', async () => {
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    await page.getByRole('link', { name: 'Audit log of this plan' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Audit log');
    expect(await page.getByTestId('audit-log').locator('tbody tr').count()).toBe(50);
    await checkPage(page, 'r11-audit-log');
    await page.getByRole('link', { name: /Later entries/ }).click();
    expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy();
    expect(new URL(page.url()).searchParams.get('planId')).toBe(planId);
    const apiFirst = await ledger.request('GET', `/audit-log?planId=${planId}&limit=50`);
    const apiSecond = await ledger.request('GET', `/audit-log?planId=${planId}&limit=50&cursor=${apiFirst.body.nextCursor}`);
    expect(await page.getByTestId('audit-log').locator('tbody tr').first().textContent()).toContain(apiSecond.body.entries[0].summary);

    await page.goto(`${ledger.url}/web/audit-log?planId=${planId}`);
    await page.getByLabel('Action').selectOption(action41);
    await page.getByLabel('Type of entry').selectOption('ProgressUpdateRecorded');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/type=ProgressUpdateRecorded/);
    const rows = page.getByTestId('audit-log').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const type of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-type')))) expect(type).toBe('ProgressUpdateRecorded');
    expect(await page.getByTestId('audit-log').textContent()).toContain(BACK_DATED_NOTE);
    expect(await page.locator('.moj-filter__selected').textContent()).toContain('Progress update recorded');
    await checkPage(page, 'r12-audit-log-filtered');

    const download = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('audit-log.csv');
    const csv = readFileSync((await file.path())!, 'utf8');
    const api = await ledger.request('GET', `/audit-log?planId=${planId}&actionId=${action41}&type=ProgressUpdateRecorded&format=csv`);
    expect(csv).toBe(api.body);
    expect(csv.split('\n')[0]).toContain('Recorded at');
    expect(csv).toContain('Supervision audit <i>findings</i>');

    // By person (exactly), and by a date range that holds nothing.
    await page.goto(`${ledger.url}/web/audit-log?planId=${planId}&actor=${encodeURIComponent('Rachel Deakin')}`);
    for (const who of await page.getByTestId('audit-log').locator('tbody tr td:nth-child(2)').allTextContents()) expect(who.trim()).toBe('Rachel Deakin');
    await page.goto(`${ledger.url}/web/audit-log?from=2001-01-01&to=2001-01-31`);
    expect(await page.getByTestId('no-entries').count()).toBe(1);
    await checkPrint(page, 'r12-audit-log');
  });

  it('answers a hostile or nonsense audit log query with a 400 page by the field, never a 500 or a CSV of something else', async () => {
    for (const [address, field] of [
      ['/web/audit-log?planId=__proto__', 'planId'],
      ['/web/audit-log?planId=constructor&actionId=toString', 'planId'],
      [`/web/audit-log?planId=${planId}&actionId=__proto__`, 'actionId'],
      ['/web/audit-log?actionId=toString', 'actionId'],
      ['/web/audit-log?type=constructor', 'type'],
      ['/web/audit-log?from-day=31&from-month=2&from-year=2011', 'from'],
      ['/web/audit-log?cursor=%27%3B--', 'actor'],
      ['/web/audit-log?actor=a&actor=b', 'actor'],
      ['/web/audit-log/export?type=__proto__', 'type'],
    ] as const) {
      const response = await context.request.get(`${ledger.url}${address}`, { maxRedirects: 0 });
      expect({ address, status: response.status() }).toEqual({ address, status: 400 });
      expect(response.headers()['content-type']).toContain('text/html');
      expect(await response.text()).toContain(`id="${field}-error"`);
    }
    await page.goto(`${ledger.url}/web/audit-log?type=constructor`);
    await checkPage(page, 'r13-audit-log-error');
  });
});

describe('an editor, an inspector, and addresses nothing serves', () => {
  it('shows an editor no audit log link, and refuses them the audit log and its CSV (403), as the API does', async () => {
    const context = await browser.newContext();
    const page = await newPage(context, consoleProblems);
    await signInAs(page, 'sue.ioannou');
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    expect(await page.getByRole('link', { name: 'Audit log of this plan' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Back-dated entries' }).count()).toBe(1);
    for (const address of ['/web/audit-log', '/web/audit-log/export']) {
      const response = await page.goto(`${ledger.url}${address}`);
      expect({ address, status: response!.status() }).toEqual({ address, status: 403 });
    }
    await context.close();
  });

  it("puts an inspector's views of the reading pages in the access log, and shows them only the granted plan's audit log", async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await newPage(context, consoleProblems);
    await signInAs(page, 'inspector.one');
    for (const view of ['changes', 'back-dated', 'rag-trend']) {
      const response = await page.goto(`${ledger.url}/web/plans/${planId}/${view}`);
      expect({ view, status: response!.status() }).toEqual({ view, status: 200 });
    }
    await page.goto(`${ledger.url}/web/audit-log`);
    expect(await page.getByTestId('audit-log').locator('tbody tr').count()).toBe(50);
    const planIds = await page.getByTestId('audit-log').locator('tbody tr td:nth-child(4) a').first().getAttribute('href');
    expect(planIds).toBe(`/web/plans/${planId}`);
    const log = await ledger.app.get(AccessControl).accessLog(DEFAULT_ORGANISATION);
    const views = log.filter((entry) => (entry.actor as { id: string }).id === 'inspector.one').map((entry) => entry.view);
    expect(views).toEqual(expect.arrayContaining(['/web/plans/:planId/changes', '/web/plans/:planId/back-dated', '/web/plans/:planId/rag-trend']));
    await context.close();
  });

  it('answers an unknown /web address with a "Page not found" page, while the JSON API keeps its JSON 404', async () => {
    const context = await browser.newContext();
    const page = await newPage(context, consoleProblems);
    for (const address of ['/web/nowhere', '/web/plans/x/y/z', '/web']) {
      const response = await page.goto(`${ledger.url}${address}`);
      expect({ address, status: response!.status(), type: response!.headers()['content-type'] }).toEqual({ address, status: 404, type: expect.stringContaining('text/html') });
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found');
    }
    expect((await page.goto(`${ledger.url}/nowhere-at-all`))!.headers()['content-type']).toContain('text/html');
    await checkPage(page, 'r14-page-not-found');
    const api = await context.request.get(`${ledger.url}/plans-nowhere`, { headers: { accept: 'application/json' } });
    expect(api.status()).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'NOT_FOUND' });
    const curl = await context.request.get(`${ledger.url}/no/such/api`, { headers: { accept: '*/*' } });
    expect(curl.headers()['content-type']).toContain('application/json');
    // A post to nowhere under /web is a page too (refused by the body reader or by the router, never JSON).
    const post = await context.request.post(`${ledger.url}/web/nowhere`, { form: { a: '1' } });
    expect([400, 404]).toContain(post.status());
    expect(post.headers()['content-type']).toContain('text/html');
    await context.close();
  });

  it('appended nothing while reading, and logged no script or policy errors', async () => {
    const before = await planEventCount();
    const context = await browser.newContext();
    const page = await newPage(context, consoleProblems);
    await signInAs(page, 'qa.officer');
    await page.goto(`${ledger.url}/web/plans/${planId}/back-dated`);
    await page.goto(`${ledger.url}/web/audit-log`);
    expect(await planEventCount()).toBe(before);
    await context.close();
    expect(consoleProblems.filter((p) => !/\b(400|403|404)\b/.test(p))).toEqual([]);
  });
});
