import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PlanCommandService } from '#application';
import { UpdateRequestList, UpdateRoundList, UpdateRoundResponse } from '../apps/api/src/http/update-request-schemas.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';
import { importOfstedPlan } from './support/ofsted-plan.js';

/**
 * Update requests, escalations and update rounds over HTTP, on the Central Bedfordshire Ofsted plan: what each
 * action owes as at 1 October 2012 (effective time), who sees it, and a round opened, answered in part and closed.
 */
let ledger: RunningLedger;
let planId: string;
const editor = { actor: 'Sue Ioannou', role: 'editor' as const };
const manager = { actor: 'Karen Oellermann', role: 'approver' as const };
const asAt = '/update-requests?asAt=2012-10-01&time=effective';

type Request = { actionId: string; ref: string; kind: string; dueOn: string; reason: string; escalated: boolean; leads: string[] };
const list = async (query = asAt, who: { actor?: string; role?: 'editor' | 'approver' | 'admin' | 'inspector' } = {}) => {
  const res = await ledger.request('GET', `/plans/${planId}${query}`, who);
  expect(res.status).toBe(200);
  return UpdateRequestList.parse(res.body) as unknown as { requests: Request[]; byLead: { lead: string; requests: Request[] }[] };
};
const revision = async () => (await ledger.request('GET', `/plans/${planId}`)).body.revision as number;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  ledger = await startLedger();
  planId = await importOfstedPlan(ledger.app.get(PlanCommandService));
});
afterAll(async () => {
  await ledger.stop();
});

