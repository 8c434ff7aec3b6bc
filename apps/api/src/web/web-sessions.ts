import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Identity } from '#domain';
import { ApiError } from '../http/api-error.js';

/** How long a session lives by default (LEDGER_SESSION_IDLE_MINUTES, LEDGER_SESSION_ABSOLUTE_HOURS): ended after 30 minutes without a request, and 8 hours after sign-in whatever happens. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 8 * 3_600_000;
/** How long a one-time sign-in link works. */
export const SIGN_IN_LINK_MS = 7 * 86_400_000;
/** How long a browser may take at the identity provider between leaving the sign-in page and coming back. */
export const OIDC_SIGN_IN_MS = 10 * 60_000;

/** A sign-in through the identity provider under way: what the callback must match (state, nonce) and prove (PKCE verifier). */
export interface PendingOidcSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  next: string;
  startedAt: number;
}

export interface WebSession {
  /** SHA-256 of the cookie value: the value itself is never kept, so a heap dump does not hand out sessions. */
  key: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  identity?: Identity;
  /** A one-off message for the next page (e.g. "Progress recorded"). */
  flash?: string;
  /** Set while the browser is away at the identity provider; consumed by the callback, whatever its outcome. */
  oidc?: PendingOidcSignIn;
}

export interface SessionLifetimes {
  idleMs: number;
  absoluteMs: number;
}

type WithSession = Request & { webSession?: WebSession };

/** The session the access guard found for this request, if any (for error pages, which have no handler). */
export function attachedSession(req: Request): WebSession | undefined {
  return (req as WithSession).webSession;
}

