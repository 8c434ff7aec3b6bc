import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AccessControl, PlanCommandService } from '#application';
import { planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { importDemoPlan } from '#importer';
import { PlanProjector } from '#projections';
import { EVENT_STORE } from '../apps/api/src/ledger.tokens.js';
import { DEFAULT_ORGANISATION, startLedger, type RunningLedger } from './support/ledger-app.js';
import { checkPage, launchBrowser, signedInPage } from './support/web-browser.js';

/**
 * Approval of updates in the browser (issue 19), in Debian's Chromium against the real app on a temp SQLite
 * file: an administrator requires approval on the plan; an editor's progress update is submitted, not
 * recorded, and the action's progress and RAG change only once an approver accepts it from the queue; a
 * rejection's reason shows in the submitter's list and the audit log; the submitter resubmits and withdraws;
 * nobody decides their own update, even with a forged post; an inspector sees nothing pending.
 */

const OPERATOR = { id: 'test-setup', displayName: 'Test set-up' };
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(240_000);

let ledger: RunningLedger;
let browser: Browser;
let planId: string;
let firstActionId: string;
let secondActionId: string;
/** An instant after the plan's import and before anything was submitted. */
let importedAt: string;
const problems: string[] = [];

async function eventCount(): Promise<number> {
  const res = await ledger.request('GET', `/plans/${planId}/events?maxCount=10000`);
  expect(res.status).toBe(200);
  return (res.body as { events: unknown[] }).events.length;
}

/** The action as the JSON API gives it now: its progress entries and its RAG. */
async function officialAction(actionId: string): Promise<{ progress: unknown[]; rag: unknown }> {
  const plan = (await ledger.request('GET', `/plans/${planId}?view=full`)).body;
  const action = plan.actions.find((a: { id: string }) => a.id === actionId);
  return { progress: action.progress, rag: plan.rag.actions[actionId] };
}

async function banner(page: Page): Promise<string> {
  return (await page.locator('.govuk-notification-banner--success').textContent()) ?? '';
}

async function csrfOf(page: Page): Promise<string> {
  return page.locator('input[name="_csrf"]').first().inputValue();
}

async function pendingIds(): Promise<string[]> {
  const queue = await ledger.request('GET', `/plans/${planId}/approval-queue`);
  return queue.body.submissions.map((s: { submissionId: string }) => s.submissionId);
}

beforeAll(async () => {
  ledger = await startLedger();
  const imported = await importDemoPlan(ledger.app.get(PlanCommandService), { id: 'importer', displayName: 'Plan import' });
  planId = imported.planId;
  const store = ledger.app.get<EventStore>(EVENT_STORE);
  const head = await store.readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
  await ledger.app.get(PlanProjector).waitFor(head[0]!.position);
  importedAt = new Date().toISOString();
  const access = ledger.app.get(AccessControl);
  for (const [userId, displayName, role, organisationId] of [
    ['sam.admin', 'Sam Lloyd', 'admin', DEFAULT_ORGANISATION],
    ['eddie.editor', 'Eddie Tor', 'editor', DEFAULT_ORGANISATION],
    ['anna.approver', 'Anna Prover', 'approver', DEFAULT_ORGANISATION],
    ['inspector.two', 'Ines Pector', 'inspector', 'ofsted'],
  ] as const) {
    await access.registerUser({ userId, displayName, organisationId }, OPERATOR);
    await access.setPassword({ userId, role, password: PASSWORD }, OPERATOR);
  }
  await access.grant({ userId: 'inspector.two', role: 'inspector', planId, reason: 'Inspection of the plan' }, DEFAULT_ORGANISATION, OPERATOR);
  const plan = (await ledger.request('GET', `/plans/${planId}`)).body;
  const open = plan.actions.filter((a: { status: string }) => a.status !== 'completed' && a.status !== 'superseded');
  firstActionId = open[0].id;
  secondActionId = open[1].id;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
});

describe('approval of updates in the browser', () => {
  const contexts: BrowserContext[] = [];
  let admin: Page;
  let editor: Page;
  let approver: Page;
  let inspector: Page;

  beforeAll(async () => {
    for (const [userId, address] of [
      ['sam.admin', `/web/plans/${planId}/approval-settings`],
      ['eddie.editor', `/web/plans/${planId}/actions/${firstActionId}`],
      ['anna.approver', '/web/approvals'],
      ['inspector.two', `/web/plans/${planId}`],
    ] as const) {
      const { context, page } = await signedInPage(browser, ledger.url, userId, PASSWORD, problems, address);
      contexts.push(context);
      if (userId === 'sam.admin') admin = page;
      else if (userId === 'eddie.editor') editor = page;
      else if (userId === 'anna.approver') approver = page;
      else inspector = page;
    }
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
  });

  it('requires approval on the plan from its settings page, refusing an empty form with nothing appended', async () => {
    expect(await admin.getByRole('heading', { level: 1 }).textContent()).toBe('Approval of updates');
    await checkPage(admin, 'approval-01-settings');
    const before = await eventCount();
    await admin.getByRole('button', { name: 'Save the setting' }).click();
    expect(await admin.locator('.govuk-error-summary').textContent()).toContain('Select the plan or a work stream');
    expect(await admin.locator('#approval-required-error').textContent()).toContain('Select whether updates need approval');
    expect(await admin.locator('.govuk-error-summary a[href="#approval-scope"]').count()).toBe(1);
    expect(await eventCount()).toBe(before);
    await checkPage(admin, 'approval-02-settings-errors');

    await admin.getByLabel('The whole plan').check();
    await admin.getByLabel('Yes: updates are submitted to an approver').check();
    await admin.getByLabel('Why (optional)').fill('Agreed at the improvement board');
    await admin.getByRole('button', { name: 'Save the setting' }).click();
    expect(await banner(admin)).toContain('Approval setting saved');
    expect(await admin.getByTestId('approval-settings').locator('tbody tr').first().textContent()).toContain('Approval needed');
    expect(await eventCount()).toBe(before + 1);
    // The same setting again is the decider's NO_CHANGE: a message by the field, nothing appended.
    await admin.getByLabel('The whole plan').check();
    await admin.getByLabel('Yes: updates are submitted to an approver').check();
    await admin.getByRole('button', { name: 'Save the setting' }).click();
    expect(await admin.locator('.govuk-error-summary').textContent()).toContain('is the current setting');
    expect(await eventCount()).toBe(before + 1);
  });

  it("submits an editor's progress for approval: the banner says so, and the official record is unchanged", async () => {
    await editor.reload();
    expect(await editor.getByTestId('approval-required').count()).toBe(1);
    const official = await officialAction(firstActionId);
    const before = await eventCount();
    await editor.getByLabel('What progress has been made?').fill('Audited 212 of 240 <b>contacts</b>');
    await editor.getByRole('button', { name: 'Record progress' }).click();
    expect(await banner(editor)).toContain('Progress update submitted for approval');
    expect(await banner(editor)).not.toContain('Progress recorded');
    expect(await eventCount()).toBe(before + 1);
    expect(await officialAction(firstActionId)).toEqual(official);
    const card = editor.getByTestId('submission');
    expect(await card.count()).toBe(1);
    expect(await card.textContent()).toContain('Audited 212 of 240 <b>contacts</b>');
    expect(await editor.locator('main b').count()).toBe(0);
    expect(await card.getByTestId('own-submission').count()).toBe(1);
    expect(await card.getByTestId('accept-form').count()).toBe(0);
    expect(await editor.locator('.moj-timeline__item').first().getByTestId('awaiting-approval').count()).toBe(1);
    await checkPage(editor, 'approval-03-action-submitted');

    await editor.goto(`${ledger.url}/web/plans/${planId}`);
    expect(await editor.getByTestId('approval-panel').textContent()).toContain('Awaiting approval');
    expect(await editor.locator('[data-testid="awaiting-approval"]').count()).toBe(1);
    await checkPage(editor, 'approval-04-plan-pending');
  });

  it("refuses the editor's forged accept (no permission) and the submitter-approver's own, appending nothing", async () => {
    const [submissionId] = await pendingIds();
    const before = await eventCount();
    const forged = await editor.context().request.post(`${ledger.url}/web/plans/${planId}/submissions/${submissionId}/acceptance`, { form: { _csrf: await csrfOf(editor), revision: '100000', from: 'queue' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);

    // An administrator may approve, but not what they submitted: no control shown, and a forged post refused.
    await admin.goto(`${ledger.url}/web/plans/${planId}/actions/${secondActionId}`);
    await admin.getByLabel('What progress has been made?').fill('Panel agreed the new chronology template');
    await admin.getByRole('button', { name: 'Record progress' }).click();
    expect(await banner(admin)).toContain('submitted for approval');
    const own = (await pendingIds())[1]!;
    await admin.goto(`${ledger.url}/web/approvals`);
    const ownCard = admin.locator(`[data-submission-id="${own}"]`);
    expect(await ownCard.getByTestId('own-submission').count()).toBe(1);
    expect(await ownCard.getByTestId('accept-form').count()).toBe(0);
    expect(await admin.locator(`[data-submission-id="${submissionId}"]`).getByTestId('accept-form').count()).toBe(1);
    const afterSubmit = await eventCount();
    expect(afterSubmit).toBe(before + 1);
    for (const path of ['acceptance', 'rejection']) {
      const self = await admin.context().request.post(`${ledger.url}/web/plans/${planId}/submissions/${own}/${path}`, { form: { _csrf: await csrfOf(admin), revision: '100000', reason: 'Mine', from: 'queue' }, maxRedirects: 0 });
      expect({ path, status: self.status() }).toEqual({ path, status: 403 });
      expect(await self.text()).toContain('someone else');
    }
    // Hostile and unknown ids are a 404 page; a repeated field is a 400 page; never a 500.
    for (const id of ['__proto__', 'constructor', 'toString', 'no-such']) {
      const response = await admin.context().request.post(`${ledger.url}/web/plans/${planId}/submissions/${id}/acceptance`, { form: { _csrf: await csrfOf(admin), revision: '1' }, maxRedirects: 0 });
      expect({ id, status: response.status() }).toEqual({ id, status: 404 });
    }
    const repeated = await admin.context().request.post(`${ledger.url}/web/plans/${planId}/submissions/${submissionId}/rejection`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: `_csrf=${encodeURIComponent(await csrfOf(admin))}&revision=1&reason=a&reason=b&from=queue&from=plan`,
      maxRedirects: 0,
    });
    expect(repeated.status()).toBe(400);
    expect(await eventCount()).toBe(afterSubmit);
  });

  it('shows the approver the queue oldest first with the context, refuses a rejection without a reason, and accepts: only then does the progress count', async () => {
    const [first, second] = await pendingIds();
    await approver.reload();
    const cards = approver.getByTestId('submission');
    expect(await cards.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-submission-id')))).toEqual([first, second]);
    const card = approver.locator(`[data-submission-id="${first}"]`);
    for (const text of ['Action', 'Lead', 'Rating now', 'Progress update', 'Audited 212 of 240', 'Eddie Tor', 'Effective date']) expect(await card.textContent()).toContain(text);
    await checkPage(approver, 'approval-05-queue');

    const before = await eventCount();
    const official = await officialAction(firstActionId);
    await card.getByRole('button', { name: 'Reject this progress update' }).click();
    expect(await approver.locator('.govuk-error-summary').textContent()).toContain('Enter why you are rejecting this update');
    expect(await approver.locator(`#reject-${first}-reason-error`).count()).toBe(1);
    expect(await approver.locator(`.govuk-error-summary a[href="#reject-${first}-reason"]`).count()).toBe(1);
    expect(await eventCount()).toBe(before);
    await checkPage(approver, 'approval-06-reject-error');

    await approver.locator(`[data-submission-id="${first}"]`).getByRole('button', { name: 'Accept this progress update' }).click();
    expect(await banner(approver)).toContain('Update accepted');
    expect(await banner(approver)).toMatch(/effective \d{1,2} [A-Z][a-z]{2} \d{4}/);
    expect(await eventCount()).toBe(before + 2);
    const now = await officialAction(firstActionId);
    expect(now.progress.length).toBe(official.progress.length + 1);
    expect(await approver.locator(`[data-submission-id="${first}"]`).count()).toBe(0);
  });

  it("rejects with a reason from the action page; the submitter sees it, resubmits from a form filled with the original, and withdraws", async () => {
    await editor.goto(`${ledger.url}/web/plans/${planId}/actions/${firstActionId}`);
    await editor.getByTestId('form-status').locator('summary').click();
    await editor.getByTestId('form-status').getByLabel('New status').selectOption('blocked');
    await editor.getByTestId('form-status').getByLabel('Why is the status changing?').fill('Waiting for the audit tool');
    await editor.getByTestId('form-status').getByRole('button', { name: 'Change the status' }).click();
    expect(await banner(editor)).toContain('Status change submitted for approval');
    const submissionId = (await pendingIds()).at(-1)!;

    await approver.goto(`${ledger.url}/web/plans/${planId}/actions/${firstActionId}`);
    const card = approver.locator(`[data-submission-id="${submissionId}"]`);
    expect(await card.textContent()).toContain('Blocked');
    await checkPage(approver, 'approval-07-action-approver');
    await card.getByLabel('Reason for rejecting').fill('Say which audit tool, and when it is due');
    await card.getByRole('button', { name: 'Reject this status change' }).click();
    expect(await banner(approver)).toContain('Update rejected');
    expect(new URL(approver.url()).pathname).toBe(`/web/plans/${planId}/actions/${firstActionId}`);

    await editor.goto(`${ledger.url}/web/my-submissions`);
    const rejected = editor.locator(`[data-submission-id="${submissionId}"]`);
    expect(await rejected.textContent()).toContain('Say which audit tool, and when it is due');
    expect(await rejected.textContent()).toContain('Anna Prover');
    await checkPage(editor, 'approval-08-my-submissions');
    await rejected.getByRole('button', { name: /Change and resubmit/ }).click();
    await expect(editor.getByLabel('New status').inputValue()).resolves.toBe('blocked');
    await expect(editor.getByLabel('Why?').inputValue()).resolves.toBe('Waiting for the audit tool');
    await checkPage(editor, 'approval-09-resubmit');
    await editor.getByLabel('Why?').fill('');
    await editor.getByRole('button', { name: 'Resubmit for approval' }).click();
    expect(await editor.locator('#resubmit-reason-error').textContent()).toContain('Enter the reason for the change');
    await editor.getByLabel('Why?').fill('Waiting for the QA audit tool, due 30 Nov 2012');
    const before = await eventCount();
    await editor.getByRole('button', { name: 'Resubmit for approval' }).click();
    expect(await banner(editor)).toContain('Update resubmitted for approval');
    expect(await eventCount()).toBe(before + 1);
    const resubmitted = (await pendingIds()).at(-1)!;
    expect(resubmitted).not.toBe(submissionId);
    const pendingCard = editor.locator(`[data-submission-id="${resubmitted}"]`);
    expect(await pendingCard.textContent()).toContain('(resubmitted)');
    // The rejected one, resubmitted, is no longer in the list; its resubmit page says so.
    expect(await editor.locator(`[data-submission-id="${submissionId}"]`).count()).toBe(0);
    expect((await editor.context().request.get(`${ledger.url}/web/plans/${planId}/submissions/${submissionId}/resubmit`)).status()).toBe(409);

    await pendingCard.getByRole('button', { name: /Withdraw/ }).click();
    expect(await banner(editor)).toContain('Update withdrawn');
    expect(await pendingIds()).not.toContain(resubmitted);
  });

  it('names the submitter and the approver in the audit log, with the reason', async () => {
    await admin.goto(`${ledger.url}/web/audit-log?planId=${encodeURIComponent(planId)}`);
    let text = '';
    for (;;) {
      text += await admin.getByTestId('audit-log').textContent();
      const next = admin.getByRole('link', { name: 'Later entries' });
      if ((await next.count()) === 0) break;
      await next.click();
    }
    expect(text).toContain('Submitted by Eddie Tor');
    expect(text).toContain('rejected by Anna Prover');
    expect(text).toContain('accepted by Anna Prover');
    expect(text).toContain('Say which audit tool, and when it is due');
    await checkPage(admin, 'approval-10-audit-log');
  });

  it('shows what was pending on a date, on the plan queue', async () => {
    await approver.goto(`${ledger.url}/web/plans/${planId}/approvals`);
    expect(await approver.getByTestId('submission').count()).toBe(1);
    const today = new Date();
    await approver.getByLabel('Day').fill(String(today.getUTCDate()));
    await approver.getByLabel('Month').fill(String(today.getUTCMonth() + 1));
    await approver.getByLabel('Year').fill(String(today.getUTCFullYear()));
    await approver.getByRole('button', { name: 'Show', exact: true }).click();
    expect(await approver.getByRole('heading', { level: 1 }).textContent()).toContain('What was awaiting approval on');
    // Everything submitted today, whatever became of it since, was pending at some moment today only; by the end of the day only the open one is.
    expect(await approver.getByTestId('submission').count()).toBe(1);
    expect(await approver.getByTestId('accept-form').count()).toBe(0);
    await checkPage(approver, 'approval-11-pending-as-at');
    await approver.getByLabel('Year').fill('2009');
    await approver.getByRole('button', { name: 'Show', exact: true }).click();
    expect(await approver.getByTestId('queue-empty').textContent()).toContain('Nothing was awaiting approval');
    await approver.getByLabel('Day').fill('31');
    await approver.getByLabel('Month').fill('2');
    await approver.getByRole('button', { name: 'Show', exact: true }).click();
    expect(await approver.locator('.govuk-error-summary').textContent()).toContain('must be a real date');

    // The plan page as at an instant lists what was pending then, for an editor as for an approver.
    const instant = new Date(Date.now() - 1000).toISOString();
    await editor.goto(`${ledger.url}/web/plans/${planId}?asAt=${encodeURIComponent(instant)}&time=recorded`);
    const panel = editor.getByTestId('approval-panel');
    expect(await panel.getByRole('heading').textContent()).toContain('What was awaiting approval on');
    expect(await panel.getByTestId('pending-list').locator('li').count()).toBe(1);
    expect(await panel.textContent()).toContain('submitted by Sam Lloyd');
    await checkPage(editor, 'approval-13-plan-as-at');
    await editor.goto(`${ledger.url}/web/plans/${planId}?asAt=${encodeURIComponent(importedAt)}&time=recorded`);
    expect(await editor.getByTestId('approval-panel').textContent()).toContain('Nothing was awaiting approval then.');
  });

  it('shows an inspector nothing pending: no panel, no tags, no pending entries, and no approval pages', async () => {
    expect(await pendingIds()).toHaveLength(1);
    await inspector.reload();
    expect(await inspector.getByTestId('approval-panel').count()).toBe(0);
    expect(await inspector.locator('[data-testid="awaiting-approval"]').count()).toBe(0);
    await inspector.goto(`${ledger.url}/web/plans/${planId}/actions/${secondActionId}`);
    expect(await inspector.getByTestId('submission').count()).toBe(0);
    expect(await inspector.locator('main').textContent()).not.toContain('Panel agreed the new chronology template');
    expect(await inspector.locator('main').textContent()).not.toContain('submitted for approval');
    await checkPage(inspector, 'approval-12-inspector-action');
    for (const path of ['/web/approvals', '/web/my-submissions', `/web/plans/${planId}/approvals`, `/web/plans/${planId}/approval-settings`]) {
      expect({ path, status: (await inspector.context().request.get(`${ledger.url}${path}`)).status() }).toEqual({ path, status: 403 });
    }
    expect(problems.filter((p) => !/\b(400|403|404|409|422)\b/.test(p))).toEqual([]);
  });
});

describe('update requests and rounds in the browser', () => {
  const contexts: BrowserContext[] = [];
  let editor: Page;
  let approver: Page;
  let inspector: Page;
  let lead: string;
  let ledRef: string;

  beforeAll(async () => {
    const due = await ledger.request('GET', `/plans/${planId}/update-requests`);
    expect(due.status).toBe(200);
    const request = due.body.requests.find((r: { leads: string[] }) => r.leads.length > 0);
    lead = request.leads[0];
    ledRef = request.ref;
    // The plan's manager links the lead, as the plan writes it, to the editor's account.
    const contact = await ledger.request('POST', `/plans/${planId}/lead-contacts`, { body: { lead, userId: 'eddie.editor', displayName: 'Eddie Tor', email: 'eddie.tor@example.org' } });
    expect(contact.status).toBe(201);
    for (const userId of ['eddie.editor', 'anna.approver', 'inspector.two'] as const) {
      const { context, page } = await signedInPage(browser, ledger.url, userId, PASSWORD, problems, userId === 'eddie.editor' ? '/web/my-updates-due' : `/web/plans/${planId}/update-rounds`);
      contexts.push(context);
      if (userId === 'eddie.editor') editor = page;
      else if (userId === 'anna.approver') approver = page;
      else inspector = page;
    }
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
  });

  it("lists an editor's actions due an update, with the reason and date, each linked to its record-progress form", async () => {
    expect(await editor.getByRole('heading', { level: 1 }).textContent()).toBe('My actions due an update');
    const table = editor.getByTestId('due-updates');
    expect(await table.textContent()).toContain(ledRef);
    const link = table.getByRole('link', { name: `Record progress on action ${ledRef}` }).first();
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^/web/plans/${planId}/actions/[^/#]+#record-progress$`));
    await checkPage(editor, 'updates-01-my-actions-due');
    await link.click();
    expect(await editor.getByRole('heading', { name: 'Record progress' }).count()).toBe(1);
  });

  it('opens an update round, refusing an empty form with nothing appended, shows who was asked, and closes it with what was missing', async () => {
    await checkPage(approver, 'updates-02-rounds-empty');
    const before = await eventCount();
    await approver.getByRole('button', { name: 'Open the round' }).click();
    expect(await approver.locator('.govuk-error-summary').textContent()).toContain("Enter the round's title");
    expect(await approver.locator('#round-dueBy-error').textContent()).toContain('Enter the date updates are due by');
    expect(await eventCount()).toBe(before);
    await checkPage(approver, 'updates-03-round-errors');

    const dueBy = new Date(Date.now() + 10 * 86_400_000);
    await approver.getByLabel('Title').fill('December <i>monitoring</i>');
    await approver.getByLabel('Day').fill(String(dueBy.getUTCDate()));
    await approver.getByLabel('Month').fill(String(dueBy.getUTCMonth() + 1));
    await approver.getByLabel('Year').fill(String(dueBy.getUTCFullYear()));
    await approver.getByRole('button', { name: 'Open the round' }).click();
    expect(await banner(approver)).toContain('Update round opened');
    expect(await approver.getByRole('heading', { level: 1 }).textContent()).toBe('December <i>monitoring</i>');
    expect(await approver.locator('main i').count()).toBe(0);
    const asked = approver.getByTestId('round-requests');
    expect(await asked.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await asked.textContent()).toContain('Not received');
    expect(await eventCount()).toBe(before + 1);
    await checkPage(approver, 'updates-04-round-open');

    // Hostile round ids are a 404 page, appending nothing.
    const csrf = await csrfOf(approver);
    for (const id of ['__proto__', 'constructor', 'no-such']) {
      const response = await approver.context().request.post(`${ledger.url}/web/plans/${planId}/update-rounds/${id}/closure`, { form: { _csrf: csrf, revision: '1' }, maxRedirects: 0 });
      expect({ id, status: response.status() }).toEqual({ id, status: 404 });
    }
    expect(await eventCount()).toBe(before + 1);

    await approver.getByRole('button', { name: 'Close the round' }).click();
    expect(await banner(approver)).toContain('Update round closed');
    expect(await approver.getByTestId('close-round-form').count()).toBe(0);
    expect(await approver.locator('main').textContent()).toContain('Closed');
    expect(await eventCount()).toBe(before + 2);
    await checkPage(approver, 'updates-05-round-closed');

    await approver.goto(`${ledger.url}/web/plans/${planId}/update-rounds`);
    expect(await approver.getByTestId('rounds').textContent()).toContain('December <i>monitoring</i>');
  });

  it("lists the plan's escalations for its manager only", async () => {
    await approver.goto(`${ledger.url}/web/plans/${planId}/escalations`);
    expect(await approver.getByRole('heading', { level: 1 }).textContent()).toBe('Escalations');
    expect(await approver.getByTestId('escalations').locator('tbody tr').count()).toBeGreaterThan(0);
    await checkPage(approver, 'updates-06-escalations');
    for (const page of [editor, inspector]) {
      expect((await page.context().request.get(`${ledger.url}/web/plans/${planId}/escalations`)).status()).toBe(403);
    }
    // An inspector reads the rounds, without the form to open one.
    await inspector.reload();
    expect(await inspector.getByTestId('rounds').count()).toBe(1);
    expect(await inspector.getByTestId('open-round-form').count()).toBe(0);
    await checkPage(inspector, 'updates-07-rounds-inspector');
    expect(problems.filter((p) => !/\b(400|403|404|409|422)\b/.test(p))).toEqual([]);
  });
});
