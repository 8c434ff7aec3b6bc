import { describe, expect, it } from '@jest/globals';
import type { Request, Response } from 'express';
import type { Identity } from '#domain';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, WebSessions } from './web-sessions.js';

const SUE: Identity = { userId: 'sue', displayName: 'Sue Ioannou', organisationId: 'central-bedfordshire-council', role: 'editor', via: 'password' };

/** A browser of one: keeps the cookie the sessions set, sends it back on each request. */
function browser() {
  let cookie = '';
  return {
    request(body?: Record<string, unknown>): Request {
      return { secure: false, body, header: (name: string) => (name === 'cookie' && cookie ? cookie : undefined) } as unknown as Request;
    },
    response(): Response {
      return {
        append: (_name: string, value: string) => {
          cookie = value.split(';')[0]!;
        },
      } as unknown as Response;
    },
    get cookie() {
      return cookie;
    },
  };
}

describe('browser sessions', () => {
  it('issues a new session id at sign-in, so a session fixed before it is worth nothing after', () => {
    const sessions = new WebSessions();
    const b = browser();
    sessions.ensure(b.request(), b.response());
    const anonymous = b.cookie;
    sessions.start(b.request(), b.response(), SUE);
    expect(b.cookie).not.toBe(anonymous);
    expect(sessions.identityOf(b.request()).userId).toBe('sue');
    const old = { secure: false, header: (name: string) => (name === 'cookie' ? anonymous : undefined) } as unknown as Request;
    expect(sessions.find(old)).toBeUndefined();
  });

  it('ends a session after 30 minutes without a request', () => {
    let now = 0;
    const sessions = new WebSessions(() => now);
    const b = browser();
    sessions.start(b.request(), b.response(), SUE);
    now += SESSION_IDLE_MS - 1;
    expect(sessions.find(b.request())).toBeDefined();
    now += SESSION_IDLE_MS + 1;
    expect(sessions.find(b.request())).toBeUndefined();
  });

  it('ends a session 8 hours after sign-in however busy it is', () => {
    let now = 0;
    const sessions = new WebSessions(() => now);
    const b = browser();
    sessions.start(b.request(), b.response(), SUE);
    while (now < SESSION_ABSOLUTE_MS - 60_000) {
      now += 60_000;
      expect(sessions.find(b.request())).toBeDefined();
    }
    now += 120_000;
    expect(sessions.find(b.request())).toBeUndefined();
  });

  it("refuses a form whose CSRF token is missing or not the session's", () => {
    const sessions = new WebSessions();
    const b = browser();
    const session = sessions.start(b.request(), b.response(), SUE);
    expect(() => sessions.checkCsrf(b.request({ _csrf: session.csrfToken }))).not.toThrow();
    expect(() => sessions.checkCsrf(b.request({}))).toThrow('This form has expired');
    expect(() => sessions.checkCsrf(b.request({ _csrf: 'x'.repeat(43) }))).toThrow('This form has expired');
    expect(() => sessions.checkCsrf(b.request({ _csrf: [session.csrfToken] }))).toThrow('This form has expired');
    expect(() => sessions.checkCsrf(browser().request({ _csrf: session.csrfToken }))).toThrow('This form has expired');
  });

  it('honours a sign-in link once', () => {
    const sessions = new WebSessions();
    const code = sessions.issueSignInLink(SUE);
    expect(sessions.redeemSignInLink(code)?.userId).toBe('sue');
    expect(sessions.redeemSignInLink(code)).toBeUndefined();
    expect(sessions.redeemSignInLink('__proto__')).toBeUndefined();
  });

  it('takes its lifetimes from the configuration, and says them in the cookie', () => {
    let now = 0;
    const sessions = new WebSessions(() => now, { idleMs: 5 * 60_000, absoluteMs: 3_600_000 });
    const b = browser();
    let setCookie = '';
    sessions.start(b.request(), { append: (_: string, value: string) => ((setCookie = value), b.response().append(_, value)) } as unknown as Response, SUE);
    expect(setCookie).toContain('Max-Age=3600');
    now += 4 * 60_000;
    expect(sessions.find(b.request())).toBeDefined();
    now += 5 * 60_000 + 1;
    expect(sessions.find(b.request())).toBeUndefined();
  });

  it('keeps a sign-in through the identity provider good once, and for 10 minutes only', () => {
    let now = 0;
    const sessions = new WebSessions(() => now);
    const b = browser();
    const session = sessions.ensure(b.request(), b.response());
    session.oidc = { state: 's', nonce: 'n', codeVerifier: 'v', next: '/web/plans', startedAt: now };
    expect(sessions.takeOidcSignIn(session)?.state).toBe('s');
    expect(sessions.takeOidcSignIn(session)).toBeUndefined();
    session.oidc = { state: 's', nonce: 'n', codeVerifier: 'v', next: '/web/plans', startedAt: now };
    now += 10 * 60_000 + 1;
    expect(sessions.takeOidcSignIn(session)).toBeUndefined();
    expect(session.oidc).toBeUndefined();
  });

  it('drops the oldest anonymous sessions first when too many are held, never a signed-in one', () => {
    const sessions = new WebSessions();
    const signedIn = browser();
    sessions.start(signedIn.request(), signedIn.response(), SUE);
    const first = browser();
    sessions.ensure(first.request(), first.response());
    for (let i = 0; i < 50_000; i++) {
      const b = browser();
      sessions.ensure(b.request(), b.response());
    }
    expect(sessions.find(signedIn.request())?.identity?.userId).toBe('sue');
    expect(sessions.find(first.request())).toBeUndefined();
  });
});