const COOKIE = 'ledger_session';
/** Sessions held at once; about a kilobyte each. */
const MAX_SESSIONS = 50_000;
// Behind TLS the cookie takes the __Host- prefix: Secure, Path=/ and no Domain, enforced by the browser.
const SECURE_COOKIE = '__Host-ledger_session';

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** One cookie's value from the Cookie header, or undefined; names are compared exactly, values never decoded into objects. */
export function cookieValue(req: Request, name: string): string | undefined {
  const header = req.header('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Browser sessions, held in this process's memory (a restart signs everyone out, which is safe). The
 * cookie is HttpOnly and SameSite=Lax (Secure behind TLS); a new session id is issued at sign-in; every
 * form carries the session's synchroniser token, checked by the access guard before any handler runs.
 */
export class WebSessions {
  private readonly sessions = new Map<string, WebSession>();
  private readonly signInLinks = new Map<string, { identity: Identity; expiresAt: number }>();

  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number = () => Date.now(),
    lifetimes: SessionLifetimes = { idleMs: SESSION_IDLE_MS, absoluteMs: SESSION_ABSOLUTE_MS },
  ) {
    this.idleMs = lifetimes.idleMs;
    this.absoluteMs = lifetimes.absoluteMs;
  }

  /** Has this session ended by time, idle or absolute? */
  private expired(session: WebSession, now: number): boolean {
    return now - session.lastSeenAt > this.idleMs || now - session.createdAt > this.absoluteMs;
  }

  /** The live session this request's cookie names (refreshing its idle clock), or undefined. */
  find(req: Request): WebSession | undefined {
    const attached = (req as WithSession).webSession;
    if (attached) return attached;
    const value = cookieValue(req, req.secure ? SECURE_COOKIE : COOKIE);
    if (!value || !/^[\w-]{43}$/.test(value)) return undefined;
    const session = this.sessions.get(digest(value));
    if (!session) return undefined;
    const now = this.now();
    if (this.expired(session, now)) {
      this.sessions.delete(session.key);
      return undefined;
    }
    session.lastSeenAt = now;
    (req as WithSession).webSession = session;
    return session;
  }

  /** A one-off message for the next page this session sees ("Update accepted", …); nothing without a session. */
  flash(req: Request, message: string): void {
    const session = this.find(req);
    if (session) session.flash = message;
  }

  /** The request's session, starting an anonymous one (for the sign-in form's CSRF token) if there is none. */
  ensure(req: Request, res: Response): WebSession {
    return this.find(req) ?? this.start(req, res);
  }

  /** A fresh session (new id, new CSRF token), replacing the request's current one: used at sign-in and sign-out. */
  start(req: Request, res: Response, identity?: Identity): WebSession {
    const old = this.find(req);
    if (old) this.sessions.delete(old.key);
    this.sweep();
    const value = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: WebSession = { key: digest(value), csrfToken: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now, ...(identity ? { identity } : {}) };
    this.sessions.set(session.key, session);
    (req as WithSession).webSession = session;
    const secure = req.secure;
    const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.floor(this.absoluteMs / 1000)}`, ...(secure ? ['Secure'] : [])];
    res.append('Set-Cookie', `${secure ? SECURE_COOKIE : COOKIE}=${value}; ${attributes.join('; ')}`);
    return session;
  }

  /** Sign-out: forget the session here and tell the browser to drop the cookie. */
  end(req: Request, res: Response): void {
    const session = this.find(req);
    if (session) this.sessions.delete(session.key);
    (req as WithSession).webSession = undefined;
    const secure = req.secure;
    res.append('Set-Cookie', `${secure ? SECURE_COOKIE : COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`);
  }

  /** Refuse a form post whose CSRF token is not this session's (or that has no session at all). */
  checkCsrf(req: Request): void {
    const session = this.find(req);
    const sent = (req.body as Record<string, unknown> | undefined)?.['_csrf'];
    if (!session || typeof sent !== 'string' || !sameSecret(sent, session.csrfToken)) {
      throw new ApiError(403, 'CSRF_TOKEN_INVALID', 'This form has expired or did not come from this service. Go back, reload the page and try again.');
    }
  }

  /** The signed-in person, or 401 (which the web pages turn into the sign-in page). */
  identityOf(req: Request): Identity {
    const identity = this.find(req)?.identity;
    if (!identity) throw new ApiError(401, 'SIGN_IN_REQUIRED', 'Sign in to see this page');
    return identity;
  }

  /** A link that signs this person in once, for the demo's start-up message. */
  issueSignInLink(identity: Identity): string {
    const code = randomBytes(32).toString('base64url');
    this.signInLinks.set(digest(code), { identity, expiresAt: this.now() + SIGN_IN_LINK_MS });
    return code;
  }

  /** The identity a one-time link stands for, consuming it; undefined if it is unknown, used or expired. */
  redeemSignInLink(code: string): Identity | undefined {
    if (!/^[\w-]{43}$/.test(code)) return undefined;
    const key = digest(code);
    const link = this.signInLinks.get(key);
    this.signInLinks.delete(key);
    return link && link.expiresAt > this.now() ? link.identity : undefined;
  }

  /** Take (and forget) the sign-in under way in this session: a callback is good once, and only within OIDC_SIGN_IN_MS. */
  takeOidcSignIn(session: WebSession): PendingOidcSignIn | undefined {
    const pending = session.oidc;
    session.oidc = undefined;
    return pending && this.now() - pending.startedAt <= OIDC_SIGN_IN_MS ? pending : undefined;
  }

  private sweep(): void {
    const now = this.now();
    // A full pass at most once a minute: sign-ins are frequent, and each must not walk every session.
    if (now - this.sweptAt >= 60_000) {
      this.sweptAt = now;
      for (const [key, session] of this.sessions) {
        if (this.expired(session, now)) this.sessions.delete(key);
      }
    }
    // Anyone can open the sign-in page, and each visit holds an anonymous session for its CSRF token: past
    // the cap, the oldest anonymous ones go first (Map order is insertion order), never a signed-in one.
    if (this.sessions.size < MAX_SESSIONS) return;
    for (const [key, session] of this.sessions) {
      if (this.sessions.size < MAX_SESSIONS) break;
      if (!session.identity) this.sessions.delete(key);
    }
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
