import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ACCESS_STREAM } from '#domain';
import type { EventStore } from '#event-store';
import { ROUTES } from '../apps/api/src/http/route-table.js';
import { EVENT_STORE } from '../apps/api/src/ledger.tokens.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';
import { createPlanFixture, type PlanFixture } from './support/plan-fixture.js';

let ledger: RunningLedger;
let plan: PlanFixture;
let token: string;

beforeAll(async () => {
  ledger = await startLedger();
  plan = await createPlanFixture(ledger);
  token = await ledger.tokenFor('Fuzz Admin', 'admin');
});

afterAll(async () => {
  await ledger.stop();
});

/** Every name a plain object answers for without owning it (`constructor`, `toString`, `__proto__`…). */
const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];

const JSON_WRITES = ROUTES.filter((r) => r.writes && r.method === 'post' && !r.rawBody && r.path.includes(':planId'));
/** Every JSON write endpoint, with the fixture's ids in its path. */
const WRITE_URLS = JSON_WRITES.map((r) => (p: PlanFixture) => r.path.replace(':planId', p.planId).replace(':actionId', p.actionId).replace(':recommendationId', p.recommendationId));
/** Every write endpoint with an id other than the plan's in its path, that id being a prototype name. */
const ID_ROUTES = ROUTES.filter((r) => r.writes && r.method === 'post' && /:(actionId|recommendationId|grantId)/.test(r.path));
const PROTOTYPE_ID_URLS = ID_ROUTES.flatMap((r) =>
  PROTOTYPE_NAMES.map((name) => (p: PlanFixture) => `${r.path.replace(':planId', p.planId).replace(/:(actionId|recommendationId|grantId)/, encodeURIComponent(name))}${r.rawBody ? '?name=a.txt' : ''}`),
);
/** A body each of those routes accepts with a real id, so that the id is the only thing wrong. */
const VALID_BODY: Record<string, unknown> = {
  'progress-updates': { narrative: 'x' },
  status: { to: 'blocked', reason: 'x' },
  reassignments: { to: ['New Lead'], reason: 'x' },
  'target-slips': { to: '31 December 2031', reason: 'x' },
  'rag-assessments': { rating: 'red', rationale: 'x' },
  completion: {},
  reopening: { reason: 'x' },
  'sign-off': {},
  revocation: { reason: 'x' },
};

const ID_FIELDS = ['actionId', 'recommendationId', 'workstreamId', 'eventId'];
const FIELD_NAMES = [...ID_FIELDS, ...PROTOTYPE_NAMES, 'narrative', 'asAt', 'to', 'reason', 'rating', 'rationale', 'eventId', 'kind', 'amendments', 'subject', 'ref', 'text', 'description', 'leads', 'target', 'number', 'title', 'actor', 'organisationId', 'planId'];
const HOSTILE_STRINGS = [
  "'; DROP TABLE events; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '\u0000\u0000',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\u200b\u200d\ufeff',
  '𝕊𝕒𝕗𝕖𝕘𝕦𝕒𝕣𝕕𝕚𝕟𝕘',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '%s%s%s%n',
  'a'.repeat(25_000),
];

const hostileString = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 30 }));
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 10 })), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Raw request bodies: structured junk, plus texts JSON.stringify cannot make (prototype keys, lone surrogates, deep nesting). */
const hostileBody = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELD_NAMES), hostileValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
  hostileString.map((s) => `{"__proto__": {"polluted": true}, "narrative": ${JSON.stringify(s)}}`),
  fc.constant('{"constructor": {"prototype": {"polluted": true}}, "reason": "x", "to": "blocked"}'),
  fc.constant('{"narrative": "\\ud800 lone surrogate", "asAt": "2026-01-01"}'),
  // A well-formed write whose only fault is an id that is a prototype name, in the body.
  fc.tuple(fc.constantFrom(...ID_FIELDS), fc.constantFrom(...PROTOTYPE_NAMES)).map(([field, id]) =>
    JSON.stringify({ [field]: id, ref: `p-${id}`, text: 'x', description: 'x', narrative: 'x', to: 'blocked', reason: 'x', rating: 'red', rationale: 'x', kind: 'withdrawn' }),
  ),
  fc.constantFrom(...PROTOTYPE_NAMES).map((id) => JSON.stringify({ subject: { kind: 'action', actionId: id }, auditDate: '2026-01-05', auditor: 'QA', rating: 'good', findings: 'x' })),
  fc.constantFrom(...PROTOTYPE_NAMES).map((id) => `{"eventId":"x","kind":"amended","reason":"x","amendments":{${JSON.stringify(id)}:"x"}}`),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 100, max: 5_000 }).map((depth) => `{"amendments": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}, "eventId": "x", "kind": "amended", "reason": "r"}`),
  fc.string({ maxLength: 40 }), // not JSON at all
  fc.constantFrom('', '{', '{"to": }', 'null', '[]', '"string"', '1e999', '{"asAt": "2026-02-30"}'),
);

