import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccessControl } from '#application';
import type { EventStore } from '#event-store';
import { ROUTES } from '../apps/api/src/http/route-table.js';
import { EVENT_STORE } from '../apps/api/src/ledger.tokens.js';
import { WEB_ROUTES } from '../apps/api/src/web/web-routes.js';
import { runCli } from '../apps/cli/src/main.js';
import { DEFAULT_ORGANISATION, startLedger, type RunningLedger } from './support/ledger-app.js';
import { createPlanFixture, type PlanFixture } from './support/plan-fixture.js';

/** Every name a plain object answers for without owning it: the ids an attacker sends first. */
export const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];

let ledger: RunningLedger;
let plan: PlanFixture;
let store: EventStore;

beforeAll(async () => {
  ledger = await startLedger();
  plan = await createPlanFixture(ledger);
  store = ledger.app.get<EventStore>(EVENT_STORE);
  // Sign the test's people in now: registering them appends to the access stream.
  await ledger.tokenFor();
  const access = ledger.app.get(AccessControl);
  await access.registerUser({ userId: 'web.admin', displayName: 'Web Admin', organisationId: DEFAULT_ORGANISATION }, OPERATOR);
  await access.setPassword({ userId: 'web.admin', role: 'admin', password: WEB_PASSWORD }, OPERATOR);
});

const OPERATOR = { id: 'test-setup', displayName: 'Test set-up' };
const WEB_PASSWORD = 'a long enough pass phrase';
/** Query parameters any route reads (and some none does): each is sent as the hostile name too. */
const QUERY_KEYS = ['asAt', 'time', 'from', 'to', 'planId', 'actionId', 'limit', 'name', 'files', 'extends', 'format', 'since', 'next', 'status', 'rag', 'workstream', 'lead'];

/** Each route's path with one of its parameters the hostile name and the others the fixture's real ids. */
function pathsNaming(path: string, id: string, p: PlanFixture): string[] {
  const real: Record<string, string> = { ':planId': p.planId, ':actionId': p.actionId, ':recommendationId': p.recommendationId, ':sha256': p.evidenceSha256 };
  const params = path.match(/:\w+/g) ?? [];
  if (params.length === 0) return [path];
  return params.map((param) => path.replace(/:\w+/g, (other) => (other === param ? encodeURIComponent(id) : (real[other] ?? encodeURIComponent(id)))));
}

