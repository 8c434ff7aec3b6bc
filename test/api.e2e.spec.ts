import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

let ledger: RunningLedger;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => {
  await ledger.stop();
});

async function newPlan(title = 'Laming Recommendations 2009 – Response and Action Plan') {
  const res = await ledger.request('POST', '/plans', {
    body: { title, organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009', period: 'June 2009 – March 2010', owner: 'Edwina Grant' },
  });
  expect(res.status).toBe(201);
  return res.body.planId as string;
}

async function newAction(planId: string, overrides: Record<string, unknown> = {}) {
  const rec = await ledger.request('POST', `/plans/${planId}/recommendations`, { body: { ref: '6', text: 'Review all points of referral.', source: 'Lord Laming 2009' } });
  expect(rec.status).toBe(201);
  const recommendationId = rec.body.events[0].data.recommendationId as string;
  const action = await ledger.request('POST', `/plans/${planId}/actions`, {
    body: {
      ref: '6.1',
      recommendationId,
      description: 'Audit manager to undertake regular specific audits of referrals',
      leads: ['Rachel Deakin', 'Sue Ioannou'],
      priority: 'High Priority',
      startDate: 'May 2009',
      target: 'First audit by June 2009. Thereafter 6 monthly or as required',
      ...overrides,
    },
  });
  expect(action.status).toBe(201);
  return { recommendationId, actionId: action.body.events[0].data.actionId as string, response: action };
}

describe('the ledger over HTTP: recording what happens to a plan', () => {
  it('records a whole plan life cycle as events and shows the current state', async () => {
    const planId = await newPlan();
    const ws = await ledger.request('POST', `/plans/${planId}/workstreams`, { body: { number: '1', title: 'Safeguarding six month actions', phase: 'Phase 1', strategicLead: 'Interim Assistant Director' } });
    expect(ws.status).toBe(201);
    const { actionId, recommendationId } = await newAction(planId);
    const steps: [string, unknown][] = [
      [`/plans/${planId}/actions/${actionId}/progress-updates`, { narrative: '1st audit of Intake and Assessment completed and reported on June 2009.', asAt: '2009-10-01' }],
      [`/plans/${planId}/actions/${actionId}/status`, { to: 'in_progress', reason: 'First audit under way' }],
      [`/plans/${planId}/actions/${actionId}/reassignments`, { to: ['Catherine Parry'], reason: 'Rachel moved to QA' }],
      [`/plans/${planId}/actions/${actionId}/target-slips`, { to: '31 December 2009', reason: 'Awaiting peer audit' }],
      [`/plans/${planId}/actions/${actionId}/rag-assessments`, { rating: 'amber', rationale: 'Slipped once' }],
      [`/plans/${planId}/audit-outcomes`, { subject: { kind: 'action', actionId }, auditDate: '2009-11-20', auditor: 'Sue Ioannou', rating: 'good', findings: 'Referrals screened within 24 hours', followUpDue: '2010-05-20' }],
      [`/plans/${planId}/actions/${actionId}/completion`, { completedOn: '2009-12-15', reason: 'Second audit reported' }],
      [`/plans/${planId}/recommendations/${recommendationId}/sign-off`, { reason: 'All actions complete' }],
    ];
    for (const [url, body] of steps) {
      const res = await ledger.request('POST', url, { body });
      expect({ url, status: res.status, body: res.body }).toMatchObject({ status: 201 });
    }
    const plan = await ledger.request('GET', `/plans/${planId}?view=full`);
    expect(plan.status).toBe(200);
    // The revision to write on top of, then what else the representation depends on.
    expect(plan.headers.get('etag')).toMatch(new RegExp(`^"${plan.body.revision}\\.`));
    const action = plan.body.actions[0];
    expect(action).toMatchObject({
      status: 'completed',
      completedOn: '2009-12-15',
      leads: ['Catherine Parry'],
      target: { text: '31 December 2009', due: '2009-12-31' },
      originalTarget: { text: 'First audit by June 2009. Thereafter 6 monthly or as required' },
    });
    expect(action.progress[0]).toMatchObject({ asAt: '2009-10-01', actor: 'Rachel Deakin', effectiveAt: '2009-10-01T00:00:00.000Z' });
    expect(action.ragAssessments[0]).toMatchObject({ rating: 'amber' });
    expect(action.audits[0]).toMatchObject({ rating: 'good', auditor: 'Sue Ioannou' });
    expect(plan.body.recommendations[0].signedOff).toMatchObject({ by: 'Rachel Deakin' });
    expect(plan.body.workstreams[0]).toMatchObject({ number: '1', phase: 'Phase 1' });

    const events = await ledger.request('GET', `/plans/${planId}/events`);
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual([
      'PlanCreated', 'WorkstreamAdded', 'RecommendationAdded', 'ActionAdded', 'ProgressUpdateRecorded', 'ActionStatusChanged',
      'ActionReassigned', 'TargetDateSlipped', 'RagAssessed', 'AuditOutcomeRecorded', 'ActionCompleted', 'RecommendationSignedOff',
    ]);
    const slip = events.body.events.find((e: { type: string }) => e.type === 'TargetDateSlipped');
    expect(slip.metadata).toMatchObject({ actor: { displayName: 'Rachel Deakin' }, reason: 'Awaiting peer audit', schemaVersion: 1 });
    expect(events.body.events.map((e: { revision: number }) => e.revision)).toEqual([...Array(12).keys()]);

    const integrity = await ledger.request('GET', `/plans/${planId}/integrity`);
    expect(integrity.body).toMatchObject({ ok: true, length: 12 });
  });

  it('rejects a target slip on a completed action until it is reopened', async () => {
    const planId = await newPlan();
    const { actionId } = await newAction(planId);
    expect((await ledger.request('POST', `/plans/${planId}/actions/${actionId}/completion`, { body: {} })).status).toBe(201);
    const slip = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/target-slips`, { body: { to: 'Dec 2009', reason: 'x' } });
    expect(slip.status).toBe(409);
    expect(slip.body).toMatchObject({ code: 'ACTION_COMPLETED', message: expect.stringContaining('reopen it first') });
    expect((await ledger.request('POST', `/plans/${planId}/actions/${actionId}/reopening`, { body: { reason: 'Audit found gaps' } })).status).toBe(201);
    expect((await ledger.request('POST', `/plans/${planId}/actions/${actionId}/target-slips`, { body: { to: 'Dec 2009', reason: 'Gaps' } })).status).toBe(201);
  });

  it('flags a target before the start date as a warning but accepts it', async () => {
    const planId = await newPlan();
    const { response } = await newAction(planId, { startDate: 'July 2012', target: '30 June 2012' });
    expect(response.body.warnings).toEqual([expect.objectContaining({ code: 'TARGET_BEFORE_START' })]);
    const plan = await ledger.request('GET', `/plans/${planId}`);
    expect(plan.body.warnings).toEqual([expect.objectContaining({ code: 'TARGET_BEFORE_START', ref: '6.1' })]);
  });

  it('corrects a mistaken entry with a new event and keeps the original', async () => {
    const planId = await newPlan();
    const { actionId } = await newAction(planId);
    const progress = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'Audit done Jnue 2009', asAt: '2009-10-01' } });
    const eventId = progress.body.events[0].eventId;
    const fix = await ledger.request('POST', `/plans/${planId}/corrections`, { body: { eventId, kind: 'amended', amendments: { narrative: 'Audit done June 2009' }, reason: 'Typo' } });
    expect(fix.status).toBe(201);
    const plan = await ledger.request('GET', `/plans/${planId}?view=full`);
    expect(plan.body.actions[0].progress[0].narrative).toBe('Audit done June 2009');
    expect(plan.body.corrections[0]).toMatchObject({ correctedEventId: eventId, reason: 'Typo', actor: 'Rachel Deakin' });
    const events = await ledger.request('GET', `/plans/${planId}/events`);
    expect(events.body.events.find((e: { eventId: string }) => e.eventId === eventId).data.narrative).toBe('Audit done Jnue 2009');
  });

  it('stores an evidence file by its SHA-256 and serves exactly those bytes back', async () => {
    const planId = await newPlan();
    const { actionId } = await newAction(planId);
    const file = Buffer.from('%PDF-1.4 audit report for referral screening\n');
    const sha256 = createHash('sha256').update(file).digest('hex');
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/evidence?name=${encodeURIComponent('Audit report June 2009.pdf')}`, {
      rawBody: file,
      headers: { 'Content-Type': 'application/pdf' },
    });
    expect(res.status).toBe(201);
    expect(res.body.events[0].data).toMatchObject({ name: 'Audit report June 2009.pdf', mediaType: 'application/pdf', size: file.length, sha256 });
    const download = await fetch(`${ledger.url}/plans/${planId}/evidence/${sha256}`, { headers: { Authorization: `Bearer ${await ledger.tokenFor('Rachel Deakin')}` } });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(file);
    expect((await ledger.request('GET', `/plans/${planId}/evidence/${'0'.repeat(64)}`)).status).toBe(404);
  });
});

