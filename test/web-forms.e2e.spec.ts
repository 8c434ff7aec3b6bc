import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { AccessControl, PlanCommandService } from '#application';
import { planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { importDemoPlan } from '#importer';
import { PlanProjector } from '#projections';
import { EVENT_STORE } from '../apps/api/src/ledger.tokens.js';
import { DEFAULT_ORGANISATION, startLedger, type RunningLedger } from './support/ledger-app.js';
import { checkPage, launchBrowser, newPage, signedInPage } from './support/web-browser.js';

/**
 * Every editor and QA form of the action page, in Debian's Chromium against the real app on a temp SQLite
 * file: each refuses what is wrong with the GOV.UK error pattern and appends nothing, and on what is right
 * appends exactly one entry that shows in the timeline. An inspector sees none of the forms, and a forged
 * post of each from an inspector's session, with its own valid CSRF token, is refused with nothing appended.
 */

const OPERATOR = { id: 'test-setup', displayName: 'Test set-up' };
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(180_000);

let ledger: RunningLedger;
let browser: Browser;
let planId: string;
let actionPath: string;
const problems: string[] = [];

/** The plan's event count, read over the JSON API as an administrator would. */
async function eventCount(): Promise<number> {
  const res = await ledger.request('GET', `/plans/${planId}/events?maxCount=10000`);
  expect(res.status).toBe(200);
  return (res.body as { events: unknown[] }).events.length;
}

/** Open one of the folded forms and return it. */
async function openForm(page: Page, key: string): Promise<Locator> {
  const form = page.getByTestId(`form-${key}`);
  if ((await form.getAttribute('open')) === null) await form.locator('summary').click();
  return form;
}

function newestEntry(page: Page): Locator {
  return page.locator('.moj-timeline__item').first();
}

async function successBanner(page: Page): Promise<string> {
  return (await page.locator('.govuk-notification-banner--success').textContent()) ?? '';
}

beforeAll(async () => {
  // A small evidence limit, to see the form refuse a file over it as the API would.
  ledger = await startLedger({ LEDGER_EVIDENCE_LIMIT: '64kb' });
  const imported = await importDemoPlan(ledger.app.get(PlanCommandService), { id: 'importer', displayName: 'Plan import' });
  planId = imported.planId;
  const store = ledger.app.get<EventStore>(EVENT_STORE);
  const head = await store.readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
  await ledger.app.get(PlanProjector).waitFor(head[0]!.position);

  const access = ledger.app.get(AccessControl);
  for (const [userId, displayName, role, organisationId] of [
    ['eddie.editor', 'Eddie Tor', 'editor', DEFAULT_ORGANISATION],
    ['quinn.qa', 'Quinn Assure', 'auditor', DEFAULT_ORGANISATION],
    ['inspector.two', 'Ines Pector', 'inspector', 'ofsted'],
  ] as const) {
    await access.registerUser({ userId, displayName, organisationId }, OPERATOR);
    await access.setPassword({ userId, role, password: PASSWORD }, OPERATOR);
  }
  await access.grant({ userId: 'inspector.two', role: 'inspector', planId, reason: 'Inspection of the plan' }, DEFAULT_ORGANISATION, OPERATOR);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
});

describe('an editor on the action page', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ({ context, page } = await signedInPage(browser, ledger.url, 'eddie.editor', PASSWORD, problems, `/web/plans/${planId}`));
    await page.locator('tr[data-action-ref="4.1"]').getByRole('link', { name: '4.1' }).click();
    actionPath = new URL(page.url()).pathname;
  });
  afterAll(async () => {
    await context.close();
  });

  it('shows the evidence, audit and update sections, and no quality assurance forms', async () => {
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Action 4.1');
    expect(await page.getByRole('heading', { name: 'Evidence files' }).count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Audit outcomes' }).count()).toBe(1);
    for (const key of ['status', 'slip', 'reassign', 'evidence']) expect(await page.getByTestId(`form-${key}`).count()).toBe(1);
    expect(await page.getByTestId('form-rag').count()).toBe(0);
    expect(await page.getByTestId('form-audit').count()).toBe(0);
    await checkPage(page, 'forms-01-action-editor');
  });

  it('changes the status: an empty form says what is missing and appends nothing; a valid one shows in the timeline', async () => {
    const before = await eventCount();
    let form = await openForm(page, 'status');
    await form.getByRole('button', { name: 'Change the status' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Select the new status');
    expect(await page.locator('#status-reason-error').textContent()).toContain('Enter why the status is changing');
    expect(await eventCount()).toBe(before);
    await checkPage(page, 'forms-02-status-errors');
    // The summary's links lead to the fields.
    expect(await page.locator('.govuk-error-summary a[href="#status-to"]').count()).toBe(1);

    form = await openForm(page, 'status');
    await form.getByLabel('New status').selectOption('blocked');
    await form.getByLabel('Why is the status changing?').fill('Waiting for the <em>new</em> audit tool');
    await form.getByRole('textbox', { name: 'Day' }).fill('30');
    await form.getByRole('textbox', { name: 'Month' }).fill('2');
    await form.getByRole('textbox', { name: 'Year' }).fill('2010');
    await form.getByRole('button', { name: 'Change the status' }).click();
    expect(await page.locator('#status-date-error').textContent()).toContain('The date must be a real date');
    // The values are kept, the select's choice included.
    form = page.getByTestId('form-status');
    await expect(form.getByLabel('New status').inputValue()).resolves.toBe('blocked');
    await expect(form.getByLabel('Why is the status changing?').inputValue()).resolves.toBe('Waiting for the <em>new</em> audit tool');
    expect(await eventCount()).toBe(before);

    await form.getByRole('textbox', { name: 'Day' }).fill('26');
    await form.getByRole('button', { name: 'Change the status' }).click();
    expect(await successBanner(page)).toContain('Status changed');
    const entry = newestEntry(page);
    expect(await entry.textContent()).toMatch(/Status of action 4\.1 changed from .+ to blocked by Eddie Tor/);
    expect(await entry.textContent()).toContain('Waiting for the <em>new</em> audit tool');
    expect(await page.locator('.moj-timeline em').count()).toBe(0);
    expect(await entry.textContent()).toContain('Back-dated');
    expect(await eventCount()).toBe(before + 1);
  });

  it('moves the target date with a reason', async () => {
    const before = await eventCount();
    let form = await openForm(page, 'slip');
    await form.getByLabel('Why is the target moving?').fill('The audit tool arrives late');
    await form.getByRole('button', { name: 'Move the target date' }).click();
    expect(await page.locator('#slip-to-error').textContent()).toContain('Enter the new target');
    await expect(page.getByTestId('form-slip').getByLabel('Why is the target moving?').inputValue()).resolves.toBe('The audit tool arrives late');
    expect(await eventCount()).toBe(before);

    form = page.getByTestId('form-slip');
    await form.getByLabel('New target').fill('31 March 2013');
    await form.getByRole('button', { name: 'Move the target date' }).click();
    expect(await successBanner(page)).toContain('Target date moved');
    expect(await newestEntry(page).textContent()).toMatch(/Target date for action 4\.1 moved from .+ to .*31 Mar(ch)? 2013/);
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Slipped 1 time');
    expect(await eventCount()).toBe(before + 1);
  });

  it('reassigns the action to new leads, one a line', async () => {
    const before = await eventCount();
    let form = await openForm(page, 'reassign');
    await form.getByRole('button', { name: 'Reassign the action' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter at least one new lead');
    expect(await page.locator('#reassign-reason-error').count()).toBe(1);
    expect(await eventCount()).toBe(before);

    form = page.getByTestId('form-reassign');
    await form.getByLabel('New leads').fill('Head of Quality Assurance\n\nPrincipal Social Worker\n');
    await form.getByLabel('Why is the action being reassigned?').fill('Restructure of the service');
    await form.getByRole('button', { name: 'Reassign the action' }).click();
    expect(await successBanner(page)).toContain('Action reassigned');
    expect(await newestEntry(page).textContent()).toContain('Head of Quality Assurance');
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Head of Quality Assurance, Principal Social Worker');
    expect(await eventCount()).toBe(before + 1);
  });

  it('marks the action completed on a date, then reopens it with a reason', async () => {
    let before = await eventCount();
    let form = await openForm(page, 'complete');
    await form.getByRole('textbox', { name: 'Day' }).fill('1');
    await form.getByRole('textbox', { name: 'Month' }).fill('1');
    await form.getByRole('textbox', { name: 'Year' }).fill('2999');
    await form.getByRole('button', { name: 'Mark completed' }).click();
    expect(await page.locator('#complete-date-error').textContent()).toContain('The date it was completed must be today or in the past');
    expect(await eventCount()).toBe(before);
    form = page.getByTestId('form-complete');
    await form.getByRole('textbox', { name: 'Year' }).fill('2012');
    await form.getByRole('button', { name: 'Mark completed' }).click();
    expect(await successBanner(page)).toContain('Action marked completed');
    expect(await newestEntry(page).textContent()).toContain('completed');
    expect(await page.getByTestId('form-complete').count()).toBe(0);
    expect(await eventCount()).toBe(before + 1);

    before = await eventCount();
    form = await openForm(page, 'reopen');
    await form.getByRole('button', { name: 'Reopen the action' }).click();
    expect(await page.locator('#reopen-reason-error').textContent()).toContain('Enter why the action is being reopened');
    expect(await eventCount()).toBe(before);
    await checkPage(page, 'forms-03-reopen-error');
    form = page.getByTestId('form-reopen');
    await form.getByLabel('Why is the action being reopened?').fill('The audit found gaps');
    await form.getByRole('button', { name: 'Reopen the action' }).click();
    expect(await successBanner(page)).toContain('Action reopened');
    expect(await newestEntry(page).textContent()).toContain('reopened');
    expect(await eventCount()).toBe(before + 1);
  });

  it('attaches an evidence file without script, shows its size and SHA-256, and downloads the same bytes', async () => {
    const before = await eventCount();
    let form = await openForm(page, 'evidence');
    await form.getByRole('button', { name: 'Attach the file' }).click();
    expect(await page.locator('#evidence-file-error').textContent()).toContain('Choose the file to upload');
    expect(await eventCount()).toBe(before);

    form = page.getByTestId('form-evidence');
    await form.getByLabel('File').setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
    await form.getByRole('button', { name: 'Attach the file' }).click();
    expect(await page.locator('#evidence-file-error').textContent()).toContain('The selected file is empty');
    expect(await eventCount()).toBe(before);

    form = page.getByTestId('form-evidence');
    await form.getByLabel('File').setInputFiles({ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(100 * 1024, 7) });
    await form.getByRole('button', { name: 'Attach the file' }).click();
    expect(await page.locator('#evidence-file-error').textContent()).toContain('The file must be 64KB or smaller');
    expect(await eventCount()).toBe(before);
    // Over the API, the same limit.
    const api = await ledger.request('POST', `${actionPath.replace(/^\/web/, '')}/evidence?name=too-big.bin`, { rawBody: Buffer.alloc(100 * 1024, 7), headers: { 'Content-Type': 'application/octet-stream' } });
    expect(api.status).toBe(413);

    const bytes = Buffer.from(`Supervision audit, October 2009\n${'case file checked\n'.repeat(200)}`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    form = page.getByTestId('form-evidence');
    await form.getByLabel('File').setInputFiles({ name: 'supervision-audit – Oct 2009.txt', mimeType: 'text/plain', buffer: bytes });
    await form.getByLabel('What it shows (optional)').fill('The audit of 40 supervision files');
    await form.getByRole('button', { name: 'Attach the file' }).click();
    expect(await successBanner(page)).toContain('Evidence file attached');
    expect(await eventCount()).toBe(before + 1);
    const files = page.getByTestId('evidence-files');
    expect(await files.textContent()).toContain('supervision-audit – Oct 2009.txt');
    expect(await files.textContent()).toContain(`(${bytes.length.toLocaleString('en-GB')} bytes)`);
    expect((await files.getByTestId('evidence-sha256').textContent())?.trim()).toBe(sha256);
    expect(await newestEntry(page).textContent()).toContain('supervision-audit');
    await checkPage(page, 'forms-04-evidence');

    const href = (await files.getByRole('link').getAttribute('href'))!;
    expect(href).toBe(`/web/plans/${planId}/evidence/${sha256}`);
    const download = await context.request.get(`${ledger.url}${href}`);
    expect(download.status()).toBe(200);
    const body = await download.body();
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha256);
    expect(download.headers()['content-disposition']).toContain(`filename*=UTF-8''supervision-audit%20%E2%80%93%20Oct%202009.txt`);
    // The same file over the JSON API, through the same handler.
    const api2 = await ledger.request('GET', `/plans/${planId}/evidence/${sha256}`);
    expect(api2.status).toBe(200);
    // Another plan's file, or none, is a 404 page.
    expect((await context.request.get(`${ledger.url}/web/plans/${planId}/evidence/${'0'.repeat(64)}`)).status()).toBe(404);
    expect((await context.request.get(`${ledger.url}/web/plans/${planId}/evidence/__proto__`)).status()).toBe(404);
  });

  it('withdraws an entry from the timeline: the correction links to it, and it is marked withdrawn', async () => {
    const before = await eventCount();
    // The status change recorded above, now the fourth newest entry.
    const statusEntry = page.locator('.moj-timeline__item', { hasText: 'to blocked by Eddie Tor' });
    const statusId = (await statusEntry.getByTestId('entry').getAttribute('data-event-id'))!;
    await statusEntry.getByRole('link', { name: /Correct this entry/ }).click();
    expect(new URL(page.url()).searchParams.get('correct')).toBe(statusId);
    expect(await page.getByTestId('correcting').textContent()).toContain('to blocked by Eddie Tor');
    const form = page.getByTestId('form-correct');
    await form.getByRole('button', { name: 'Record the correction' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Choose whether to amend the entry or withdraw it');
    expect(await page.locator('#correct-reason-error').textContent()).toContain('Enter why the entry is being corrected');
    expect(await eventCount()).toBe(before);
    await checkPage(page, 'forms-05-correct-errors');

    await page.getByTestId('form-correct').getByLabel('Withdraw it').check();
    await page.getByTestId('form-correct').getByLabel('Why is it being corrected?').fill('Recorded against the wrong action');
    await page.getByTestId('form-correct').getByRole('button', { name: 'Record the correction' }).click();
    expect(await successBanner(page)).toContain('Entry corrected');
    expect(await eventCount()).toBe(before + 1);
    const correction = newestEntry(page);
    const link = correction.getByTestId('corrects').getByRole('link');
    expect(await correction.getByTestId('corrects').textContent()).toContain('Withdraws');
    expect(await link.getAttribute('href')).toBe(`#entry-${statusId}`);
    const withdrawn = page.locator(`#entry-${statusId}`);
    expect(await withdrawn.textContent()).toContain('Withdrawn');
    expect(await withdrawn.getByTestId('corrected-by').textContent()).toContain('Withdrawn by Eddie Tor');
    // A withdrawn entry offers no further correction.
    expect(await withdrawn.getByRole('link', { name: /Correct this entry/ }).count()).toBe(0);
  });

  it('amends a progress entry: only the changed field is amended and the entry says "corrected by"', async () => {
    await page.getByLabel('What progress has been made?').fill('Audit of 40 supervison files complete');
    await page.getByRole('button', { name: 'Record progress' }).click();
    expect(await successBanner(page)).toContain('Progress recorded');
    const progressId = (await newestEntry(page).getByTestId('entry').getAttribute('data-event-id'))!;
    const before = await eventCount();
    await newestEntry(page).getByRole('link', { name: /Correct this entry/ }).click();
    const form = page.getByTestId('form-correct');
    await form.getByLabel('Amend it').check();
    await form.getByLabel('Why is it being corrected?').fill('Spelling');
    await form.getByRole('button', { name: 'Record the correction' }).click();
    // Nothing changed is not a correction.
    expect(await page.locator('#correct-kind-error').textContent()).toContain('Change at least one field');
    expect(await eventCount()).toBe(before);
    await page.getByTestId('form-correct').getByLabel('What progress was made').fill('Audit of 40 supervision files complete');
    await page.getByTestId('form-correct').getByRole('button', { name: 'Record the correction' }).click();
    expect(await successBanner(page)).toContain('Entry corrected');
    expect(await eventCount()).toBe(before + 1);
    expect(await page.locator(`#entry-${progressId}`).getByTestId('corrected-by').textContent()).toContain('Corrected by Eddie Tor');
    expect(await newestEntry(page).getByTestId('corrects').getByRole('link').getAttribute('href')).toBe(`#entry-${progressId}`);
    const [event] = await ledger.app.get<EventStore>(EVENT_STORE).readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
    expect(event).toMatchObject({ type: 'EntryCorrected', data: { correctedEventId: progressId, kind: 'amended', amendments: { narrative: 'Audit of 40 supervision files complete' } } });
    expect(Object.keys((event!.data as { amendments: object }).amendments)).toEqual(['narrative']);
    await checkPage(page, 'forms-06-corrected');
  });

  it('answers hostile ids and repeated fields with 4xx pages, never a 500, appending nothing', async () => {
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await eventCount();
    const base = actionPath.replace(/\/actions\/[^/]+$/, '');
    for (const action of ['__proto__', 'constructor', 'toString']) {
      const response = await context.request.post(`${ledger.url}${base}/actions/${action}/status`, { form: { _csrf: csrf, revision: '1', to: 'blocked', reason: 'Hostile' }, maxRedirects: 0 });
      expect({ action, status: response.status() }).toEqual({ action, status: 404 });
    }
    const repeated = await context.request.post(`${ledger.url}${actionPath}/status?x=1`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: `_csrf=${encodeURIComponent(csrf)}&revision=1&to=blocked&to=completed&reason=a&reason=b`, maxRedirects: 0 });
    expect(repeated.status()).toBe(400);
    expect(await repeated.text()).toContain('Select the new status');
    const hostileEntry = await context.request.post(`${ledger.url}${actionPath}/correction`, { form: { _csrf: csrf, revision: '1', eventId: '__proto__', kind: 'withdrawn', reason: 'Hostile' }, maxRedirects: 0 });
    expect(hostileEntry.status()).toBe(400);
    expect((await context.request.get(`${ledger.url}${actionPath}?correct=a&correct=b`)).status()).toBe(400);
    expect(await eventCount()).toBe(before);
  });

  it('says what changed when a form was made on a revision the plan has moved on from, keeps the values and appends nothing', async () => {
    const stale = await newPage(context, problems);
    await stale.goto(`${ledger.url}${actionPath}`);
    await page.goto(`${ledger.url}${actionPath}`);
    await page.getByLabel('What progress has been made?').fill('First writer wins');
    await page.getByRole('button', { name: 'Record progress' }).click();
    const before = await eventCount();
    const form = await openForm(stale, 'slip');
    await form.getByLabel('New target').fill('30 June 2013');
    await form.getByLabel('Why is the target moving?').fill('Looking at an older page');
    await form.getByRole('button', { name: 'Move the target date' }).click();
    expect(await stale.locator('.govuk-error-summary').textContent()).toContain('The plan has changed since you opened this page');
    expect(await stale.getByTestId('form-slip').getByTestId('plan-changed').textContent()).toContain('First writer wins');
    await expect(stale.getByTestId('form-slip').getByLabel('New target').inputValue()).resolves.toBe('30 June 2013');
    expect(await eventCount()).toBe(before);
    await checkPage(stale, 'forms-07-plan-changed');
    // The form now carries the new revision: sending it again works.
    await stale.getByTestId('form-slip').getByRole('button', { name: 'Move the target date' }).click();
    expect(await successBanner(stale)).toContain('Target date moved');
    expect(await eventCount()).toBe(before + 1);
    await stale.close();
  });
});

describe('quality assurance on the action page', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ({ context, page } = await signedInPage(browser, ledger.url, 'quinn.qa', PASSWORD, problems, actionPath));
  });
  afterAll(async () => {
    await context.close();
  });

  it('shows the QA forms and not the editor forms', async () => {
    expect(await page.getByTestId('form-rag').count()).toBe(1);
    expect(await page.getByTestId('form-audit').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Record progress' }).count()).toBe(0);
    expect(await page.getByTestId('form-status').count()).toBe(0);
    // An auditor may correct entries too (entry.correct).
    expect(await page.getByRole('link', { name: /Correct this entry/ }).count()).toBeGreaterThan(0);
  });

  it('records a RAG assessment', async () => {
    const before = await eventCount();
    let form = await openForm(page, 'rag');
    await form.getByRole('button', { name: 'Record the rating' }).click();
    expect(await page.locator('#rag-rating-error').textContent()).toContain('Select a rating');
    expect(await page.locator('#rag-rationale-error').textContent()).toContain('Enter why the action has this rating');
    expect(await eventCount()).toBe(before);
    await checkPage(page, 'forms-08-rag-errors');
    form = page.getByTestId('form-rag');
    await form.getByLabel('Amber').check();
    await form.getByLabel('Why does the action have this rating?').fill('Gaps found in 6 of 40 files');
    await form.getByRole('button', { name: 'Record the rating' }).click();
    expect(await successBanner(page)).toContain('Rating recorded');
    expect(await newestEntry(page).textContent()).toContain('Gaps found in 6 of 40 files');
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Gaps found in 6 of 40 files (Quinn Assure)');
    expect(await eventCount()).toBe(before + 1);
  });

  it('records an audit outcome with its follow-up date, refusing a follow-up before the audit', async () => {
    const before = await eventCount();
    let form = await openForm(page, 'audit');
    await expect(form.getByLabel('Auditor').inputValue()).resolves.toBe('Quinn Assure');
    await form.getByLabel('Auditor').fill('');
    await form.getByRole('button', { name: 'Record the audit outcome' }).click();
    const summary = (await page.locator('.govuk-error-summary').textContent())!;
    expect(summary).toContain("Select the audit's judgement");
    expect(summary).toContain('Enter who carried out the audit');
    expect(summary).toContain('Enter what the audit found');
    expect(await eventCount()).toBe(before);

    form = page.getByTestId('form-audit');
    await form.getByLabel('Requires improvement').check();
    await form.getByLabel('Auditor').fill('Quinn Assure, Head of QA');
    await form.getByLabel('What did the audit find?').fill('Supervision recorded in 34 of 40 files');
    const audit = form.getByRole('group', { name: 'The date of the audit' });
    await audit.getByRole('textbox', { name: 'Day' }).fill('14');
    await audit.getByRole('textbox', { name: 'Month' }).fill('10');
    await audit.getByRole('textbox', { name: 'Year' }).fill('2009');
    const followUp = form.getByRole('group', { name: 'Follow-up due (optional)' });
    await followUp.getByRole('textbox', { name: 'Day' }).fill('1');
    await followUp.getByRole('textbox', { name: 'Month' }).fill('9');
    await followUp.getByRole('textbox', { name: 'Year' }).fill('2009');
    await form.getByRole('button', { name: 'Record the audit outcome' }).click();
    expect(await page.locator('#audit-followUp-error').textContent()).toContain('The follow-up date must be on or after the date of the audit');
    await expect(page.getByTestId('form-audit').getByLabel('What did the audit find?').inputValue()).resolves.toBe('Supervision recorded in 34 of 40 files');
    expect(await eventCount()).toBe(before);
    await checkPage(page, 'forms-09-audit-errors');

    await page.getByTestId('form-audit').getByRole('group', { name: 'Follow-up due (optional)' }).getByRole('textbox', { name: 'Year' }).fill('2010');
    await page.getByTestId('form-audit').getByRole('button', { name: 'Record the audit outcome' }).click();
    expect(await successBanner(page)).toContain('Audit outcome recorded');
    const outcomes = (await page.getByTestId('audit-outcomes').textContent())!;
    expect(outcomes).toContain('14 Oct 2009');
    expect(outcomes).toContain('Requires improvement');
    expect(outcomes).toContain('1 Sep 2010');
    expect(outcomes).toContain('Supervision recorded in 34 of 40 files');
    expect(await page.locator('.moj-timeline').textContent()).toContain('Quinn Assure');
    expect(await eventCount()).toBe(before + 1);
    await checkPage(page, 'forms-10-action-qa');
  });
});

describe('an inspector on the action page', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ({ context, page } = await signedInPage(browser, ledger.url, 'inspector.two', PASSWORD, problems, actionPath));
  });
  afterAll(async () => {
    await context.close();
  });

  it('sees the evidence, audits and timeline but none of the controls', async () => {
    expect(await page.getByTestId('evidence-files').count()).toBe(1);
    expect(await page.getByTestId('audit-outcomes').count()).toBe(1);
    expect(await page.locator('main form').count()).toBe(0);
    expect(await page.getByRole('link', { name: /Correct this entry/ }).count()).toBe(0);
    // Asking for the correction form by address shows nothing either.
    const eventId = (await page.getByTestId('entry').first().getAttribute('data-event-id'))!;
    await page.goto(`${ledger.url}${actionPath}?correct=${eventId}`);
    expect(await page.locator('main form').count()).toBe(0);
    await checkPage(page, 'forms-11-action-inspector');
  });

  it('downloads an evidence file, and the download is in the access log', async () => {
    const href = (await page.getByTestId('evidence-files').getByRole('link').first().getAttribute('href'))!;
    const download = await context.request.get(`${ledger.url}${href}`);
    expect(download.status()).toBe(200);
    const log = await ledger.app.get(AccessControl).accessLog(DEFAULT_ORGANISATION);
    const views = log.filter((entry) => (entry.actor as { id: string }).id === 'inspector.two').map((entry) => entry.view);
    expect(views).toEqual(expect.arrayContaining(['/web/plans/:planId/actions/:actionId', '/web/plans/:planId/evidence/:sha256']));
  });

  it('gets 403 for a forged post of every form, with a valid CSRF token of its own, and nothing is appended', async () => {
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const eventId = (await page.getByTestId('entry').first().getAttribute('data-event-id'))!;
    const before = await eventCount();
    const forms: [string, Record<string, string>][] = [
      ['progress', { narrative: 'Inspector writes' }],
      ['status', { to: 'blocked', reason: 'Inspector says so' }],
      ['target-slip', { to: '1 January 2030', reason: 'Inspector says so' }],
      ['reassignment', { to: 'Inspector', reason: 'Inspector says so' }],
      ['completion', {}],
      ['reopening', { reason: 'Inspector says so' }],
      ['correction', { eventId, kind: 'withdrawn', reason: 'Inspector says so' }],
      ['rag-assessment', { rating: 'red', rationale: 'Inspector says so' }],
      ['audit-outcome', { rating: 'inadequate', auditor: 'Inspector', findings: 'Inspector says so' }],
    ];
    for (const [path, fields] of forms) {
      const response = await context.request.post(`${ledger.url}${actionPath}/${path}`, { form: { _csrf: csrf, revision: '100000', ...fields }, maxRedirects: 0 });
      expect({ path, status: response.status() }).toEqual({ path, status: 403 });
      expect(await response.text()).toContain('You cannot do this');
    }
    const upload = await context.request.post(`${ledger.url}${actionPath}/evidence`, {
      multipart: { _csrf: csrf, revision: '100000', file: { name: 'forged.txt', mimeType: 'text/plain', buffer: Buffer.from('forged') } },
      maxRedirects: 0,
    });
    expect(upload.status()).toBe(403);
    expect(await eventCount()).toBe(before);
  });

  it('logged no script or policy errors in any page', () => {
    expect(problems.filter((p) => !/\b(400|403|404|409|422)\b/.test(p))).toEqual([]);
  });
});