/** A browser session of an admin, signed in through the sign-in form, with the CSRF token of its forms. */
async function webSession(): Promise<{ cookie: string; csrf: string }> {
  const first = await fetch(`${ledger.url}/sign-in`);
  const anonymous = first.headers.get('set-cookie')!.split(';')[0]!;
  const signInCsrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1]!;
  const signedIn = await fetch(`${ledger.url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: anonymous, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: signInCsrf, userId: 'web.admin', password: WEB_PASSWORD }).toString(),
  });
  const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  const page = await fetch(`${ledger.url}/web/plans/${plan.planId}/actions/${plan.actionId}`, { headers: { Cookie: cookie } });
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]! };
}

async function webPost(session: { cookie: string }, url: string, form: string): Promise<Response> {
  return fetch(`${ledger.url}${url}`, { method: 'POST', redirect: 'manual', headers: { Cookie: session.cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
}

afterAll(async () => {
  await ledger.stop();
});

async function lastPosition(): Promise<bigint> {
  let position = -1n;
  for (;;) {
    const page = await store.readAll({ fromPosition: position < 0n ? undefined : position, maxCount: 1_000 });
    if (page.length === 0) return position;
    position = page[page.length - 1]!.position;
  }
}

/** Each write with an id in its path or body: a body that would be accepted with the fixture's real ids. */
function writesNaming(id: string, p: PlanFixture): { url: string; body: unknown }[] {
  const action = (suffix: string) => `/plans/${p.planId}/actions/${encodeURIComponent(id)}/${suffix}`;
  return [
    { url: action('progress-updates'), body: { narrative: 'x' } },
    { url: action('status'), body: { to: 'blocked', reason: 'x' } },
    { url: action('reassignments'), body: { to: ['New Lead'], reason: 'x' } },
    { url: action('target-slips'), body: { to: '31 December 2031', reason: 'x' } },
    { url: action('rag-assessments'), body: { rating: 'red', rationale: 'x' } },
    { url: action('completion'), body: {} },
    { url: action('reopening'), body: { reason: 'x' } },
    { url: `${action('evidence')}?name=a.txt`, body: undefined },
    { url: `/plans/${p.planId}/recommendations/${encodeURIComponent(id)}/sign-off`, body: {} },
    { url: `/plans/${p.planId}/actions`, body: { ref: `r-${id}`, recommendationId: id, description: 'x' } },
    { url: `/plans/${p.planId}/actions`, body: { ref: `w-${id}`, workstreamId: id, description: 'x' } },
    { url: `/plans/${p.planId}/recommendations`, body: { ref: `w-${id}`, text: 'x', workstreamId: id } },
    { url: `/plans/${p.planId}/audit-outcomes`, body: { subject: { kind: 'action', actionId: id }, auditDate: '2026-01-05', auditor: 'QA', rating: 'good', findings: 'x' } },
    {
      url: `/plans/${p.planId}/audit-outcomes`,
      body: { subject: { kind: 'recommendation', recommendationId: id }, auditDate: '2026-01-05', auditor: 'QA', rating: 'good', findings: 'x' },
    },
    { url: `/plans/${p.planId}/corrections`, body: { eventId: id, kind: 'withdrawn', reason: 'x' } },
    { url: `/plans/${p.planId}/corrections`, body: { eventId: p.progressEventId, kind: 'amended', amendments: { [id]: 'x' }, reason: 'x' } },
    { url: `/access/grants/${encodeURIComponent(id)}/revocation`, body: { reason: 'x' } },
  ];
}

describe('object-prototype names as ids', () => {
  it('answers every write naming one, in its path or its body, with a 4xx and appends nothing', async () => {
    const wrong: unknown[] = [];
    for (const id of PROTOTYPE_NAMES) {
      for (const { url, body } of writesNaming(id, plan)) {
        const before = await lastPosition();
        const rawBody = body === undefined ? Buffer.from('evidence') : url.endsWith('/corrections') && id === '__proto__' ? rawProtoCorrection(body) : undefined;
        const res = await ledger.request('POST', url, rawBody ? { rawBody, headers: { 'Content-Type': body === undefined ? 'text/plain' : 'application/json' } } : { body });
        const after = await lastPosition();
        if (res.status < 400 || res.status >= 500 || after !== before) wrong.push({ id, url, status: res.status, appended: Number(after - before), body: res.body });
      }
    }
    expect(wrong).toEqual([]);
    // The plan still folds and takes writes: nothing poisoned it.
    expect((await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { body: { narrative: 'Still fine' } })).status).toBe(201);
  }, 120_000);

  it('answers every read naming one with a 4xx', async () => {
    for (const id of PROTOTYPE_NAMES) {
      const history = await ledger.request('GET', `/plans/${plan.planId}/actions/${encodeURIComponent(id)}/history`);
      expect([history.status, id]).toEqual([404, id]);
      const planRead = await ledger.request('GET', `/plans/${encodeURIComponent(id)}`);
      expect([planRead.status, id]).toEqual([404, id]);
    }
  });

  it('answers every route of the API, with one as any id in its path, its query or its body, with a 4xx or a read, never a 500, and appends nothing', async () => {
    const token = await ledger.tokenFor();
    const wrong: unknown[] = [];
    for (const id of PROTOTYPE_NAMES) {
      const enc = encodeURIComponent(id);
      for (const route of ROUTES) {
        for (const path of pathsNaming(route.path, id, plan)) {
          for (const url of [path, `${path}?${QUERY_KEYS.map((key) => `${key}=${enc}`).join('&')}`, `${path}?${enc}=1`]) {
            const before = await lastPosition();
            const headers: Record<string, string> = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
            const bodies =
              route.method === 'get'
                ? [undefined]
                : [
                    JSON.stringify({ [id]: 'x', reason: id, narrative: id, to: id, rating: id, kind: id, eventId: id, userId: id, role: id, planId: id }),
                    `{${JSON.stringify(id)}:{"a":1},"subject":{"kind":${JSON.stringify(id)},${JSON.stringify(id)}:1}}`,
                  ];
            for (const body of bodies) {
              const res = await fetch(`${ledger.url}${url}`, { method: route.method.toUpperCase(), headers, body });
              await res.arrayBuffer();
              const after = await lastPosition();
              if (res.status >= 500 || after !== before || (route.method !== 'get' && res.status < 400)) wrong.push({ route: route.path, url, status: res.status, appended: Number(after - before) });
            }
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  it('answers every web page and form post naming one, in its path, query or form fields, with a 4xx or a page, never a 500, and appends nothing', async () => {
    const session = await webSession();
    const wrong: unknown[] = [];
    for (const id of PROTOTYPE_NAMES) {
      const enc = encodeURIComponent(id);
      for (const route of WEB_ROUTES) {
        if (route.path === '/sign-out') continue; // would end the session the rest of the test uses
        for (const path of pathsNaming(route.path, id, plan)) {
          for (const url of [path, `${path}?${QUERY_KEYS.map((key) => `${key}=${enc}`).join('&')}`]) {
            const before = await lastPosition();
            const form = [`_csrf=${encodeURIComponent(session.csrf)}`, `${enc}=1`, ...['narrative', 'revision', 'userId', 'password', 'next', 'progressDate-day'].map((field) => `${field}=${enc}`), `${enc}[a]=1`, `narrative[${enc}]=2`].join('&');
            const res = route.method === 'get' ? await fetch(`${ledger.url}${url}`, { headers: { Cookie: session.cookie }, redirect: 'manual' }) : await webPost(session, url, form);
            await res.arrayBuffer();
            const after = await lastPosition();
            if (res.status >= 500 || after !== before || (route.method !== 'get' && res.status < 400)) wrong.push({ route: route.path, url, status: res.status, appended: Number(after - before) });
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  it('issues no token for a user never registered, such as "constructor"', async () => {
    const access = ledger.app.get(AccessControl);
    const before = await lastPosition();
    for (const id of PROTOTYPE_NAMES.filter((name) => /^[\w.@-]+$/.test(name))) {
      await expect(access.issueToken({ userId: id, role: 'admin', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, { id: 'test', displayName: 'Test' })).rejects.toMatchObject({
        details: [{ path: 'userId', problem: 'is not a known user' }],
      });
    }
    const lines: string[] = [];
    expect(await runCli(['tokens', 'issue', '--user', 'constructor', '--role', 'admin', '--db', ledger.config.store.kind === 'sqlite' ? ledger.config.store.path : ''], { out: (l) => lines.push(l), err: (l) => lines.push(l), progress: process.stderr })).toBe(1);
    expect(lines.join('\n')).toContain('There is no user constructor');
    expect(await lastPosition()).toBe(before);
  });
});

/** JSON.stringify of { __proto__: … } drops the key; a client can still send it. */
function rawProtoCorrection(body: unknown): Buffer {
  const { amendments: _amendments, ...rest } = body as Record<string, unknown>;
  return Buffer.from(JSON.stringify(rest).replace(/^\{/, '{"amendments":{"__proto__":"x"},'));
}

describe('corrections', () => {
  it.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])('refuses an amendment of "%s", naming the key, and appends nothing', async (key) => {
    const before = await lastPosition();
    const raw = `{"eventId":"${plan.progressEventId}","kind":"amended","reason":"x","amendments":{${JSON.stringify(key)}:"x"}}`;
    const res = await ledger.request('POST', `/plans/${plan.planId}/corrections`, { rawBody: raw, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ path: `body.amendments.${key}` }));
    expect(await lastPosition()).toBe(before);
  });

  it('refuses a field the corrected entry does not have', async () => {
    const res = await ledger.request('POST', `/plans/${plan.planId}/corrections`, { body: { eventId: plan.progressEventId, kind: 'amended', reason: 'x', amendments: { rating: 'red' } } });
    expect(res.status).toBe(422);
    expect(res.body.details).toContainEqual({ path: 'amendments.rating', problem: 'is not a field of ProgressUpdateRecorded' });
  });
});

describe('bodies the parser must not trust', () => {
  it.each([33, 1_000, 10_000])('refuses a body nested %i deep with a 400 naming where, and stores nothing', async (depth) => {
    const before = await lastPosition();
    const raw = `{"eventId":"${plan.progressEventId}","kind":"amended","reason":"x","amendments":{"narrative":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;
    const res = await ledger.request('POST', `/plans/${plan.planId}/corrections`, { rawBody: raw, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details[0].path).toMatch(/^body\.amendments\.narrative(\.a)+$/);
    expect(res.body.details[0].problem).toBe('nests more than 32 levels deep');
    expect(await lastPosition()).toBe(before);
  });

  it('accepts a body nested exactly as deep as the limit allows to be parsed', async () => {
    const raw = `{"narrative":"ok","x":${'['.repeat(30)}${']'.repeat(30)}}`;
    const res = await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { rawBody: raw, headers: { 'Content-Type': 'application/json' } });
    // Parsed, then refused by the schema for its unknown field: not by the depth limit.
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'body', problem: 'has unexpected field(s): x' }]);
  });

  it.each([
    ['a NUL character', '"Audit \\u0000 booked"'],
    ['an unpaired surrogate', '"Audit \\ud800 booked"'],
  ])('refuses %s in a text field, naming it', async (_what, narrative) => {
    const before = await lastPosition();
    const res = await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, {
      rawBody: `{"narrative":${narrative}}`,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('body.narrative');
    expect(await lastPosition()).toBe(before);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const before = await lastPosition();
    const raw = Buffer.concat([Buffer.from('{"narrative":"Audit '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const res = await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { rawBody: raw, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'body', problem: 'is not valid UTF-8' }]);
    expect(await lastPosition()).toBe(before);
  });
});

