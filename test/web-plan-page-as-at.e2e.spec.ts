import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccessControl } from '#application';
import { own } from '#domain';
import { shuffled } from '#domain/rag-testing/named-plans';
import { WebSessions } from '../apps/api/src/web/web-sessions.js';
import { startDemoPlanLedger } from './support/demo-plan-ledger.js';
import { DEFAULT_ORGANISATION, type RunningLedger } from './support/ledger-app.js';

/**
 * The plan page as at a date is joined from pieces kept across instants (rows per Action object and rating
 * object, the section per summary, the forms per input). Whatever was kept, the page must be what a fresh app
 * (nothing kept: new states, new actions, new ratings) writes for the same address, the session's CSRF token
 * aside: checked on the demo plan (Laming 2009, 67 actions) at instants over its life, in both times, asked
 * in turn, shuffled and again, then once each by a restarted app. Correctness only; speed is the bench's.
 */
let ledger: RunningLedger;
let planId: string;

beforeAll(async () => {
  ({ ledger, planId } = await startDemoPlanLedger());
});

afterAll(async () => {
  await ledger.stop();
});

/** A session cookie for a person of the demo plan's organisation, through the sign-in link a demo hands out. */
async function cookieFor(userId: string, role: 'admin' | 'inspector' | 'editor'): Promise<string> {
  const access = ledger.app.get(AccessControl);
  if (!own((await access.state()).users, userId)) await access.registerUser({ userId, displayName: userId, organisationId: DEFAULT_ORGANISATION }, { id: 'test-setup', displayName: 'Test set-up' });
  const code = ledger.app.get(WebSessions).issueSignInLink({ userId, displayName: userId, organisationId: DEFAULT_ORGANISATION, role, via: 'sign-in-link' });
  const response = await fetch(`${ledger.url}/sign-in/link/${code}`, { redirect: 'manual' });
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/**
 * The page's HTML with the session's CSRF tokens masked: the one part of it that is the session's, not the plan's.
 * fetch asks for gzip unless told otherwise; `identity` asks for none, as the bench's load does (the page is then
 * laid out whole in a pooled Buffer: web-renderer.ts).
 */
async function pageAt(path: string, cookie: string, encoding: 'gzip' | 'identity' = 'gzip'): Promise<string> {
  const response = await fetch(`${ledger.url}${path}`, { headers: { cookie, accept: 'text/html', ...(encoding === 'identity' ? { 'accept-encoding': 'identity' } : {}) } });
  if (encoding === 'identity' && response.headers.get('content-encoding')) throw new Error(`${path} came ${response.headers.get('content-encoding')}-encoded`);
  const html = await response.text();
  // Before the plan was created (in effective time) the page says so, with a 404: compared all the same.
  return `${response.status}\n${html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="…"')}`;
}

describe('the plan page as at a date, from kept pieces, is what a fresh app writes', () => {
  it('at instants over the plan’s life, in both times, for an administrator and an inspector', async () => {
    // Entries recorded now about past dates, so that recorded time has positions of its own to show as well.
    const plan = (await ledger.request('GET', `/plans/${planId}`)).body as { actions: { id: string }[] };
    const recordedAt: string[] = [];
    for (const [i, action] of plan.actions.slice(0, 6).entries()) {
      recordedAt.push(new Date().toISOString());
      const note = await ledger.request('POST', `/plans/${planId}/actions/${action.id}/progress-updates`, { body: { narrative: `Checked again <b>${i}</b> & "noted"`, asAt: `2010-0${i + 1}-15` } });
      expect(note.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const days: string[] = [];
    for (let ms = Date.parse('2009-03-01'); ms < Date.parse('2013-06-01'); ms += 61 * 86_400_000) days.push(new Date(ms).toISOString().slice(0, 10));
    const paths = [
      ...days.flatMap((day, i) => [`?asAt=${day}&time=effective`, i % 3 === 0 ? `?asAt=${day}T${String(i % 24).padStart(2, '0')}:15:00.000Z&time=effective` : `?asAt=${day}&asAtTime=09:30&time=effective`]),
      ...recordedAt.map((at) => `?asAt=${encodeURIComponent(at)}&time=recorded`),
      `?asAt=${encodeURIComponent(new Date().toISOString())}&time=recorded`,
      '',
    ].map((query) => `/web/plans/${planId}${query}`);
    const people: [string, 'admin' | 'inspector'][] = [
      ['page-admin', 'admin'],
      ['page-inspector', 'inspector'],
    ];
    const kept = new Map<string, string>();
    for (const [userId, role] of people) {
      const cookie = await cookieFor(userId, role);
      for (const path of [...paths, ...shuffled(paths, 3)]) {
        const html = await pageAt(path, cookie);
        const key = `${role} ${path}`;
        if (kept.has(key)) expect({ key, html }).toEqual({ key, html: kept.get(key) });
        else kept.set(key, html);
      }
    }
    // Without compression, many at once: each page is laid out in a pooled Buffer that goes back to the pool
    // when its response has been written, so a page must never carry bytes of another written at the same time.
    for (const [userId, role] of people) {
      const cookie = await cookieFor(userId, role);
      const order = shuffled([...paths, ...paths], 5);
      for (let at = 0; at < order.length; at += 16) {
        const batch = order.slice(at, at + 16);
        const pages = await Promise.all(batch.map((path) => pageAt(path, cookie, 'identity')));
        batch.forEach((path, i) => {
          const key = `${role} ${path}`;
          expect({ key, html: pages[i] }).toEqual({ key, html: kept.get(key) });
        });
      }
    }
    const shown = [...kept.values()].filter((html) => html.startsWith('200\n') && html.includes('data-testid="as-at-banner"'));
    expect(shown.length).toBeGreaterThan(paths.length);
    await ledger.restart();
    // A fresh app: nothing kept; each page asked once, in another order.
    for (const [userId, role] of people) {
      const cookie = await cookieFor(userId, role);
      for (const path of shuffled(paths, 11)) {
        const key = `${role} ${path}`;
        expect({ key, html: await pageAt(path, cookie) }).toEqual({ key, html: kept.get(key) });
      }
    }
    // Some 400 pages, each a new instant for the app: a few minutes on a loaded machine.
  }, 300_000);
});
