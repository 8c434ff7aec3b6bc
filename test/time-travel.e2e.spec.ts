import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PlanCommandService } from '#application';
import { importDemoPlan } from '#importer';
import { PlanProjector } from '#projections';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

let ledger: RunningLedger;
let planId: string;
let rec6Action: { id: string; ref: string };
let beforeLateNote: string;
let lateNoteId: string;

beforeAll(async () => {
  ledger = await startLedger();
  const imported = await importDemoPlan(ledger.app.get(PlanCommandService), { id: 'importer', displayName: 'Plan import' });
  planId = imported.planId;
  const store = ledger.app.get(PlanProjector);
  await store.waitFor(BigInt(imported.revision ?? 0));
  const plan = (await ledger.request('GET', `/plans/${planId}`)).body;
  const action = plan.actions.find((a: { ref: string }) => a.ref.startsWith('6.'));
  rec6Action = { id: action.id, ref: action.ref };
  await new Promise((resolve) => setTimeout(resolve, 20));
  beforeLateNote = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Recorded today, but about November 2009: a back-dated entry.
  const late = await ledger.request('POST', `/plans/${planId}/actions/${rec6Action.id}/progress-updates`, {
    body: { narrative: 'Second audit of Intake and Assessment completed', asAt: '2009-11-16' },
    actor: 'Rachel Deakin',
  });
  expect(late.status).toBe(201);
  lateNoteId = late.body.events[0].eventId;
});

afterAll(async () => {
  await ledger.stop();
});

describe('as-at replay of the Laming 2009 plan, in two times', () => {
  it('shows the progress notes of 1 Oct 2009 in the plan as it stood on that day', async () => {
    const res = await ledger.request('GET', `/plans/${planId}?asAt=2009-10-01T12:00:00Z&time=effective&view=full`);
    expect(res.status).toBe(200);
    const rec4 = res.body.actions.find((a: { ref: string }) => a.ref === '4.1');
    expect(rec4.progress).toEqual([expect.objectContaining({ asAt: '2009-10-01', narrative: 'Comprehensive framework and regular reporting to all managers is in place' })]);
    expect(res.body.asAt).toMatchObject({ time: 'effective' });
    expect(res.headers.get('etag')).toBeNull();
  });

  it('does not show the plan as at 1 Oct 2009 in recorded time: the ledger did not hold it then', async () => {
    const res = await ledger.request('GET', `/plans/${planId}?asAt=2009-10-01T12:00:00Z&time=recorded`);
    expect(res.status).toBe(404);
    expect(res.body.message).toContain('did not exist');
  });

  it('shows a note recorded today about 2009 under effective time, not under recorded time', async () => {
    const effective = await ledger.request('GET', `/plans/${planId}?asAt=2009-12-01T00:00:00Z&time=effective&view=full`);
    const notes = effective.body.actions.find((a: { id: string }) => a.id === rec6Action.id).progress.map((p: { narrative: string }) => p.narrative);
    expect(notes).toContain('Second audit of Intake and Assessment completed');

    const recorded = await ledger.request('GET', `/plans/${planId}?asAt=${beforeLateNote}&time=recorded&view=full`);
    expect(recorded.status).toBe(200);
    const recordedNotes = recorded.body.actions.find((a: { id: string }) => a.id === rec6Action.id).progress.map((p: { narrative: string }) => p.narrative);
    expect(recordedNotes).not.toContain('Second audit of Intake and Assessment completed');
  });

  it('answers the bitemporal question: effective at one instant as known at another', async () => {
    const knownBefore = await ledger.request('GET', `/plans/${planId}?asAt=2009-12-01T00:00:00Z&time=effective&knownAt=${beforeLateNote}&view=full`);
    const notes = knownBefore.body.actions.find((a: { id: string }) => a.id === rec6Action.id).progress.map((p: { narrative: string }) => p.narrative);
    expect(notes).not.toContain('Second audit of Intake and Assessment completed');
  });

  it('lists the back-dated note among the retrospective entries, with both times and the actor', async () => {
    const res = await ledger.request('GET', `/plans/${planId}/retrospective-entries?toleranceHours=24`);
    expect(res.status).toBe(200);
    const entry = res.body.entries.find((e: { eventId: string }) => e.eventId === lateNoteId);
    expect(entry).toMatchObject({ type: 'ProgressUpdateRecorded', effectiveAt: '2009-11-16T00:00:00.000Z', actor: { displayName: 'Rachel Deakin' } });
    expect(entry.daysBackDated).toBeGreaterThan(5000);
  });

  it('rejects a nonsense instant with the field and the reason', async () => {
    const res = await ledger.request('GET', `/plans/${planId}?asAt=yesterday&time=sideways`);
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['query.asAt', 'query.time']));
  });
});

