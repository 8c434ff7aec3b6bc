import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AccessControl } from '#application';
import { ACCESS_STREAM, planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { cosignerVerifierKeyOf, rawPublicKey, signPlanCheckpoint } from '#evidence';
import { PlanProjector } from '#projections';
import { cosign, planLogOrigin } from '#transparency';
import { testPlanEvents, testSigningKey, TEST_PLAN_ID, unzipBundle, zipFiles } from '../libs/evidence/src/bundle/testing/bundle-test-plan.js';
import { buildTestBundle } from '../libs/evidence/src/bundle/testing/test-bundle.js';
import { buildBundleVerifier, startDemoPlanLedger } from './support/demo-plan-ledger.js';
import { DEFAULT_ORGANISATION, type RunningLedger } from './support/ledger-app.js';
import { addLocalAccounts, checkPage, launchBrowser, newPage, signedInPage, signIn } from './support/web-browser.js';

/**
 * The web service's remaining pieces in Debian's Chromium against the real app on a temp SQLite file: a bundle
 * made to extend an earlier one and checked against it on the verify page; a witness policy on the verify page;
 * local passwords set by an administrator and changed by their owner.
 */

const ROOT = process.cwd();
const FILES = path.resolve(ROOT, 'test-artifacts', 'bundles');
const OPERATOR = { id: 'test-setup', displayName: 'Test set-up' };
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(240_000);

let ledger: RunningLedger;
let browser: Browser;
let planId: string;
let store: EventStore;
const problems: string[] = [];

beforeAll(async () => {
  buildBundleVerifier();
  mkdirSync(FILES, { recursive: true });
  ({ ledger, planId, store } = await startDemoPlanLedger());
  const access = ledger.app.get(AccessControl);
  await addLocalAccounts(
    access,
    [
      { userId: 'inspector.one', displayName: 'Ines Pector', role: 'inspector', organisationId: 'ofsted' },
      { userId: 'ada.admin', displayName: 'Ada Minister', role: 'admin', organisationId: DEFAULT_ORGANISATION },
      { userId: 'eddie.editor', displayName: 'Eddie Tor', role: 'editor', organisationId: DEFAULT_ORGANISATION },
      { userId: 'other.admin', displayName: 'Otto Admin', role: 'admin', organisationId: 'another-council' },
    ],
    PASSWORD,
  );
  await access.registerUser({ userId: 'new.starter', displayName: 'Nia Starter', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
  await access.grant({ userId: 'inspector.one', role: 'inspector', planId, reason: 'Inspection of the plan' }, DEFAULT_ORGANISATION, OPERATOR);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
  // A refused form or address is a 4xx page by design; Chromium logs that status as an error.
  expect(problems.filter((p) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(p))).toEqual([]);
});

/** Wait for the projector to catch up with the plan's last event. */
async function settle(): Promise<void> {
  const head = await store.readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
  await ledger.app.get(PlanProjector).waitFor(head[0]!.position);
}

async function totalEvents(): Promise<number> {
  return (await store.readAll({ maxCount: 1_000_000 })).length;
}

/** What the verify page says of a bundle, check by check. */
async function verifyOnPage(page: Page, bundle: string, options: { previous?: string; witnesses?: string; quorum?: string } = {}) {
  await page.goto(`${ledger.url}/web/verify`);
  await page.locator('input[type=file][name=bundle]').setInputFiles(bundle);
  if (options.previous) await page.locator('input[type=file][name=previous]').setInputFiles(options.previous);
  if (options.witnesses !== undefined) await page.getByLabel('Witness public keys').fill(options.witnesses);
  if (options.quorum !== undefined) await page.getByLabel('How many of them must have cosigned').fill(options.quorum);
  await page.getByRole('button', { name: 'Check the bundle' }).click();
  await page.getByTestId('verify-outcome').waitFor();
  const checks = await page.getByTestId('verify-checks').locator('li').evaluateAll((items) =>
    items.map((li) => ({ name: li.querySelector('p')!.textContent, status: li.querySelector('.govuk-tag')!.textContent, detail: li.querySelector('.ledger-check-detail')!.textContent })),
  );
  return { outcome: (await page.getByTestId('verify-outcome').innerText()).trim(), checks };
}

/** Flip one byte inside an event's line and zip the files up again: the manifest's digests no longer match. */
function tamper(zip: Buffer): Buffer {
  const files = unzipBundle(zip);
  const events = Buffer.from(files.get('events.ndjson')!);
  const at = events.indexOf('"type"');
  events[at + 2] = events[at + 2]! ^ 0x01;
  files.set('events.ndjson', events);
  return Buffer.from(zipFiles(files));
}

describe('a bundle that extends an earlier one', () => {
  it('is built on the bundle page from the earlier zip, and verifies against it; a tampered earlier one fails in words', async () => {
    const { context, page } = await signedInPage(browser, ledger.url, 'inspector.one', PASSWORD, problems, `/web/plans/${planId}/bundle`);
    // Bundle A: now, recorded time.
    const [downloadA] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the bundle' }).click()]);
    const bundleA = path.join(FILES, 'extend-a.zip');
    await downloadA.saveAs(bundleA);

    // The plan moves on: an editor records progress over the API.
    await page.goto(`${ledger.url}/web/plans/${planId}`);
    await page.locator('tr[data-action-ref="4.1"]').getByRole('link', { name: '4.1' }).click();
    const actionId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    const appended = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { actor: 'Eddie Tor', role: 'editor', body: { narrative: 'Chronologies audit booked for November' } });
    expect(appended.status).toBe(201);
    await settle();

    // Bundle B, which must extend A: the bundle page's second step takes A's zip.
    await page.goto(`${ledger.url}/web/plans/${planId}/bundle`);
    await page.getByLabel('Yes, it must extend an earlier bundle').check();
    await page.getByRole('button', { name: 'Download the bundle' }).click();
    await page.getByRole('heading', { name: 'Choose the earlier bundle' }).waitFor();
    await checkPage(page, 'bundle-extend');
    // No file chosen: the GOV.UK error pattern, nothing downloaded.
    await page.getByRole('button', { name: 'Download the bundle' }).click();
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toContain('Select the earlier evidence bundle');
    await expect(page.locator('#file-error').innerText()).resolves.toContain('Select the earlier evidence bundle');
    await checkPage(page, 'bundle-extend-error');
    // A tampered earlier bundle is refused by the field, in words.
    const tamperedA = path.join(FILES, 'extend-a-tampered.zip');
    writeFileSync(tamperedA, tamper(readFileSync(bundleA)));
    await page.locator('input[type=file][name=file]').setInputFiles(tamperedA);
    await page.getByRole('button', { name: 'Download the bundle' }).click();
    await expect(page.locator('#file-error').innerText()).resolves.toMatch(/The earlier bundle does not verify/);

    await page.locator('input[type=file][name=file]').setInputFiles(bundleA);
    const [downloadB] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the bundle' }).click()]);
    const bundleB = path.join(FILES, 'extend-b.zip');
    await downloadB.saveAs(bundleB);
    const filesB = unzipBundle(readFileSync(bundleB));
    const proof = JSON.parse(filesB.get('consistency.json')!.toString('utf8'));
    const manifestA = JSON.parse(unzipBundle(readFileSync(bundleA)).get('manifest.json')!.toString('utf8'));
    expect(proof.from).toMatchObject({ treeSize: manifestA.merkle.treeSize, rootHash: manifestA.merkle.rootHash });
    expect(proof.to.treeSize).toBe(manifestA.merkle.treeSize + 1);
    await context.close();

    // The regulator checks B against A on the public verify page: the consistency check passes…
    const verifier = await newPage(await browser.newContext(), problems);
    const passed = await verifyOnPage(verifier, bundleB, { previous: bundleA });
    expect(passed.outcome).toMatch(/The bundle checks out/);
    expect(passed.checks).toContainEqual(expect.objectContaining({ name: 'This bundle extends the older one unchanged', status: 'Passed' }));
    await checkPage(verifier, 'verify-extends-passed');
    // …and against a tampered A it fails, saying why.
    const failed = await verifyOnPage(verifier, bundleB, { previous: tamperedA });
    expect(failed.outcome).toMatch(/Do not rely on this bundle/);
    const consistency = failed.checks.find((c) => c.name === 'This bundle extends the older one unchanged')!;
    expect(consistency.status).toBe('Failed');
    expect(consistency.detail!.length).toBeGreaterThan(20);
    await checkPage(verifier, 'verify-extends-failed');
    await verifier.context().close();
  });

  it('refuses a hand-edited address with the error, and a regulator of no grant gets nothing', async () => {
    const inspector = await signedInPage(browser, ledger.url, 'inspector.one', PASSWORD, problems, `/web/plans/${planId}/bundle/extend?asAt=not-a-date`);
    const status = await inspector.page.evaluate((url) => fetch(url).then((r) => r.status), inspector.page.url());
    expect(status).toBe(400);
    await inspector.context.close();
    const before = await totalEvents();
    const res = await fetch(`${ledger.url}/web/plans/${planId}/bundle/extend`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--\r\n' });
    expect([401, 403, 303]).toContain(res.status);
    expect(await totalEvents()).toBe(before);
  });
});

describe('the witness policy on the verify page', () => {
  const LEDGER = 'ledger.test/council';
  const ledgerKey = testSigningKey();
  const witnesses = ['witness.one.test/w1', 'witness.two.test/w1'].map((name) => ({ name, key: testSigningKey() }));
  const vkeys = witnesses.map((w) => cosignerVerifierKeyOf(w.name, w.key));

  async function cosignedBundle(by: typeof witnesses): Promise<string> {
    const hashes = testPlanEvents().map((e) => e.hash);
    const checkpoint = await signPlanCheckpoint({ ledgerName: LEDGER, planId: TEST_PLAN_ID, eventHashes: hashes }, ledgerKey);
    let note = checkpoint.note;
    for (const w of by) note += (await cosign(checkpoint.text, 1_362_128_400, { name: w.name, publicKey: rawPublicKey(w.key), sign: (m) => w.key.sign(m) })).line;
    const built = await buildTestBundle(ledgerKey, { checkpoints: { origin: planLogOrigin(LEDGER, TEST_PLAN_ID), notes: [note] } });
    const file = path.join(FILES, `witnessed-by-${by.length}.zip`);
    writeFileSync(file, built.zip);
    return file;
  }

  it('checks the cosigned checkpoints against the keys and quorum given, as ledger verify --witness --quorum', async () => {
    const both = await cosignedBundle(witnesses);
    const one = await cosignedBundle(witnesses.slice(0, 1));
    const page = await newPage(await browser.newContext(), problems);
    await page.goto(`${ledger.url}/web/verify`);
    await checkPage(page, 'verify');

    const passed = await verifyOnPage(page, both, { witnesses: vkeys.join('\n'), quorum: '2' });
    expect(passed.checks).toContainEqual(expect.objectContaining({ name: 'Enough trusted witnesses cosigned these events', status: 'Passed' }));
    expect(passed.outcome).toMatch(/The bundle checks out/);
    await checkPage(page, 'verify-witnesses-passed');

    const short = await verifyOnPage(page, one, { witnesses: vkeys.join('\n'), quorum: '2' });
    const witnessed = short.checks.find((c) => c.name === 'Enough trusted witnesses cosigned these events')!;
    expect(witnessed.status).toBe('Failed');
    expect(witnessed.detail).toMatch(/^1 of the 2 trusted witness\(es\) required/);
    await checkPage(page, 'verify-witnesses-failed');

    // Without keys, no witness check at all (the bundle's own checks only).
    const plain = await verifyOnPage(page, one);
    expect(plain.checks.map((c) => c.name)).not.toContain('Enough trusted witnesses cosigned these events');
    await page.context().close();
  });

  it('says what is wrong with a key or a quorum by the field, GOV.UK style', async () => {
    const page = await newPage(await browser.newContext(), problems);
    const bundle = await cosignedBundle(witnesses);
    await page.goto(`${ledger.url}/web/verify`);
    await page.locator('input[type=file][name=bundle]').setInputFiles(bundle);
    await page.getByLabel('Witness public keys').fill('witness.one.test/w1+nothex+AAAA');
    await page.getByRole('button', { name: 'Check the bundle' }).click();
    await expect(page.locator('.govuk-error-summary').innerText()).resolves.toContain('A witness key is not right');
    await expect(page.locator('#witnesses-error').innerText()).resolves.toContain('the key ID is not 8 lower-case hex digits');
    await checkPage(page, 'verify-witnesses-error');

    await page.getByLabel('Witness public keys').fill(vkeys[0]!);
    await page.getByLabel('How many of them must have cosigned').fill('3');
    await page.getByRole('button', { name: 'Check the bundle' }).click();
    await expect(page.locator('#quorum-error').innerText()).resolves.toContain('The quorum must be a whole number from 1 to the 1 witness given');
    await page.context().close();
  });
});

describe('local passwords', () => {
  it('an administrator sets a password for a person of their organisation; sign-in works with it, refuses a wrong one', async () => {
    const { context, page } = await signedInPage(browser, ledger.url, 'ada.admin', PASSWORD, problems, '/web/admin/people');
    await page.getByRole('link', { name: 'Set a password for Nia Starter' }).click();
    await page.getByRole('heading', { name: 'Set a password' }).waitFor();
    await checkPage(page, 'admin-password');

    // Too short, and no role: both errors, GOV.UK style; nothing appended.
    const before = (await store.readStream(ACCESS_STREAM)).length;
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('The new password again').fill('short');
    await page.getByRole('button', { name: 'Save the password' }).click();
    const summary = await page.locator('.govuk-error-summary').innerText();
    expect(summary).toContain('Choose the role they sign in as');
    expect(summary).toContain('The password must be at least 12 characters');
    await expect(page.locator('#password-error').innerText()).resolves.toContain('The password must be at least 12 characters');
    await checkPage(page, 'admin-password-error');
    expect((await store.readStream(ACCESS_STREAM)).length).toBe(before);

    await page.getByLabel('Editor').check();
    await page.getByLabel('New password', { exact: true }).fill('first day on the job');
    await page.getByLabel('The new password again').fill('first day on the jab');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await expect(page.locator('#confirmPassword-error').innerText()).resolves.toContain('The passwords do not match');

    await page.getByLabel('New password', { exact: true }).fill('first day on the job');
    await page.getByLabel('The new password again').fill('first day on the job');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await page.waitForURL(`${ledger.url}/web/admin/people`);
    await expect(page.locator('.govuk-notification-banner').innerText()).resolves.toContain('Nia Starter can now sign in as new.starter');
    await expect(page.getByTestId('people').innerText()).resolves.toMatch(/new\.starter\s+Password \(editor\)/);
    // The hash and salt are in the access stream only: never on a page.
    const set = (await store.readStream(ACCESS_STREAM)).at(-1)!;
    expect(set.type).toBe('PasswordSet');
    const html = await page.content();
    expect(html).not.toContain((set.data as { hash: string }).hash);
    await context.close();

    const newcomer = await browser.newContext();
    const signInPage = await newPage(newcomer, problems);
    await signIn(signInPage, ledger.url, 'new.starter', 'the wrong password');
    await expect(signInPage.locator('.govuk-error-summary').innerText()).resolves.toContain('The user name or password is not right');
    await signIn(signInPage, ledger.url, 'new.starter', 'first day on the job');
    await signInPage.waitForURL(`${ledger.url}/web/plans`);
    await expect(signInPage.getByTestId('signed-in-as').innerText()).resolves.toContain('Nia Starter (editor');
    await newcomer.close();
  });

  it('a person changes their own password: the new one signs in, the old one stops working, a wrong current one is refused', async () => {
    const { context, page } = await signedInPage(browser, ledger.url, 'eddie.editor', PASSWORD, problems, '/web/plans');
    await page.getByRole('link', { name: 'Your password' }).click();
    await page.getByRole('heading', { name: 'Change your password' }).waitFor();
    await checkPage(page, 'account-password');
    await page.getByLabel('Current password').fill('not my password at all');
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
    await page.getByLabel('The new password again').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Change the password' }).click();
    await expect(page.locator('#currentPassword-error').innerText()).resolves.toContain('Your current password is not right');
    await checkPage(page, 'account-password-error');

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
    await page.getByLabel('The new password again').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Change the password' }).click();
    await page.waitForURL(`${ledger.url}/web/plans`);
    await expect(page.locator('.govuk-notification-banner').innerText()).resolves.toContain('Your password is changed');
    await context.close();

    const again = await newPage(await browser.newContext(), problems);
    await signIn(again, ledger.url, 'eddie.editor', PASSWORD);
    await expect(again.locator('.govuk-error-summary').innerText()).resolves.toContain('The user name or password is not right');
    await signIn(again, ledger.url, 'eddie.editor', 'a brand new passphrase');
    await again.waitForURL(`${ledger.url}/web/plans`);
    await again.context().close();
  });

  it("keeps another organisation's people, an editor and a forged post out, appending nothing", async () => {
    const before = (await store.readStream(ACCESS_STREAM)).length;
    const other = await signedInPage(browser, ledger.url, 'other.admin', PASSWORD, problems, '/web/admin/people/new.starter/password');
    await expect(other.page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Page not found');
    await other.context.close();
    const editor = await signedInPage(browser, ledger.url, 'eddie.editor', 'a brand new passphrase', problems, '/web/admin/people/new.starter/password');
    await expect(editor.page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('You cannot do this');
    const token = await editor.page.locator('input[name=_csrf]').first().inputValue();
    const forged = await editor.page.evaluate(
      async ({ url, csrf }) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, role: 'admin', password: 'taking over the place', confirmPassword: 'taking over the place' }) })).status,
      { url: `${ledger.url}/web/admin/people/ada.admin/password`, csrf: token },
    );
    expect(forged).toBe(403);
    for (const id of ['constructor', '__proto__', 'toString']) {
      const status = await editor.page.evaluate((url) => fetch(url).then((r) => r.status), `${ledger.url}/web/admin/people/${id}/password`);
      expect(status).toBe(403);
    }
    await editor.context.close();
    const admin = await signedInPage(browser, ledger.url, 'ada.admin', PASSWORD, problems, '/web/admin/people');
    for (const id of ['constructor', '__proto__', 'toString']) {
      const status = await admin.page.evaluate((url) => fetch(url).then((r) => r.status), `${ledger.url}/web/admin/people/${id}/password`);
      expect(status).toBe(404);
    }
    await admin.context.close();
    expect((await store.readStream(ACCESS_STREAM)).length).toBe(before);
  });
});
