import { createHash } from 'node:crypto';
import type { RunningLedger } from './ledger-app.js';

/** A small plan with one of everything, created over HTTP by an admin: what access tests act on. */
export interface PlanFixture {
  planId: string;
  recommendationId: string;
  actionId: string;
  evidenceSha256: string;
  progressEventId: string;
}

export async function createPlanFixture(ledger: RunningLedger, admin: { actor?: string; organisationId?: string } = {}): Promise<PlanFixture> {
  const as = { actor: admin.actor ?? 'Fixture Admin', organisationId: admin.organisationId, role: 'admin' as const };
  const must = async (method: string, url: string, options: Parameters<RunningLedger['request']>[2] = {}) => {
    const res = await ledger.request(method, url, { ...as, ...options });
    if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const { planId } = await must('POST', '/plans', { body: { title: 'Safeguarding action plan', organisation: 'A council', respondsTo: 'Ofsted 2012' } });
  const rec = await must('POST', `/plans/${planId}/recommendations`, { body: { ref: '1', text: 'Improve referrals' } });
  const recommendationId = rec.events[0].data.recommendationId;
  const action = await must('POST', `/plans/${planId}/actions`, { body: { ref: '1.1', recommendationId, description: 'Audit referrals', leads: ['Audit Manager'], target: 'December 2030' } });
  const actionId = action.events[0].data.actionId;
  const progress = await must('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative: 'Audit booked', asAt: '2026-01-05' } });
  const file = Buffer.from(`evidence for ${planId}`);
  await must('POST', `/plans/${planId}/actions/${actionId}/evidence?name=audit.txt`, { rawBody: file, headers: { 'Content-Type': 'text/plain' } });
  return { planId, recommendationId, actionId, evidenceSha256: createHash('sha256').update(file).digest('hex'), progressEventId: progress.events[0].eventId };
}
