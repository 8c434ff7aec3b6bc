import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepository } from '#application';
import type { StoredPlanEvent } from '#domain';
import { benchLikePlanEvents, prototypeNamedPlanEvents } from '#domain/rag-testing/bench-like-plan';
import { SqliteEventStore, type EventStore, type EventToAppend, type RecordedEvent } from '#event-store';
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

/** Project everything there is into the file (a catch-up from its checkpoint), then stop (as an API shutting down): the checkpoint before and after. */
async function projectAll(store: EventStore, file: string): Promise<{ from: bigint; to: bigint }> {
  const db = openReadModelDatabase(file);
  const projector = new PlanProjector(store, db, () => undefined);
  const from = projector.checkpoint;
  await projector.start();
  await projector.stop();
  db.close();
  return { from, to: projector.checkpoint };
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
    const caughtUp = await projectAll(view, readModels);
    expect(read.log).toBe(unprojected);
    expect(caughtUp.to - caughtUp.from).toBe(BigInt(unprojected));
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
    await projectAll(view, readModels);
    expect([...read.streams.keys()]).toEqual([`plan-${corrected.planId}`]);
    const rows = readModelRows(readModels);
    expect(rows).toEqual(await rebuiltRows(store, path.join(dir, 'rebuilt.sqlite')));
    expect(JSON.stringify(rows.auditLog.at(-1))).toContain('action 6.9');
    await store.close();
  });

  /**
   * Two generated plans of thousands of events (one with every Object.prototype name as an action or
   * recommendation id), in a stream each, their ids apart. Catch-up writes a page's audit rows in one
   * transaction, and the plans with the last page's; these runs cross pages and fold chunks at odd places.
   */
  function generatedPlans() {
    const retagged = (events: StoredPlanEvent[], tag: string) => JSON.parse(JSON.stringify(events).split('0190a5b0-0000-7000-8000-').join(`0190a5b0-0000-7000-${tag}-`)) as StoredPlanEvent[];
    return [retagged(benchLikePlanEvents({ maxEvents: 5_000 }), '8000'), retagged(prototypeNamedPlanEvents(), '9000')].map((events) => ({
      streamId: `plan-${(events[0]!.data as { planId: string }).planId}`,
      // The generator's PlanCreated predates organisation ids; the ledger's command gives each plan one.
      events: events.map((event): EventToAppend => ({ eventId: event.eventId, type: event.type, data: event.type === 'PlanCreated' ? { ...event.data, organisationId: 'central-bedfordshire' } : (event.data as Record<string, unknown>), metadata: event.metadata as Record<string, unknown> })),
    }));
  }

  /** Append the plans' events from `from` to `to` (a share of each), the plans taking turns in runs of `run` events. */
  async function appendShare(store: SqliteEventStore, plans: ReturnType<typeof generatedPlans>, from: number, to: number, run = 37) {
    const cut = (plan: (typeof plans)[number], share: number) => Math.floor(plan.events.length * share);
    for (let at = 0; ; at += run) {
      let appended = false;
      for (const plan of plans) {
        const start = cut(plan, from) + at;
        const end = Math.min(start + run, cut(plan, to));
        if (start >= end) continue;
        await store.appendToStream(plan.streamId, plan.events.slice(start, end), { expectedRevision: start === 0 ? 'no_stream' : BigInt(start - 1) });
        appended = true;
      }
      if (!appended) return;
    }
  }

  it('ends equal to a rebuild when the unprojected events span several pages of the log, on ids named after Object.prototype', async () => {
    const { dir, store, readModels } = await ledger();
    const plans = generatedPlans();
    await appendShare(store, plans, 0, 0.1);
    await projectAll(store, readModels);
    // More than two pages of 2,000 events behind, ending on a short page.
    await appendShare(store, plans, 0.1, 1);
    const { view, read } = counted(store);
    const caughtUp = await projectAll(view, readModels);
    const total = plans.reduce((n, plan) => n + plan.events.length, 0);
    expect(read.log).toBeGreaterThan(4_000);
    expect(caughtUp.to - caughtUp.from).toBe(BigInt(read.log));
    expect(caughtUp.to).toBe(BigInt(total));
    const rows = readModelRows(readModels);
    // Both plans folded (none quarantined), every event in the audit log.
    expect(rows.quarantinedPlans).toEqual([]);
    expect(rows.plans).toHaveLength(2);
    expect(rows.auditLog).toHaveLength(total);
    expect(rows).toEqual(await rebuiltRows(store, path.join(dir, 'rebuilt.sqlite')));
    await store.close();
  });

  it('carries on, and ends equal to a rebuild, when events are appended after the short page it took for the end, keeping what it folded before a correction made it read a plan\'s stream', async () => {
    const { dir, store, readModels } = await ledger();
    const plans = generatedPlans();
    await appendShare(store, plans, 0, 0.3);
    await projectAll(store, readModels);
    await appendShare(store, plans, 0.3, 0.6);
    // The store as the catch-up reads it: once it has handed out the first short page, the rest is appended.
    const { view } = counted(store);
    const pages: number[] = [];
    const read = view.readAll.bind(view);
    view.readAll = async (options) => {
      const page = await read(options);
      pages.push(page.length);
      if (page.length > 0 && page.length < 2_000 && pages.filter((n) => n > 0 && n < 2_000).length === 1) await appendShare(store, plans, 0.6, 1);
      return page;
    };
    const caughtUp = await projectAll(view, readModels);
    // Pages ended short twice: once before the rest was appended, once at the end; then the empty read.
    expect(pages.filter((n) => n > 0 && n < 2_000)).toHaveLength(2);
    expect(pages.at(-1)).toBe(0);
    const total = plans.reduce((n, plan) => n + plan.events.length, 0);
    expect(caughtUp.to).toBe(BigInt(total));
    const rows = readModelRows(readModels);
    expect(rows.quarantinedPlans).toEqual([]);
    expect(rows.auditLog).toHaveLength(total);
    expect(rows).toEqual(await rebuiltRows(store, path.join(dir, 'rebuilt.sqlite')));
    await store.close();
  });
});
