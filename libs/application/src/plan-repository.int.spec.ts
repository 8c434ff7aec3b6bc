import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { isDeepStrictEqual } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { foldPlan, planStreamName, readablePlanEvents, type CommandMetadata, type PlanCommand, type PlanState } from '#domain';
import { SqliteEventStore } from '#event-store';
import { PlanRepository } from './plan-repository.js';
import { openSqliteLedger, type SqliteLedger } from './testing/sqlite-ledger.js';

/**
 * The repository reads with upcastPlanEventFast (the compiled parse) where every other reader's reference is
 * upcastPlanEvent (zod): the plan it folds must be the very plan zod's reading folds, to the key order and the
 * prototypes, for events the fast path takes and for those it hands to zod (an older schema version, text not
 * yet trimmed, a key the schema does not name).
 */
let ledger: SqliteLedger;
const planId = '018f0000-0000-7000-8000-0000000000ac';
const stream = planStreamName(planId);
const actor = { id: 'rachel.deakin', displayName: 'Rachel Deakin' };
const meta: CommandMetadata = { actor, correlationId: 'request-1', causationId: 'cause-1' };
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** The plan as zod's reading of the whole stream folds it. */
async function foldedByZod(): Promise<PlanState> {
  return foldPlan(readablePlanEvents(await ledger.store.readStream(stream)));
}

function expectSamePlan(actual: PlanState, expected: PlanState): void {
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  expect(isDeepStrictEqual(actual, expected)).toBe(true);
}

/** Events written past the ledger's validator, as an older build or another writer left them in the file. */
async function appendRaw(events: { type: string; data: Record<string, unknown>; schemaVersion: number }[]): Promise<void> {
  const raw = new SqliteEventStore({ path: `${ledger.dir}/ledger.sqlite` });
  try {
    const head = await raw.streamSummary(stream);
    await raw.appendToStream(
      stream,
      events.map(({ type, data, schemaVersion }) => ({ eventId: uuidv7(), type, data, metadata: { schemaVersion, actor, correlationId: 'raw' } })),
      { expectedRevision: head ? head.revision : 'no_stream' },
    );
  } finally {
    await raw.close();
  }
}

beforeEach(() => {
  ledger = openSqliteLedger('ledger-repository-');
});

afterEach(async () => {
  await ledger.close();
});

describe('the plan repository', () => {
  it('folds the plan zod reads, for refs named after every Object.prototype name and events the fast path hands to zod, on a first load and onto its snapshot', async () => {
    // A v1 PlanCreated (upcast by zod's path) with untrimmed words (trimmed by zod).
    await appendRaw([{ type: 'PlanCreated', data: { planId, title: '  Laming 2009 action plan ', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' }, schemaVersion: 1 }]);
    const [recommendation] = (await ledger.service.execute(planId, { type: 'AddRecommendation', ref: '6', text: 'Review referrals.' } as PlanCommand, meta)).events;
    const recommendationId = (recommendation!.data as { recommendationId: string }).recommendationId;
    const actionIds: string[] = [];
    for (const ref of PROTOTYPE_NAMES) {
      const [added] = (await ledger.service.execute(planId, { type: 'AddAction', ref, recommendationId, description: `Audit ${ref}`, leads: [], target: '31 March 2013', dependencies: [] } as PlanCommand, meta)).events;
      actionIds.push((added!.data as { actionId: string }).actionId);
    }
    await Promise.all(actionIds.map((actionId, i) => ledger.service.execute(planId, { type: 'RecordProgressUpdate', actionId, narrative: `Note ${i}` } as PlanCommand, meta)));
    // A note with untrimmed words and a key its schema does not name: zod trims and strips, the fast path declines.
    await appendRaw([{ type: 'ProgressUpdateRecorded', data: { actionId: actionIds[0], narrative: '  untrimmed note  ', asAt: '2012-05-02', unnamed: 1 }, schemaVersion: 1 }]);

    const fresh = new PlanRepository(ledger.store);
    const loaded = await fresh.load(planId);
    expect(loaded.organisationId).toBe('central-bedfordshire-council');
    expect(loaded.title).toBe('Laming 2009 action plan');
    expectSamePlan(loaded, await foldedByZod());

    // Onto the snapshot: the events appended since, read and folded onto the plan loaded above.
    await ledger.service.execute(planId, { type: 'RecordProgressUpdate', actionId: actionIds.at(-1)!, narrative: 'After the snapshot' } as PlanCommand, meta);
    await appendRaw([{ type: 'ProgressUpdateRecorded', data: { actionId: actionIds[1], narrative: ' late, untrimmed ', asAt: '2012-05-03' }, schemaVersion: 1 }]);
    const onSnapshot = await fresh.load(planId);
    expect(onSnapshot.revision).toBe(loaded.revision + 2);
    expectSamePlan(onSnapshot, await foldedByZod());
  });
});
