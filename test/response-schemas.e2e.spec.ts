import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import * as Responses from '../apps/api/src/http/response-schemas.js';
import { createPlanFixture, type PlanFixture } from './support/plan-fixture.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

let ledger: RunningLedger;
let plan: PlanFixture;
beforeAll(async () => {
  ledger = await startLedger();
  plan = await createPlanFixture(ledger, { actor: 'Rachel Deakin' });
}, 60_000);
afterAll(async () => {
  await ledger.stop();
});

/** Every issue zod finds, with its path, so a failure says which field the document gets wrong. */
function problemsOf(schema: z.ZodType, body: unknown): string[] {
  const result = schema.safeParse(body);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('the OpenAPI response schemas describe what the server sends', () => {
  it('parses real answers of the reads and writes with the schemas the document is generated from', async () => {
    const { planId, actionId } = plan;
    const write = await ledger.request('POST', `/plans/${planId}/actions/${actionId}/rag-assessments`, { body: { rating: 'amber', rationale: 'Audit slipped', effectiveAt: '2026-01-20' } });
    expect(write.status).toBe(201);
    const cases: Array<[string, z.ZodType, unknown]> = [
      ['write', Responses.WriteResult, write.body],
      ['GET /health', Responses.Health, (await ledger.request('GET', '/health', { actor: null })).body],
      ['GET /me', Responses.Me, (await ledger.request('GET', '/me')).body],
      ['GET /plans', Responses.PlanSummaryList, (await ledger.request('GET', '/plans')).body],
      ['GET /plans/:planId', Responses.PlanViewResponse, (await ledger.request('GET', `/plans/${planId}`)).body],
      ['GET /plans/:planId?view=full', Responses.PlanViewResponse, (await ledger.request('GET', `/plans/${planId}?view=full`)).body],
      ['GET /plans/:planId as at', Responses.PlanViewResponse, (await ledger.request('GET', `/plans/${planId}?asAt=2030-01-01&time=effective`)).body],
      ['GET /plans/:planId/events', Responses.EventsPage, (await ledger.request('GET', `/plans/${planId}/events`)).body],
      ['GET /plans/:planId/integrity', Responses.Integrity, (await ledger.request('GET', `/plans/${planId}/integrity`)).body],
      ['GET /audit-log', Responses.AuditLogPage, (await ledger.request('GET', `/audit-log?planId=${planId}`)).body],
      ['GET /plans/:planId/retrospective-entries', Responses.RetrospectiveEntries, (await ledger.request('GET', `/plans/${planId}/retrospective-entries`)).body],
      ['GET /plans/:planId/rag-trend', Responses.RagTrend, (await ledger.request('GET', `/plans/${planId}/rag-trend?from=2026-01-01&to=2026-03-31`)).body],
      ['GET /plans/:planId/actions/:actionId/history', Responses.ActionHistory, (await ledger.request('GET', `/plans/${planId}/actions/${actionId}/history`)).body],
      ['GET /plans/:planId/tree-head', Responses.TreeHead, (await ledger.request('GET', `/plans/${planId}/tree-head`)).body],
      ['GET /access/grants', Responses.Grants, (await ledger.request('GET', '/access/grants')).body],
      ['GET /access-log', Responses.AccessLog, (await ledger.request('GET', '/access-log')).body],
    ];
    for (const [what, schema, body] of cases) expect({ what, problems: problemsOf(schema, body) }).toEqual({ what, problems: [] });
  });
});
