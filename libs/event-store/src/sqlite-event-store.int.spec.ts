import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { verifyChain } from '#integrity';
import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type EventToAppend,
  type RecordedEvent,
} from './event-store.js';
import { openEventStore } from './index.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { chainLinksOf } from './testing/chain-links.js';
import { holdWriteLockInChildProcess, runAppendersInChildProcesses } from './testing/child-process-writers.js';
import { describeEventStoreContract } from './testing/event-store-contract.js';

const POLL_MS = 25;

function temporaryFolder(): string {
  return mkdtempSync(join(tmpdir(), 'ledger-sqlite-'));
}

function event(type: string, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): EventToAppend {
  return { eventId: uuidv7(), type, data, metadata };
}

describeEventStoreContract('SqliteEventStore', async () => {
  const folder = temporaryFolder();
  // A nested path: the adapter creates the parent folders.
  const path = join(folder, 'nested', 'ledger.sqlite');
  // Small pages, so subscription catch-up crosses page boundaries.
  const store = new SqliteEventStore({ path, pollIntervalMs: POLL_MS, pageSize: 3 });
  return {
    store,
    openAnother: async () => new SqliteEventStore({ path, pollIntervalMs: POLL_MS, pageSize: 3 }),
    cleanup: async () => {
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
});

// Every append of more than one event through the worker thread's connection: the contract holds there too.
describeEventStoreContract('SqliteEventStore appending on its worker thread', async () => {
  const folder = temporaryFolder();
  const path = join(folder, 'ledger.sqlite');
  const store = new SqliteEventStore({ path, pollIntervalMs: POLL_MS, pageSize: 3, workerAppendThreshold: 1 });
  return {
    store,
    openAnother: async () => new SqliteEventStore({ path, pollIntervalMs: POLL_MS, pageSize: 3, workerAppendThreshold: 1 }),
    cleanup: async () => {
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
});

describe('SqliteEventStore on its file', () => {
  let folder: string;
  let path: string;
  const opened: Array<{ close(): unknown }> = [];
  const open = (options: Partial<ConstructorParameters<typeof SqliteEventStore>[0]> = {}) => {
    const store = new SqliteEventStore({ path, pollIntervalMs: POLL_MS, ...options });
    opened.push(store);
    return store;
  };
  const raw = () => {
    const db = new Database(path);
    opened.push(db);
    return db;
  };

  beforeEach(() => {
    folder = temporaryFolder();
    path = join(folder, 'ledger.sqlite');
  });

  afterEach(async () => {
    for (const handle of opened.splice(0).reverse()) await handle.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('is what openEventStore returns for a sqlite configuration', async () => {
    const store = openEventStore({ kind: 'sqlite', path: join(folder, 'configured', 'ledger.sqlite') });
    opened.push(store);
    expect(store).toBeInstanceOf(SqliteEventStore);
    await expect(store.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' })).resolves.toMatchObject({ nextExpectedRevision: 0n });
  });

  it('refuses an UPDATE or DELETE of a recorded event from another connection', async () => {
    const store = open();
    await store.appendToStream('plan-1', [event('PlanCreated', { title: 'Original' })], { expectedRevision: 'no_stream' });
    const db = raw();

    expect(() => db.prepare(`UPDATE events SET data = '{"title":"Rewritten"}'`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(() => db.prepare('UPDATE events SET recorded_at = ?').run('2000-01-01T00:00:00.000Z')).toThrow(/append-only/);

    const [recorded] = await store.readStream('plan-1');
    expect(recorded!.data).toEqual({ title: 'Original' });
    expect(verifyChain(chainLinksOf(await store.readStream('plan-1'))).ok).toBe(true);
  });

  it('reads ahead, for a rebuild: the events of some types, and the events with some ids, each in log order, exactly as readAll gives them', async () => {
    const store = open();
    await store.appendToStream('plan-1', [event('PlanCreated', { title: 'One' }), event('EntryCorrected', { n: 1 }), event('ActionAdded', { ref: '1.1' })], { expectedRevision: 'no_stream' });
    await store.appendToStream('plan-2', [event('EntryCorrected', { n: 2 }), event('EventVoided', { n: 3 })], { expectedRevision: 'no_stream' });
    const all = await store.readAll();
    expect(await store.readAllOfTypes(['EntryCorrected', 'EventVoided'])).toEqual(all.filter((e) => e.type === 'EntryCorrected' || e.type === 'EventVoided'));
    expect(await store.readAllOfTypes(['constructor', '__proto__'])).toEqual([]);
    const ids = [all[3]!.eventId, all[0]!.eventId, 'no-such-event', all[3]!.eventId];
    expect(await store.readEventsById(ids)).toEqual([all[0], all[3]]);
    expect(await store.readEventsById([])).toEqual([]);
  });

  it('refuses INSERT OR REPLACE and every other rewrite of a recorded row from another connection', async () => {
    const store = open();
    await store.appendToStream('plan-1', [event('PlanCreated', { title: 'Original' }), event('ActionAdded', { ref: '1.1' })], { expectedRevision: 'no_stream' });
    await store.appendToStream('plan-2', [event('PlanCreated', { title: 'Other' })], { expectedRevision: 'no_stream' });
    const before = await store.readAll();
    const last = before.find((e) => e.streamId === 'plan-1' && e.revision === 1n)!;
    const db = raw();
    const columns = '(stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash)';
    const values = (streamId: string, revision: number, eventId: string) => [streamId, revision, eventId, 'Forged', '{}', '{}', last.recordedAt, last.previousHash, last.hash];

    // Replace plan-1's last event in place (same stream and revision, a new event id).
    expect(() => db.prepare(`INSERT OR REPLACE INTO events ${columns} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...values('plan-1', 1, uuidv7()))).toThrow(/append-only/);
    expect(() => db.prepare(`REPLACE INTO events ${columns} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...values('plan-1', 1, uuidv7()))).toThrow(/append-only/);
    // Move it to another stream by its event id, or by its position in the log.
    expect(() => db.prepare(`INSERT OR REPLACE INTO events ${columns} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...values('plan-2', 1, last.eventId))).toThrow(/append-only/);
    expect(() =>
      db.prepare(`INSERT OR REPLACE INTO events (position, ${columns.slice(1)} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(last.position, ...values('plan-2', 1, uuidv7())),
    ).toThrow(/append-only/);
    // An upsert, and the other conflict clauses, fare no better.
    expect(() =>
      db.prepare(`INSERT INTO events ${columns} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream_id, revision) DO UPDATE SET type = 'Forged'`).run(...values('plan-1', 1, uuidv7())),
    ).toThrow(/append-only/);
    expect(() => db.prepare(`INSERT OR IGNORE INTO events ${columns} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...values('plan-1', 1, uuidv7()))).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE OR REPLACE events SET revision = 0 WHERE stream_id = 'plan-1' AND revision = 1").run()).toThrow(/append-only/);

    expect(await store.readAll()).toEqual(before);
    expect(verifyChain(chainLinksOf(await store.readStream('plan-1'))).ok).toBe(true);
  });

  it('adds the replace-refusing triggers to a file made before they existed', async () => {
    const first = open();
    await first.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    await first.close();
    raw().exec('DROP TRIGGER events_keep_their_revisions; DROP TRIGGER events_keep_their_ids; DROP TRIGGER events_keep_their_positions;');

    const reopened = open();
    const [recorded] = await reopened.readStream('plan-1');
    expect(() =>
      raw()
        .prepare('REPLACE INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash) VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?)')
        .run('plan-1', uuidv7(), 'Forged', '{}', '{}', recorded!.recordedAt, recorded!.previousHash, recorded!.hash),
    ).toThrow(/append-only/);
    await expect(reopened.appendToStream('plan-1', [event('ActionAdded')], { expectedRevision: 0n })).resolves.toMatchObject({ nextExpectedRevision: 1n });
  });

  it("drops the (stream_id, recorded_at) index of a file made by an earlier build, and changes nothing else", async () => {
    const first = open();
    await first.appendToStream('plan-1', [event('PlanCreated', { title: 'Plan' }), event('ActionAdded', { ref: '1.1' })], { expectedRevision: 'no_stream' });
    await first.appendToStream('plan-2', [event('PlanCreated', { title: 'Other' })], { expectedRevision: 'no_stream' });
    await first.close();
    const schema = (db: Database.Database) => db.prepare<[], [string, string]>("SELECT name, sql FROM sqlite_master WHERE name <> 'events_by_stream_recorded_at' ORDER BY name").raw().all();
    const rows = (db: Database.Database) => db.prepare('SELECT * FROM events ORDER BY position').raw().all();
    // The file as builds up to 1 December 2026 left it: this schema, and the index they created with it.
    const earlier = raw();
    earlier.exec('CREATE INDEX IF NOT EXISTS events_by_stream_recorded_at ON events (stream_id, recorded_at)');
    const schemaBefore = schema(earlier);
    const rowsBefore = rows(earlier);
    const version = earlier.pragma('user_version', { simple: true });
    const indexExists = (db: Database.Database) => db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events_by_stream_recorded_at'").pluck().get();
    expect(indexExists(earlier)).toBe(1);

    const reopened = open();
    const db = raw();
    expect(indexExists(db)).toBe(0);
    // Every other table, index and trigger as it was (the append-only guards among them), the rows byte for byte.
    expect(schema(db)).toEqual(schemaBefore);
    expect(rows(db)).toEqual(rowsBefore);
    expect(db.pragma('user_version', { simple: true })).toBe(version);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(verifyChain(chainLinksOf(await reopened.readStream('plan-1'))).ok).toBe(true);
    await expect(reopened.appendToStream('plan-1', [event('ActionAdded', { ref: '1.2' })], { expectedRevision: 1n })).resolves.toMatchObject({ nextExpectedRevision: 2n });
    expect(verifyChain(chainLinksOf(await reopened.readStream('plan-1'))).ok).toBe(true);
    await reopened.close();
    // An earlier build opening the file again creates the index again; the next open here drops it again.
    db.exec('CREATE INDEX IF NOT EXISTS events_by_stream_recorded_at ON events (stream_id, recorded_at)');
    const again = open();
    expect(indexExists(db)).toBe(0);
    expect((await again.readStream('plan-1')).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
  });

  it('keeps every acknowledged event across close and reopen, in WAL mode', async () => {
    const first = open();
    await first.appendToStream('plan-1', [event('PlanCreated'), event('ActionAdded')], { expectedRevision: 'no_stream' });
    await first.appendToStream('plan-2', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const before = await first.readAll();
    await first.close();

    const reopened = open();
    expect(await reopened.readAll()).toEqual(before);
    expect(verifyChain(chainLinksOf(await reopened.readStream('plan-1'))).ok).toBe(true);
    await expect(reopened.appendToStream('plan-1', [event('ActionAdded')], { expectedRevision: 1n })).resolves.toMatchObject({ nextExpectedRevision: 2n });
    expect(await reopened.listStreams('plan-')).toEqual(['plan-1', 'plan-2']);
    expect(raw().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('names the altered revision when someone drops the triggers and changes one byte of an event', async () => {
    const store = open();
    await store.appendToStream('plan-1', [event('PlanCreated', { title: 'Plan' }), event('ActionAdded', { owner: 'DSL', due: '2025-03-31' })], { expectedRevision: 'no_stream' });
    await store.appendToStream('plan-1', [event('ActionCompleted', { note: 'done' })], { expectedRevision: 1n });
    expect(verifyChain(chainLinksOf(await store.readStream('plan-1'))).ok).toBe(true);

    const db = raw();
    db.exec('DROP TRIGGER events_are_not_updated; DROP TRIGGER events_are_not_deleted;');
    const original = db.prepare<[], string>("SELECT data FROM events WHERE stream_id = 'plan-1' AND revision = 1").pluck().get()!;
    const altered = original.replace('2025-03-31', '2025-09-31');
    expect(altered).not.toBe(original);
    expect(altered).toHaveLength(original.length);
    db.prepare("UPDATE events SET data = ? WHERE stream_id = 'plan-1' AND revision = 1").run(altered);

    const verification = verifyChain(chainLinksOf(await store.readStream('plan-1')));
    expect(verification).toMatchObject({ ok: false, brokenAtRevision: 1 });
  });

  it('uses the injected clock, and never records an instant earlier than the last one in the file', async () => {
    let now = new Date('2025-02-01T10:00:00.000Z');
    const store = open({ clock: () => now });
    await store.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    now = new Date('2025-02-01T09:00:00.000Z'); // the host clock steps back an hour
    await store.appendToStream('plan-1', [event('ActionAdded')], { expectedRevision: 0n });
    now = new Date('2025-02-01T10:00:00.250Z');
    await store.appendToStream('plan-2', [event('PlanCreated')], { expectedRevision: 'no_stream' });

    // Another instance on the same file, with a clock far behind: the file's last instant still wins.
    const lagging = open({ clock: () => new Date('2024-12-25T00:00:00.000Z') });
    await lagging.appendToStream('plan-3', [event('PlanCreated')], { expectedRevision: 'no_stream' });

    expect((await store.readAll()).map((e) => [e.streamId, e.recordedAt])).toEqual([
      ['plan-1', '2025-02-01T10:00:00.000Z'],
      ['plan-1', '2025-02-01T10:00:00.000Z'],
      ['plan-2', '2025-02-01T10:00:00.250Z'],
      ['plan-3', '2025-02-01T10:00:00.250Z'],
    ]);
    expect((await store.readStream('plan-1', { recordedUpTo: '2025-02-01T10:00:00Z' })).map((e) => e.revision)).toEqual([0n, 1n]);
    expect(await store.readStream('plan-1', { recordedUpTo: '2025-02-01T11:59:59.999+02:00' })).toEqual([]);
  });

  it('rolls back the events already inserted when a later event of the batch reuses a recorded eventId', async () => {
    const store = open();
    const recorded = event('PlanCreated');
    await store.appendToStream('plan-1', [recorded], { expectedRevision: 'no_stream' });

    const error = await store
      .appendToStream('plan-2', [event('PlanCreated'), event('ActionAdded'), { ...event('ActionAdded'), eventId: recorded.eventId }], { expectedRevision: 'no_stream' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateEventIdError);
    expect(error).toMatchObject({ code: 'DUPLICATE_EVENT_ID', eventId: recorded.eventId });
    expect(await store.readStream('plan-2')).toEqual([]);
    expect(await store.listStreams('plan-')).toEqual(['plan-1']);
    expect(raw().prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(1);
  });

  // Issue 21, round 4: up to 50 rows go in one INSERT statement. 123 events are three statements (50, 50, 23).
  it('inserts a batch in several multi-row statements with dense positions and revisions, exactly as given, and rolls all of them back if the last statement fails', async () => {
    const store = open();
    await store.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const batch = Array.from({ length: 123 }, (_, i) => event('ProgressRecorded', { i, note: `entry ${i}`, nested: { z: i, a: [i, { y: 1, b: 2 }] } }, { actor: 'sue', n: i }));
    const start = (await store.readAll()).at(-1)!.position;
    const result = await store.appendToStream('plan-1', batch, { expectedRevision: 0n });
    expect(result).toEqual({ nextExpectedRevision: 123n, position: start + 123n });
    const recorded = await store.readStream('plan-1', { fromRevision: 1n });
    expect(recorded.map((e) => [e.revision, e.position, e.eventId])).toEqual(batch.map((e, i) => [BigInt(i + 1), start + 1n + BigInt(i), e.eventId]));
    expect(recorded.map((e) => JSON.stringify([e.data, e.metadata]))).toEqual(batch.map((e) => JSON.stringify([e.data, e.metadata])));
    expect(verifyChain(chainLinksOf(await store.readStream('plan-1'))).ok).toBe(true);
    // The columns hold JSON.stringify's bytes of what was given (round 5: made by the copying walk, not stringified again).
    const columns = raw().prepare<[], [string, string]>("SELECT data, metadata FROM events WHERE stream_id = 'plan-1' AND revision > 0 ORDER BY revision").raw().all();
    expect(columns).toEqual(batch.map((e) => [JSON.stringify(e.data), JSON.stringify(e.metadata)]));

    // The 120th event (in the third statement) reuses a recorded id: the first two statements' rows go too.
    const failing = Array.from({ length: 123 }, () => event('ProgressRecorded'));
    failing[119] = { ...failing[119]!, eventId: batch[5]!.eventId };
    await expect(store.appendToStream('plan-1', failing, { expectedRevision: 123n })).rejects.toBeInstanceOf(DuplicateEventIdError);
    expect(raw().prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(124);
    await expect(store.appendToStream('plan-1', [event('ActionAdded')], { expectedRevision: 123n })).resolves.toMatchObject({ nextExpectedRevision: 124n });
  });

  // Issue 21, round 4: checkpoints run on the worker thread's connection, off every append's COMMIT.
  it('checkpoints in the background, so the database file alone holds what was appended, and the WAL stays far below the backstop', async () => {
    const store = open();
    let expected: bigint | 'no_stream' = 'no_stream';
    for (let i = 0; i < 450; i++) expected = (await store.appendToStream('plan-1', [event('ProgressRecorded', { i })], { expectedRevision: expected })).nextExpectedRevision;
    await store.whenCheckpointed();
    // 450 single appends write ~2,000 WAL pages: short of the 4,000-page backstop this connection keeps, so only
    // a background checkpoint can have put events into the database file by now. Read the file without its WAL.
    const copy = join(folder, 'file-alone.sqlite');
    copyFileSync(path, copy);
    const alone = new Database(copy, { readonly: true });
    opened.push(alone);
    expect(alone.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBeGreaterThanOrEqual(200);
    expect(alone.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(statSync(`${path}-wal`).size).toBeLessThan(4_000 * 4096);
    expect((await store.readStream('plan-1')).map((e) => e.data.i)).toEqual(Array.from({ length: 450 }, (_, i) => i));
    expect(verifyChain(chainLinksOf(await store.readStream('plan-1'))).ok).toBe(true);
  });

  it("leaves checkpoints to SQLite's COMMIT when asked to ('on-commit'), which the database file alone then shows", async () => {
    const store = open({ walCheckpoint: 'on-commit' });
    let expected: bigint | 'no_stream' = 'no_stream';
    for (let i = 0; i < 250; i++) expected = (await store.appendToStream('plan-1', [event('ProgressRecorded', { i })], { expectedRevision: expected })).nextExpectedRevision;
    await store.whenCheckpointed();
    const copy = join(folder, 'file-alone.sqlite');
    copyFileSync(path, copy);
    const alone = new Database(copy, { readonly: true });
    opened.push(alone);
    // ~1,100 pages: SQLite's own checkpoint at 1,000 ran inside a COMMIT here, on this connection.
    expect(alone.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBeGreaterThan(0);
    expect(await store.readStream('plan-1')).toHaveLength(250);
  });

  it('reports a writer that slipped a row in under our revision as WrongExpectedRevisionError, not an SQLite error', async () => {
    const store = open();
    await store.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const victim = event('ActionAdded');
    // BEGIN IMMEDIATE makes this race impossible for writers that follow the protocol, so simulate one that does
    // not: a trigger inserts a row at the same (stream, revision) just before ours, inside our transaction.
    raw().exec(`
      CREATE TRIGGER sneaky_writer BEFORE INSERT ON events WHEN NEW.event_id = '${victim.eventId}'
      BEGIN
        INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash)
        VALUES (NEW.stream_id, NEW.revision, '${uuidv7()}', 'Sneaky', '{}', '{}', NEW.recorded_at, NEW.previous_hash, NEW.hash);
      END;`);

    const error = await store.appendToStream('plan-1', [victim], { expectedRevision: 0n }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ streamId: 'plan-1', expected: 0n });
    expect((await store.readStream('plan-1')).map((e) => e.type)).toEqual(['PlanCreated']);
  });

  it('waits for another process holding the write lock, then reports its append as a conflict', async () => {
    const store = open();
    await store.appendToStream('plan-0', [event('PlanCreated')], { expectedRevision: 'no_stream' }); // creates the schema
    const holder = holdWriteLockInChildProcess({ path, streamId: 'plan-1', eventId: uuidv7(), holdMs: 400 });
    await holder.locked;

    const startedAt = Date.now();
    const error = await store.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' }).catch((e: unknown) => e);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(100);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ expected: 'no_stream', actual: 0n });
    await holder.exited;
    expect((await store.readStream('plan-1')).map((e) => e.type)).toEqual(['WrittenByAnotherProcess']);
  });

  it('reports a write lock held longer than busy_timeout as EventStoreUnavailableError', async () => {
    const store = open({ busyTimeoutMs: 150 });
    await store.appendToStream('plan-0', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const holder = holdWriteLockInChildProcess({ path, streamId: 'plan-1', eventId: uuidv7(), holdMs: 1200 });
    await holder.locked;

    const error = await store.appendToStream('plan-2', [event('PlanCreated')], { expectedRevision: 'no_stream' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    await holder.exited;
    await expect(store.appendToStream('plan-2', [event('PlanCreated')], { expectedRevision: 'no_stream' })).resolves.toMatchObject({ nextExpectedRevision: 0n });
  });

  it('keeps one stream dense and chained while three processes and two in-process instances append at once', async () => {
    const store = open();
    await store.appendToStream('plan-0', [event('PlanCreated')], { expectedRevision: 'no_stream' }); // schema first, then race
    const delivered: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({
      onEvent: (e) => {
        if (e.streamId === 'plan-shared') delivered.push(e);
      },
    });
    opened.push(subscription);

    const children = runAppendersInChildProcesses({ path, streamId: 'plan-shared', processes: 3, appendsPerProcess: 15, startAt: Date.now() + 1500 });
    const locals = [open(), open()];
    let localConflicts = 0;
    const localIds: string[] = [];
    await new Promise((resolve) => setTimeout(resolve, 1400));
    await Promise.all(
      Array.from({ length: 6 }, async (_, writer) => {
        const instance = locals[writer % 2]!;
        for (let sequence = 0; sequence < 5; sequence += 1) {
          const appended = event('ProgressRecorded', { writer: `local-${writer}`, sequence });
          for (;;) {
            const head = await instance.streamSummary('plan-shared');
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            try {
              await instance.appendToStream('plan-shared', [appended], { expectedRevision: head ? head.revision : 'no_stream' });
              break;
            } catch (error) {
              if (!(error instanceof WrongExpectedRevisionError)) throw error;
              localConflicts += 1;
            }
          }
          localIds.push(appended.eventId);
        }
      }),
    );
    const reports = await children.finished;

    const allIds = [...localIds, ...reports.flatMap((report) => report.eventIds)];
    const events = await store.readStream('plan-shared');
    expect(events).toHaveLength(3 * 15 + 6 * 5);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
    expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(allIds));
    expect(verifyChain(chainLinksOf(events))).toMatchObject({ ok: true, length: events.length });
    for (const report of reports) {
      expect(events.filter((e) => e.data.writer === report.writer).map((e) => e.data.sequence)).toEqual([...Array(15).keys()]);
    }
    expect(localConflicts + reports.reduce((sum, report) => sum + report.conflicts, 0)).toBeGreaterThan(0);

    // The live subscription saw the other processes' appends by polling: all of them, in order, once each.
    const deadline = Date.now() + 5000;
    while (delivered.length < events.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivered).toEqual(events);
  });
});

describe('SqliteEventStore appending a large batch (issue 14, finding 6)', () => {
  let folder: string;
  let store: SqliteEventStore;
  const many = (count: number) => Array.from({ length: count }, (_, i) => event(i === 0 ? 'PlanCreated' : 'ActionAdded', { actionId: `a${i}`, title: `Action ${i} — ré-évaluation` }));
  const ordered = (events: readonly RecordedEvent[]) => events.every((e, i) => i === 0 || events[i - 1]!.recordedAt <= e.recordedAt);

  beforeEach(() => {
    folder = temporaryFolder();
    let tick = Date.parse('2025-03-01T09:00:00.000Z');
    store = new SqliteEventStore({ path: join(folder, 'ledger.sqlite'), pollIntervalMs: POLL_MS, clock: () => new Date((tick += 1_000)) });
  });
  afterEach(async () => {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('gives the event loop back while it prepares, and stores a chain the pure verifier accepts', async () => {
    let ranMeanwhile = false;
    const appending = store.appendToStream('plan-1', many(2_000), { expectedRevision: 'no_stream' });
    setImmediate(() => (ranMeanwhile = true));
    const result = await appending;
    expect(ranMeanwhile).toBe(true);
    expect(result.nextExpectedRevision).toBe(1_999n);
    const stored = await store.readStream('plan-1');
    expect(stored).toHaveLength(2_000);
    expect(new Set(stored.map((e) => e.recordedAt)).size).toBe(1);
    expect(verifyChain(chainLinksOf(stored))).toMatchObject({ ok: true, length: 2_000, head: stored[1_999]!.hash });
  });

  it('writes nothing when an event late in a large batch is bad', async () => {
    const events = many(1_000);
    events[900] = { ...events[900]!, eventId: 'not-a-uuid' };
    await expect(store.appendToStream('plan-1', events, { expectedRevision: 'no_stream' })).rejects.toThrow(/event 900 of the batch for plan-1: eventId must be a UUID/);
    expect(await store.readAll()).toEqual([]);
  });

  it('refuses the whole batch if another append moved the stream past the expected revision while it was prepared', async () => {
    await store.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const appending = store.appendToStream('plan-1', many(1_000), { expectedRevision: 0n }).catch((e: unknown) => e);
    await store.appendToStream('plan-1', [event('ActionAdded')], { expectedRevision: 0n });
    expect(await appending).toBeInstanceOf(WrongExpectedRevisionError);
    expect((await store.readStream('plan-1')).map((e) => e.revision)).toEqual([0n, 1n]);
  });

  it('chains again under the lock when the stream or the last instant moved while it was prepared', async () => {
    await store.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const sameStream = store.appendToStream('plan-1', many(1_000), { expectedRevision: 'any' });
    await store.appendToStream('plan-1', [event('ActionAdded')], { expectedRevision: 0n });
    await sameStream;
    const otherStream = store.appendToStream('plan-1', many(1_000), { expectedRevision: 1_001n });
    // A later instant recorded elsewhere in the file: the batch must not be stamped before it.
    await store.appendToStream('plan-2', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    await otherStream;
    const stream = await store.readStream('plan-1');
    expect(stream.map((e) => e.revision)).toEqual(Array.from({ length: 2_002 }, (_, i) => BigInt(i)));
    expect(verifyChain(chainLinksOf(stream))).toMatchObject({ ok: true, length: 2_002 });
    expect(ordered(await store.readAll())).toBe(true);
    const plan2 = (await store.readStream('plan-2'))[0]!;
    expect(stream[1_001]!.recordedAt > plan2.recordedAt).toBe(false);
    expect(stream[1_002]!.recordedAt >= plan2.recordedAt).toBe(true);
  });

  it('runs a large append on its worker thread while an append of this instance waits its turn, never in busy_timeout', async () => {
    // busy_timeout 0: had the second append tried SQLite's lock while the worker held it, it would fail at once.
    const eager = new SqliteEventStore({ path: join(folder, 'queued.sqlite'), pollIntervalMs: POLL_MS, busyTimeoutMs: 0 });
    try {
      let done = false;
      const large = eager.appendToStream('plan-1', many(2_000), { expectedRevision: 'no_stream' }).finally(() => (done = true));
      // Single appends one after another all the while, so one of them is asked for while the worker holds SQLite's lock.
      const positions: bigint[] = [];
      for (let i = 0; !done; i++) {
        positions.push((await eager.appendToStream(`plan-small-${i}`, [event('PlanCreated')], { expectedRevision: 'no_stream' })).position);
        await new Promise((resolve) => setImmediate(resolve)); // an append that resolves at once must not starve the large one
      }
      const first = await large;
      expect(first.nextExpectedRevision).toBe(1_999n);
      expect(positions.some((position) => position > first.position)).toBe(true);
      const stream = await eager.readStream('plan-1');
      expect(verifyChain(chainLinksOf(stream))).toMatchObject({ ok: true, length: 2_000 });
    } finally {
      await eager.close();
    }
  });

  it('refuses a large batch that reuses a recorded event id as DuplicateEventIdError, and writes none of it', async () => {
    const recorded = await store.appendToStream('plan-0', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const taken = (await store.readStream('plan-0'))[0]!.eventId;
    const events = many(1_000);
    events[999] = { ...events[999]!, eventId: taken };
    const error = await store.appendToStream('plan-1', events, { expectedRevision: 'no_stream' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateEventIdError);
    expect(error).toMatchObject({ eventId: taken });
    expect((await store.readAll()).map((e) => e.position)).toEqual([recorded.position]);
  });

  it('checks the expected revision and chains again when another process wrote the stream while the worker waited for the lock', async () => {
    const path = join(folder, 'ledger.sqlite');
    await store.appendToStream('plan-0', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const holder = holdWriteLockInChildProcess({ path, streamId: 'plan-1', eventId: uuidv7(), holdMs: 400 });
    await holder.locked;
    // Chained against a stream that does not exist yet; by the time the worker has the lock, it does.
    const refused = await store.appendToStream('plan-1', many(1_000), { expectedRevision: 'no_stream' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WrongExpectedRevisionError);
    expect(refused).toMatchObject({ expected: 'no_stream', actual: 0n });
    await holder.exited;
    const second = holdWriteLockInChildProcess({ path, streamId: 'plan-2', eventId: uuidv7(), holdMs: 400 });
    await second.locked;
    const appended = store.appendToStream('plan-2', many(1_000), { expectedRevision: 'any' });
    await second.exited;
    expect(await appended).toMatchObject({ nextExpectedRevision: 1_000n });
    const stream = await store.readStream('plan-2');
    expect(stream.map((e) => e.type).slice(0, 2)).toEqual(['WrittenByAnotherProcess', 'PlanCreated']);
    expect(stream.map((e) => e.revision)).toEqual(Array.from({ length: 1_001 }, (_, i) => BigInt(i)));
    // The foreign row's hash is made up, so the chain is checked from the first of ours: linked onto it, and on.
    expect(stream[1]!.previousHash).toBe(stream[0]!.hash);
    expect(stream.slice(2).every((e, i) => e.previousHash === stream[i + 1]!.hash)).toBe(true);
    expect(stream[1]!.recordedAt >= stream[0]!.recordedAt).toBe(true);
  });
});