describe('the write endpoints under hostile input', () => {
  it('answers 1,200 malformed or hostile bodies with a 4xx and a clear code, never a 500, and appends only what it accepted', async () => {
    const before = (await ledger.request('GET', `/plans/${plan.planId}/events?maxCount=10000`, { token })).body.events.length as number;
    const accessBefore = await accessEventCount();
    const bodies = fc.sample(hostileBody, { numRuns: 1_200, seed: 20261123 });
    const failures: unknown[] = [];
    let accepted = 0;
    for (let i = 0; i < bodies.length; i += 8) {
      await Promise.all(
        bodies.slice(i, i + 8).map(async (body, j) => {
          // One request in four names a prototype name as the id in its path.
          const k = i + j;
          const url = k % 4 === 3 ? PROTOTYPE_ID_URLS[Math.floor(k / 4) % PROTOTYPE_ID_URLS.length]!(plan) : WRITE_URLS[k % WRITE_URLS.length]!(plan);
          const res = await fetch(`${ledger.url}${url}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
          const text = await res.text();
          if (res.status === 201) {
            accepted += JSON.parse(text).events.length;
            return;
          }
          let problem: { code?: unknown; details?: unknown } = {};
          try {
            problem = JSON.parse(text);
          } catch {
            /* not JSON: a failure below */
          }
          if (res.status < 400 || res.status >= 500 || typeof problem.code !== 'string' || !Array.isArray(problem.details)) {
            failures.push({ url, status: res.status, body: body.slice(0, 200), answer: text.slice(0, 300) });
          }
        }),
      );
    }
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const after = (await ledger.request('GET', `/plans/${plan.planId}/events?maxCount=10000`, { token })).body.events.length as number;
    expect(after - before).toBe(accepted);
    expect((await ledger.request('GET', `/plans/${plan.planId}/integrity`, { token })).body.ok).toBe(true);
    // Nothing the fuzzer sent reached the access stream either (grant revocations with prototype ids).
    expect(await accessEventCount()).toBe(accessBefore);
    // And nothing it got stored stops the ledger: a restart folds every plan and the plan still takes writes.
    await ledger.restart();
    expect((await ledger.request('GET', `/plans/${plan.planId}`, { token })).status).toBe(200);
    expect((await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { token, body: { narrative: 'After the fuzz' } })).status).toBe(201);
  }, 180_000);
});

async function accessEventCount(): Promise<number> {
  return (await ledger.app.get<EventStore>(EVENT_STORE).readStream(ACCESS_STREAM)).length;
}

describe('ids that are prototype names, on every write route with an id', () => {
  it('answers each with a 4xx and appends nothing', async () => {
    const store = ledger.app.get<EventStore>(EVENT_STORE);
    const last = async () => (await store.readAll({ fromPosition: undefined, maxCount: 100_000 })).length;
    const wrong: unknown[] = [];
    for (const url of PROTOTYPE_ID_URLS.map((u) => u(plan))) {
      const before = await last();
      const suffix = url.split('?')[0]!.split('/').pop()!;
      const body = suffix === 'evidence' ? 'file contents' : JSON.stringify(VALID_BODY[suffix]);
      expect([suffix, body]).not.toEqual([suffix, undefined]);
      const res = await fetch(`${ledger.url}${url}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
      await res.text();
      if (res.status < 400 || res.status >= 500 || (await last()) !== before) wrong.push({ url, status: res.status });
      // The refusal is for the id, not the body: 404, the thing does not exist.
      else if (res.status !== 404) wrong.push({ url, status: res.status, why: 'expected 404 for an id that names nothing' });
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
