import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import { InvalidEventError } from '#event-store';
import { openSqliteLedger, type SqliteLedger } from './testing/sqlite-ledger.js';

/** The store opened with the ledger's validator refuses what the schemas refuse, before writing anything. */
let ledger: SqliteLedger;
const actor = { id: 'rachel.deakin', displayName: 'Rachel Deakin' };
const planId = '018f0000-0000-7000-8000-0000000000aa';
const stream = `plan-${planId}`;

function planCreated(metadata: Record<string, unknown> = { schemaVersion: 2, actor, correlationId: 'c-1' }) {
  return { eventId: uuidv7(), type: 'PlanCreated', data: { planId, title: 'Plan', organisation: 'A council', organisationId: 'a-council', respondsTo: 'Ofsted' }, metadata };
}

async function positionOfLast(): Promise<number> {
  return (await ledger.store.readAll()).length;
}

beforeEach(() => {
  ledger = openSqliteLedger('ledger-validator-');
});

afterEach(async () => {
  await ledger.close();
});

describe('the store with the ledger validator', () => {
  it('appends an event that matches its schema', async () => {
    await ledger.store.appendToStream(stream, [planCreated()], { expectedRevision: 'no_stream' });
    expect(await positionOfLast()).toBe(1);
  });

  it.each([
    ['data missing a required field (a progress note with no actionId)', { type: 'ProgressUpdateRecorded', data: { narrative: 'x', asAt: '2026-01-05' } }, 'data.actionId'],
    ['data with a field the schema does not name', { type: 'ProgressUpdateRecorded', data: { actionId: 'a', narrative: 'x', asAt: '2026-01-05', extra: 1 } }, 'data'],
    ['a NUL character in a text field', { type: 'ProgressUpdateRecorded', data: { actionId: 'a', narrative: 'x\u0000y', asAt: '2026-01-05' } }, 'data.narrative'],
    ['a type the plan does not know', { type: 'PlanDeleted', data: {} }, 'type'],
  ])('refuses %s, naming where, and writes none of the batch', async (_what, bad, path) => {
    await ledger.store.appendToStream(stream, [planCreated()], { expectedRevision: 'no_stream' });
    const good = { eventId: uuidv7(), type: 'ProgressUpdateRecorded', data: { actionId: 'a', narrative: 'fine', asAt: '2026-01-05' }, metadata: { schemaVersion: 1, actor, correlationId: 'c-2' } };
    const error = await ledger.store
      .appendToStream(stream, [good, { eventId: uuidv7(), metadata: { schemaVersion: 1, actor, correlationId: 'c-2' }, ...bad }], { expectedRevision: 0n })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).details.map((d) => d.path)).toContain(path);
    expect(await positionOfLast()).toBe(1);
  });

  it('refuses metadata whose actor has no name (as a token for an unregistered user once wrote)', async () => {
    const error = await ledger.store.appendToStream(stream, [planCreated({ schemaVersion: 2, actor: { role: 'admin' }, correlationId: 'c' })], { expectedRevision: 'no_stream' }).catch((e: unknown) => e);
    expect((error as InvalidEventError).details.map((d) => d.path)).toEqual(['metadata.actor.id', 'metadata.actor.displayName']);
    expect(await positionOfLast()).toBe(0);
  });

  it('refuses an old schema version for a new event, and a stream the ledger does not write', async () => {
    await expect(ledger.store.appendToStream(stream, [planCreated({ schemaVersion: 1, actor, correlationId: 'c' })], { expectedRevision: 'no_stream' })).rejects.toThrow('metadata.schemaVersion must be 2');
    await expect(ledger.store.appendToStream('scratch', [planCreated()], { expectedRevision: 'no_stream' })).rejects.toThrow('is not a stream this ledger writes');
    expect(await positionOfLast()).toBe(0);
  });

  it('refuses an access event that fails its schema', async () => {
    const error = await ledger.store
      .appendToStream('access', [{ eventId: uuidv7(), type: 'TokenIssued', data: { tokenId: 't', userId: 'constructor', role: 'admin' }, metadata: { schemaVersion: 1, actor, correlationId: 'c' } }], { expectedRevision: 'any' })
      .catch((e: unknown) => e);
    expect((error as InvalidEventError).details.map((d) => d.path)).toEqual(['data.tokenSha256', 'data.expiresAt']);
  });
});