describe('the ledger over HTTP: bad input gets a clear error and changes nothing', () => {
  let planId: string;
  let actionId: string;
  beforeAll(async () => {
    planId = await newPlan();
    ({ actionId } = await newAction(planId));
  });

  async function revision() {
    return (await ledger.request('GET', `/plans/${planId}`)).body.revision as number;
  }

  it('names every missing or wrong field with its path', async () => {
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: '', asAt: '2009-13-01' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', correlationId: expect.any(String) });
    expect(res.body.details).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'body.narrative' }),
      expect.objectContaining({ path: 'body.asAt' }),
    ]));
  });

  it('refuses fields it does not know rather than dropping them', async () => {
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narative: 'typo' } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body', problem: expect.stringContaining('narative') })]));
  });

  it('never lets the body set the actor', async () => {
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'x', actor: { id: 'mallory', displayName: 'Mallory' } } });
    expect(res.status).toBe(400);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const before = await revision();
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { rawBody: '{"narrative": ', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MALFORMED_JSON');
    expect(await revision()).toBe(before);
  });

  it('answers a JSON array or string body with 400', async () => {
    for (const body of [[1, 2], 'text', 42, null]) {
      const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { rawBody: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
      expect(res.status).toBe(400);
    }
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'x'.repeat(2 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('BODY_TOO_LARGE');
  });

  it('asks the caller to sign in when no access token is sent', async () => {
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'x' }, actor: null });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOKEN_MISSING');
    expect(await revision()).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown action, plan or address', async () => {
    expect((await ledger.request('POST', `/plans/${planId}/actions/nope/progress-updates`, { body: { narrative: 'x' } })).body.code).toBe('ACTION_NOT_FOUND');
    expect((await ledger.request('GET', '/plans/018f0000-0000-7000-8000-00000000dead')).status).toBe(404);
    expect((await ledger.request('POST', '/plans/018f0000-0000-7000-8000-00000000dead/workstreams', { body: { number: '1', title: 'x' } })).status).toBe(404);
    expect((await ledger.request('GET', '/no/such/page')).status).toBe(404);
  });

  it('rejects reassignment to the same person', async () => {
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/reassignments`, { body: { to: ['Sue Ioannou', 'Rachel Deakin'], reason: 'x' } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('SAME_LEAD');
  });

  it('answers 412 when If-Match names a revision the plan has moved on from', async () => {
    const current = await revision();
    const ok = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'on top of what I read' }, headers: { 'If-Match': `"${current}"` } });
    expect(ok.status).toBe(201);
    const stale = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'stale' }, headers: { 'If-Match': `"${current}"` } });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('PLAN_CHANGED');
    expect(await revision()).toBe(current + 1);
  });
});

describe('the ledger over HTTP: concurrent writers', () => {
  it('keeps every accepted change from 50 concurrent writers exactly once, densely, with the chain intact', async () => {
    const planId = await newPlan();
    const { actionId } = await newAction(planId);
    const before = (await ledger.request('GET', `/plans/${planId}`)).body.revision as number;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: `Update number ${i}`, asAt: '2009-10-01' }, actor: `Writer ${i}` }),
      ),
    );
    const accepted = results.filter((r) => r.status === 201);
    expect(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => [r.status, r.body])).toEqual([]);
    expect(accepted.length).toBeGreaterThan(0);
    const events = (await ledger.request('GET', `/plans/${planId}/events`)).body.events as { eventId: string; revision: number }[];
    const acceptedIds = accepted.map((r) => r.body.events[0].eventId as string);
    for (const id of acceptedIds) expect(events.filter((e) => e.eventId === id)).toHaveLength(1);
    expect(events).toHaveLength(before + 1 + accepted.length);
    expect(events.map((e) => e.revision)).toEqual([...Array(events.length).keys()]);
    expect((await ledger.request('GET', `/plans/${planId}/integrity`)).body).toMatchObject({ ok: true, length: events.length });
  });
});

describe('the API documents itself', () => {
  it('serves an OpenAPI document listing every route', async () => {
    const res = await ledger.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/plans', '/plans/{planId}/actions/{actionId}/target-slips']));
    expect(res.body.paths['/plans/{planId}/actions/{actionId}/progress-updates'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('narrative');
  });
});
