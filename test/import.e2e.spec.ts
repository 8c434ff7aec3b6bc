import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const OFSTED_FILE = 'central-bedfordshire-ofsted-action-plan-2012-13.txt';
const OFSTED = readFileSync(path.join(FIXTURES, OFSTED_FILE));
const NEW_PLAN = { organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted inspection of safeguarding and looked after children services (2012)' };

let ledger: RunningLedger;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => {
  await ledger.stop();
});

interface Upload {
  file?: { name: string; bytes: Uint8Array | string };
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  /** The ledger to send it to (default: the one started for this file). */
  to?: RunningLedger;
  /** Who sends it (default: Rachel Deakin, an admin of the plans' council). */
  token?: string;
}

/** POST /plans/import as a browser's form would send it, signed in as Rachel Deakin (an admin). */
async function upload({ file, fields = {}, headers = {}, to = ledger, token }: Upload): Promise<{ status: number; body: any; headers: Headers }> {
  const form = new FormData();
  if (file) form.set('file', new Blob([file.bytes]), file.name);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const bearer = token ?? (await to.tokenFor('Rachel Deakin'));
  const res = await fetch(`${to.url}/plans/import`, { method: 'POST', headers: { Authorization: `Bearer ${bearer}`, ...headers }, body: form });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const planCount = async () => (await ledger.request('GET', '/plans')).body.length as number;
const eventCount = async (planId: string) => (await ledger.request('GET', `/plans/${planId}/events`)).body.events.length as number;

describe('importing a plan over HTTP', () => {
  let planId: string;

  it('imports the Ofsted plan as a new plan, answering 201 with what it holds and the problems a reader should check', async () => {
    const res = await upload({ file: { name: OFSTED_FILE, bytes: OFSTED }, fields: NEW_PLAN });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      dryRun: false,
      fileName: OFSTED_FILE,
      title: 'Central Bedfordshire Council Safeguarding and Looked After Children Post Inspection Action Plan',
      counts: { workstreams: 9, phases: 2, recommendations: 70, actions: 104, progressNotes: 0 },
      changes: { events: 1 + 9 + 70 + 104, byType: { PlanCreated: 1, WorkstreamAdded: 9, RecommendationAdded: 70, ActionAdded: 104 } },
      revision: 183,
    });
    expect(res.body.problems.filter((p: { code: string }) => p.code === 'TARGET_BEFORE_START').map((p: { rows: number[] }) => p.rows)).toEqual([[229], [232], [267]]);
    expect(res.body).not.toHaveProperty('position');
    planId = res.body.planId;
    expect(res.headers.get('location')).toBe(`/plans/${planId}`);
    expect(res.headers.get('etag')).toBe('"183"');

    // The answer came once the read models had the import: the plan reads back at once, whole.
    const plan = await ledger.request('GET', `/plans/${planId}`);
    expect(plan.status).toBe(200);
    expect(plan.headers.get('etag')).toMatch(/^"183\./);
    expect(Object.keys(plan.body.workstreams)).toHaveLength(9);

    // Every event names the signed-in person, and carries the upload's provenance and the request's correlation id.
    const events = (await ledger.request('GET', `/plans/${planId}/events?maxCount=500`)).body.events;
    expect(new Set(events.map((e: any) => e.metadata.actor.displayName))).toEqual(new Set(['Rachel Deakin']));
    expect(new Set(events.map((e: any) => e.metadata.correlationId))).toEqual(new Set([res.body.correlationId]));
    expect(events.every((e: any) => e.metadata.provenance.fileName === OFSTED_FILE)).toBe(true);
  });

  it('appends nothing when the same file is uploaded again into the plan', async () => {
    const before = await eventCount(planId);
    const res = await upload({ file: { name: OFSTED_FILE, bytes: OFSTED }, fields: { planId } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ planId, changes: { events: 0, byType: {} }, revision: before - 1 });
    expect(await eventCount(planId)).toBe(before);
  });

  it('refuses to make a second plan from a file a plan already holds, naming that plan, unless asked (newPlan=true)', async () => {
    const plans = await planCount();
    for (const fields of [NEW_PLAN, { ...NEW_PLAN, dryRun: 'true' }]) {
      const res = await upload({ file: { name: 'a-copy-under-another-name.txt', bytes: OFSTED }, fields });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        code: 'FILE_ALREADY_IMPORTED',
        plan: { planId, title: 'Central Bedfordshire Council Safeguarding and Looked After Children Post Inspection Action Plan' },
        details: [{ path: 'body.file', problem: expect.stringContaining('newPlan=true') }],
      });
      expect(res.body.message).toContain(planId);
    }
    expect(await planCount()).toBe(plans);
    const misplaced = await upload({ file: { name: OFSTED_FILE, bytes: OFSTED }, fields: { planId, newPlan: 'true' } });
    expect(misplaced.status).toBe(400);
    expect(misplaced.body.details).toEqual([expect.objectContaining({ path: 'body.newPlan' })]);
  });

  it('previews an upload without appending anything', async () => {
    const plans = await planCount();
    const preview = await upload({ file: { name: OFSTED_FILE, bytes: OFSTED }, fields: { ...NEW_PLAN, dryRun: 'true', newPlan: 'true' } });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ dryRun: true, counts: { workstreams: 9, actions: 104 }, changes: { events: 184 } });
    expect(preview.body.revision).toBeUndefined();
    expect(preview.headers.get('location')).toBeNull();
    expect(await planCount()).toBe(plans);

    const changed = Buffer.from(OFSTED.toString('utf8').replace('\tMay 2012\t30 September 2012', '\tMay 2012\t31 October 2012'));
    const into = await upload({ file: { name: 'ofsted-revised.txt', bytes: changed }, fields: { planId, dryRun: 'true' } });
    expect(into.body.changes).toEqual({ events: 1, byType: { TargetDateSlipped: 1 } });
    expect(await eventCount(planId)).toBe(184);
  });

  it('takes the actor from the sign-in, never from the form', async () => {
    const res = await upload({ file: { name: OFSTED_FILE, bytes: OFSTED }, fields: { planId, actor: 'Someone Else' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body', problem: 'has unexpected field(s): actor' }] });
  });

  it("treats another council's plan as one that does not exist, and lets only those who shape plans import", async () => {
    const file = { name: OFSTED_FILE, bytes: OFSTED };
    const outsider = await ledger.tokenFor('Other Admin', 'admin', 'bedford-borough-council');
    expect(await upload({ file, fields: { planId }, token: outsider })).toMatchObject({ status: 404, body: { code: 'PLAN_NOT_FOUND' } });
    const editor = await ledger.tokenFor('Sue Ioannou', 'editor');
    expect(await upload({ file, fields: { planId }, token: editor })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await upload({ file, fields: NEW_PLAN, token: editor })).toMatchObject({ status: 403 });
    expect(await eventCount(planId)).toBe(184);
  });

  it('refuses a bad file with a clear message, saying which rows, and appends nothing', async () => {
    const plans = await planCount();
    const windows1252 = Buffer.from([...'Rec No,Action\n4,Caf\u00e9 sessions\n'].map((ch) => ch.charCodeAt(0)));
    const cases: [Upload['file'], number, string, RegExp][] = [
      [{ name: 'empty.txt', bytes: '' }, 422, 'EMPTY_FILE', /empty\.txt is empty/],
      [{ name: 'plan.csv', bytes: windows1252 }, 415, 'NOT_TEXT', /not UTF-8 text.*Windows-1252.*"CSV UTF-8 \(Comma delimited\)"/],
      [{ name: 'no-header.txt', bytes: '4\tThe Government should introduce new statutory targets\tPerformance team\n' }, 422, 'NO_HEADER_ROW', /^no-header\.txt has no header row/],
      [{ name: 'plan.xlsx', bytes: 'Rec No,Action\n' }, 422, 'UNREADABLE_SPREADSHEET', /is named as an Excel workbook but is not one/],
      [{ name: 'scan.pdf', bytes: '%PDF-1.7\n' }, 415, 'UNSUPPORTED_FORMAT', /is a PDF/],
    ];
    for (const [file, status, code, message] of cases) {
      const res = await upload({ file, fields: NEW_PLAN });
      expect({ file: file!.name, status: res.status, code: res.body.code }).toEqual({ file: file!.name, status, code });
      expect(res.body.message).toMatch(message);
      expect(res.body.details.length).toBeGreaterThan(0);
    }
    const noHeader = await upload({ file: cases[2]![0], fields: NEW_PLAN });
    expect(noHeader.body.details).toEqual([{ path: 'body.file.rows.1', problem: 'has no header row naming its columns' }]);
    const intoPlan = await upload({ file: { name: 'empty.txt', bytes: '' }, fields: { planId } });
    expect(intoPlan.status).toBe(422);
    expect(await planCount()).toBe(plans);
    expect(await eventCount(planId)).toBe(184);
  });

  it('answers a form that is wrong with what to fix', async () => {
    const file = { name: OFSTED_FILE, bytes: OFSTED };
    const missing = await upload({ file, fields: { organisation: 'Central Bedfordshire Council' } });
    expect(missing).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', details: [{ path: 'body.respondsTo', problem: expect.stringContaining('is required for a new plan') }] } });
    const both = await upload({ file, fields: { planId, ...NEW_PLAN } });
    expect(both.status).toBe(400);
    expect(both.body.details.map((d: { path: string }) => d.path)).toEqual(['body.organisation', 'body.respondsTo']);
    const noFile = await upload({ fields: NEW_PLAN });
    expect(noFile).toMatchObject({ status: 400, body: { details: [{ path: 'body.file', problem: 'is required' }] } });
    const badMapping = await upload({ file, fields: { ...NEW_PLAN, mapping: '{"Who": ' } });
    expect(badMapping).toMatchObject({ status: 400, body: { code: 'INVALID_MAPPING', details: [{ path: 'body.mapping' }] } });
    const unknownPlan = await upload({ file, fields: { planId: '0190f3a4-0000-7000-8000-000000000000' } });
    expect(unknownPlan).toMatchObject({ status: 404, body: { code: 'PLAN_NOT_FOUND' } });
    const stale = await upload({ file, fields: { planId }, headers: { 'If-Match': '"3"' } });
    expect(stale).toMatchObject({ status: 412, body: { code: 'PLAN_CHANGED' } });
    const json = await ledger.request('POST', '/plans/import', { body: { ...NEW_PLAN, file: 'Rec No\tAction' } });
    expect(json).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('refuses a 50 MB upload at once with 413, and a file over a configured limit as it arrives', async () => {
    const started = Date.now();
    const huge = await upload({ file: { name: 'everything.txt', bytes: new Uint8Array(50 * 1024 * 1024).fill(0x41) }, fields: NEW_PLAN });
    expect(huge).toMatchObject({ status: 413, body: { code: 'FILE_TOO_LARGE', message: expect.stringMatching(/^The upload is 50 MB; the ledger imports files of up to 20 MB \(LEDGER_IMPORT_MAX_BYTES\)/) } });
    expect(Date.now() - started).toBeLessThan(5_000);

    const small = await startLedger({ LEDGER_IMPORT_MAX_BYTES: '10240' });
    try {
      const res = await upload({ to: small, file: { name: OFSTED_FILE, bytes: OFSTED }, fields: NEW_PLAN });
      expect(res).toMatchObject({ status: 413, body: { code: 'FILE_TOO_LARGE', message: expect.stringContaining('larger than 10 KB'), details: [{ path: 'body.file' }] } });
      expect((await small.request('GET', '/plans')).body).toEqual([]);
    } finally {
      await small.stop();
    }
  });
});

describe('previewing an import over HTTP', () => {
  const SCRUTINY = readFileSync(path.resolve(process.cwd(), 'libs/importer/src/testing/corpus/pdf-scrutiny.txt'));

  it('answers a dry run with the layout detected and the preview rows, appending nothing', async () => {
    const before = await planCount();
    const res = await upload({ file: { name: 'appendix.txt', bytes: SCRUTINY }, fields: { ...NEW_PLAN, dryRun: 'true' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, layout: 'pdf-extracted', tables: 2, asAt: { date: '2009-10-01' }, counts: { recommendations: 7, actions: 6 } });
    expect(res.body.preview.map((row: { kind: string }) => row.kind).slice(0, 3)).toEqual(['plan', 'workstream', 'recommendation']);
    expect(res.body.preview.find((row: { kind: string; ref: string }) => row.kind === 'action' && row.ref === '3.1')).toMatchObject({ target_revised: 'May 2010', status: 'completed (inferred)', source_lines: '17, 18, 19' });
    expect(await planCount()).toBe(before);
  });

  it('applies the proposed completions only when asked, and refuses a layout it does not know with the field named', async () => {
    const res = await upload({ file: { name: 'appendix.txt', bytes: SCRUTINY }, fields: { ...NEW_PLAN, inferStatus: 'true', layout: 'pdf-extracted', newPlan: 'true' } });
    expect(res.status).toBe(201);
    expect(res.body.changes.byType).toMatchObject({ ActionCompleted: 2, TargetDateSlipped: 1 });
    const bad = await upload({ file: { name: 'appendix.txt', bytes: SCRUTINY }, fields: { ...NEW_PLAN, layout: 'pdf' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.layout' })]));
  });
});
