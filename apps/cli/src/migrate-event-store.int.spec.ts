import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import { EventStoreDbEventStore, SqliteEventStore, type EventStore } from '#event-store';
import { FakeEventStoreDbClient } from '#event-store/testing/fake-eventstoredb-client';
import { migrateEventStore } from './migrate-event-store.js';

let dir: string;
let source: SqliteEventStore;

const event = (type: string, data: Record<string, unknown> = {}) => ({ eventId: uuidv7(), type, data, metadata: { actor: { id: 'sue', displayName: 'Sue Ioannou' } } });

async function everything(store: EventStore) {
  return (await store.readAll()).map(({ position: _position, ...rest }) => rest);
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-migrate-esdb-'));
  // A clock in 2012, so the copy's recorded times are visibly the source's and not the migration's.
  let tick = Date.parse('2012-07-01T09:00:00.000Z');
  source = new SqliteEventStore({ path: path.join(dir, 'ledger.sqlite'), clock: () => new Date((tick += 60_000)) });
  await source.appendToStream('plan-a', [event('PlanCreated', { title: 'Ofsted 2012' }), event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });
  await source.appendToStream('access', [event('UserRegistered')], { expectedRevision: 'no_stream' });
  for (let i = 0; i < 5; i++) await source.appendToStream('plan-a', [event('ProgressUpdateRecorded', { i })], { expectedRevision: 'any' });
  await source.appendToStream('plan-b', [event('PlanCreated', { title: 'Laming 2009' })], { expectedRevision: 'no_stream' });
});

afterEach(async () => {
  await source.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrating a SQLite ledger to EventStoreDB (the adapter on an in-memory client double)', () => {
  it('copies every stream in log order with its revisions, recorded times and hashes, and verifies every chain', async () => {
    const target = new EventStoreDbEventStore({ client: new FakeEventStoreDbClient().asClient(), pageSize: 4 });
    const report = await migrateEventStore(source, target, { batchSize: 2 });
    expect(report).toMatchObject({ ok: true, events: 10, copied: 10, alreadyThere: 0, extraOnTarget: [] });
    expect(report.streams.map((s) => s.streamId)).toEqual(['plan-a', 'access', 'plan-b']);
    expect(await everything(target)).toEqual(await everything(source));
    expect((await target.readStream('plan-a'))[0]!.recordedAt).toBe('2012-07-01T09:01:00.000Z');
    await target.close();
  });

  it('resumes where an interrupted copy stopped, comparing what is already there', async () => {
    const server = new FakeEventStoreDbClient();
    const first = new EventStoreDbEventStore({ client: server.asClient() });
    const interrupted = migrateEventStore(source, first, {
      batchSize: 2,
      afterBatch: (batches) => {
        if (batches === 3) throw new Error('the connection dropped');
      },
    });
    await expect(interrupted).rejects.toThrow('the connection dropped');
    const partial = (await first.readAll()).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(10);
    await first.close();

    const second = new EventStoreDbEventStore({ client: server.asClient() });
    const report = await migrateEventStore(source, second, { batchSize: 2 });
    expect(report).toMatchObject({ ok: true, copied: 10 - partial, alreadyThere: partial });
    expect(await everything(second)).toEqual(await everything(source));
    await second.close();
  });
});