describe('update requests', () => {
  it('lists what each action owes as at 1 October 2012, with the reason in plain words and the due date, by lead', async () => {
    const { requests, byLead } = await list();
    expect(requests.length).toBeGreaterThan(10);
    for (const r of requests) expect(r.reason.length).toBeGreaterThan(10);
    const overdue = requests.find((r) => r.kind === 'overdue' && r.dueOn < '2012-10-01')!;
    expect(overdue).toMatchObject({ escalated: true });
    expect(overdue.reason).toMatch(/has passed with no update since/);
    // Sorted by due date, and every request with a lead is under each of its leads.
    expect(requests.map((r) => r.dueOn)).toEqual([...requests.map((r) => r.dueOn)].sort());
    const lead = overdue.leads[0]!;
    expect(byLead.find((g) => g.lead === lead)!.requests.map((r) => r.actionId)).toContain(overdue.actionId);
    const onlyLead = await list(`${asAt}&lead=${encodeURIComponent(lead)}`);
    expect(onlyLead.requests.every((r) => r.leads.includes(lead))).toBe(true);
    expect(onlyLead.byLead.map((g) => g.lead)).toEqual([lead]);
  });

  it('stops escalating an overdue action once an update is recorded, and asks for the next one a window later', async () => {
    const { requests } = await list();
    const overdue = requests.find((r) => r.kind === 'overdue' && r.escalated)!;
    const recorded = await ledger.request('POST', `/plans/${planId}/actions/${overdue.actionId}/progress-updates`, { ...editor, body: { narrative: 'Workshops held in September', effectiveAt: '2012-09-20' } });
    expect(recorded.status).toBe(201);
    const after = (await list()).requests.find((r) => r.actionId === overdue.actionId)!;
    expect(after).toMatchObject({ kind: 'overdue', escalated: false, dueOn: '2012-11-04' });
    // Before the update's own date the action still owed it: the as-at view is of the plan as it stood then.
    expect((await list('/update-requests?asAt=2012-09-19&time=effective')).requests.find((r) => r.actionId === overdue.actionId)).toMatchObject({ escalated: true });
    const escalations = await ledger.request('GET', `/plans/${planId}/escalations?asAt=2012-10-01&time=effective`, manager);
    expect(escalations.status).toBe(200);
    expect(escalations.body.requests.map((r: Request) => r.actionId)).not.toContain(overdue.actionId);
    expect(escalations.body.requests.every((r: Request) => r.escalated)).toBe(true);
  });

  it("widens the window on the plan's own setting, and refuses a window that is not a number of days, appending nothing", async () => {
    const set = await ledger.request('POST', `/plans/${planId}/update-window`, { ...manager, body: { days: 120, reason: 'Agreed at the improvement board' } });
    expect(set.status).toBe(201);
    // Now, the plan's own window; as at 2012 (effective time) the setting, made today, did not yet apply.
    expect((await ledger.request('GET', `/plans/${planId}/update-requests`)).body.byPlan[0].windowDays).toBe(120);
    expect((await ledger.request('GET', `/plans/${planId}${asAt}`)).body.byPlan[0].windowDays).toBe(45);
    const rev = await revision();
    for (const body of [{ days: 0 }, { days: 'ninety' }, { days: 30, planId: 'x' }, {}]) {
      expect((await ledger.request('POST', `/plans/${planId}/update-window`, { ...manager, body })).status).toBe(400);
    }
    expect((await ledger.request('POST', `/plans/${planId}/update-window`, { ...editor, body: { days: 30 } })).status).toBe(403);
    expect(await revision()).toBe(rev);
    await ledger.request('POST', `/plans/${planId}/update-window`, { ...manager, body: { days: 45 } });
  });

  it('lists across plans only those the caller may read, and answers bad queries with 400 and unknown plans with 404', async () => {
    const all = await ledger.request('GET', '/update-requests?asAt=2012-10-01&time=effective', editor);
    expect(all.status).toBe(200);
    expect(UpdateRequestList.parse(all.body).byPlan.map((p) => p.planId)).toEqual([planId]);
    const stranger = await ledger.request('GET', '/update-requests', { actor: 'Pat Other', role: 'admin', organisationId: 'bedford-borough-council' });
    expect(stranger.status).toBe(200);
    expect(stranger.body.requests).toEqual([]);
    expect((await ledger.request('GET', `/update-requests?planId=${planId}`, { actor: 'Pat Other', role: 'admin', organisationId: 'bedford-borough-council' })).status).toBe(404);
    for (const query of ['asAt=yesterday', 'escalated=maybe', 'time=now', 'constructor=1', 'lead=']) {
      const res = await ledger.request('GET', `/update-requests?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
    expect((await ledger.request('GET', `/plans/${planId}/escalations`, editor)).status).toBe(403);
    expect((await ledger.request('GET', '/plans/no-such-plan/update-requests')).status).toBe(404);
  });
});

describe('update rounds', () => {
  it('opens a round that asks every lead with an action due, lists what came back, and closes it with what was not received', async () => {
    expect((await ledger.request('POST', `/plans/${planId}/update-rounds`, { ...editor, body: { title: 'October monitoring', dueBy: inDays(10) } })).status).toBe(403);
    const opened = await ledger.request('POST', `/plans/${planId}/update-rounds`, { ...manager, body: { title: 'October 2012 monitoring', dueBy: inDays(10), reason: 'Monthly board' } });
    expect(opened.status).toBe(201);
    const roundId = opened.body.events[0].data.roundId as string;
    expect(opened.headers.get('location')).toBe(`/plans/${planId}/update-rounds/${roundId}`);
    const shown = UpdateRoundResponse.parse((await ledger.request('GET', `/plans/${planId}/update-rounds/${roundId}`, editor)).body);
    expect(shown.round).toMatchObject({ title: 'October 2012 monitoring', status: 'open', received: [] });
    expect(shown.round.requests.length).toBeGreaterThan(10);
    const [answered, unanswered] = shown.round.requests as unknown as Request[];
    expect((await ledger.request('POST', `/plans/${planId}/actions/${answered!.actionId}/progress-updates`, { ...editor, body: { narrative: 'On track for the board' } })).status).toBe(201);

    const closed = await ledger.request('POST', `/plans/${planId}/update-rounds/${roundId}/closure`, { ...manager, body: { reason: 'Board papers due' } });
    expect(closed.status).toBe(201);
    expect(closed.body.events[0].data.received).toEqual([answered!.actionId]);
    expect(closed.body.events[0].data.missing.map((m: Request) => m.actionId)).toContain(unanswered!.actionId);
    const again = await ledger.request('POST', `/plans/${planId}/update-rounds/${roundId}/closure`, { ...manager, body: {} });
    expect(again.status).toBe(409);
    const rounds = UpdateRoundList.parse((await ledger.request('GET', `/plans/${planId}/update-rounds`, editor)).body);
    expect(rounds.rounds[0]).toMatchObject({ roundId, status: 'closed', received: [answered!.actionId] });

    const log = await ledger.request('GET', `/audit-log?planId=${planId}&limit=1000`);
    const summaries = log.body.entries.map((e: { summary: string }) => e.summary).join('\n');
    expect(summaries).toMatch(/Update round "October 2012 monitoring" opened by Karen Oellermann, due by .*: \d+ actions asked of \d+ leads: Monthly board/);
    expect(summaries).toMatch(new RegExp(`Update round ${roundId} closed by Karen Oellermann: 1 received, \\d+ not received`));
  });

  it('refuses a round due in the past, and answers hostile round ids with 404, appending nothing', async () => {
    const rev = await revision();
    const past = await ledger.request('POST', `/plans/${planId}/update-rounds`, { ...manager, body: { title: 'Late', dueBy: '2012-11-10' } });
    expect(past.status).toBe(400);
    expect((await ledger.request('POST', `/plans/${planId}/update-rounds`, { ...manager, body: { title: 'x', dueBy: 'soon' } })).status).toBe(400);
    for (const id of ['constructor', '__proto__', 'toString', 'no-such']) {
      const shown = await ledger.request('GET', `/plans/${planId}/update-rounds/${id}`);
      const closing = await ledger.request('POST', `/plans/${planId}/update-rounds/${id}/closure`, { ...manager, body: {} });
      expect({ id, shown: shown.status, closing: closing.status, code: closing.body.code }).toEqual({ id, shown: 404, closing: 404, code: 'ROUND_NOT_FOUND' });
    }
    expect(await revision()).toBe(rev);
  });
});
