import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AccessControl, PlanCommandService } from '#application';
import { ACCESS_STREAM, planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { importDemoPlan } from '#importer';
import { PlanProjector } from '#projections';
import { EVENT_STORE } from '../apps/api/src/ledger.tokens.js';
import { DEFAULT_ORGANISATION, startLedger, type RunningLedger } from './support/ledger-app.js';
import { checkPage, launchBrowser, signIn } from './support/web-browser.js';

/**
 * The administrator's pages in Chromium against the real app: people, access grants and tokens through
 * AccessControl, each form's errors in the GOV.UK pattern, and an editor kept out (403, nothing appended).
 * Then the session rules: idle and absolute expiry, Secure behind a trusted TLS proxy.
 */

const OPERATOR = { id: 'test-setup', displayName: 'Test set-up' };
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(120_000);

let ledger: RunningLedger;
let browser: Browser;
let planId: string;
let store: EventStore;

/** Signed in, and on the plans page where sign-in lands. */
async function signInAs(page: Page, userId: string, base = ledger.url): Promise<void> {
  await signIn(page, base, userId, PASSWORD);
  await page.waitForURL(`${base}/web/plans`);
}

async function accessEvents(): Promise<number> {
  return (await store.readStream(ACCESS_STREAM)).length;
}

async function totalEvents(): Promise<number> {
  return (await store.readAll({ maxCount: 1_000_000 })).length;
}

const OFSTED_FILE = path.resolve('demo', 'central-bedfordshire-ofsted-action-plan-2012-13.txt');
const LAMING_FILE = path.resolve('demo', 'central-bedfordshire-laming-2009-progress.txt');

async function heading(page: Page): Promise<string | undefined> {
  return (await page.getByRole('heading', { level: 1 }).textContent())?.trim();
}

/** A year from now, as the date input's three boxes. */
function inMonths(months: number): { day: string; month: string; year: string; date: Date } {
  const date = new Date();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  return { day: '1', month: String(date.getUTCMonth() + 1), year: String(date.getUTCFullYear()), date };
}

beforeAll(async () => {
  ledger = await startLedger();
  const imported = await importDemoPlan(ledger.app.get(PlanCommandService), { id: 'importer', displayName: 'Plan import' });
  planId = imported.planId;
  store = ledger.app.get<EventStore>(EVENT_STORE);
  const head = await store.readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
  await ledger.app.get(PlanProjector).waitFor(head[0]!.position);

  const access = ledger.app.get(AccessControl);
  await access.registerUser({ userId: 'ada.admin', displayName: 'Ada Administrator', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
  await access.setPassword({ userId: 'ada.admin', role: 'admin', password: PASSWORD }, OPERATOR);
  await access.registerUser({ userId: 'sue.ioannou', displayName: 'Sue Ioannou', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
  await access.setPassword({ userId: 'sue.ioannou', role: 'editor', password: PASSWORD }, OPERATOR);
  await access.registerUser({ userId: 'ines.pector', displayName: 'Ines Pector', organisationId: 'ofsted' }, OPERATOR);
  await access.setPassword({ userId: 'ines.pector', role: 'inspector', password: PASSWORD }, OPERATOR);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
});

describe('an administrator', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    await signInAs(page, 'ada.admin');
  });
  afterAll(async () => {
    await context.close();
  });

  it('finds Administration in the navigation, and its overview', async () => {
    await page.getByRole('link', { name: 'Administration' }).click();
    await expect(heading(page)).resolves.toBe('Administration');
    await checkPage(page, 'admin-01-overview');
  });

  it('registers a person, after saying what is wrong with an empty form, a bad user name and a taken one', async () => {
    await page.getByRole('link', { name: 'People', exact: true }).click();
    await expect(heading(page)).resolves.toBe('People');
    await checkPage(page, 'admin-02-people');
    await page.getByRole('button', { name: 'Register a person' }).click();
    const before = await accessEvents();
    await page.getByRole('button', { name: 'Register' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter a user name');
    expect(await page.locator('#displayName-error').textContent()).toContain('Enter the person’s name');
    await checkPage(page, 'admin-03-person-errors');
    await page.getByLabel('User name').fill('bad name/with slash');
    await page.getByLabel('Name', { exact: true }).fill('Pat <b>Quinn</b>');
    await page.getByRole('button', { name: 'Register' }).click();
    expect(await page.locator('#userId-error').textContent()).toContain('letters, digits and . @ - _ only');
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Pat <b>Quinn</b>');
    await page.getByLabel('User name').fill('sue.ioannou');
    await page.getByRole('button', { name: 'Register' }).click();
    expect(await page.locator('#userId-error').textContent()).toContain('There is already a person with this user name');
    expect(await accessEvents()).toBe(before);

    await page.getByLabel('User name').fill('pat.quinn');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(`${ledger.url}/web/admin/people`);
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain('Pat <b>Quinn</b> is registered as pat.quinn');
    expect(await page.getByTestId('people').textContent()).toContain('Pat <b>Quinn</b>');
    expect(await page.locator('[data-testid="people"] b').count()).toBe(0);
    expect(await accessEvents()).toBe(before + 1);
    const user = (await ledger.app.get(AccessControl).state()).users['pat.quinn'];
    expect(user).toEqual({ userId: 'pat.quinn', displayName: 'Pat <b>Quinn</b>', organisationId: DEFAULT_ORGANISATION });
  });

  it('grants an inspector a role on one plan until a date, after refusing an impossible date and a missing reason', async () => {
    await page.goto(`${ledger.url}/web/admin/grants`);
    await checkPage(page, 'admin-04-grants');
    await page.getByRole('button', { name: 'Grant access' }).click();
    const before = await accessEvents();
    await page.getByRole('button', { name: 'Grant access' }).click();
    const summary = (await page.locator('.govuk-error-summary').textContent())!;
    for (const message of ['Enter the user name of the person', 'Choose the role', 'Say why this access is granted']) expect(summary).toContain(message);
    await checkPage(page, 'admin-05-grant-errors');

    await page.getByLabel('User name').fill('ines.pector');
    await page.getByLabel('Inspector').check();
    await page.getByLabel('Plan').selectOption(planId);
    await page.getByLabel('Day').fill('31');
    await page.getByLabel('Month').fill('2');
    await page.getByLabel('Year').fill('2030');
    await page.getByLabel('Why is this access granted?').fill('Ofsted <script>inspection</script> of the plan');
    await page.getByRole('button', { name: 'Grant access' }).click();
    expect(await page.locator('#expiresAt-error').textContent()).toContain('The date access ends must be a real date');
    await expect(page.getByLabel('Why is this access granted?').inputValue()).resolves.toBe('Ofsted <script>inspection</script> of the plan');
    await expect(page.getByLabel('Inspector').isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Plan').inputValue()).resolves.toBe(planId);
    await page.getByLabel('Year').fill('2001');
    await page.getByLabel('Day').fill('28');
    await page.getByRole('button', { name: 'Grant access' }).click();
    expect(await page.locator('#expiresAt-error').textContent()).toContain('must be today or in the future');
    expect(await accessEvents()).toBe(before);

    const until = inMonths(3);
    await page.getByLabel('Day').fill(until.day);
    await page.getByLabel('Month').fill(until.month);
    await page.getByLabel('Year').fill(until.year);
    await page.getByRole('button', { name: 'Grant access' }).click();
    await page.waitForURL(`${ledger.url}/web/admin/grants`);
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain('ines.pector now has the inspector role on');
    const live = (await page.getByTestId('grants-live').textContent())!;
    expect(live).toContain('ines.pector');
    expect(live).toContain('Ofsted <script>inspection</script> of the plan');
    expect(await accessEvents()).toBe(before + 1);
    const grant = Object.values((await ledger.app.get(AccessControl).state()).grants).find((g) => g.userId === 'ines.pector')!;
    expect(grant).toMatchObject({ role: 'inspector', planId, organisationId: DEFAULT_ORGANISATION, expiresAt: `${until.date.toISOString().slice(0, 10)}T23:59:59.999Z`, grantedBy: 'Ada Administrator' });

    // The inspector now sees the plan.
    const inspector = await browser.newContext();
    const inspectorPage = await inspector.newPage();
    await signInAs(inspectorPage, 'ines.pector');
    expect((await inspectorPage.goto(`${ledger.url}/web/plans/${planId}`))!.status()).toBe(200);
    await inspector.close();
  });

  it('revokes the grant with a reason, and the inspector no longer finds the plan', async () => {
    await page.getByRole('link', { name: 'Revoke ines.pector’s access' }).click();
    await expect(heading(page)).resolves.toBe('Revoke ines.pector’s access');
    const before = await accessEvents();
    await page.getByRole('button', { name: 'Revoke access' }).click();
    expect(await page.locator('#reason-error').textContent()).toContain('Say why access is revoked');
    await checkPage(page, 'admin-06-revoke-error');
    expect(await accessEvents()).toBe(before);
    await page.getByLabel('Why is it revoked?').fill('The inspection is over');
    await page.getByRole('button', { name: 'Revoke access' }).click();
    await page.waitForURL(`${ledger.url}/web/admin/grants`);
    expect(await page.getByTestId('grants-revoked').textContent()).toContain('ines.pector');
    expect(await page.getByTestId('grants-live-none').count()).toBe(1);
    expect(await accessEvents()).toBe(before + 1);
    const inspector = await browser.newContext();
    const inspectorPage = await inspector.newPage();
    await signInAs(inspectorPage, 'ines.pector');
    expect((await inspectorPage.goto(`${ledger.url}/web/plans/${planId}`))!.status()).toBe(404);
    await inspector.close();
    // Revoking it again is no form, but a page saying so.
    const grant = Object.values((await ledger.app.get(AccessControl).state()).grants).find((g) => g.userId === 'ines.pector')!;
    expect((await page.goto(`${ledger.url}/web/admin/grants/${grant.grantId}/revoke`))!.status()).toBe(409);
  });

  it('issues a token shown once, which works on the API until it is revoked', async () => {
    await page.goto(`${ledger.url}/web/admin/tokens`);
    await page.getByRole('button', { name: 'Issue a token' }).click();
    const before = await accessEvents();
    await page.getByRole('button', { name: 'Issue token' }).click();
    const summary = (await page.locator('.govuk-error-summary').textContent())!;
    for (const message of ['Choose the person', 'Choose the role', 'Enter the date the token expires']) expect(summary).toContain(message);
    await checkPage(page, 'admin-07-token-errors');
    await page.getByLabel('Person').selectOption('pat.quinn');
    await page.getByLabel('Editor').check();
    const tooLate = inMonths(14);
    await page.getByLabel('Day').fill(tooLate.day);
    await page.getByLabel('Month').fill(tooLate.month);
    await page.getByLabel('Year').fill(tooLate.year);
    await page.getByRole('button', { name: 'Issue token' }).click();
    expect(await page.locator('#expiresAt-error').textContent()).toContain('within a year');
    await expect(page.getByLabel('Person').inputValue()).resolves.toBe('pat.quinn');
    expect(await accessEvents()).toBe(before);

    const until = inMonths(2);
    await page.getByLabel('Day').fill(until.day);
    await page.getByLabel('Month').fill(until.month);
    await page.getByLabel('Year').fill(until.year);
    await page.getByRole('button', { name: 'Issue token' }).click();
    await expect(heading(page)).resolves.toBe('Token issued');
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('(administrator,');
    const token = (await page.getByTestId('issued-token').textContent())!.trim();
    expect(token).toMatch(/^lgr_[0-9a-f]{32}_[\w-]+$/);
    await checkPage(page, 'admin-08-token-issued');
    expect(await accessEvents()).toBe(before + 1);
    const me = await fetch(`${ledger.url}/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ userId: 'pat.quinn', role: 'editor' });

    // The list never shows the token again, only its id.
    await page.goto(`${ledger.url}/web/admin/tokens`);
    const list = (await page.getByTestId('tokens').textContent())!;
    expect(list).not.toContain(token);
    const tokenId = token.split('_')[1]!;
    expect(list).toContain(tokenId);
    await checkPage(page, 'admin-09-tokens');
    await page.getByRole('link', { name: `Revoke token ${tokenId}` }).click();
    await checkPage(page, 'admin-09a-token-revoke');
    await page.getByLabel('Why is it revoked?').fill('Pat left the team');
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.waitForURL(`${ledger.url}/web/admin/tokens`);
    expect((await fetch(`${ledger.url}/me`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('answers hostile and unknown ids with Page not found, never a 500', async () => {
    for (const address of ['/web/admin/grants/__proto__/revoke', '/web/admin/grants/constructor/revoke', '/web/admin/tokens/toString/revoke', '/web/admin/tokens/__proto__/revoke']) {
      const response = await context.request.get(`${ledger.url}${address}`, { maxRedirects: 0 });
      expect({ address, status: response.status() }).toEqual({ address, status: 404 });
    }
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await accessEvents();
    const hostile = await context.request.post(`${ledger.url}/web/admin/grants`, { form: { _csrf: csrf, userId: 'ines.pector', role: '__proto__', planId: 'constructor', reason: 'x' }, maxRedirects: 0 });
    expect(hostile.status()).toBe(400);
    expect(await hostile.text()).toContain('Choose one of your organisation’s plans');
    expect(await accessEvents()).toBe(before);
  });
});

describe('an editor', () => {
  it('sees no Administration link, gets 403 for the pages, and a forged grant with a valid CSRF token appends nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAs(page, 'sue.ioannou');
    expect(await page.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    for (const address of ['/web/admin', '/web/admin/people', '/web/admin/grants/new', '/web/admin/tokens']) {
      const response = await page.goto(`${ledger.url}${address}`);
      expect({ address, status: response!.status() }).toEqual({ address, status: 403 });
    }
    await expect(heading(page)).resolves.toBe('You cannot do this');
    await checkPage(page, 'admin-10-editor-forbidden');
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await accessEvents();
    for (const [address, form] of [
      ['/web/admin/grants', { userId: 'sue.ioannou', role: 'admin', planId: '', reason: 'I would like to be an administrator' }],
      ['/web/admin/people', { userId: 'sock.puppet', displayName: 'Sock Puppet' }],
      ['/web/admin/tokens', { userId: 'sue.ioannou', role: 'admin', 'expiresAt-day': '1', 'expiresAt-month': '1', 'expiresAt-year': String(new Date().getUTCFullYear() + 1) }],
    ] as const) {
      const response = await context.request.post(`${ledger.url}${address}`, { form: { _csrf: csrf, ...form }, maxRedirects: 0 });
      expect({ address, status: response.status() }).toEqual({ address, status: 403 });
    }
    expect(await accessEvents()).toBe(before);
    await context.close();
  });

  it('is no administrator here for holding an admin grant on another organisation’s plan', async () => {
    const access = ledger.app.get(AccessControl);
    await access.registerUser({ userId: 'neil.neighbour', displayName: 'Neil Neighbour', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
    await access.setPassword({ userId: 'neil.neighbour', role: 'editor', password: PASSWORD }, OPERATOR);
    await access.grant({ userId: 'neil.neighbour', role: 'admin', reason: 'Helping a neighbouring council' }, 'another-council', OPERATOR);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAs(page, 'neil.neighbour');
    expect((await page.goto(`${ledger.url}/web/admin/people`))!.status()).toBe(403);
    // Shaping the other council's plans does not let them import into this council's, nor create a plan here.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await totalEvents();
    for (const fields of [{ into: planId }, { into: 'new', organisation: 'Forged', respondsTo: 'Forged' }] as Record<string, string>[]) {
      const response = await context.request.post(`${ledger.url}/web/import`, { multipart: { _csrf: csrf, ...fields, file: { name: 'plan.txt', mimeType: 'text/plain', buffer: readFileSync(OFSTED_FILE) } }, maxRedirects: 0 });
      expect({ fields, status: response.status() }).toEqual({ fields, status: 403 });
    }
    expect(await totalEvents()).toBe(before);
    await context.close();
  });
});

describe('importing a plan file', () => {
  let context: BrowserContext;
  let page: Page;
  let ofstedPlanId: string;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    await signInAs(page, 'ada.admin');
  });
  afterAll(async () => {
    await context.close();
  });

  it('says what is missing, keeping what was typed, and refuses a file that is not a plan by the file field', async () => {
    await page.getByRole('link', { name: 'Import a plan' }).click();
    await expect(heading(page)).resolves.toBe('Import a plan');
    await checkPage(page, 'import-01-form');
    const before = await totalEvents();
    await page.getByRole('button', { name: 'Check the file' }).click();
    const summary = (await page.locator('.govuk-error-summary').textContent())!;
    expect(summary).toContain('Choose the plan to import into, or a new plan');
    expect(summary).toContain('Choose the plan file to import');
    await page.getByRole('radio', { name: 'A new plan' }).check();
    await page.getByLabel('Organisation').fill('Central <em>Bedfordshire</em> Council');
    await page.getByLabel('Plan file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]) });
    await page.getByRole('button', { name: 'Check the file' }).click();
    expect(await page.locator('#respondsTo-error').textContent()).toContain('Enter what the plan responds to');
    await expect(page.getByLabel('Organisation').inputValue()).resolves.toBe('Central <em>Bedfordshire</em> Council');
    await checkPage(page, 'import-02-errors');
    await page.getByLabel('What the plan responds to').fill('Ofsted inspection of safeguarding and looked after children, 2012');
    await page.getByLabel('Plan file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]) });
    const refused = page.waitForResponse((r) => r.url() === `${ledger.url}/web/import` && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Check the file' }).click();
    expect((await refused).status()).toBeGreaterThanOrEqual(400);
    expect((await refused).status()).toBeLessThan(500);
    expect(await page.locator('#file-error').count()).toBe(1);
    expect(await totalEvents()).toBe(before);
  });

  it('previews a new plan from a file with what it adds and every problem, appending nothing; then imports exactly that', async () => {
    await page.goto(`${ledger.url}/web/import`);
    await page.getByRole('radio', { name: 'A new plan' }).check();
    await page.getByLabel('Organisation').fill('Central Bedfordshire Council');
    await page.getByLabel('What the plan responds to').fill('Ofsted inspection of safeguarding and looked after children, 2012');
    await page.getByLabel('Plan file').setInputFiles(OFSTED_FILE);
    const before = await totalEvents();
    await page.getByRole('button', { name: 'Check the file' }).click();
    await expect(heading(page)).resolves.toBe('Check the import');
    const summary = (await page.getByTestId('import-summary').textContent())!;
    expect(summary).toContain('A new plan');
    expect(summary).toContain(createHash('sha256').update(readFileSync(OFSTED_FILE)).digest('hex'));
    const entries = Number((await page.locator('.ledger-import-events .govuk-summary-list__value').textContent())!.trim());
    expect(entries).toBeGreaterThan(10);
    expect(await page.getByTestId('import-changes').textContent()).toContain('Action added');
    expect(await page.getByTestId('import-problems').or(page.getByTestId('no-problems')).count()).toBe(1);
    await checkPage(page, 'import-03-preview');
    expect(await totalEvents()).toBe(before);

    await page.getByRole('button', { name: `Import ${entries} entries` }).click();
    await page.waitForURL(/\/web\/plans\/[\w-]+$/);
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain(`${entries} entries added to the plan`);
    ofstedPlanId = new URL(page.url()).pathname.split('/').pop()!;
    const stream = await store.readStream(planStreamName(ofstedPlanId));
    expect(stream.length).toBe(entries);
    expect(await totalEvents()).toBe(before + entries);
    expect(stream[0]!.metadata.actor).toMatchObject({ id: 'ada.admin', role: 'admin' });
  });

  it('refuses the same preview confirmed twice, and another session\'s preview', async () => {
    await page.goto(`${ledger.url}/web/import?planId=${ofstedPlanId}`);
    await page.getByLabel('Plan file').setInputFiles(LAMING_FILE);
    await page.getByRole('button', { name: 'Check the file' }).click();
    await expect(heading(page)).resolves.toBe('Check the import');
    const importId = await page.locator('input[name="importId"]').inputValue();
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await totalEvents();
    // Someone else, signed in with their own session, cannot confirm it.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await signInAs(otherPage, 'ada.admin');
    const otherCsrf = await otherPage.locator('input[name="_csrf"]').first().inputValue();
    const stolen = await other.request.post(`${ledger.url}/web/import/confirm`, { form: { _csrf: otherCsrf, importId }, maxRedirects: 0 });
    expect(stolen.status()).toBe(404);
    await other.close();
    expect(await totalEvents()).toBe(before);
    // The plan moves on between preview and confirmation: nothing is imported, and the page says why.
    const moved = await ledger.request('POST', `/plans/${ofstedPlanId}/workstreams`, { body: { number: '99', title: 'Added while the import was being checked' } });
    expect(moved.status).toBe(201);
    const afterMove = await totalEvents();
    const confirm = page.waitForResponse((r) => r.url() === `${ledger.url}/web/import/confirm`);
    await page.getByRole('button', { name: /^Import \d+ entr/ }).click();
    expect((await confirm).status()).toBe(409);
    expect(await page.locator('main').textContent()).toContain('The plan has changed since the preview');
    expect(await totalEvents()).toBe(afterMove);
    // And the preview is spent.
    const again = await context.request.post(`${ledger.url}/web/import/confirm`, { form: { _csrf: csrf, importId }, maxRedirects: 0 });
    expect(again.status()).toBe(404);
    expect(await totalEvents()).toBe(afterMove);
  });

  it('says there is nothing to import when the plan already holds the file', async () => {
    await page.goto(`${ledger.url}/web/import?planId=${planId}`);
    await page.getByLabel('Plan file').setInputFiles(LAMING_FILE);
    await page.getByRole('button', { name: 'Check the file' }).click();
    await expect(heading(page)).resolves.toBe('Check the import');
    expect(await page.locator('main').textContent()).toContain('there is nothing to import');
    expect(await page.getByRole('button', { name: /^Import/ }).count()).toBe(0);
  });

  it('refuses an upload without the CSRF token, and an editor, with a valid one, gets 403 for the page, the upload and the confirmation', async () => {
    const before = await totalEvents();
    const noToken = await context.request.post(`${ledger.url}/web/import`, { multipart: { into: planId, file: { name: 'plan.txt', mimeType: 'text/plain', buffer: readFileSync(OFSTED_FILE) } }, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    const editor = await browser.newContext();
    const editorPage = await editor.newPage();
    await signInAs(editorPage, 'sue.ioannou');
    expect(await editorPage.getByRole('link', { name: 'Import a plan' }).count()).toBe(0);
    expect((await editorPage.goto(`${ledger.url}/web/import`))!.status()).toBe(403);
    const csrf = await editorPage.locator('input[name="_csrf"]').first().inputValue();
    const upload = await editor.request.post(`${ledger.url}/web/import`, {
      multipart: { _csrf: csrf, into: 'new', organisation: 'Forged', respondsTo: 'Forged', file: { name: 'plan.txt', mimeType: 'text/plain', buffer: readFileSync(OFSTED_FILE) } },
      maxRedirects: 0,
    });
    expect(upload.status()).toBe(403);
    const intoPlan = await editor.request.post(`${ledger.url}/web/import`, {
      multipart: { _csrf: csrf, into: planId, file: { name: 'plan.txt', mimeType: 'text/plain', buffer: readFileSync(OFSTED_FILE) } },
      maxRedirects: 0,
    });
    expect(intoPlan.status()).toBe(403);
    const confirm = await editor.request.post(`${ledger.url}/web/import/confirm`, { form: { _csrf: csrf, importId: 'a'.repeat(32) }, maxRedirects: 0 });
    expect(confirm.status()).toBe(403);
    expect(await totalEvents()).toBe(before);
    await editor.close();
  });
});

describe('browser sessions', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('ends a session 30 minutes after its last request: the page asks for sign-in and comes back to where it was', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAs(page, 'sue.ioannou');
    expect((await context.request.get(`${ledger.url}/web/plans/${planId}`, { maxRedirects: 0 })).status()).toBe(200);
    const later = Date.now() + 31 * 60_000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    const response = await context.request.get(`${ledger.url}/web/plans/${planId}?rating=red`, { maxRedirects: 0 });
    jest.restoreAllMocks();
    expect(response.status()).toBe(303);
    expect(response.headers()['location']).toBe(`/sign-in?next=${encodeURIComponent(`/web/plans/${planId}?rating=red`)}`);
    // Gone for good, not only while the clock was late.
    expect((await context.request.get(`${ledger.url}/web/plans`, { maxRedirects: 0 })).status()).toBe(303);
    await page.goto(`${ledger.url}/web/plans/${planId}?rating=red`);
    await page.getByLabel('User name').fill('sue.ioannou');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${ledger.url}/web/plans/${planId}?rating=red`);
    await context.close();
  });

  it('refuses a form posted after the session ended, and appends nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAs(page, 'ada.admin');
    await page.goto(`${ledger.url}/web/admin/people/new`);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await accessEvents();
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 31 * 60_000);
    const response = await context.request.post(`${ledger.url}/web/admin/people`, { form: { _csrf: csrf, userId: 'too.late', displayName: 'Too Late' }, maxRedirects: 0 });
    jest.restoreAllMocks();
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('This form has expired');
    expect(await accessEvents()).toBe(before);
    await context.close();
  });

  describe('with configured lifetimes, behind a trusted TLS proxy', () => {
    let proxied: RunningLedger;
    beforeAll(async () => {
      proxied = await startLedger({ LEDGER_SESSION_IDLE_MINUTES: '600', LEDGER_SESSION_ABSOLUTE_HOURS: '1', LEDGER_TRUST_PROXY: 'loopback' });
      const access = proxied.app.get(AccessControl);
      await access.registerUser({ userId: 'sue.ioannou', displayName: 'Sue Ioannou', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
      await access.setPassword({ userId: 'sue.ioannou', role: 'editor', password: PASSWORD }, OPERATOR);
    });
    afterAll(async () => {
      await proxied?.stop();
    });

    /** Sign in over plain HTTP as the proxy would forward it; the session cookie's value and its Set-Cookie line. */
    async function signInThroughProxy(forwarded: Record<string, string>): Promise<{ cookie: string; setCookie: string }> {
      const page = await fetch(`${proxied.url}/sign-in`, { headers: forwarded });
      const anonymous = page.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      const signedIn = await fetch(`${proxied.url}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...forwarded, 'Content-Type': 'application/x-www-form-urlencoded', Cookie: anonymous },
        body: new URLSearchParams({ _csrf: csrf, userId: 'sue.ioannou', password: PASSWORD, next: '/web/plans' }).toString(),
      });
      expect(signedIn.status).toBe(303);
      const setCookie = signedIn.headers.get('set-cookie')!;
      return { cookie: setCookie.split(';')[0]!, setCookie };
    }

    it('sets a Secure __Host- cookie when the proxy says the browser came over TLS, and a plain one otherwise', async () => {
      const tls = await signInThroughProxy({ 'X-Forwarded-Proto': 'https' });
      expect(tls.setCookie).toMatch(/^__Host-ledger_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure$/);
      const plain = await signInThroughProxy({});
      expect(plain.setCookie).toMatch(/^ledger_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/);
      // The main ledger trusts no proxy: a client claiming TLS gets no Secure cookie (it is not behind one).
      const direct = await fetch(`${ledger.url}/sign-in`, { headers: { 'X-Forwarded-Proto': 'https' } });
      expect(direct.headers.get('set-cookie')).toMatch(/^ledger_session=/);
    });

    it('ends a session an hour after sign-in however busy it was, as configured', async () => {
      const { cookie } = await signInThroughProxy({});
      const start = Date.now();
      for (const minutes of [20, 40, 59]) {
        jest.spyOn(Date, 'now').mockReturnValue(start + minutes * 60_000);
        const response = await fetch(`${proxied.url}/web/plans`, { redirect: 'manual', headers: { Cookie: cookie } });
        jest.restoreAllMocks();
        expect({ minutes, status: response.status }).toEqual({ minutes, status: 200 });
      }
      jest.spyOn(Date, 'now').mockReturnValue(start + 61 * 60_000);
      const response = await fetch(`${proxied.url}/web/plans`, { redirect: 'manual', headers: { Cookie: cookie } });
      jest.restoreAllMocks();
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/sign-in?next=%2Fweb%2Fplans');
    });
  });
});
