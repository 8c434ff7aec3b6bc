/**
 * The one contract every EventStore adapter must pass. It only uses the port, fresh stream ids and positions
 * taken during the test, so it also runs against a shared server that other suites are writing to.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import { GENESIS_HASH, verifyChain } from '#integrity';
import { chainAppendBatch } from '../append-batch.js';
import {
  InvalidEventError,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
  type RecordedEventToCopy,
  type Subscription,
} from '../event-store.js';
import { chainLinksOf } from './chain-links.js';

export interface EventStoreUnderTest {
  store: EventStore;
  /** Another store on the same storage (another connection or client), for cross-instance behaviour. */
  openAnother?: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

export function describeEventStoreContract(name: string, makeStore: () => Promise<EventStoreUnderTest>): void {
  describe(`${name} honours the EventStore contract`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;
    let others: EventStore[];
    let subscriptions: Subscription[];
    /** Unique per test, so a shared server's other streams never interfere. */
    let run: string;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
      others = [];
      subscriptions = [];
      run = uuidv7().slice(-12);
    });

    afterEach(async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      await Promise.all(others.map((other) => other.close()));
      await subject.cleanup();
    });

    const streamOf = (label: string) => `${label}-${run}`;
    const openAnother = async (): Promise<EventStore | undefined> => {
      if (!subject.openAnother) return undefined;
      const other = await subject.openAnother();
      others.push(other);
      return other;
    };
    const track = (subscription: Subscription) => {
      subscriptions.push(subscription);
      return subscription;
    };
    /** A marker event whose position starts this test's window on the global log. */
    const markPosition = async (): Promise<bigint> =>
      (await store.appendToStream(streamOf('marker'), [event('MarkerPlaced')], { expectedRevision: 'any' })).position;

    describe('appending', () => {
      it('gives a new stream dense revisions from 0 across appends, with increasing positions', async () => {
        const stream = streamOf('plan');
        const first = await store.appendToStream(stream, [event('PlanCreated'), event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(2n);
        const second = await store.appendToStream(stream, [event('ActionCompleted'), event('ActionCompleted')], { expectedRevision: 2n });
        expect(second.nextExpectedRevision).toBe(4n);
        expect(second.position).toBeGreaterThan(first.position);

        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(events.map((e) => e.type)).toEqual(['PlanCreated', 'ActionAdded', 'ActionAdded', 'ActionCompleted', 'ActionCompleted']);
        expectStrictlyIncreasing(events.map((e) => e.position));
        expect(events[2]!.position).toBe(first.position);
        expect(events[4]!.position).toBe(second.position);
        expect(verifyChain(chainLinksOf(events))).toEqual({ ok: true, length: 5, head: events[4]!.hash });
        expect(await store.streamSummary(stream)).toEqual({ streamId: stream, revision: 4n, headHash: events[4]!.hash });
      });

      it('accepts no_stream only while the stream does not exist', async () => {
        const stream = streamOf('plan');
        await store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: 'no_stream' });
        const error = await rejectionOf(store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: 'no_stream' }));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', streamId: stream, expected: 'no_stream', actual: 0n });
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('accepts stream_exists only once the stream has an event', async () => {
        const stream = streamOf('plan');
        const error = await rejectionOf(store.appendToStream(stream, [event('ActionAdded')], { expectedRevision: 'stream_exists' }));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
        expect(await store.streamSummary(stream)).toBeNull();

        await store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: 'no_stream' });
        const result = await store.appendToStream(stream, [event('ActionAdded')], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('accepts an exact revision only when it is the stream head', async () => {
        const stream = streamOf('plan');
        await store.appendToStream(stream, [event('PlanCreated'), event('ActionAdded')], { expectedRevision: 'no_stream' });

        for (const stale of [0n, 2n, 7n]) {
          const error = await rejectionOf(store.appendToStream(stream, [event('ActionAdded')], { expectedRevision: stale }));
          expect(error).toBeInstanceOf(WrongExpectedRevisionError);
          expect(error).toMatchObject({ expected: stale, actual: 1n });
        }
        const missing = await rejectionOf(store.appendToStream(streamOf('missing'), [event('PlanCreated')], { expectedRevision: 0n }));
        expect(missing).toMatchObject({ expected: 0n, actual: 'no_stream' });

        await expect(store.appendToStream(stream, [event('ActionAdded')], { expectedRevision: 1n })).resolves.toMatchObject({ nextExpectedRevision: 2n });
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('treats -1n as no_stream, as EventStoreDB does', async () => {
        const stream = streamOf('plan');
        await expect(store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: -1n })).resolves.toMatchObject({ nextExpectedRevision: 0n });
        await expect(store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: -1n })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      });

      it('accepts any whatever the state of the stream', async () => {
        const stream = streamOf('plan');
        await store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: 'any' });
        const result = await store.appendToStream(stream, [event('ActionAdded')], { expectedRevision: 'any' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('checks the expected revision of an empty append and appends nothing', async () => {
        const stream = streamOf('plan');
        await expect(store.appendToStream(stream, [], { expectedRevision: 'no_stream' })).resolves.toEqual({ nextExpectedRevision: -1n, position: -1n });
        expect(await store.streamSummary(stream)).toBeNull();
        await expect(store.appendToStream(stream, [], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(WrongExpectedRevisionError);

        const created = await store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: 'no_stream' });
        await expect(store.appendToStream(stream, [], { expectedRevision: 0n })).resolves.toEqual({ nextExpectedRevision: 0n, position: created.position });
        await expect(store.appendToStream(stream, [], { expectedRevision: 3n })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('rejects a batch that repeats an eventId and appends none of it', async () => {
        const stream = streamOf('plan');
        await store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: 'no_stream' });
        const repeated = event('ActionAdded');
        const error = await rejectionOf(store.appendToStream(stream, [event('ActionAdded'), repeated, event('ActionAdded'), repeated], { expectedRevision: 0n }));
        expect(error).toBeInstanceOf(InvalidEventError);

        await expectStreamIntactWithLength(store, stream, 1);
        await store.appendToStream(stream, [event('ActionAdded')], { expectedRevision: 0n });
        await expectStreamIntactWithLength(store, stream, 2);
      });

      it('rejects a batch with a value JSON cannot hold and appends none of it', async () => {
        const stream = streamOf('plan');
        await store.appendToStream(stream, [event('PlanCreated')], { expectedRevision: 'no_stream' });
        const cyclic: Record<string, unknown> = { name: 'loop' };
        cyclic.self = cyclic;
        const unserialisable: Array<[string, Record<string, unknown>]> = [
          ['NaN', { score: Number.NaN }],
          ['Infinity', { score: Number.POSITIVE_INFINITY }],
          ['a bigint', { revision: 1n }],
          ['a cycle', cyclic],
          ['a Date', { due: new Date('2025-03-31T00:00:00.000Z') }],
          ['a function', { callback: () => undefined }],
          ['undefined inside an array', { owners: ['Ann', undefined] }],
        ];
        for (const [what, data] of unserialisable) {
          const error = await rejectionOf(store.appendToStream(stream, [event('ActionAdded'), event('ActionAdded', data)], { expectedRevision: 0n }));
          expect({ what, error }).toEqual({ what, error: expect.any(InvalidEventError) });
        }
        const badMetadata = await rejectionOf(store.appendToStream(stream, [event('ActionAdded', {}, { actor: 1n })], { expectedRevision: 0n }));
        expect(badMetadata).toBeInstanceOf(InvalidEventError);

        await expectStreamIntactWithLength(store, stream, 1);
      });

      it('refuses event ids that are not UUIDs, types starting with $, and the reserved $ledger metadata key', async () => {
        const stream = streamOf('plan');
        const attempts: EventToAppend[][] = [
          [{ ...event('PlanCreated'), eventId: 'not-a-uuid' }],
          [{ ...event('PlanCreated'), type: '$PlanCreated' }],
          [{ ...event('PlanCreated'), type: '' }],
          [event('PlanCreated', {}, { $ledger: { hash: 'forged' } })],
        ];
        for (const events of attempts) {
          await expect(store.appendToStream(stream, events, { expectedRevision: 'any' })).rejects.toBeInstanceOf(InvalidEventError);
        }
        await expect(store.appendToStream(`$${stream}`, [event('PlanCreated')], { expectedRevision: 'any' })).rejects.toBeInstanceOf(InvalidEventError);
        expect(await store.streamSummary(stream)).toBeNull();
      });

      it('returns data and metadata exactly as they were given', async () => {
        const stream = streamOf('plan');
        const data = {
          title: 'Safeguarding action plan — “Ofsted” follow-up\n\ttabs, quotes \' " and \\ backslashes',
          nested: { owners: ['Designated Safeguarding Lead', 'Head of Service'], target: { fuzzy: 'end of Q2 2025', year: 2025 } },
          numbers: [0, -1, 1.5, -2.25, 1e21, 123456789012345, 0.1],
          emptyObject: {},
          emptyArray: [],
          nothing: null,
          flags: [true, false],
          unicode: 'Zoë, Łódź, 東京, 🙂',
        };
        const metadata = { actor: 'jane.doe@example.gov.uk', correlationId: uuidv7(), reason: 'Audit finding 3.2', effectiveAt: '2025-01-15' };
        const given = event('PlanCreated', data, metadata);
        const start = await markPosition();
        await store.appendToStream(stream, [given], { expectedRevision: 'no_stream' });

        const [recorded] = await store.readStream(stream);
        expect(recorded).toMatchObject({ streamId: stream, revision: 0n, eventId: given.eventId, type: 'PlanCreated' });
        expect(recorded!.data).toEqual(data);
        expect(recorded!.metadata).toEqual(metadata);
        expect(JSON.stringify(recorded!.data)).toBe(JSON.stringify(data));
        const [viaAll] = (await store.readAll({ fromPosition: start })).filter((e) => e.streamId === stream);
        expect(viaAll).toEqual(recorded);
      });

      it("records recordedAt from the store's clock, not from the caller's metadata", async () => {
        const stream = streamOf('plan');
        const before = Date.now();
        await store.appendToStream(stream, [event('PlanCreated', {}, { recordedAt: '1999-12-31T23:59:59.000Z' })], { expectedRevision: 'no_stream' });
        const after = Date.now();

        const [recorded] = await store.readStream(stream);
        expect(recorded!.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(Date.parse(recorded!.recordedAt)).toBeGreaterThanOrEqual(before);
        expect(Date.parse(recorded!.recordedAt)).toBeLessThanOrEqual(after);
        expect(recorded!.metadata).toEqual({ recordedAt: '1999-12-31T23:59:59.000Z' });
      });

      it('gives every event of one append the same recordedAt, and never a decreasing one', async () => {
        const start = await markPosition();
        const stream = streamOf('plan');
        await store.appendToStream(stream, [event('PlanCreated'), event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });
        for (let i = 0; i < 5; i += 1) await store.appendToStream(stream, [event('ActionCompleted')], { expectedRevision: 'any' });

        const events = await store.readStream(stream);
        expect(new Set(events.slice(0, 3).map((e) => e.recordedAt)).size).toBe(1);
        const inLogOrder = (await store.readAll({ fromPosition: start })).filter((e) => e.streamId === stream);
        const instants = inLogOrder.map((e) => e.recordedAt);
        expect(instants).toEqual([...instants].sort());
      });
    });

    describe('copying recorded events (ledger migrate)', () => {
      /** A chain as another store recorded it, long ago: revisions, recordedAt and hashes the copy must keep. */
      const recordedElsewhere = (stream: string, batches: Array<{ at: string; types: string[] }>): RecordedEventToCopy[] => {
        const out: RecordedEventToCopy[] = [];
        for (const { at, types } of batches) {
          const last = out[out.length - 1];
          const prepared = types.map((type) => ({ ...event(type, { note: `${type} at ${at}` }, { actor: { id: 'sue', displayName: 'Sue' } }) }));
          out.push(...chainAppendBatch(stream, last ? { revision: last.revision, hash: last.hash } : null, prepared, at));
        }
        return out;
      };

      it('keeps revisions, recordedAt and hashes, so the chain verifies as the same chain, and new appends chain on', async () => {
        const stream = streamOf('copied');
        const copied = recordedElsewhere(stream, [
          { at: '2012-07-01T09:00:00.000Z', types: ['PlanCreated', 'ActionAdded'] },
          { at: '2012-09-30T16:30:00.000Z', types: ['ProgressUpdateRecorded'] },
        ]);
        const first = await store.appendRecordedEvents(stream, copied.slice(0, 2));
        expect(first.nextExpectedRevision).toBe(1n);
        const second = await store.appendRecordedEvents(stream, copied.slice(2));
        expect(second.nextExpectedRevision).toBe(2n);
        expect(second.position).toBeGreaterThan(first.position);

        const events = await store.readStream(stream);
        expect(events.map(({ position: _position, ...rest }) => rest)).toEqual(copied);
        expect(verifyChain(chainLinksOf(events))).toEqual({ ok: true, length: 3, head: copied[2]!.hash });
        expect(await store.streamSummary(stream)).toEqual({ streamId: stream, revision: 2n, headHash: copied[2]!.hash });
        expect(await store.readStream(stream, { recordedUpTo: '2012-08-01T00:00:00Z' })).toHaveLength(2);

        await store.appendToStream(stream, [event('ActionCompleted')], { expectedRevision: 2n });
        const after = await store.readStream(stream);
        expect(after[3]!.previousHash).toBe(copied[2]!.hash);
        expect(verifyChain(chainLinksOf(after))).toMatchObject({ ok: true, length: 4 });
      });

      it('refuses a batch that does not carry on from the head, and appends none of it', async () => {
        const stream = streamOf('copied');
        const copied = recordedElsewhere(stream, [{ at: '2012-07-01T09:00:00.000Z', types: ['PlanCreated', 'ActionAdded', 'ActionAdded'] }]);
        await expect(store.appendRecordedEvents(stream, copied.slice(1))).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.streamSummary(stream)).toBeNull();
        await store.appendRecordedEvents(stream, copied.slice(0, 2));
        // Again what is already there (a resumed copy must skip it, not append it twice).
        await expect(store.appendRecordedEvents(stream, copied.slice(1))).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        // The right revision, but another chain's event: it does not point at this head.
        const other = recordedElsewhere(stream, [{ at: '2012-07-01T09:00:00.000Z', types: ['PlanCreated', 'ActionAdded', 'ActionAdded'] }]);
        await expect(store.appendRecordedEvents(stream, other.slice(2))).rejects.toBeInstanceOf(InvalidEventError);
        await expectStreamIntactWithLength(store, stream, 2);
      });

      it('refuses an altered event, a broken link, a wrong stream or a forged genesis, and appends none of the batch', async () => {
        const stream = streamOf('copied');
        const copied = recordedElsewhere(stream, [
          { at: '2012-07-01T09:00:00.000Z', types: ['PlanCreated', 'ActionAdded'] },
          { at: '2012-08-01T09:00:00.000Z', types: ['ActionAdded'] },
        ]);
        const tampered: RecordedEventToCopy[][] = [
          [copied[0]!, { ...copied[1]!, data: { note: 'rewritten' } }, copied[2]!],
          [copied[0]!, { ...copied[1]!, recordedAt: '2012-07-01T09:00:00.001Z' }, copied[2]!],
          [copied[0]!, copied[2]!],
          [copied[0]!, { ...copied[1]!, previousHash: GENESIS_HASH }],
          [{ ...copied[0]!, streamId: streamOf('elsewhere') }],
          [{ ...copied[0]!, previousHash: 'f'.repeat(64) }],
          [{ ...copied[0]!, hash: 'not hex' }],
          [{ ...copied[0]!, recordedAt: '1 July 2012' }],
          [{ ...copied[0]!, metadata: { $ledger: { hash: 'forged' } } }],
        ];
        for (const [index, batch] of tampered.entries()) {
          const error = await rejectionOf(store.appendRecordedEvents(stream, batch));
          expect({ index, error }).toEqual({ index, error: expect.any(InvalidEventError) });
        }
        expect(await store.streamSummary(stream)).toBeNull();
        await store.appendRecordedEvents(stream, copied);
        await expectStreamIntactWithLength(store, stream, 3);
      });
    });

    describe('reading', () => {
      it('reads a stream that does not exist as empty, with no summary', async () => {
        expect(await store.readStream(streamOf('nowhere'))).toEqual([]);
        expect(await store.readStream(streamOf('nowhere'), { direction: 'backwards' })).toEqual([]);
        expect(await store.streamSummary(streamOf('nowhere'))).toBeNull();
      });

      it('reads a stream backwards, from a revision and up to a count', async () => {
        const stream = streamOf('plan');
        await store.appendToStream(stream, [0, 1, 2, 3, 4].map((n) => event('ActionAdded', { n })), { expectedRevision: 'no_stream' });
        const revisions = async (options: Parameters<EventStore['readStream']>[1]) => (await store.readStream(stream, options)).map((e) => e.revision);

        expect(await revisions({ direction: 'backwards' })).toEqual([4n, 3n, 2n, 1n, 0n]);
        expect(await revisions({ direction: 'backwards', fromRevision: 2n, maxCount: 2 })).toEqual([2n, 1n]);
        expect(await revisions({ direction: 'backwards', maxCount: 1 })).toEqual([4n]);
        expect(await revisions({ fromRevision: 3n })).toEqual([3n, 4n]);
        expect(await revisions({ fromRevision: 1n, maxCount: 2 })).toEqual([1n, 2n]);
        expect(await revisions({ maxCount: 0 })).toEqual([]);
        expect(await revisions({ fromRevision: 9n })).toEqual([]);
      });

      it('reads a stream as it stood at a recorded instant', async () => {
        const stream = streamOf('plan');
        await store.appendToStream(stream, [event('PlanCreated'), event('ActionAdded')], { expectedRevision: 'no_stream' });
        const [firstRecorded] = await store.readStream(stream);
        const asAt = firstRecorded!.recordedAt;
        await untilClockPasses(asAt);
        await store.appendToStream(stream, [event('ActionCompleted')], { expectedRevision: 1n });

        const revisions = async (options: Parameters<EventStore['readStream']>[1]) => (await store.readStream(stream, options)).map((e) => e.revision);
        expect(await revisions({ recordedUpTo: asAt })).toEqual([0n, 1n]);
        expect(await revisions({ recordedUpTo: asAt, direction: 'backwards' })).toEqual([1n, 0n]);
        expect(await revisions({ recordedUpTo: asAt, direction: 'backwards', maxCount: 1 })).toEqual([1n]);
        expect(await revisions({ recordedUpTo: new Date(Date.parse(asAt) - 1).toISOString() })).toEqual([]);
        expect(await revisions({ recordedUpTo: new Date().toISOString() })).toEqual([0n, 1n, 2n]);
      });

      it('orders the global log by position across streams and pages through it without gaps or repeats', async () => {
        const start = await markPosition();
        const streams = [streamOf('plan-a'), streamOf('plan-b'), streamOf('plan-c')];
        const appended: string[] = [];
        for (let round = 0; round < 4; round += 1) {
          for (const stream of streams) {
            const batch = round % 2 === 0 ? [event('ActionAdded', { round })] : [event('ActionAdded', { round }), event('ActionUpdated', { round })];
            await store.appendToStream(stream, batch, { expectedRevision: 'any' });
            appended.push(...batch.map((e) => e.eventId));
          }
        }
        const ours = (events: RecordedEvent[]) => events.filter((e) => streams.includes(e.streamId));

        const all = await store.readAll({ fromPosition: start });
        expectStrictlyIncreasing(all.map((e) => e.position));
        expect(all.every((e) => e.position > start)).toBe(true);
        expect(ours(all).map((e) => e.eventId)).toEqual(appended);

        const paged: RecordedEvent[] = [];
        for (let from = start; ; ) {
          const page = await store.readAll({ fromPosition: from, maxCount: 4 });
          expect(page.length).toBeLessThanOrEqual(4);
          if (page.length === 0) break;
          paged.push(...page);
          from = page[page.length - 1]!.position;
        }
        expect(ours(paged)).toEqual(ours(all));
        expect(await store.readAll({ fromPosition: start, maxCount: 0 })).toEqual([]);
      });

      it('lists the streams with a prefix in the order they were created', async () => {
        const prefix = `plan-${run}-`;
        for (const id of ['b', 'a', 'c']) await store.appendToStream(`${prefix}${id}`, [event('PlanCreated')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${prefix}a`, [event('ActionAdded')], { expectedRevision: 0n });
        await store.appendToStream(`audit-${run}-a`, [event('AuditOpened')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`PLAN-${run}-upper`, [event('PlanCreated')], { expectedRevision: 'no_stream' });

        expect(await store.listStreams(prefix)).toEqual([`${prefix}b`, `${prefix}a`, `${prefix}c`]);
        expect(await store.listStreams(`nothing-${run}`)).toEqual([]);
      });
    });

    describe('reading ahead (readAllOfTypes, readEventsById)', () => {
      /** An event in an older form of its schema: the store returns it as recorded, never upcast (it knows no schemas). */
      const olderForm = (type: string) => event(type, { actionId: 'constructor', note: 'recorded before schemaVersion 2' }, { schemaVersion: 1, actor: 'sue' });

      it('reads every event of the given types, of every stream, in position order and as recorded', async () => {
        const start = await markPosition();
        // Types of this test alone, so a shared server's other events never match.
        const corrected = `EntryCorrected${run}`;
        const voided = `EventVoided${run}`;
        const streams = [streamOf('plan-a'), streamOf('access'), streamOf('plan-b')];
        for (const [i, stream] of [...streams, ...streams].entries()) {
          const types = [corrected, 'ActionAdded', voided, corrected].slice(i % 2, (i % 2) + 3);
          await store.appendToStream(stream, types.map(olderForm), { expectedRevision: 'any' });
        }
        const ofTypes = (types: readonly string[]) => async () => (await store.readAll({ fromPosition: start })).filter((e) => types.includes(e.type));

        const read = await store.readAllOfTypes([corrected, voided]);
        expect(read).toEqual(await ofTypes([corrected, voided])());
        expect(new Set(read.map((e) => e.streamId))).toEqual(new Set(streams));
        expect(read.length).toBe(12);
        expectStrictlyIncreasing(read.map((e) => e.position));
        expect(read[0]!.data).toEqual({ actionId: 'constructor', note: 'recorded before schemaVersion 2' });
        expect(read[0]!.metadata).toEqual({ schemaVersion: 1, actor: 'sue' });
        // A type given twice counts once; types match exactly.
        expect(await store.readAllOfTypes([voided, voided])).toEqual(await ofTypes([voided])());
        expect(await store.readAllOfTypes([corrected.toUpperCase(), `${voided} `, `Never${run}`])).toEqual([]);
        expect(await store.readAllOfTypes([])).toEqual([]);
      });

      it("treats Object.prototype's names as types like any other", async () => {
        const start = await markPosition();
        const stream = streamOf('plan');
        const hostile = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
        await store.appendToStream(stream, [...hostile, 'ActionAdded', ...hostile].map(olderForm), { expectedRevision: 'no_stream' });
        const asked = ['constructor', '__proto__', 'toString', 'valueOf'];
        const ours = (events: RecordedEvent[]) => events.filter((e) => e.streamId === stream);

        const read = ours(await store.readAllOfTypes(asked));
        expect(read).toEqual(ours(await store.readAll({ fromPosition: start })).filter((e) => asked.includes(e.type)));
        expect(read.map((e) => e.type)).toEqual(['constructor', '__proto__', 'toString', 'constructor', '__proto__', 'toString']);
      });

      it('reads the events with the given ids, of any stream, each once and in position order, leaving out ids not recorded', async () => {
        const plan = streamOf('plan');
        const other = streamOf('access');
        await store.appendToStream(plan, [olderForm('PlanCreated'), olderForm('ActionAdded'), olderForm('ProgressUpdateRecorded')], { expectedRevision: 'no_stream' });
        await store.appendToStream(other, [olderForm('UserRegistered')], { expectedRevision: 'no_stream' });
        await store.appendToStream(plan, [olderForm('EntryCorrected')], { expectedRevision: 2n });
        const [created, , note, correction] = await store.readStream(plan);
        const [registered] = await store.readStream(other);

        const read = await store.readEventsById([correction!.eventId, registered!.eventId, uuidv7(), note!.eventId, 'constructor', '__proto__', 'not-a-uuid', note!.eventId, created!.eventId]);
        expect(read).toEqual([created, note, registered, correction]);
        expect(read[1]!.metadata).toEqual({ schemaVersion: 1, actor: 'sue' });
        expect(await store.readEventsById([uuidv7(), 'toString'])).toEqual([]);
        expect(await store.readEventsById([])).toEqual([]);
      });
    });

    describe('concurrency', () => {
      it('lets 24 writers on several instances race on one stream without losing or duplicating an event', async () => {
        const stream = streamOf('plan');
        const instances = [store];
        for (let i = 0; i < 3; i += 1) {
          const other = await openAnother();
          if (other) instances.push(other);
        }
        const writers = 24;
        const appendsPerWriter = 3;
        const batches: string[][] = [];
        let conflicts = 0;

        await Promise.all(
          Array.from({ length: writers }, async (_, writer) => {
            const instance = instances[writer % instances.length]!;
            for (let sequence = 0; sequence < appendsPerWriter; sequence += 1) {
              // Odd writers append two events at once: a batch must land contiguously or not at all.
              const batch = Array.from({ length: writer % 2 === 0 ? 1 : 2 }, (_, part) => event('ProgressRecorded', { writer, sequence, part }));
              for (;;) {
                const head = await instance.streamSummary(stream);
                await pause(Math.random() * 3); // widen the gap between reading the revision and appending with it
                try {
                  await instance.appendToStream(stream, batch, { expectedRevision: head ? head.revision : 'no_stream' });
                  break;
                } catch (error) {
                  if (!(error instanceof WrongExpectedRevisionError)) throw error;
                  conflicts += 1;
                }
              }
              batches.push(batch.map((e) => e.eventId));
            }
          }),
        );

        const events = await store.readStream(stream);
        const expectedCount = batches.flat().length;
        expect(events).toHaveLength(expectedCount);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: expectedCount }, (_, i) => BigInt(i)));
        expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(batches.flat()));
        expect(verifyChain(chainLinksOf(events))).toMatchObject({ ok: true, length: expectedCount });
        const revisionOf = new Map(events.map((e) => [e.eventId, e.revision]));
        for (const batch of batches.filter((b) => b.length === 2)) expect(revisionOf.get(batch[1]!)).toBe(revisionOf.get(batch[0]!)! + 1n);
        for (let writer = 0; writer < writers; writer += 1) {
          const sequences = events.filter((e) => e.data.writer === writer && e.data.part === 0).map((e) => e.data.sequence);
          expect(sequences).toEqual([0, 1, 2]);
        }
        expect(conflicts).toBeGreaterThan(0);
      });
    });

    describe('subscribing to the global log', () => {
      it('catches up from a position, then delivers live events from this and another instance, in order and once each', async () => {
        const start = await markPosition();
        const stream = streamOf('plan');
        const otherStream = streamOf('audit');
        await store.appendToStream(stream, [event('PlanCreated'), event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });

        const received: RecordedEvent[] = [];
        let caughtUp = false;
        track(
          store.subscribeToAll({
            fromPosition: start,
            onEvent: (e) => {
              if (e.streamId === stream || e.streamId === otherStream) received.push(e);
            },
            onCaughtUp: () => {
              caughtUp = true;
            },
          }),
        );
        await waitFor(() => caughtUp && received.length === 3, 'the subscription to catch up');

        await store.appendToStream(stream, [event('ActionCompleted'), event('ActionCompleted')], { expectedRevision: 2n });
        const other = (await openAnother()) ?? store;
        await other.appendToStream(otherStream, [event('AuditOpened')], { expectedRevision: 'no_stream' });
        await other.appendToStream(stream, [event('ProgressRecorded')], { expectedRevision: 4n });
        await waitFor(() => received.length >= 7, 'the live events');
        await pause(250);

        const expected = (await store.readAll({ fromPosition: start })).filter((e) => e.streamId === stream || e.streamId === otherStream);
        expect(expected).toHaveLength(7);
        expect(received).toEqual(expected);
        expectStrictlyIncreasing(received.map((e) => e.position));
      });

      it('delivers strictly after the position it starts from', async () => {
        const stream = streamOf('plan');
        await store.appendToStream(stream, [0, 1, 2, 3].map((n) => event('ActionAdded', { n })), { expectedRevision: 'no_stream' });
        const events = await store.readStream(stream);

        const received: bigint[] = [];
        let caughtUp = false;
        track(
          store.subscribeToAll({
            fromPosition: events[1]!.position,
            onEvent: (e) => {
              if (e.streamId === stream) received.push(e.revision);
            },
            onCaughtUp: () => {
              caughtUp = true;
            },
          }),
        );
        await waitFor(() => caughtUp, 'the subscription to catch up');
        expect(received).toEqual([2n, 3n]);
      });

      it('waits for each handler to finish before delivering the next event', async () => {
        const start = await markPosition();
        const stream = streamOf('plan');
        let inFlight = 0;
        let mostInFlight = 0;
        const received: bigint[] = [];
        track(
          store.subscribeToAll({
            fromPosition: start,
            onEvent: async (e) => {
              if (e.streamId !== stream) return;
              inFlight += 1;
              mostInFlight = Math.max(mostInFlight, inFlight);
              await pause(15);
              received.push(e.revision);
              inFlight -= 1;
            },
          }),
        );
        await store.appendToStream(stream, [event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });
        await store.appendToStream(stream, [event('ActionAdded'), event('ActionAdded')], { expectedRevision: 1n });
        await waitFor(() => received.length === 4, 'four events');
        expect(received).toEqual([0n, 1n, 2n, 3n]);
        expect(mostInFlight).toBe(1);
      });

      it('stops after close, which waits for the handler in flight', async () => {
        const start = await markPosition();
        const stream = streamOf('plan');
        let release!: () => void;
        const handlerMayFinish = new Promise<void>((resolve) => {
          release = resolve;
        });
        const received: bigint[] = [];
        let handlerFinished = false;
        const subscription = track(
          store.subscribeToAll({
            fromPosition: start,
            onEvent: async (e) => {
              if (e.streamId !== stream) return;
              received.push(e.revision);
              await handlerMayFinish;
              handlerFinished = true;
            },
          }),
        );
        await store.appendToStream(stream, [event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });
        await waitFor(() => received.length === 1, 'the first event');

        let closed = false;
        const closing = subscription.close().then(() => {
          closed = true;
        });
        await pause(50);
        expect(closed).toBe(false);
        release();
        await closing;
        expect(handlerFinished).toBe(true);

        await store.appendToStream(stream, [event('ActionAdded')], { expectedRevision: 1n });
        await pause(300);
        expect(received).toEqual([0n]);
      });

      it('reports a failing handler through onError and delivers nothing after it', async () => {
        const start = await markPosition();
        const stream = streamOf('plan');
        const received: bigint[] = [];
        let failure: unknown;
        track(
          store.subscribeToAll({
            fromPosition: start,
            onEvent: (e) => {
              if (e.streamId !== stream) return;
              received.push(e.revision);
              if (e.revision === 1n) throw new Error('projection failed');
            },
            onError: (error) => {
              failure = error;
            },
          }),
        );
        await store.appendToStream(stream, [event('ActionAdded'), event('ActionAdded'), event('ActionAdded')], { expectedRevision: 'no_stream' });
        await waitFor(() => failure !== undefined, 'the failure to be reported');
        await pause(250);
        expect((failure as Error).message).toBe('projection failed');
        expect(received).toEqual([0n, 1n]);
      });
    });
  });
}

function event(type: string, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): EventToAppend {
  return { eventId: uuidv7(), type, data, metadata };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject, but it resolved');
}

async function expectStreamIntactWithLength(store: EventStore, stream: string, length: number): Promise<void> {
  const events = await store.readStream(stream);
  expect(events).toHaveLength(length);
  expect(verifyChain(chainLinksOf(events))).toMatchObject({ ok: true, length });
}

function expectStrictlyIncreasing(values: bigint[]): void {
  for (let i = 1; i < values.length; i += 1) {
    if (!(values[i]! > values[i - 1]!)) throw new Error(`Positions are not strictly increasing at index ${i}: ${values[i - 1]} then ${values[i]}`);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function untilClockPasses(instant: string): Promise<void> {
  while (Date.now() <= Date.parse(instant) + 1) await pause(2);
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(10);
  }
}