describe('web forms the parser must not trust', () => {
  const revision = async () => (await ledger.request('GET', `/plans/${plan.planId}`)).body.revision as number;

  it.each([
    ['a NUL character', 'Audit%00booked'],
    ['a lone surrogate, sent as its three bytes', 'Audit%ED%A0%80booked'],
    ['a four-byte character cut short', 'Audit%F0%9Fbooked'],
    ['bytes that are not UTF-8', 'Audit%C3%28booked'],
  ])('refuses %s in a progress note with a 400, and appends nothing', async (_what, narrative) => {
    const session = await webSession();
    const before = await lastPosition();
    const res = await webPost(session, `/web/plans/${plan.planId}/actions/${plan.actionId}/progress`, `_csrf=${encodeURIComponent(session.csrf)}&narrative=${narrative}&revision=${await revision()}`);
    expect(res.status).toBe(400);
    expect(await lastPosition()).toBe(before);
  });

  it('refuses a nested or repeated field in a form with a 4xx, and appends nothing', async () => {
    const session = await webSession();
    for (const field of [`narrative${'[a]'.repeat(5_000)}=x`, 'narrative[]=x&narrative[]=y', 'narrative[__proto__][x]=1']) {
      const before = await lastPosition();
      const res = await webPost(session, `/web/plans/${plan.planId}/actions/${plan.actionId}/progress`, `_csrf=${encodeURIComponent(session.csrf)}&${field}&revision=${await revision()}`);
      expect([field, res.status >= 400 && res.status < 500]).toEqual([field, true]);
      expect(await lastPosition()).toBe(before);
    }
  });

  it('still records a progress note written in any language, from the same form', async () => {
    const session = await webSession();
    const res = await webPost(session, `/web/plans/${plan.planId}/actions/${plan.actionId}/progress`, `_csrf=${encodeURIComponent(session.csrf)}&narrative=${encodeURIComponent('Réunion tenue 🎉 — 会议')}&revision=${await revision()}`);
    expect(res.status).toBe(303);
  });
});