describe('derived RAG, changes and the audit trail', () => {
  it('derives RAG for every action and gives the scrutiny sentence', async () => {
    const res = await ledger.request('GET', `/plans/${planId}?asAt=2009-10-01T12:00:00Z&time=effective&view=full`);
    expect(res.body.rag.plan.sentence).toMatch(/^\d+ of 17 recommendations completed in full$/);
    const ratings = Object.values(res.body.rag.actions).map((a) => (a as { rating: string }).rating);
    expect(ratings).toHaveLength(res.body.actions.length);
    expect(new Set(ratings)).toEqual(expect.any(Set));
  });

  it('says what changed between two instants and which events caused it', async () => {
    const slip = await ledger.request('POST', `/plans/${planId}/actions/${rec6Action.id}/target-slips`, { body: { to: '31 March 2010', reason: 'Awaiting peer audit' } });
    expect(slip.status).toBe(201);
    const res = await ledger.request('GET', `/plans/${planId}/changes-since?from=${beforeLateNote}&time=recorded`);
    expect(res.status).toBe(200);
    const change = res.body.changes.find((c: { field: string; actionId: string }) => c.field === 'target' && c.actionId === rec6Action.id);
    expect(change).toMatchObject({ to: '31 Mar 2010', causes: [expect.objectContaining({ type: 'TargetDateSlipped', summary: expect.stringContaining('by Rachel Deakin: Awaiting peer audit') })] });
  });

  it('counts RAG per month for the trend chart', async () => {
    const res = await ledger.request('GET', `/plans/${planId}/rag-trend?from=2009-07-01&to=2009-12-31&interval=month&time=effective`);
    expect(res.status).toBe(200);
    expect(res.body.points.map((p: { at: string }) => p.at.slice(0, 10))).toEqual(['2009-07-31', '2009-08-31', '2009-09-30', '2009-10-31', '2009-11-30', '2009-12-31']);
    for (const point of res.body.points) expect(point.actions).toBe(67);
  });

  it("tells an action's history in plain words", async () => {
    const res = await ledger.request('GET', `/plans/${planId}/actions/${rec6Action.id}/history`);
    expect(res.status).toBe(200);
    expect(res.body.timeline.map((t: { type: string }) => t.type)).toEqual(expect.arrayContaining(['ActionAdded', 'ProgressUpdateRecorded', 'TargetDateSlipped']));
    expect(res.body.timeline.at(-1).summary).toBe(`Target date for action ${rec6Action.ref} moved from ${res.body.timeline.at(-1).summary.split(' moved from ')[1].split(' to ')[0]} to 31 Mar 2010 by Rachel Deakin: Awaiting peer audit`);
  });

  it('filters the audit log by actor and exports it as CSV', async () => {
    const json = await ledger.request('GET', `/audit-log?planId=${planId}&actor=Rachel%20Deakin`);
    expect(json.body.entries.map((e: { type: string }) => e.type)).toEqual(['ProgressUpdateRecorded', 'TargetDateSlipped']);
    const csv = await fetch(`${ledger.url}/audit-log?planId=${planId}&actor=Rachel%20Deakin&format=csv`, { headers: { Authorization: `Bearer ${await ledger.tokenFor()}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('Recorded at,Effective at,Actor,Type,Summary,Reason,Plan,Action,Revision,Event id,Correlation id');
    expect(lines).toHaveLength(3);
    const page = await ledger.request('GET', `/audit-log?planId=${planId}&limit=50`);
    expect(page.body.entries).toHaveLength(50);
    const next = await ledger.request('GET', `/audit-log?planId=${planId}&limit=50&cursor=${page.body.nextCursor}`);
    expect(next.body.entries[0].position).toBeGreaterThan(page.body.entries[49].position);
    expect((await ledger.request('GET', '/audit-log?cursor=bogus')).status).toBe(400);
  });
});
