import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ROUTES } from '../apps/api/src/http/route-table.js';
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

/** Every JSON write endpoint, with the fixture's ids in its path. */
const WRITE_URLS = ROUTES.filter((r) => r.writes && r.method === 'post' && !r.rawBody && r.path.includes(':planId')).map((r) => (p: PlanFixture) =>
  r.path.replace(':planId', p.planId).replace(':actionId', p.actionId).replace(':recommendationId', p.recommendationId),
);

const FIELD_NAMES = ['narrative', 'asAt', 'to', 'reason', 'rating', 'rationale', 'eventId', 'kind', 'amendments', 'subject', 'ref', 'text', 'description', 'leads', 'target', 'number', 'title', 'actor', 'organisationId', 'planId'];
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

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 30 }));
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
  fc.integer({ min: 100, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 100, max: 5_000 }).map((depth) => `{"amendments": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}, "eventId": "x", "kind": "amended", "reason": "r"}`),
  fc.string({ maxLength: 40 }), // not JSON at all
  fc.constantFrom('', '{', '{"to": }', 'null', '[]', '"string"', '1e999', '{"asAt": "2026-02-30"}'),
);

describe('the write endpoints under hostile input', () => {
  it('answers 1,200 malformed or hostile bodies with a 4xx and a clear code, never a 500, and appends only what it accepted', async () => {
    const before = (await ledger.request('GET', `/plans/${plan.planId}/events?maxCount=10000`, { token })).body.events.length as number;
    const bodies = fc.sample(hostileBody, { numRuns: 1_200, seed: 20261123 });
    const failures: unknown[] = [];
    let accepted = 0;
    for (let i = 0; i < bodies.length; i += 8) {
      await Promise.all(
        bodies.slice(i, i + 8).map(async (body, j) => {
          const url = WRITE_URLS[(i + j) % WRITE_URLS.length]!(plan);
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
  }, 120_000);
});
