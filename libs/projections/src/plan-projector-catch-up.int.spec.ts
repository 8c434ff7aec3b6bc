import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepository } from '#application';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '#event-store';
import { openReadModelDatabase } from './read-model-database.js';
import { PlanProjector } from './plan-projector.js';
import { readModelRows } from './testing/read-model-rows.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const meta = () => ({ actor: { id: 'Rachel Deakin', displayName: 'Rachel Deakin' }, correlationId: uuidv7() });

/** The real store, counting the events each read hands back: what a catch-up reads is what it costs. */
function counted(store: SqliteEventStore) {
  const read = { log: 0, streams: new Map<string, number>() };
  const view: EventStore = Object.create(store);
  view.readAll = async (options) => {
    const events = await store.readAll(options);
    read.log += events.length;
    return events;
  };
  view.readStream = async (streamId, options) => {
    const events: RecordedEvent[] = await store.readStream(streamId, options);
    read.streams.set(streamId, (read.streams.get(streamId) ?? 0) + events.length);
    return events;
  };
  return { view, read };
}

async function ledger() {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-catch-up-'));
  dirs.push(dir);
  const store = new SqliteEventStore({ path: path.join(dir, 'ledger.sqlite'), pollIntervalMs: 20 });
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
  return { dir, store, service, readModels: path.join(dir, 'read-models.sqlite') };
}

async function seedPlan(service: PlanCommandService, title: string) {
  const planId = uuidv7();
  await service.execute(planId, { type: 'CreatePlan', title, organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' }, meta());
  const rec = await service.execute(planId, { type: 'AddRecommendation', ref: '6', text: 'Review all points of referral' }, meta());
  const recommendationId = (rec.events[0]!.data as { recommendationId: string }).recommendationId;
  const actionIds: string[] = [];
  const addedEventIds: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const added = await service.execute(planId, { type: 'AddAction', ref: `6.${i}`, recommendationId, description: `Action ${i}`, leads: ['Rachel Deakin'], startDate: 'May 2009', target: 'October 2009', dependencies: [] }, meta());
    actionIds.push((added.events[0]!.data as { actionId: string }).actionId);
    addedEventIds.push(added.eventIds[0]!);
  }
  return { planId, actionIds, addedEventIds };
}

async function note(service: PlanCommandService, planId: string, actionId: string, narrative: string) {
  return service.execute(planId, { type: 'RecordProgressUpdate', actionId, narrative, effectiveAt: '2009-06-30' }, meta());
}

/** Project everything there is into the file, then stop (as an API shutting down). */
async function projectAll(store: EventStore, file: string) {
  const db = openReadModelDatabase(file);
  const projector = new PlanProjector(store, db, () => undefined);
  await projector.start();
  await projector.stop();
  db.close();
}

async function rebuiltRows(store: EventStore, file: string) {
  const db = openReadModelDatabase(file);
  await new PlanProjector(store, db, () => undefined).rebuild();
  db.close();
  return readModelRows(file);
}

describe('catching up after a restart', () => {
  it('reads only the unprojected events, takes the plans they touch from their rows, and ends equal to a rebuild', async () => {
    const { dir, store, service, readModels } = await ledger();
    const plans = [await seedPlan(service, 'Laming 2009'), await seedPlan(service, 'Ofsted 2012'), await seedPlan(service, 'Untouched')];
    await note(service, plans[0]!.planId, plans[0]!.actionIds[0]!, 'Audit planned');
    await projectAll(store, readModels);
    // While the API is down: N events on two of the three plans.
    let unprojected = 0;
    for (let i = 0; i < 5; i++) {
      for (const plan of plans.slice(0, 2)) {
        await note(service, plan.planId, plan.actionIds[i % 3]!, `Progress ${i}`);
        unprojected++;
      }
    }
    await service.execute(plans[1]!.planId, { type: 'SlipTargetDate', actionId: plans[1]!.actionIds[2]!, to: 'December 2009', reason: 'Awaiting peer audit' }, meta());
    unprojected++;

    const { view, read } = counted(store);
    const db = openReadModelDatabase(readModels);
    const projector = new PlanProjector(view, db, () => undefined);
    const before = projector.checkpoint;
    await projector.start();
    await projector.stop();
    db.close();
    expect(read.log).toBe(unprojected);
    expect(projector.checkpoint - before).toBe(BigInt(unprojected));
    // No plan's history was replayed: its state came from its own rows.
    expect([...read.streams.values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect(readModelRows(readModels)).toEqual(await rebuiltRows(store, path.join(dir, 'rebuilt.sqlite')));
    await store.close();
  });

  it('reads a plan\'s stream after all when a correction among the unprojected events needs its history, and still ends equal to a rebuild', async () => {
    const { dir, store, service, readModels } = await ledger();
    const corrected = await seedPlan(service, 'Laming 2009');
    const other = await seedPlan(service, 'Ofsted 2012');
    const first = await note(service, corrected.planId, corrected.actionIds[0]!, 'Audit planned');
    await projectAll(store, readModels);
    await note(service, other.planId, other.actionIds[1]!, 'Briefings held');
    // One correction confined to an action's note, one of the plan's shape (an action's reference).
    await service.execute(corrected.planId, { type: 'CorrectEntry', eventId: first.eventIds[0]!, kind: 'amended', amendments: { narrative: 'Audit held' }, reason: 'Wording' }, meta());
    await note(service, corrected.planId, corrected.actionIds[1]!, 'Thresholds agreed');
    await service.execute(corrected.planId, { type: 'CorrectEntry', eventId: corrected.addedEventIds[2]!, kind: 'amended', amendments: { ref: '6.9' }, reason: 'Numbering' }, meta());
    await note(service, corrected.planId, corrected.actionIds[2]!, 'Action 6.9 under way');

    const { view, read } = counted(store);
    const db = openReadModelDatabase(readModels);
    const projector = new PlanProjector(view, db, () => undefined);
    await projector.start();
    await projector.stop();
    db.close();
    expect([...read.streams.keys()]).toEqual([`plan-${corrected.planId}`]);
    const rows = readModelRows(readModels);
    expect(rows).toEqual(await rebuiltRows(store, path.join(dir, 'rebuilt.sqlite')));
    expect(JSON.stringify(rows.auditLog.at(-1))).toContain('action 6.9');
    await store.close();
  });
});
