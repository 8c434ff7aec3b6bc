import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PlanCommandService } from '#application';
import { startLedger, type RunningLedger } from './support/ledger-app.js';
import { importOfstedPlan } from './support/ofsted-plan.js';

/**
 * Approval of updates over HTTP, on the Central Bedfordshire Ofsted plan with approval on: an editor submits,
 * an approver accepts, and the action's status and RAG change only then; a rejection and its reason are in
 * the audit log; nobody accepts their own update.
 */
let ledger: RunningLedger;
let planId: string;
let actionId: string;
let actionRef: string;
const editor = { actor: 'Rachel Deakin', role: 'editor' as const };
const approver = { actor: 'Karen Oellermann', role: 'approver' as const };

beforeAll(async () => {
  ledger = await startLedger();
  planId = await importOfstedPlan(ledger.app.get(PlanCommandService));
  const plan = await ledger.request('GET', `/plans/${planId}`);
  const open = plan.body.actions.find((a: { status: string }) => a.status !== 'completed');
  actionId = open.id;
  actionRef = open.ref;
  const required = await ledger.request('POST', `/plans/${planId}/approval-requirement`, { body: { required: true, reason: 'Agreed at the improvement board' } });
  expect(required.status).toBe(201);
});
afterAll(async () => {
  await ledger.stop();
});

const actionOf = async () => (await ledger.request('GET', `/plans/${planId}`)).body.actions.find((a: { id: string }) => a.id === actionId);
const ragOf = async () => (await ledger.request('GET', `/plans/${planId}`)).body.rag.actions[actionId];

describe('approval of updates over HTTP', () => {
  it("submits an editor's completion, which counts only once an approver accepts it", async () => {
    const before = await actionOf();
    const ragBefore = await ragOf();
    const submitted = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/completion`, { ...editor, body: { effectiveAt: '2012-09-27', reason: 'All teams trained' } });
    expect(submitted.status).toBe(201);
    expect(submitted.body.events.map((e: { type: string }) => e.type)).toEqual(['UpdateSubmitted']);
    const submissionId = submitted.body.events[0].data.submissionId as string;
    expect((await actionOf()).status).toBe(before.status);
    expect(await ragOf()).toEqual(ragBefore);

    const queue = await ledger.request('GET', `/plans/${planId}/approval-queue`, approver);
    expect(queue.status).toBe(200);
    expect(queue.body.submissions.map((s: { submissionId: string; action: { ref: string } }) => [s.submissionId, s.action.ref])).toEqual([[submissionId, actionRef]]);
    expect((await ledger.request('GET', `/plans/${planId}/my-submissions`, editor)).body.submissions.map((s: { submissionId: string }) => s.submissionId)).toEqual([submissionId]);
    expect((await ledger.request('GET', `/plans/${planId}/approval-queue`, editor)).status).toBe(403);

    const own = await ledger.request('POST', `/plans/${planId}/submissions/${submissionId}/acceptance`, { actor: 'Karen Oellermann', role: 'admin', body: {} });
    expect(own.status).toBe(201); // an administrator who did not submit it may accept it
    expect(own.body.events.map((e: { type: string }) => e.type)).toEqual(['UpdateAccepted', 'ActionCompleted']);
    expect(await actionOf()).toMatchObject({ status: 'completed', completedOn: '2012-09-27' });
    expect(await ragOf()).not.toEqual(ragBefore);
    expect((await ledger.request('GET', `/plans/${planId}/approval-queue`, approver)).body.submissions).toEqual([]);
  });

  it('refuses self-approval, and records a rejection with its reason in the audit log', async () => {
    const other = (await ledger.request('GET', `/plans/${planId}`)).body.actions.find((a: { id: string; status: string }) => a.id !== actionId && a.status !== 'completed');
    const submitted = await ledger.request('POST', `/plans/${planId}/actions/${other.id}/progress-updates`, { actor: 'Karen Oellermann', role: 'admin', body: { narrative: 'Chronology audit 80% compliant', effectiveAt: '2012-10-01' } });
    const submissionId = submitted.body.events[0].data.submissionId as string;
    const self = await ledger.request('POST', `/plans/${planId}/submissions/${submissionId}/acceptance`, { actor: 'Karen Oellermann', role: 'admin', body: {} });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('SELF_APPROVAL');
    const noReason = await ledger.request('POST', `/plans/${planId}/submissions/${submissionId}/rejection`, { ...approver, actor: 'Sue Ioannou', body: {} });
    expect(noReason.status).toBe(400);
    const rejected = await ledger.request('POST', `/plans/${planId}/submissions/${submissionId}/rejection`, { ...approver, actor: 'Sue Ioannou', body: { reason: 'Say which teams were audited' } });
    expect(rejected.status).toBe(201);
    const log = await ledger.request('GET', `/audit-log?planId=${planId}&limit=1000`);
    const summaries = log.body.entries.map((e: { summary: string }) => e.summary).join('\n');
    expect(summaries).toContain(`Submitted update ${submissionId} rejected by Sue Ioannou: Say which teams were audited`);
    expect(summaries).toContain('submitted for approval by Karen Oellermann');
    expect(log.body.entries.some((e: { summary: string }) => e.summary.includes('accepted by Karen Oellermann'))).toBe(true);
  });

  it('answers hostile or unknown submission ids with 404, appending nothing', async () => {
    const before = (await ledger.request('GET', `/plans/${planId}`)).body.revision;
    for (const id of ['constructor', '__proto__', 'toString', 'no-such']) {
      const res = await ledger.request('POST', `/plans/${planId}/submissions/${id}/acceptance`, { ...approver, body: {} });
      expect({ id, status: res.status, code: res.body.code }).toEqual({ id, status: 404, code: 'SUBMISSION_NOT_FOUND' });
    }
    const extra = await ledger.request('POST', `/plans/${planId}/submissions/x/rejection`, { ...approver, body: { reason: 'x', by: 'someone' } });
    expect(extra.status).toBe(400);
    expect((await ledger.request('GET', `/plans/${planId}`)).body.revision).toBe(before);
  });
});
