import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { EventStoreDbEventStore, SqliteEventStore, type EventToAppend } from '#event-store';
import { describeEventStoreContract } from '#event-store/testing/event-store-contract';
import { FakeEventStoreDbClient } from '#event-store/testing/fake-eventstoredb-client';
import { openLedgerStore } from './ledger-store.js';
import { checkStreamIntegrity } from './plan-integrity.js';
import { SignedHeadLog } from './signed-head-log.js';

function event(type: string, data: Record<string, unknown> = {}): EventToAppend {
  return { eventId: uuidv7(), type, data, metadata: {} };
}

const DROP_EVENT_TRIGGERS = `
  DROP TRIGGER events_are_not_updated; DROP TRIGGER events_are_not_deleted;
  DROP TRIGGER events_keep_their_revisions; DROP TRIGGER events_keep_their_ids; DROP TRIGGER events_keep_their_positions;`;

// The signing wrapper must not change what the store does: the same contract as the bare adapters.
describeEventStoreContract('HeadSigningEventStore over SQLite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-heads-contract-'));
  const files = { store: { kind: 'sqlite' as const, path: path.join(dir, 'ledger.sqlite') }, signedHeadsPath: path.join(dir, 'signed-heads.sqlite'), signingKeyDir: path.join(dir, 'keys') };
  const store = openLedgerStore(files, new SqliteEventStore({ path: files.store.path, pollIntervalMs: 25, pageSize: 3 }));
  const inner = store.inner;
  return {
    store,
    openAnother: async () => openLedgerStore(files, new SqliteEventStore({ path: files.store.path, pollIntervalMs: 25, pageSize: 3 })),
    cleanup: async () => {
      await store.close();
      await inner.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('the signed heads the ledger keeps of its own streams', () => {
  let dir: string;
  let files: { store: { kind: 'sqlite'; path: string }; signedHeadsPath: string; signingKeyDir: string };
  const opened: Array<{ close(): unknown }> = [];
  // A bare adapter handed in: these tests append placeholder events, which the ledger's own validator would refuse.
  const open = () => {
    const inner = new SqliteEventStore({ path: files.store.path });
    const store = openLedgerStore(files, inner);
    opened.push(inner, store);
    return store;
  };
  const raw = () => {
    const db = new Database(files.store.path);
    opened.push(db);
    return db;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ledger-heads-'));
    files = { store: { kind: 'sqlite', path: path.join(dir, 'ledger.sqlite') }, signedHeadsPath: path.join(dir, 'signed-heads.sqlite'), signingKeyDir: path.join(dir, 'keys') };
  });

  afterEach(async () => {
    for (const handle of opened.splice(0).reverse()) await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function planOfFive() {
    const store = open();
    await store.appendToStream('plan-1', [event('PlanCreated'), event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });
    await store.appendToStream('plan-1', [event('ProgressUpdateRecorded'), event('ActionCompleted')], { expectedRevision: 2n });
    await store.appendToStream('plan-2', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    return store;
  }

  it('signs and records the head after every append, and finds the chain reaching it', async () => {
    const store = await planOfFive();
    const heads = store.heads.headsOf('plan-1');
    expect(heads.map((head) => head.size)).toEqual([5, 3]);
    const result = await checkStreamIntegrity(store, 'plan-1');
    expect(result).toMatchObject({ ok: true, length: 5, signedHead: { size: 5, signedAt: heads[0]!.signedAt } });
  });

  it('detects the last events deleted with the triggers dropped, naming the head and both sizes', async () => {
    const store = await planOfFive();
    const signedAt = store.heads.headsOf('plan-1')[0]!.signedAt;
    const db = raw();
    db.exec(DROP_EVENT_TRIGGERS);
    db.prepare("DELETE FROM events WHERE stream_id = 'plan-1' AND revision >= 3").run();

    const result = await checkStreamIntegrity(store, 'plan-1');
    expect(result).toMatchObject({ ok: false, length: 3, brokenAtRevision: 3 });
    expect(result.ok ? '' : result.problem).toContain(`the log is shorter than the head signed at ${signedAt} (5 events, now 3)`);
    // The other stream was not touched and still holds.
    expect(await checkStreamIntegrity(store, 'plan-2')).toMatchObject({ ok: true, length: 1 });
  });

  it('detects the last row moved to another stream', async () => {
    const store = await planOfFive();
    const db = raw();
    db.exec(DROP_EVENT_TRIGGERS);
    db.prepare("UPDATE events SET stream_id = 'plan-3', revision = 0 WHERE stream_id = 'plan-1' AND revision = 4").run();

    const result = await checkStreamIntegrity(store, 'plan-1');
    expect(result).toMatchObject({ ok: false, length: 4, brokenAtRevision: 4 });
    expect(result.ok ? '' : result.problem).toMatch(/the log is shorter than the head signed at .* \(5 events, now 4\)/);
  });

  it('detects a tail rewritten with recomputed hashes, which the chain alone cannot', async () => {
    const store = await planOfFive();
    const db = raw();
    db.exec(DROP_EVENT_TRIGGERS);
    db.prepare("DELETE FROM events WHERE stream_id = 'plan-1' AND revision = 4").run();
    // Re-appending through the store makes a chain that verifies; the head signed at 5 names another event.
    const bare = new SqliteEventStore({ path: files.store.path });
    opened.push(bare);
    await bare.appendToStream('plan-1', [event('ActionCompleted', { forged: true })], { expectedRevision: 3n });

    const result = await checkStreamIntegrity(store, 'plan-1');
    expect(result).toMatchObject({ ok: false, brokenAtRevision: 4 });
    expect(result.ok ? '' : result.problem).toMatch(/revision 4 is not the event the head signed at .* names/);
  });

  it('keeps its record out of reach of the events file: deleting every head needs the other file', async () => {
    await planOfFive();
    const heads = new Database(files.signedHeadsPath);
    opened.push(heads);
    expect(() => heads.prepare('DELETE FROM signed_heads').run()).toThrow(/append-only/);
    expect(() => heads.prepare('UPDATE signed_heads SET size = 1').run()).toThrow(/append-only/);
    expect(() => heads.prepare('INSERT OR REPLACE INTO signed_heads (id, stream_id, size, head_hash, signed_at, key_fingerprint, signature) VALUES (1, ?, 1, ?, ?, ?, ?)').run('plan-1', 'x', 'x', 'x', 'x')).toThrow(/append-only/);
  });

  it('starts the record on a file that had events before heads were kept, then catches a later truncation', async () => {
    const bare = new SqliteEventStore({ path: files.store.path });
    await bare.appendToStream('plan-1', [event('PlanCreated'), event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });
    await bare.close();

    const store = open();
    expect(await checkStreamIntegrity(store, 'plan-1')).toMatchObject({ ok: true, length: 3, signedHead: { size: 3 } });
    const db = raw();
    db.exec(DROP_EVENT_TRIGGERS);
    db.prepare("DELETE FROM events WHERE stream_id = 'plan-1' AND revision = 2").run();
    const result = await checkStreamIntegrity(store, 'plan-1');
    expect(result.ok ? '' : result.problem).toMatch(/the log is shorter than the head signed at .* \(3 events, now 2\)/);
  });

  it('refuses a forged head in the record', async () => {
    const store = await planOfFive();
    const log = new SignedHeadLog(files.signedHeadsPath);
    opened.push(log);
    const genuine = store.heads.headsOf('plan-1')[0]!;
    log.record([{ ...genuine, size: 6, signature: genuine.signature }]);
    const result = await checkStreamIntegrity(store, 'plan-1');
    expect(result.ok ? '' : result.problem).toMatch(/whose signature does not hold/);
  });

  it('works the same over EventStoreDB: a server restored with fewer events reads as shorter than its signed head', async () => {
    const events = [event('PlanCreated'), event('ActionAdded'), event('ActionAdded'), event('ProgressUpdateRecorded')];
    const server = new FakeEventStoreDbClient();
    const store = openLedgerStore(files, new EventStoreDbEventStore({ client: server.asClient() }));
    opened.push(store);
    await store.appendToStream('plan-1', events.slice(0, 3), { expectedRevision: 'no_stream' });
    await store.appendToStream('plan-1', events.slice(3), { expectedRevision: 2n });
    expect(await checkStreamIntegrity(store, 'plan-1')).toMatchObject({ ok: true, length: 4, signedHead: { size: 4 } });

    // The administrator deletes the stream and writes back all but its last event (or restores an older backup).
    const restored = new FakeEventStoreDbClient();
    const after = openLedgerStore(files, new EventStoreDbEventStore({ client: restored.asClient() }));
    opened.push(after);
    await after.inner.appendToStream('plan-1', events.slice(0, 3), { expectedRevision: 'no_stream' });
    const result = await checkStreamIntegrity(after, 'plan-1');
    expect(result.ok ? '' : result.problem).toMatch(/the log is shorter than the head signed at .* \(4 events, now 3\)/);
  });
});
