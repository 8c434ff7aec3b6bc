import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AccessControl, PlanCommandService } from '#application';
import { planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { importDemoPlan } from '#importer';
import { PlanProjector } from '#projections';
import { EVENT_STORE } from '../apps/api/src/ledger.tokens.js';
import { WebSessions } from '../apps/api/src/web/web-sessions.js';
import { DEFAULT_ORGANISATION, startLedger, type RunningLedger } from './support/ledger-app.js';
import { checkPage, launchBrowser, newPage, signIn } from './support/web-browser.js';

/**
 * The web service as its users meet it: Debian's Chromium against the real app on a temp SQLite file.
 * Every page is checked with axe and photographed into test-artifacts/screens/ for a person to look at.
 */

const OPERATOR = { id: 'test-setup', displayName: 'Test set-up' };
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(120_000);

let ledger: RunningLedger;
let browser: Browser;
let planId: string;
let store: EventStore;
const consoleProblems: string[] = [];

async function planEventCount(): Promise<number> {
  return (await store.readStream(planStreamName(planId))).length;
}

beforeAll(async () => {
  ledger = await startLedger();
  const imported = await importDemoPlan(ledger.app.get(PlanCommandService), { id: 'importer', displayName: 'Plan import' });
  planId = imported.planId;
  store = ledger.app.get<EventStore>(EVENT_STORE);
  const head = await store.readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
  await ledger.app.get(PlanProjector).waitFor(head[0]!.position);

  const access = ledger.app.get(AccessControl);
  await access.registerUser({ userId: 'sue.ioannou', displayName: 'Sue Ioannou', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
  await access.setPassword({ userId: 'sue.ioannou', role: 'editor', password: PASSWORD }, OPERATOR);
  await access.registerUser({ userId: 'inspector.one', displayName: 'Ines Pector', organisationId: 'ofsted' }, OPERATOR);
  await access.setPassword({ userId: 'inspector.one', role: 'inspector', password: PASSWORD }, OPERATOR);
  await access.grant({ userId: 'inspector.one', role: 'inspector', planId, reason: 'Inspection of the plan' }, DEFAULT_ORGANISATION, OPERATOR);
  await access.registerUser({ userId: 'other.admin', displayName: 'Olive Other', organisationId: 'another-council' }, OPERATOR);
  await access.setPassword({ userId: 'other.admin', role: 'admin', password: PASSWORD }, OPERATOR);

  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
});

describe('the web service in a browser', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await newPage(context, consoleProblems);
  });
  afterAll(async () => {
    await context.close();
  });

  it('opens on a start page that leads to sign-in, with the strict content security policy', async () => {
    const response = await page.goto(`${ledger.url}/`);
    expect(response!.status()).toBe(200);
    const csp = response!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Safeguarding evidence ledger');
    // A council's service, not central government's: no GOV.UK crown or typeface.
    expect(await page.locator('.govuk-header__logotype, svg.govuk-header__logotype-crown').count()).toBe(0);
    const font = await page.evaluate<string>('getComputedStyle(document.body).fontFamily');
    expect(font).not.toContain('GDS Transport');
    await checkPage(page, '01-start');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
    await checkPage(page, '02-sign-in');
  });

  it('says what is missing on an empty sign-in, and refuses a wrong password without saying which part was wrong', async () => {
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter your user name');
    expect(await page.locator('#userId-error').textContent()).toContain('Enter your user name');
    await checkPage(page, '03-sign-in-errors');
    await signIn(page, ledger.url, 'sue.ioannou', 'not the password at all');
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('The user name or password is not right');
    await expect(page.getByLabel('User name').inputValue()).resolves.toBe('sue.ioannou');
  });

  it('signs in with a new session id in an HttpOnly, SameSite=Lax cookie that script cannot read', async () => {
    const before = (await context.cookies()).find((c) => c.name === 'ledger_session')?.value;
    await signIn(page, ledger.url, 'sue.ioannou', PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/web/plans');
    const cookie = (await context.cookies()).find((c) => c.name === 'ledger_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(cookie.value).not.toBe(before);
    expect(await page.evaluate<string>('document.cookie')).toBe('');
  });

  it('lists the plans with their roll-up sentence and counts by rating', async () => {
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Plans');
    const card = page.getByTestId('plan-card');
    expect(await card.count()).toBe(1);
    expect(await card.getByTestId('roll-up').textContent()).toMatch(/^\d+ of \d+ recommendations completed in full$/);
    await checkPage(page, '04-plans');
  });

  it('lays the plan out as work streams, recommendations and actions, each rating in words', async () => {
    await page.getByTestId('plan-card').getByRole('link').click();
    await page.waitForURL(`${ledger.url}/web/plans/${planId}`);
    expect(await page.locator('h3', { hasText: 'Recommendation' }).count()).toBe(17);
    const row = page.locator('tr[data-action-ref="4.1"]');
    expect(await row.count()).toBe(1);
    expect(await row.getByTestId('rating').locator('.govuk-tag').textContent()).toMatch(/Red|Amber|Green|Complete|Awaiting|No target|Superseded/);
    await checkPage(page, '05-plan');
  });

  it('re-renders the plan as at 1 Jul 2009 in effective time from the as-at control, with a banner and a shareable address', async () => {
    const now = (await page.locator('tr[data-action-ref="4.1"]').getByTestId('latest-progress').textContent())!;
    expect(now).toContain('Comprehensive framework and regular reporting to all managers is in place');
    await page.getByLabel('Day').fill('1');
    await page.getByLabel('Month').fill('7');
    await page.getByLabel('Year').fill('2009');
    await page.getByLabel('Effective: what was true then, as known now').check();
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/asAt=2009-07-01/);
    const url = new URL(page.url());
    expect(url.searchParams.get('asAt')).toBe('2009-07-01');
    expect(url.searchParams.get('time')).toBe('effective');
    expect(await page.getByTestId('as-at-banner').textContent()).toContain('1 Jul 2009');
    // On 1 July 2009 the 1 October progress note had not happened yet.
    const then = (await page.locator('tr[data-action-ref="4.1"]').getByTestId('latest-progress').textContent())!;
    expect(then).toContain('None recorded');
    // The control shows the date it was given, the UK way round.
    // (In effective time the page also offers an "as known at" date, with its own day, month and year.)
    await expect(page.getByRole('group', { name: 'Date', exact: true }).getByLabel('Day').inputValue()).resolves.toBe('1');
    await expect(page.getByRole('group', { name: 'Date', exact: true }).getByLabel('Month').inputValue()).resolves.toBe('7');
    await checkPage(page, '06-plan-as-at');
  });

  it('filters the actions by rating, lead and words, keeping the as-at date', async () => {
    await page.getByLabel('Rating').selectOption('awaiting');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/rating=awaiting/);
    expect(new URL(page.url()).searchParams.get('asAt')).toBe('2009-07-01');
    expect(await page.getByTestId('as-at-banner').count()).toBe(1);
    const shown = await page.locator('tr[data-action-ref]').count();
    expect(await page.getByTestId('filter-count').textContent()).toContain(`Showing ${shown} of 67 actions`);
    for (const tag of await page.locator('tr[data-action-ref] [data-testid="rating"] .govuk-tag').allTextContents()) expect(tag.trim()).toBe('Awaiting');
    await checkPage(page, '06a-plan-filtered');

    await page.goto(`${ledger.url}/web/plans/${planId}?q=${encodeURIComponent('performance framework')}`);
    const refs = await page.locator('tr[data-action-ref]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action-ref')));
    expect(refs).toContain('4.1');
    expect(refs.length).toBeLessThan(10);
    const lead = await page.goto(`${ledger.url}/web/plans/${planId}?lead=${encodeURIComponent('Peter Worthington')}&rating=__proto__`);
    expect(lead!.status()).toBe(400);
  });

  it('refuses an as-at date that is not a date with the error beside the control', async () => {
    const response = await page.goto(`${ledger.url}/web/plans/${planId}?asAt=yesterday`);
    expect(response!.status()).toBe(400);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter the date as day, month and year');
    await page.getByLabel('Day').fill('31');
    await page.getByLabel('Month').fill('2');
    await page.getByLabel('Year').fill('2009');
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.locator('#asAt-error').textContent()).toContain('The date must be a real date');
    await checkPage(page, '06b-plan-as-at-error');
  });

  it('shows an action with its timeline and a progress form, and on an empty form says what is wrong and keeps the values', async () => {
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    await page.locator('tr[data-action-ref="4.1"]').getByRole('link', { name: '4.1' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Action 4.1');
    expect(await page.locator('.moj-timeline__item').count()).toBeGreaterThan(0);
    await checkPage(page, '07-action');
    const before = await planEventCount();

    await page.getByRole('button', { name: 'Record progress' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter the progress made');
    expect(await page.locator('#narrative-error').textContent()).toContain('Enter the progress made');
    await checkPage(page, '08-action-error');

    await page.getByLabel('What progress has been made?').fill('Audit of supervision files <b>booked</b>');
    await page.getByRole('textbox', { name: 'Day' }).fill('31');
    await page.getByRole('textbox', { name: 'Month' }).fill('2');
    await page.getByRole('textbox', { name: 'Year' }).fill('2010');
    await page.getByRole('button', { name: 'Record progress' }).click();
    expect(await page.locator('#progressDate-error').textContent()).toContain('The date must be a real date');
    await expect(page.getByLabel('What progress has been made?').inputValue()).resolves.toBe('Audit of supervision files <b>booked</b>');
    await expect(page.getByRole('textbox', { name: 'Day' }).inputValue()).resolves.toBe('31');
    expect(await planEventCount()).toBe(before);
  });

  it('records a valid progress update through the command bus and shows it, escaped, in the timeline', async () => {
    const before = await planEventCount();
    await page.getByRole('textbox', { name: 'Day' }).fill('28');
    await page.getByRole('button', { name: 'Record progress' }).click();
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain('Progress recorded');
    const first = page.locator('.moj-timeline__item').first();
    expect(await first.textContent()).toContain('Audit of supervision files <b>booked</b>');
    expect(await first.textContent()).toContain('Sue Ioannou');
    expect(await first.textContent()).toContain('Back-dated');
    expect(await page.locator('.moj-timeline b').count()).toBe(0);
    expect(await planEventCount()).toBe(before + 1);
    const [event] = await store.readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
    expect(event).toMatchObject({ type: 'ProgressUpdateRecorded', data: { narrative: 'Audit of supervision files <b>booked</b>', asAt: '2010-02-28' } });
    expect(event!.metadata.actor).toMatchObject({ id: 'sue.ioannou', role: 'editor' });
  });

  it('says what changed when the form was made on a revision the plan has moved on from, and appends nothing', async () => {
    const stale = await newPage(context, consoleProblems);
    await stale.goto(page.url());
    await page.getByLabel('What progress has been made?').fill('First writer wins');
    await page.getByRole('button', { name: 'Record progress' }).click();
    const before = await planEventCount();
    await stale.getByLabel('What progress has been made?').fill('Second writer was looking at an older page');
    await stale.getByRole('button', { name: 'Record progress' }).click();
    expect(await stale.locator('.govuk-error-summary').textContent()).toContain('The plan has changed since you opened this page');
    expect(await stale.getByTestId('plan-changed').textContent()).toContain('First writer wins');
    await expect(stale.getByLabel('What progress has been made?').inputValue()).resolves.toBe('Second writer was looking at an older page');
    expect(await planEventCount()).toBe(before);
    await stale.close();
  });

  it('refuses a form post without the session CSRF token, and appends nothing', async () => {
    const before = await planEventCount();
    const action = new URL(page.url()).pathname;
    const response = await context.request.post(`${ledger.url}${action}/progress`, { form: { narrative: 'Forged', revision: '0' }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(await planEventCount()).toBe(before);
  });

  it('signs out: the session ends and the pages ask for sign-in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await context.cookies()).find((c) => c.name === 'ledger_session')).toBeUndefined();
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/web/plans/${planId}`);
  });
});

describe('an inspector in a browser', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await newPage(context, consoleProblems);
    await signIn(page, ledger.url, 'inspector.one', PASSWORD);
  });
  afterAll(async () => {
    await context.close();
  });

  it('reads the plan and an action, sees no edit controls, and every view is in the access log', async () => {
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    await page.locator('tr[data-action-ref="4.1"]').getByRole('link', { name: '4.1' }).click();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('inspector');
    expect(await page.locator('form textarea, #record-progress').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Record progress' }).count()).toBe(0);
    await checkPage(page, '09-action-inspector');
    const log = await ledger.app.get(AccessControl).accessLog(DEFAULT_ORGANISATION);
    const views = log.filter((entry) => (entry.actor as { id: string }).id === 'inspector.one').map((entry) => entry.view);
    expect(views).toEqual(expect.arrayContaining(['/web/plans/:planId', '/web/plans/:planId/actions/:actionId']));
  });

  it("finds the editor's progress update in the plan's audit log, escaped, by who wrote it", async () => {
    const actionPage = page.url();
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    await page.getByRole('link', { name: 'Audit log of this plan' }).click();
    // The demo plan's own entries fill the first pages: the editor's is found by who wrote it.
    await page.getByLabel('Person').fill('Sue Ioannou');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/actor=Sue/);
    const row = page.getByTestId('audit-log').locator('tbody tr', { hasText: 'Audit of supervision files <b>booked</b>' });
    expect(await row.count()).toBe(1);
    await expect(row.innerText()).resolves.toContain('Sue Ioannou');
    expect(await page.getByTestId('audit-log').locator('b').count()).toBe(0);
    await checkPage(page, '09a-audit-log-inspector');
    await page.goto(actionPage); // where the forged post below starts from
  });

  it('answers hostile ids and query strings with 404 and 400 pages, never a 500', async () => {
    for (const [address, status] of [
      [`/web/plans/__proto__`, 404],
      [`/web/plans/constructor`, 404],
      [`/web/plans/${planId}/actions/__proto__`, 404],
      [`/web/plans/${planId}/actions/toString`, 404],
      [`/web/plans/${planId}?asAt=2009-01-01&asAt=2010-01-01`, 400],
      [`/web/plans/${planId}?time=sideways`, 400],
      [`/web/plans/${planId}?asAt-day=1&asAt-month=13&asAt-year=2009`, 400],
      [`/web/plans/${planId}?asAt=2999-01-01`, 400],
    ] as const) {
      const response = await context.request.get(`${ledger.url}${address}`, { maxRedirects: 0 });
      expect({ address, status: response.status() }).toEqual({ address, status });
      expect(response.headers()['content-type']).toContain('text/html');
    }
  });

  it('gets 403 for a forged progress post carrying a valid CSRF token, and nothing is appended', async () => {
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await planEventCount();
    const action = new URL(page.url()).pathname;
    const response = await context.request.post(`${ledger.url}${action}/progress`, { form: { _csrf: csrf, narrative: 'Inspector writes', revision: '0' }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('You cannot do this');
    expect(await planEventCount()).toBe(before);
  });
});

describe('another organisation, and one-time sign-in links', () => {
  it("answers another organisation's plan with a 404 page", async () => {
    const context = await browser.newContext();
    const page = await newPage(context, consoleProblems);
    await signIn(page, ledger.url, 'other.admin', PASSWORD);
    const response = await page.goto(`${ledger.url}/web/plans/${planId}`);
    expect(response!.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found');
    await checkPage(page, '10-not-found');
    await context.close();
  });

  it('signs in once with a sign-in link, and never again with the same link', async () => {
    const code = ledger.app.get(WebSessions).issueSignInLink({ userId: 'sue.ioannou', displayName: 'Sue Ioannou', organisationId: DEFAULT_ORGANISATION, role: 'editor', via: 'sign-in-link' });
    const context = await browser.newContext();
    const page = await newPage(context, consoleProblems);
    await page.goto(`${ledger.url}/sign-in/link/${code}`);
    expect(new URL(page.url()).pathname).toBe('/web/plans');
    const again = await (await browser.newContext()).newPage();
    const response = await again.goto(`${ledger.url}/sign-in/link/${code}`);
    expect(response!.status()).toBe(404);
    await context.close();
  });

  it('logged no script or policy errors in any page', () => {
    expect(consoleProblems.filter((p) => !p.includes('404') && !p.includes('403') && !p.includes('400') && !p.includes('409'))).toEqual([]);
  });
});
