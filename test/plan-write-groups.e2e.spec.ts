import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

/**
 * Writes to one plan that arrive together are decided one after another and appended in groups (issue 21).
 * Over HTTP, whichever requests end up sharing a group: each is answered alone, a refused one stores nothing,
 * and every accepted one is exactly its own event at the revision it was told.
 */
let ledger: RunningLedger;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => {
  await ledger.stop();
});

async function planWithActions() {
  const plan = await ledger.request('POST', '/plans', { body: { title: 'Laming 2009 action plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' } });
  expect(plan.status).toBe(201);
  const planId = plan.body.planId as string;
  const rec = await ledger.request('POST', `/plans/${planId}/recommendations`, { body: { ref: '6', text: 'Review all points of referral.' } });
  const recommendationId = rec.body.events[0].data.recommendationId as string;
  const actionIds: string[] = [];
  for (const ref of ['6.1', '6.2']) {
    const action = await ledger.request('POST', `/plans/${planId}/actions`, { body: { ref, recommendationId, description: `Audit ${ref}`, target: 'Quarterly' } });
    expect(action.status).toBe(201);
    actionIds.push(action.body.events[0].data.actionId as string);
  }
  return { planId, actionIds };
}

describe('concurrent writes to one plan, decided and appended in groups', () => {
  it('answers each request alone: refused ones get their own 4xx and store nothing, accepted ones are exactly their events', async () => {
    const { planId, actionIds } = await planWithActions();
    const [noted, completed] = actionIds as [string, string];
    const before = (await ledger.request('GET', `/plans/${planId}`)).body.revision as number;
    const note = (actionId: string, narrative: string, headers: Record<string, string> = {}) =>
      ledger.request('POST', `/plans/${planId}/actions/${actionId}/progress-updates`, { body: { narrative, effectiveAt: '2009-10-01' }, headers });
    const requests = [
      ...Array.from({ length: 12 }, (_, i) => ({ kind: 'note', narrative: `Note ${i}`, send: () => note(noted, `Note ${i}`) })),
      ...Array.from({ length: 3 }, (_, i) => ({ kind: 'no such action', narrative: `Lost ${i}`, send: () => note('0190a5b0-0000-7000-8000-00000000dead', `Lost ${i}`) })),
      ...Array.from({ length: 2 }, () => ({ kind: 'completion', narrative: '', send: () => ledger.request('POST', `/plans/${planId}/actions/${completed}/completion`, { body: { completedOn: '2009-12-15', reason: 'Audit reported' } }) })),
      { kind: 'stale If-Match', narrative: 'Stale', send: () => note(noted, 'Stale', { 'If-Match': `"${before - 1}"` }) },
    ];
    const answers = await Promise.all(requests.map(async (request) => ({ ...request, res: await request.send() })));

    const of = (kind: string) => answers.filter((a) => a.kind === kind);
    expect(of('note').map((a) => a.res.status)).toEqual(Array(12).fill(201));
    expect(of('no such action').map((a) => [a.res.status, a.res.body.code])).toEqual(Array(3).fill([404, 'ACTION_NOT_FOUND']));
    expect(of('completion').map((a) => a.res.status).sort()).toEqual([201, 422]);
    expect(of('completion').find((a) => a.res.status === 422)!.res.body.code).toBe('NO_CHANGE');
    expect(of('stale If-Match').map((a) => [a.res.status, a.res.body.code])).toEqual([[412, 'PLAN_CHANGED']]);

    const events = (await ledger.request('GET', `/plans/${planId}/events`)).body.events as { eventId: string; revision: number; type: string; data: { narrative?: string } }[];
    const accepted = answers.filter((a) => a.res.status === 201);
    // Nothing of a refused request, and every accepted one exactly once, at the revision its answer gave.
    expect(events).toHaveLength(before + 1 + accepted.length);
    expect(events.map((e) => e.revision)).toEqual([...Array(events.length).keys()]);
    for (const { res } of accepted) {
      const [event] = res.body.events as { eventId: string }[];
      expect(res.body.events).toHaveLength(1);
      expect(events.filter((e) => e.eventId === event!.eventId).map((e) => e.revision)).toEqual([res.body.revision]);
      expect(res.headers.get('etag')).toBe(`"${res.body.revision}"`);
    }
    expect(new Set(accepted.map((a) => a.res.body.revision)).size).toBe(accepted.length);
    const narratives = events.slice(before + 1).flatMap((e) => (e.data.narrative !== undefined ? [e.data.narrative] : []));
    expect(narratives.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `Note ${i}`).sort());
    expect(events.slice(before + 1).filter((e) => e.type === 'ActionCompleted')).toHaveLength(1);
    expect((await ledger.request('GET', `/plans/${planId}/integrity`)).body).toMatchObject({ ok: true, length: events.length });
    // The read models include every accepted write (each answer waited for them).
    const plan = (await ledger.request('GET', `/plans/${planId}`)).body;
    expect(plan.revision).toBe(events.length - 1);
  });
});
