import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { verifyChain } from '#integrity';
import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
  InvalidEventError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventToAppend,
} from './event-store.js';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.js';
import { chainLinksOf } from './testing/chain-links.js';
import { appendInGroupsUntilKilled, holdWriteLockInChildProcess } from './testing/child-process-writers.js';

function event(type: string, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): EventToAppend {
  return { eventId: uuidv7(), type, data, metadata };
}

/**
 * How many transactions have committed into the WAL file since it was last reset: each commit ends with a frame
 * whose "database size after commit" field is set. Frames of an older generation (other salts) are not counted.
 */
function walCommits(path: string): number {
  const wal = `${path}-wal`;
  if (!existsSync(wal)) return 0;
  const bytes = readFileSync(wal);
  if (bytes.length < 32) return 0;
  const pageSize = bytes.readUInt32BE(8);
  const salt1 = bytes.readUInt32BE(16);
  const salt2 = bytes.readUInt32BE(20);
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= bytes.length; at += 24 + pageSize) {
    if (bytes.readUInt32BE(at + 8) !== salt1 || bytes.readUInt32BE(at + 12) !== salt2) break;
    if (bytes.readUInt32BE(at + 4) !== 0) commits += 1;
  }
  return commits;
}

describe('SqliteEventStore group commit (issue 21)', () => {
  let folder: string;
  let path: string;
  const opened: SqliteEventStore[] = [];
  const open = (options: Partial<SqliteEventStoreOptions> = {}) => {
    const store = new SqliteEventStore({ path, ...options });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'ledger-group-commit-'));
    path = join(folder, 'ledger.sqlite');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('commits appends made at the same moment in one transaction, each with its own result', async () => {
    const store = open();
    await store.appendToStream('plan-0', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const before = walCommits(path);
    const results = await Promise.all([
      store.appendToStream('plan-1', [event('PlanCreated'), event('ActionAdded')], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-2', [event('PlanCreated')], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-0', [event('ActionAdded')], { expectedRevision: 0n }),
    ]);
    // One COMMIT for the three: one fsync.
    expect(walCommits(path) - before).toBe(1);
    expect(results.map((r) => r.nextExpectedRevision)).toEqual([1n, 0n, 1n]);
    const all = await store.readAll();
    expect(results.map((r) => r.position)).toEqual([all[2]!.position, all[3]!.position, all[4]!.position]);
    expect(all.map((e) => `${e.streamId}@${e.revision}`)).toEqual(['plan-0@0', 'plan-1@0', 'plan-1@1', 'plan-2@0', 'plan-0@1']);
  });

  it('commits the others exactly when one request of the group conflicts, and appends nothing of that one', async () => {
    const store = open();
    await store.appendToStream('plan-a', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const before = walCommits(path);
    const first = [event('ProgressRecorded', { by: 'first' }), event('RagAssessed', { by: 'first' })];
    const stale = [event('ProgressRecorded', { by: 'stale' }), event('RagAssessed', { by: 'stale' })];
    const other = [event('PlanCreated', { by: 'other' })];
    const settled = await Promise.allSettled([
      store.appendToStream('plan-a', first, { expectedRevision: 0n }),
      // Decided on the same revision as `first`, which the group commits before it: a conflict of its own.
      store.appendToStream('plan-a', stale, { expectedRevision: 0n }),
      store.appendToStream('plan-b', other, { expectedRevision: 'no_stream' }),
    ]);
    expect(walCommits(path) - before).toBe(1);
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 2n } });
    expect(settled[1]).toMatchObject({ status: 'rejected' });
    const conflict = (settled[1] as PromiseRejectedResult).reason as WrongExpectedRevisionError;
    expect(conflict).toBeInstanceOf(WrongExpectedRevisionError);
    expect(conflict).toMatchObject({ streamId: 'plan-a', expected: 0n, actual: 2n });
    expect(settled[2]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0n } });
    expect((await store.readStream('plan-a')).map((e) => e.eventId)).toEqual([expect.any(String), ...first.map((e) => e.eventId.toLowerCase())]);
    expect((await store.readStream('plan-b')).map((e) => e.data)).toEqual([{ by: 'other' }]);
    const ids = new Set((await store.readAll()).map((e) => e.eventId));
    for (const e of stale) expect(ids.has(e.eventId.toLowerCase())).toBe(false);
  });

  it('rolls back only the member that reuses an event id another member of the group recorded', async () => {
    const store = open();
    const shared = event('ActionAdded');
    const before = walCommits(path);
    const settled = await Promise.allSettled([
      store.appendToStream('plan-a', [event('PlanCreated'), shared], { expectedRevision: 'no_stream' }),
      // Its first event is new, its second the id `plan-a` records in the same transaction: none of it may stay.
      store.appendToStream('plan-b', [event('PlanCreated', { n: 1 }), { ...shared, data: { copy: true } }], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-c', [event('PlanCreated')], { expectedRevision: 'no_stream' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(walCommits(path) - before).toBe(1);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
    expect(await store.readStream('plan-b')).toEqual([]);
    expect((await store.readStream('plan-a')).map((e) => e.type)).toEqual(['PlanCreated', 'ActionAdded']);
    expect((await store.readStream('plan-c')).map((e) => e.revision)).toEqual([0n]);
    // Positions stay in append order and nothing of plan-b holds one.
    expect((await store.readAll()).map((e) => e.streamId)).toEqual(['plan-a', 'plan-a', 'plan-c']);
  });

  it('refuses an invalid event for its own request alone while the requests beside it commit', async () => {
    const store = open({ validator: (_stream, e) => (e.type === 'ProgressRecorded' && typeof e.data.narrative !== 'string' ? [{ path: 'data.narrative', problem: 'is required' }] : []) });
    const before = walCommits(path);
    const settled = await Promise.allSettled([
      store.appendToStream('plan-a', [event('ProgressRecorded', { narrative: 'fine' })], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-b', [event('ProgressRecorded', { narrative: 'fine' }), event('ProgressRecorded', {})], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-c', [event('ProgressRecorded', { narrative: 'bad' }), { eventId: 'not-a-uuid', type: 'X', data: {}, metadata: {} }], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-d', [event('ProgressRecorded', { narrative: 'fine' })], { expectedRevision: 'no_stream' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(walCommits(path) - before).toBe(1);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidEventError);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ details: [{ path: 'data.narrative', problem: 'is required' }] });
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidEventError);
    expect(await store.listStreams('plan-')).toEqual(['plan-a', 'plan-d']);
  });

  it('fails the one member whose clock breaks inside the transaction, and commits the rest', async () => {
    let calls = 0;
    // The second member's instant is taken under the lock; a clock that fails there fails that member only.
    const store = open({ clock: () => (++calls === 2 ? new Date(Number.NaN) : new Date()) });
    const before = walCommits(path);
    const settled = await Promise.allSettled([
      store.appendToStream('plan-a', [event('PlanCreated')], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-b', [event('PlanCreated')], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-c', [event('PlanCreated')], { expectedRevision: 'no_stream' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    expect(walCommits(path) - before).toBe(1);
    expect(await store.listStreams('plan-')).toEqual(['plan-a', 'plan-c']);
  });

  it('checks a later member of the group against the head an earlier one left, and chains onto it', async () => {
    const store = open();
    const before = walCommits(path);
    const results = await Promise.all([
      store.appendToStream('plan-a', [event('PlanCreated'), event('ActionAdded')], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-a', [event('ProgressRecorded')], { expectedRevision: 1n }),
      store.appendToStream('plan-a', [event('ProgressRecorded')], { expectedRevision: 'stream_exists' }),
    ]);
    expect(walCommits(path) - before).toBe(1);
    expect(results.map((r) => r.nextExpectedRevision)).toEqual([1n, 2n, 3n]);
    const events = await store.readStream('plan-a');
    expect(verifyChain(chainLinksOf(events))).toMatchObject({ ok: true, length: 4 });
  });

  it('tells every member of a group that could not take the write lock, and writes none of them', async () => {
    const store = open({ busyTimeoutMs: 150 });
    await store.appendToStream('plan-0', [event('PlanCreated')], { expectedRevision: 'no_stream' });
    const holder = holdWriteLockInChildProcess({ path, streamId: 'plan-held', eventId: uuidv7(), holdMs: 1200 });
    await holder.locked;
    const settled = await Promise.allSettled([
      store.appendToStream('plan-1', [event('PlanCreated')], { expectedRevision: 'no_stream' }),
      store.appendToStream('plan-2', [event('PlanCreated')], { expectedRevision: 'no_stream' }),
    ]);
    for (const outcome of settled) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailableError);
    }
    await holder.exited;
    expect(await store.listStreams('plan-')).toEqual(['plan-0', 'plan-held']);
  });

  it('keeps every stream dense and its hash chain whole across many grouped commits of racing writers', async () => {
    const store = open();
    const streams = ['plan-x', 'plan-y', 'plan-z'];
    const accepted = new Map<string, string[]>(streams.map((s) => [s, []]));
    let conflicts = 0;
    // Twelve writers per round, each on the revision it last saw: some collide in their group and try again.
    const writer = async (streamId: string, n: number): Promise<void> => {
      const e = event('ProgressRecorded', { n });
      for (;;) {
        const head = await store.streamSummary(streamId);
        try {
          const result: AppendResult = await store.appendToStream(streamId, [e], { expectedRevision: head ? head.revision : 'no_stream' });
          expect(result.nextExpectedRevision).toBe(head ? head.revision + 1n : 0n);
          accepted.get(streamId)!.push(e.eventId.toLowerCase());
          return;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          conflicts += 1;
        }
      }
    };
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 12 }, (_, i) => writer(streams[i % streams.length]!, round * 12 + i)));
    }
    expect(conflicts).toBeGreaterThan(0);
    for (const streamId of streams) {
      const events = await store.readStream(streamId);
      expect(events).toHaveLength(40);
      expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i)));
      expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(accepted.get(streamId)));
      expect(verifyChain(chainLinksOf(events))).toMatchObject({ ok: true, length: 40 });
    }
    // The chains hold for a fresh reader of the file too (another connection, nothing cached).
    const reader = new Database(path, { readonly: true });
    try {
      expect(reader.prepare('SELECT count(*) FROM events').pluck().get()).toBe(120);
    } finally {
      reader.close();
    }
  });

  it('loses no acknowledged append and leaves no partial request when the process is killed (kill -9) mid-group', async () => {
    // Create the file (and its schema) here, then let the child write until it is killed.
    await open().close();
    opened.length = 0;
    const acknowledged = await appendInGroupsUntilKilled({ path, streams: 4, killAfter: 400 });
    expect(acknowledged.length).toBeGreaterThanOrEqual(400);

    const store = open();
    const all = await store.readAll();
    const recorded = new Set(all.map((e) => e.eventId));
    for (const append of acknowledged) for (const id of append.eventIds) expect(recorded.has(id)).toBe(true);
    // Every request's three events stand together or not at all (data.request names the request).
    const parts = new Map<number, number>();
    for (const e of all) parts.set(e.data.request as number, (parts.get(e.data.request as number) ?? 0) + 1);
    expect([...parts.values()].every((count) => count === 3)).toBe(true);
    // What the kill interrupted was never half-written: every chain is whole, and the file says it is sound.
    for (const streamId of await store.listStreams('crash-')) {
      const events = await store.readStream(streamId);
      expect(verifyChain(chainLinksOf(events))).toMatchObject({ ok: true, length: events.length });
    }
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
  });
});
