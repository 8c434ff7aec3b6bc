import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

let ledger: RunningLedger;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => {
  await ledger.stop();
});

/** A plan agreed on 1 June 2009 with one recommendation and one action. */
async function lamingPlan() {
  const must = async (method: string, url: string, body: unknown) => {
    const res = await ledger.request(method, url, { body });
    if (res.status !== 201) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const { planId } = await must('POST', '/plans', { title: 'Laming Recommendations 2009', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009', effectiveAt: '2009-06-01' });
  const rec = await must('POST', `/plans/${planId}/recommendations`, { ref: '6', text: 'Review all points of referral.', effectiveAt: '2009-06-01' });
  const recommendationId = rec.events[0].data.recommendationId as string;
  const action = await must('POST', `/plans/${planId}/actions`, { ref: '6.1', recommendationId, description: 'Audit referrals', leads: ['Rachel Deakin'], target: '31 March 2010', effectiveAt: '2009-06-01' });
  return { planId: planId as string, recommendationId, actionId: action.events[0].data.actionId as string };
}

async function revisionOf(planId: string): Promise<string | null> {
  return (await ledger.request('GET', `/plans/${planId}`)).headers.get('etag');
}

describe('every back-datable write takes its business date as effectiveAt', () => {
  it('stores effectiveAt for progress, completion, reopening, sign-off, audit, correction and evidence', async () => {
    const { planId, recommendationId, actionId } = await lamingPlan();
    const a = `/plans/${planId}/actions/${actionId}`;
    const writes: Array<[string, unknown, string, Record<string, unknown>]> = [
      [`${a}/progress-updates`, { narrative: 'First audit reported', effectiveAt: '2009-10-01' }, '2009-10-01T00:00:00.000Z', { asAt: '2009-10-01' }],
      [`${a}/completion`, { effectiveAt: '2009-12-15T16:30:00Z', reason: 'Second audit reported' }, '2009-12-15T16:30:00.000Z', { completedOn: '2009-12-15' }],
      [`${a}/reopening`, { reason: 'QA found gaps', effectiveAt: '2010-01-10' }, '2010-01-10T00:00:00.000Z', { to: 'in_progress' }],
      [`/plans/${planId}/recommendations/${recommendationId}/sign-off`, { effectiveAt: '2010-02-01' }, '2010-02-01T00:00:00.000Z', { signedOffOn: '2010-02-01' }],
      [`/plans/${planId}/audit-outcomes`, { subject: { kind: 'action', actionId }, effectiveAt: '2009-11-20', auditor: 'Sue Ioannou', rating: 'good', findings: 'Referrals screened' }, '2009-11-20T00:00:00.000Z', { auditDate: '2009-11-20' }],
    ];
    for (const [url, body, effectiveAt, data] of writes) {
      const res = await ledger.request('POST', url, { body });
      expect({ url, status: res.status }).toEqual({ url, status: 201 });
      expect(res.body.events[0].data).toMatchObject(data);
      expect(res.body.warnings).toEqual([]);
      const events = (await ledger.request('GET', `/plans/${planId}/events`)).body.events;
      expect(events.at(-1)).toMatchObject({ eventId: res.body.events[0].eventId, metadata: { effectiveAt } });
    }
    const progressId = (await ledger.request('GET', `/plans/${planId}/events`)).body.events.find((e: { type: string }) => e.type === 'ProgressUpdateRecorded').eventId;
    const correction = await ledger.request('POST', `/plans/${planId}/corrections`, { body: { eventId: progressId, kind: 'amended', amendments: { narrative: 'First audit reported to SMT' }, reason: 'Wording', effectiveAt: '2009-10-02' } });
    expect(correction.status).toBe(201);
    const evidence = await ledger.request('POST', `${a}/evidence?name=audit.txt&effectiveAt=2009-12-14`, { rawBody: 'audit report', headers: { 'Content-Type': 'text/plain' } });
    expect(evidence.status).toBe(201);
    const events = (await ledger.request('GET', `/plans/${planId}/events`)).body.events;
    expect(events.slice(-2).map((e: { type: string; metadata: { effectiveAt?: string } }) => [e.type, e.metadata.effectiveAt])).toEqual([
      ['EntryCorrected', '2009-10-02T00:00:00.000Z'],
      ['EvidenceAttached', '2009-12-14T00:00:00.000Z'],
    ]);
  });
});

describe('the old names of effectiveAt still work, deprecated', () => {
  it('maps asAt, completedOn, signedOffOn and auditDate to effectiveAt', async () => {
    const { planId, recommendationId, actionId } = await lamingPlan();
    const a = `/plans/${planId}/actions/${actionId}`;
    const writes: Array<[string, unknown, string]> = [
      [`${a}/progress-updates`, { narrative: 'First audit reported', asAt: '2009-10-01' }, '2009-10-01T00:00:00.000Z'],
      [`${a}/completion`, { completedOn: '2009-12-15' }, '2009-12-15T00:00:00.000Z'],
      [`/plans/${planId}/recommendations/${recommendationId}/sign-off`, { signedOffOn: '2010-02-01' }, '2010-02-01T00:00:00.000Z'],
      [`/plans/${planId}/audit-outcomes`, { subject: { kind: 'action', actionId }, auditDate: '2009-11-20', auditor: 'Sue Ioannou', rating: 'good', findings: 'Fine' }, '2009-11-20T00:00:00.000Z'],
    ];
    for (const [url, body, effectiveAt] of writes) {
      const res = await ledger.request('POST', url, { body });
      expect({ url, status: res.status }).toEqual({ url, status: 201 });
      const events = (await ledger.request('GET', `/plans/${planId}/events`)).body.events;
      expect(events.at(-1).metadata.effectiveAt).toBe(effectiveAt);
    }
  });

  it('refuses a write that gives both the old name and effectiveAt, naming the field, and appends nothing', async () => {
    const { planId, actionId } = await lamingPlan();
    const before = await revisionOf(planId);
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'Audit', asAt: '2009-10-01', effectiveAt: '2009-10-02' } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'body.asAt', problem: 'is the deprecated name of effectiveAt; send one of them, not both' }]);
    const completion = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/completion`, { body: { completedOn: 'yesterday' } });
    expect(completion.status).toBe(400);
    expect(completion.body.details[0].path).toBe('body.completedOn');
    expect(await revisionOf(planId)).toBe(before);
  });

  it('marks the old names deprecated in the OpenAPI document', async () => {
    const doc = (await ledger.request('GET', '/api/openapi.json', { actor: null })).body;
    const schema = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema.properties;
    expect(schema('/plans/{planId}/actions/{actionId}/progress-updates').asAt).toMatchObject({ deprecated: true });
    expect(schema('/plans/{planId}/actions/{actionId}/completion').completedOn).toMatchObject({ deprecated: true });
    expect(schema('/plans/{planId}/recommendations/{recommendationId}/sign-off').signedOffOn).toMatchObject({ deprecated: true });
    expect(schema('/plans/{planId}/audit-outcomes').auditDate).toMatchObject({ deprecated: true });
    expect(schema('/plans/{planId}/audit-outcomes').effectiveAt).not.toHaveProperty('deprecated');
  });
});

describe('an entry effective before its plan began', () => {
  it('is recorded, with a warning in the response', async () => {
    const { planId, actionId } = await lamingPlan();
    const res = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'Audit reported', effectiveAt: '2008-10-01' } });
    expect(res.status).toBe(201);
    expect(res.body.warnings).toEqual([
      { code: 'EFFECTIVE_BEFORE_PLAN', eventId: res.body.events[0].eventId, message: 'This entry is effective 1 Oct 2008, before the plan began (1 Jun 2009); check the date' },
    ]);
  });
});
