import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_ORGANISATION, startLedger, type RunningLedger } from './support/ledger-app.js';
import { checkPage, launchBrowser } from './support/web-browser.js';

/**
 * Browser sign-in through a REAL OpenID provider (oidc-provider, started here on loopback with this
 * ledger registered as its client): Chromium goes to the provider, signs in and consents through the
 * provider's own pages, and comes back signed in to the ledger as that person with the role and
 * organisation from the provider's claims. A callback whose state was tampered with is refused.
 */

const CLIENT = { client_id: 'ledger-web', client_secret: 'a-client-secret-for-the-test-provider-only' };

jest.setTimeout(120_000);

/** The people the provider knows: their ledger role and organisation are claims, as Entra ID's app roles and tenant are. */
const ACCOUNTS = new Map<string, { name: string; roles?: string[]; tid?: string }>([
  ['olu.admin', { name: 'Olu Adebayo', roles: ['Ledger.Admin'], tid: DEFAULT_ORGANISATION }],
  ['ivy.inspector', { name: 'Ivy <i>Inspector</i>', roles: ['inspector'], tid: 'ofsted' }],
  ['no.role', { name: 'Nobody In Particular', tid: DEFAULT_ORGANISATION }],
]);

let ledger: RunningLedger;
let browser: Browser;
let idp: Server;
let issuer: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Through the provider's own login and consent pages, as a person would. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(issuer));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password: the provider is in development mode');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Follow redirects from `start` until the provider sends the browser back to the ledger's callback; that address. */
async function redirectsToCallback(context: BrowserContext, start: string): Promise<string> {
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const response = await context.request.get(url, { maxRedirects: 0 });
    const location = response.headers()['location'];
    if (!location) throw new Error(`${url} answered ${response.status()} without a redirect`);
    url = new URL(location, url).href;
    if (url.startsWith(`${ledger.url}/sign-in/oidc/callback`)) return url;
  }
  throw new Error('The provider never sent the browser back');
}

beforeAll(async () => {
  const ledgerPort = await freePort();
  const redirectUrl = `http://127.0.0.1:${ledgerPort}/sign-in/oidc/callback`;

  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  idp = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ ...CLIENT, redirect_uris: [redirectUrl], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
    // The role and organisation are their own scope, so (conforming) they come from userinfo, not the ID token.
    claims: { openid: ['sub'], profile: ['name'], ledger: ['roles', 'tid'] },
    scopes: ['openid', 'profile', 'ledger'],
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const account = ACCOUNTS.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, name: account.name, ...(account.roles ? { roles: account.roles } : {}), ...(account.tid ? { tid: account.tid } : {}) }) };
    },
    cookies: { keys: ['a-cookie-key-for-the-test-provider'] },
  });
  handle = provider.callback();

  ledger = await startLedger({
    LEDGER_PORT: String(ledgerPort),
    LEDGER_OIDC_ISSUER: issuer,
    LEDGER_OIDC_CLIENT_ID: CLIENT.client_id,
    LEDGER_OIDC_CLIENT_SECRET: CLIENT.client_secret,
    LEDGER_OIDC_REDIRECT_URL: redirectUrl,
    LEDGER_OIDC_PROVIDER_NAME: 'Central Bedfordshire account',
    LEDGER_OIDC_SCOPES: 'openid profile ledger',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ledger?.stop();
  await new Promise((resolve) => idp?.close(resolve));
});

