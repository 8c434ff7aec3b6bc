import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepair, PlanRepository } from '#application';
import { SqliteEventStore } from '#event-store';
import { openReadModelDatabase } from './read-model-database.js';
import { PlanProjector } from './plan-projector.js';
import { readModelRows } from './testing/read-model-rows.js';

// The workers run the build's copy of the projector (dist/): `npm test` builds first.
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const meta = (name = 'Rachel Deakin') => ({ actor: { id: name, displayName: name }, correlationId: uuidv7() });

/** Plans of different sizes, with corrections of both kinds, a plan quarantined by a bad event then repaired (events after the repair), one left quarantined, and a stream that is no plan. */
async function history(store: SqliteEventStore) {
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
  const planIds: string[] = [];
  const firstActions = new Map<string, string>();
  for (let p = 0; p < 5; p++) {
    const planId = uuidv7();
    planIds.push(planId);
    await service.execute(planId, { type: 'CreatePlan', title: `Plan ${p}`, organisation: p % 2 ? 'Haringey Council' : 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' }, meta());
    const rec = await service.execute(planId, { type: 'AddRecommendation', ref: `${p + 1}`, text: 'Review all points of referral' }, meta());
    const recommendationId = (rec.events[0]!.data as { recommendationId: string }).recommendationId;
    const actions: { id: string; added: string }[] = [];
    for (let a = 1; a <= 2 + p; a++) {
      const added = await service.execute(planId, { type: 'AddAction', ref: `${p + 1}.${a}`, recommendationId, description: `Action ${a}`, leads: ['Rachel Deakin'], startDate: 'May 2009', target: 'October 2009', dependencies: [] }, meta());
      actions.push({ id: (added.events[0]!.data as { actionId: string }).actionId, added: added.eventIds[0]! });
    }
    firstActions.set(planId, actions[0]!.id);
    for (let n = 0; n < 4 * (p + 1); n++) {
      const action = actions[n % actions.length]!;
      const noted = await service.execute(planId, { type: 'RecordProgressUpdate', actionId: action.id, narrative: `Note ${n} on plan ${p}`, effectiveAt: '2009-06-30' }, meta(n % 3 ? 'Edwina Grant' : 'Rachel Deakin'));
      if (n === 2) await service.execute(planId, { type: 'CorrectEntry', eventId: noted.eventIds[0]!, kind: 'amended', amendments: { narrative: 'Corrected wording' }, reason: 'Wording' }, meta());
    }
    if (p === 3) await service.execute(planId, { type: 'CorrectEntry', eventId: actions[0]!.added, kind: 'amended', amendments: { ref: '4.9' }, reason: 'Numbering' }, meta());
    await store.appendToStream('access-bench', [{ eventId: uuidv7(), type: 'Noted', data: { p }, metadata: { schemaVersion: 1, ...meta() } }], { expectedRevision: p === 0 ? 'no_stream' : BigInt(p - 1) });
  }
  // Bad events (this store has no validator): one repaired, with entries after the repair; one left as it is.
  const repaired = planIds[1]!;
  const left = planIds[2]!;
  const bad = uuidv7();
  for (const [planId, eventId] of [[repaired, bad], [left, uuidv7()]] as const) {
    const head = (await store.streamSummary(`plan-${planId}`))!.revision;
    await store.appendToStream(`plan-${planId}`, [{ eventId, type: 'ProgressUpdateRecorded', data: { narrative: 'x', asAt: '2026-01-05' }, metadata: { schemaVersion: 1, ...meta() } }], { expectedRevision: head });
  }
  await new PlanRepair(store, uuidv7).voidEvent({ planId: repaired, eventId: bad, reason: 'Defect' }, { id: 'operator:test', displayName: 'test (ledger operator)' });
  const actionId = firstActions.get(repaired)!;
  await service.execute(repaired, { type: 'RecordProgressUpdate', actionId, narrative: 'After the repair', effectiveAt: '2009-07-31' }, meta());
  return planIds;
}

async function rebuild(store: SqliteEventStore, file: string, options: { workers?: number; storePath?: string }) {
  const db = openReadModelDatabase(file);
  const projector = new PlanProjector(store, db, () => undefined);
  const done = await projector.rebuild(undefined, options);
  const quarantined = projector.quarantinedPlans().map((plan) => plan.planId);
  db.close();
  return { done, quarantined, rows: readModelRows(file) };
}

describe('a rebuild with worker threads partitioned by plan', () => {
  it('writes the single-thread rebuild\'s read models row for row, whatever the number of workers', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ledger-rebuild-workers-'));
    dirs.push(dir);
    const storePath = path.join(dir, 'ledger.sqlite');
    const store = new SqliteEventStore({ path: storePath });
    const planIds = await history(store);
    const single = await rebuild(store, path.join(dir, 'single.sqlite'), {});
    expect(single.quarantined).toEqual([planIds[2]]);
    expect(single.rows.auditLog.length).toBeGreaterThan(90);
    for (const workers of [2, 3, 8]) {
      const parallel = await rebuild(store, path.join(dir, `workers-${workers}.sqlite`), { workers, storePath });
      expect(parallel.rows).toEqual(single.rows);
      expect(parallel.quarantined).toEqual(single.quarantined);
      expect(parallel.done).toBe(single.done);
    }
    // The workers' own files are gone.
    expect(readdirSync(dir).filter((file) => file.includes('.rebuild-'))).toEqual([]);
    await store.close();
  });

  it('then catches up what was appended since, and a worker rebuild of an empty store is empty', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ledger-rebuild-workers-'));
    dirs.push(dir);
    const storePath = path.join(dir, 'ledger.sqlite');
    const store = new SqliteEventStore({ path: storePath });
    const empty = await rebuild(store, path.join(dir, 'empty.sqlite'), { workers: 2, storePath });
    expect(empty.done).toBe(0);
    expect(empty.rows.plans).toEqual([]);
    await history(store);
    const parallel = await rebuild(store, path.join(dir, 'workers.sqlite'), { workers: 2, storePath });
    expect(parallel.rows.checkpoints).toEqual((await rebuild(store, path.join(dir, 'single.sqlite'), {})).rows.checkpoints);
    await store.close();
  });
});
