import { expect } from '@jest/globals';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AccessControl } from '#application';
import type { Role } from '#domain';

/** Debian's Chromium driven by playwright-core: axe on every page, and a screenshot of each for a person to look at. */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SCREENS = path.resolve(process.cwd(), 'test-artifacts', 'screens');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required at ${CHROMIUM} (or set CHROMIUM_PATH); install it (apt-get install chromium)`);
  mkdirSync(SCREENS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A page that records script errors and policy violations into `problems`. */
export async function newPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  return page;
}

/** No WCAG 2.2 AA violation axe can find, and screenshots (the full page and its first screen) for the record. */
export async function checkPage(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const violations = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
  expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });
  await page.screenshot({ path: path.join(SCREENS, `${name}-top.png`) });
}

export async function signIn(page: Page, baseUrl: string, userId: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('User name').fill(userId);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A fresh browser context and page, signed in as this person, on the address given. */
export async function signedInPage(browser: Browser, baseUrl: string, userId: string, password: string, problems: string[], address: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await newPage(context, problems);
  await signIn(page, baseUrl, userId, password);
  await page.goto(`${baseUrl}${address}`);
  return { context, page };
}

export interface LocalAccount {
  userId: string;
  displayName: string;
  role: Role;
  organisationId: string;
}

/** People who sign in on /sign-in with a password, registered and given it through AccessControl as `ledger users` does. */
export async function addLocalAccounts(access: AccessControl, accounts: readonly LocalAccount[], password: string): Promise<void> {
  const operator = { id: 'test-setup', displayName: 'Test set-up' };
  for (const { userId, displayName, role, organisationId } of accounts) {
    await access.registerUser({ userId, displayName, organisationId }, operator);
    await access.setPassword({ userId, role, password }, operator);
  }
}
