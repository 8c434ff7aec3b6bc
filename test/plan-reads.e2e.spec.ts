import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startLedger, type RunningLedger } from './support/ledger-app.js';
import { createPlanFixture, type PlanFixture } from './support/plan-fixture.js';

/**
 * The plan reads' caches, conditional GET and compression (issue #21: "the response should cost what it
 * shows"), against the real app on a temp SQLite file. Correctness only: how fast they are is the bench's.
 */
let ledger: RunningLedger;
let plan: PlanFixture;

beforeAll(async () => {
  ledger = await startLedger();
  plan = await createPlanFixture(ledger);
});

afterAll(async () => {
  await ledger.stop();
});

/** A GET with exactly these headers (fetch would add and decode Accept-Encoding), giving the bytes as sent. */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${ledger.url}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const withoutInstants = (body: { rag: { asAt: string } }) => ({ ...body, rag: { ...body.rag, asAt: undefined } });

describe('ETag and If-None-Match on the present state', () => {
  it('answers 304 only while the revision is unchanged: after an append the old ETag gets 200 and the new state', async () => {
    const first = await ledger.request('GET', `/plans/${plan.planId}`, { actor: 'Reader Admin' });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(new RegExp(`^"${first.body.revision}\\.`));
    const again = await ledger.request('GET', `/plans/${plan.planId}`, { actor: 'Reader Admin', headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(again.headers.get('etag')).toBe(etag);

    const write = await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { body: { narrative: 'Second audit booked' } });
    expect(write.status).toBe(201);
    const after = await ledger.request('GET', `/plans/${plan.planId}`, { actor: 'Reader Admin', headers: { 'If-None-Match': etag } });
    expect(after.status).toBe(200);
    expect(after.body.revision).toBe(write.body.revision);
    expect(after.body.actions[0].latestProgress.narrative).toBe('Second audit booked');
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(after.headers.get('etag')).toMatch(new RegExp(`^"${write.body.revision}\\.`));
    // The new ETag still works as If-Match: the revision before the dot is what a write is checked against.
    const onTop = await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { body: { narrative: 'On top of what I read' }, headers: { 'If-Match': after.headers.get('etag')! } });
    expect(onTop.status).toBe(201);
    const stale = await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { body: { narrative: 'Stale' }, headers: { 'If-Match': after.headers.get('etag')! } });
    expect(stale.status).toBe(412);
  });

  it('gives another ETag to another role and another view, so one viewer never revalidates what another was sent', async () => {
    const admin = await ledger.request('GET', `/plans/${plan.planId}`, { actor: 'Reader Admin' });
    const inspector = await ledger.request('GET', `/plans/${plan.planId}`, { actor: 'Reader Inspector', role: 'inspector', headers: { 'If-None-Match': admin.headers.get('etag')! } });
    expect(inspector.status).toBe(200);
    expect(inspector.headers.get('etag')).not.toBe(admin.headers.get('etag'));
    const full = await ledger.request('GET', `/plans/${plan.planId}?view=full`, { actor: 'Reader Admin', headers: { 'If-None-Match': admin.headers.get('etag')! } });
    expect(full.status).toBe(200);
    expect(full.body.actions[0].progress.length).toBeGreaterThan(1);
    expect(full.headers.get('etag')).not.toBe(admin.headers.get('etag'));
    expect(full.headers.get('vary')).toMatch(/Authorization/);
  });

  it("still writes an inspector's read to the access log when it is answered 304, or from the cache", async () => {
    const count = async () => (await ledger.request('GET', '/access-log', { actor: 'Reader Admin' })).body.entries.length as number;
    const before = await count();
    const first = await ledger.request('GET', `/plans/${plan.planId}`, { actor: 'Log Inspector', role: 'inspector' });
    const revalidated = await ledger.request('GET', `/plans/${plan.planId}`, { actor: 'Log Inspector', role: 'inspector', headers: { 'If-None-Match': first.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
    const asAt = `/plans/${plan.planId}?asAt=${encodeURIComponent(new Date().toISOString())}`;
    await ledger.request('GET', asAt, { actor: 'Log Inspector', role: 'inspector' });
    await ledger.request('GET', asAt, { actor: 'Log Inspector', role: 'inspector' });
    expect(await count()).toBe(before + 4);
  });

  it('gives no ETag to the past: you cannot write on top of it', async () => {
    const res = await ledger.request('GET', `/plans/${plan.planId}?asAt=${encodeURIComponent(new Date().toISOString())}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeNull();
  });
});

describe('the compact and full views, and the caches behind them', () => {
  it('carries each action’s latest note, how many there are and the link to them all; the full view carries every note', async () => {
    const compact = await ledger.request('GET', `/plans/${plan.planId}`);
    const full = await ledger.request('GET', `/plans/${plan.planId}?view=full`);
    const [c] = compact.body.actions;
    const [f] = full.body.actions;
    expect(c).not.toHaveProperty('progress');
    expect(c.progressCount).toBe(f.progress.length);
    expect(c.latestProgress).toEqual(f.progress.reduce((a: { asAt: string }, b: { asAt: string }) => (b.asAt >= a.asAt ? b : a)));
    expect(c).not.toHaveProperty('ragAssessments');
    expect(c.ragAssessmentCount).toBe(f.ragAssessments.length);
    expect(c.latestRagAssessment).toEqual(f.ragAssessments.at(-1) ?? null);
    const { progress: _p, ragAssessments: _r, ...fullRest } = f;
    const { latestProgress: _l, progressCount: _c, latestRagAssessment: _lr, ragAssessmentCount: _rc, history, ...compactRest } = c;
    expect(compactRest).toEqual(fullRest);
    const timeline = await ledger.request('GET', history);
    expect(timeline.status).toBe(200);
    expect(JSON.stringify(timeline.body)).toContain('Audit booked');
    expect(withoutInstants({ ...compact.body, actions: [] })).toEqual(withoutInstants({ ...full.body, actions: [] }));
  });

  it('gives from its caches exactly what a fresh replay gives, as at the same instants asked again and again', async () => {
    // Every instant the plan changed at (each a different prefix of its events), in both times, and the far future.
    const events = (await ledger.request('GET', `/plans/${plan.planId}/events`)).body.events as { recordedAt: string }[];
    const questions = [...events.map((e) => e.recordedAt), '2100-01-01T00:00:00.000Z'].flatMap((at) => ['recorded', 'effective'].map((time) => `/plans/${plan.planId}?asAt=${encodeURIComponent(at)}&time=${time}&view=full`));
    const asked = async (path: string) => (await ledger.request('GET', path)).body;
    const cached: unknown[] = [];
    for (const path of questions) await asked(path);
    for (const path of questions) cached.push(await asked(path));
    await ledger.restart();
    // A fresh process: nothing cached, every answer replayed from the events.
    for (const [i, path] of questions.entries()) expect({ path, body: await asked(path) }).toEqual({ path, body: cached[i] });
  });
});

describe('compression', () => {
  it.each([
    ['gzip', gunzipSync],
    ['br', brotliDecompressSync],
  ] as const)('sends the plan %s-encoded when asked, with Vary, and it decodes to the same JSON', async (encoding, decode) => {
    const token = await ledger.tokenFor('Reader Admin', 'admin');
    const path = `/plans/${plan.planId}?view=full`;
    const plain = await rawGet(path, { authorization: `Bearer ${token}` });
    const coded = await rawGet(path, { authorization: `Bearer ${token}`, 'accept-encoding': encoding });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(coded.headers['content-encoding']).toBe(encoding);
    expect(coded.headers.vary).toMatch(/Accept-Encoding/);
    expect(Number(coded.headers['content-length'])).toBe(coded.body.length);
    expect(coded.body.length).toBeLessThan(plain.body.length);
    expect(withoutInstants(JSON.parse(decode(coded.body).toString('utf8')))).toEqual(withoutInstants(JSON.parse(plain.body.toString('utf8'))));
    // Each encoding is its own representation: its ETag says so, and revalidates.
    expect(coded.headers.etag).toBe(`${plain.headers.etag!.slice(0, -1)}-${encoding}"`);
    expect((await rawGet(path, { authorization: `Bearer ${token}`, 'accept-encoding': encoding, 'if-none-match': coded.headers.etag! })).status).toBe(304);
  });

  it('sends the plan read gzip-encoded from its kept parts to a client taking gzip and br alike, now and in the past, and the same again', async () => {
    const token = await ledger.tokenFor('Reader Admin', 'admin');
    const authorization = `Bearer ${token}`;
    for (const path of [`/plans/${plan.planId}`, `/plans/${plan.planId}?asAt=${encodeURIComponent(new Date().toISOString())}&time=recorded`, `/plans/${plan.planId}?view=full`]) {
      const plain = await rawGet(path, { authorization });
      // The joined parts are one JSON value as JSON.stringify writes it: no comma lost or doubled between them.
      expect(plain.body.toString('utf8')).toBe(JSON.stringify(JSON.parse(plain.body.toString('utf8'))));
      for (let i = 0; i < 2; i++) {
        const coded = await rawGet(path, { authorization, 'accept-encoding': 'gzip, deflate, br' });
        expect(coded.status).toBe(200);
        expect(coded.headers['content-encoding']).toBe('gzip');
        expect(Number(coded.headers['content-length'])).toBe(coded.body.length);
        expect(withoutInstants(JSON.parse(gunzipSync(coded.body).toString('utf8')))).toEqual(withoutInstants(JSON.parse(plain.body.toString('utf8'))));
      }
    }
  });

  it('sends an as-at read as the same bytes plain, gzip- and br-encoded, in both times, and again from its caches', async () => {
    // The plain body goes as one part per action; the compressed ones from the view joined once per state.
    const token = await ledger.tokenFor('Reader Admin', 'admin');
    const authorization = `Bearer ${token}`;
    const events = (await ledger.request('GET', `/plans/${plan.planId}/events`)).body.events as { recordedAt: string }[];
    const instants = [events[Math.floor(events.length / 2)]!.recordedAt, events.at(-1)!.recordedAt, '2100-01-01T00:00:00.000Z'];
    for (const asAt of instants) {
      for (const time of ['recorded', 'effective']) {
        const path = `/plans/${plan.planId}?asAt=${encodeURIComponent(asAt)}&time=${time}`;
        const plain = await rawGet(path, { authorization });
        expect(plain.status).toBe(200);
        expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
        expect(plain.body.toString('utf8')).toBe(JSON.stringify(JSON.parse(plain.body.toString('utf8'))));
        for (const [encoding, decode] of [['gzip', gunzipSync], ['br', brotliDecompressSync]] as const) {
          const coded = await rawGet(path, { authorization, 'accept-encoding': encoding });
          expect(coded.headers['content-encoding']).toBe(encoding);
          expect(decode(coded.body).equals(plain.body)).toBe(true);
        }
        expect((await rawGet(path, { authorization })).body.equals(plain.body)).toBe(true);
      }
    }
  });

  it('leaves small bodies and refused codings alone', async () => {
    const token = await ledger.tokenFor('Reader Admin', 'admin');
    const health = await rawGet('/health', { 'accept-encoding': 'gzip' });
    expect(health.headers['content-encoding']).toBeUndefined();
    const refused = await rawGet(`/plans/${plan.planId}`, { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip;q=0, br;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString('utf8')).id).toBe(plan.planId);
  });
});

describe('hostile query values and headers', () => {
  it.each(['view=bogus', 'view=', 'view[]=full', 'view=full&view=compact', 'constructor=1', '__proto__[view]=full', 'asAt=constructor', 'asAt=2026-01-01T00:00:00Z&view=toString'])('refuses ?%s with 400 and the field', async (query) => {
    const res = await ledger.request('GET', `/plans/${plan.planId}?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.length).toBeGreaterThan(0);
  });

  it('reads an If-None-Match or Accept-Encoding it cannot make sense of as none', async () => {
    for (const headers of [{ 'If-None-Match': '"'.repeat(5000) } as Record<string, string>, { 'If-None-Match': 'W/"x", , ,"' }, { 'Accept-Encoding': 'gzip;q=abc, br;q=-1' }, { 'Accept-Encoding': ','.repeat(600) }]) {
      const res = await ledger.request('GET', `/plans/${plan.planId}`, { headers });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(plan.planId);
    }
  });
});