describe('signing in through the council identity provider', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
  });
  afterAll(async () => {
    await context.close();
  });

  it('offers "Sign in with" the provider beside the local accounts', async () => {
    await page.goto(`${ledger.url}/sign-in`);
    await expect(page.getByRole('button', { name: 'Sign in with Central Bedfordshire account' }).count()).resolves.toBe(1);
    await expect(page.getByLabel('User name').count()).resolves.toBe(1);
    await checkPage(page, 'oidc-01-sign-in');
  });

  it('goes through the provider and comes back as that person, with the role and organisation of their claims and a new session id', async () => {
    const anonymous = (await context.cookies()).find((c) => c.name === 'ledger_session')?.value;
    expect(anonymous).toBeDefined();
    const sent = page.waitForRequest((request) => request.url().startsWith(`${issuer}/auth?`));
    await page.getByRole('button', { name: 'Sign in with Central Bedfordshire account' }).click();
    // The request carries PKCE (S256), a state and a nonce.
    const authorisation = new URL((await sent).url());
    expect(authorisation.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorisation.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorisation.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(authorisation.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    await signInAtProvider(page, 'olu.admin');
    await page.waitForURL(`${ledger.url}/web/plans`);
    expect(await page.getByTestId('signed-in-as').textContent()).toContain(`Signed in as Olu Adebayo (administrator, ${DEFAULT_ORGANISATION})`);
    const cookie = (await context.cookies()).find((c) => c.name === 'ledger_session')!;
    expect(cookie.value).not.toBe(anonymous);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await checkPage(page, 'oidc-02-signed-in');
  });

  it('keeps where the person was going: a page asked for before sign-in is where they land', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${ledger.url}/web/plans?from=sign-in`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.getByRole('button', { name: 'Sign in with Central Bedfordshire account' }).click();
    // The provider remembers the person: no login form this time, straight back.
    await page.waitForURL(`${ledger.url}/web/plans?from=sign-in`);
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Olu Adebayo');
  });
});

describe('refusals', () => {
  it('refuses a callback whose state is not the one this browser was sent with, and the real one cannot be replayed after', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    // Signed in at the provider once (and out of the ledger again), the provider sends a new sign-in straight
    // back: follow its redirects by hand, and arrive at the ledger with another state (as a forged link would).
    await page.goto(`${ledger.url}/sign-in`);
    await page.getByRole('button', { name: 'Sign in with Central Bedfordshire account' }).click();
    await signInAtProvider(page, 'olu.admin');
    await page.waitForURL(`${ledger.url}/web/plans`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    const genuine = await redirectsToCallback(context, `${ledger.url}/sign-in/oidc`);
    expect(new URL(genuine).searchParams.get('code')).toBeTruthy();
    const forged = new URL(genuine);
    forged.searchParams.set('state', 'an-attackers-state-value-0000000000000');
    const refused = await page.goto(forged.href);
    expect(refused!.status()).toBe(400);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are not signed in');
    expect(await page.locator('main').textContent()).toContain('The sign-in could not be completed');
    await checkPage(page, 'oidc-03-wrong-state');
    // Not signed in.
    const plans = await context.request.get(`${ledger.url}/web/plans`, { maxRedirects: 0 });
    expect(plans.status()).toBe(303);
    // The genuine callback, replayed: the session's state was spent on the first attempt.
    const replay = await context.request.get(genuine, { maxRedirects: 0 });
    expect(replay.status()).toBe(400);
    expect((await context.request.get(`${ledger.url}/web/plans`, { maxRedirects: 0 })).status()).toBe(303);
    await context.close();
  });

  it('refuses a callback in a browser that never started a sign-in (a login CSRF)', async () => {
    const context = await browser.newContext();
    const response = await context.request.get(`${ledger.url}/sign-in/oidc/callback?code=stolen-code&state=any`, { maxRedirects: 0 });
    expect(response.status()).toBe(400);
    expect(await response.text()).toContain('This sign-in was not started here');
    await context.close();
  });

  it('signs in a person whose claims name no ledger role as nobody: a 403 page that says why', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(`${ledger.url}/sign-in`);
    await page.getByRole('button', { name: 'Sign in with Central Bedfordshire account' }).click();
    await signInAtProvider(page, 'no.role');
    await page.waitForURL(/\/sign-in\/oidc\/callback/);
    expect(await page.locator('main').textContent()).toContain('gives you no role in the ledger');
    expect((await context.request.get(`${ledger.url}/web/plans`, { maxRedirects: 0 })).status()).toBe(303);
    await checkPage(page, 'oidc-04-no-role');
    await context.close();
  });

  it('escapes what the provider says about a person, and maps an inspector of another organisation to the inspector role', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(`${ledger.url}/sign-in`);
    await page.getByRole('button', { name: 'Sign in with Central Bedfordshire account' }).click();
    await signInAtProvider(page, 'ivy.inspector');
    await page.waitForURL(`${ledger.url}/web/plans`);
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Signed in as Ivy <i>Inspector</i> (inspector, ofsted)');
    expect(await page.locator('[data-testid="signed-in-as"] i').count()).toBe(0);
    await context.close();
  });
});
