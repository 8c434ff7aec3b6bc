/**
 * An in-memory stand-in for the parts of @eventstore/db-client's EventStoreDBClient the adapter uses, so the
 * adapter's own logic (client-side chain, pinned revisions, $all paging and filtering, catch-up then live
 * subscription) runs in every test run, even where no EventStoreDB server is available.
 *
 * It copies the server behaviours the adapter depends on, as the client documents them: non-dense commit
 * positions (commit = prepare for each appended event), an inclusive `fromPosition` for readAll, an exclusive one
 * for subscribeToAll, StreamNotFoundError while iterating a missing stream, WrongExpectedVersionError, system
 * events interleaved in $all, and JSON round-tripping of data and metadata. It is not EventStoreDB: the real
 * contract run (EVENTSTORE_CONNECTION_STRING) remains the authority.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { StreamNotFoundError, WrongExpectedVersionError, type EventStoreDBClient } from '@eventstore/db-client';

interface StoredRecord {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: true;
  created: Date;
  position: { commit: bigint; prepare: bigint };
}

type ReadPosition = 'start' | 'end' | { commit: bigint; prepare: bigint };
type AppendExpectation = 'any' | 'no_stream' | 'stream_exists' | bigint;

interface LiveFeed {
  after: bigint;
  regex: RegExp | undefined;
  stream: Readable;
}

export class FakeEventStoreDbClient {
  private readonly log: StoredRecord[] = [];
  private readonly feeds = new Set<LiveFeed>();
  private nextPosition = 1_000n;
  private appends = 0;

  asClient(): EventStoreDBClient {
    return this as unknown as EventStoreDBClient;
  }

  async appendToStream(
    streamName: string,
    events: { id: string; type: string; data: unknown; metadata?: unknown } | Array<{ id: string; type: string; data: unknown; metadata?: unknown }>,
    options: { expectedRevision?: AppendExpectation } = {},
  ) {
    await new Promise((resolve) => setImmediate(resolve)); // a network round trip lets other writers interleave
    const list = Array.isArray(events) ? events : [events];
    const current = this.currentRevision(streamName);
    const expected = options.expectedRevision ?? 'any';
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === 'no_stream') ||
      (expected === 'stream_exists' && current !== 'no_stream') ||
      (typeof expected === 'bigint' && current === expected);
    if (!ok) throw new WrongExpectedVersionError(undefined, { streamName, expected, current });

    let revision = current === 'no_stream' ? -1n : current;
    let position = { commit: -1n, prepare: -1n };
    for (const event of list) {
      revision += 1n;
      position = this.record(streamName, revision, event.id, event.type, event.data, event.metadata);
    }
    this.appends += 1;
    // The server writes system events of its own into $all now and then.
    if (this.appends % 3 === 0) this.record(`$$${streamName}`, 0n, randomUUID(), '$metadata', { $maxAge: 3600 }, {});
    return { success: true, nextExpectedRevision: revision, position };
  }

  readStream(streamName: string, options: { fromRevision?: 'start' | 'end' | bigint; direction?: 'forwards' | 'backwards'; maxCount?: number | bigint } = {}) {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const limit = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const records = this.log.filter((record) => record.streamId === streamName);
    const exists = records.length > 0;
    const selected = (backwards ? [...records].reverse() : records)
      .filter((record) => (from === 'start' || from === 'end' ? true : backwards ? record.revision <= from : record.revision >= from))
      .slice(0, limit);
    return streamingRead(
      (async function* () {
        await Promise.resolve();
        if (!exists) throw new StreamNotFoundError(undefined, streamName);
        for (const record of selected) yield { event: copy(record), commitPosition: record.position.commit };
      })(),
    );
  }

  readAll(options: { fromPosition?: ReadPosition; direction?: 'forwards' | 'backwards'; maxCount?: number | bigint } = {}) {
    if (options.direction === 'backwards') throw new Error('The fake reads $all forwards only');
    const from = options.fromPosition ?? 'start';
    const limit = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    // Inclusive: a read from an event's position starts with that event.
    const selected = this.log
      .filter((record) => (from === 'start' ? true : from === 'end' ? false : record.position.commit >= from.commit))
      .slice(0, limit);
    return streamingRead(
      (async function* () {
        for (const record of selected) yield { event: copy(record), commitPosition: record.position.commit };
      })(),
    );
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: { filterOn: string; regex?: string } } = {}) {
    const from = options.fromPosition ?? 'start';
    const after = from === 'start' ? -1n : from === 'end' ? this.nextPosition : from.commit;
    const regex = options.filter?.regex !== undefined && options.filter.filterOn === 'eventType' ? new RegExp(options.filter.regex) : undefined;
    const stream = new Readable({ objectMode: true, read: () => undefined });
    const feed: LiveFeed = { after, regex, stream };
    // Exclusive: a subscription from an event's position starts after it.
    for (const record of this.log) this.push(feed, record);
    queueMicrotask(() => stream.emit('caughtUp'));
    this.feeds.add(feed);
    return Object.assign(stream, {
      // Like the real client, unsubscribing cancels the call without ending the Readable: the adapter must cope.
      unsubscribe: async () => {
        this.feeds.delete(feed);
      },
    });
  }

  /** Every "connection" shares this one fake server, so disposing one must not end the others' subscriptions. */
  async dispose(): Promise<void> {}

  private currentRevision(streamName: string): bigint | 'no_stream' {
    for (let i = this.log.length - 1; i >= 0; i -= 1) if (this.log[i]!.streamId === streamName) return this.log[i]!.revision;
    return 'no_stream';
  }

  private record(streamId: string, revision: bigint, id: string, type: string, data: unknown, metadata: unknown) {
    const position = { commit: this.nextPosition, prepare: this.nextPosition };
    this.nextPosition += 64n + BigInt(JSON.stringify(data).length);
    const record: StoredRecord = {
      streamId,
      id: id.toLowerCase(),
      revision,
      type,
      data: JSON.parse(JSON.stringify(data)) as unknown,
      metadata: metadata === undefined ? undefined : (JSON.parse(JSON.stringify(metadata)) as unknown),
      isJson: true,
      created: new Date(),
      position,
    };
    this.log.push(record);
    for (const feed of this.feeds) this.push(feed, record);
    return position;
  }

  private push(feed: LiveFeed, record: StoredRecord): void {
    if (record.position.commit <= feed.after) return;
    if (feed.regex && !feed.regex.test(record.type)) return;
    feed.stream.push({ event: copy(record), commitPosition: record.position.commit });
  }
}

function copy(record: StoredRecord): StoredRecord {
  return { ...record, data: structuredClone(record.data), metadata: structuredClone(record.metadata), position: { ...record.position } };
}

function streamingRead<T>(source: AsyncGenerator<T>): Readable & { cancel(): Promise<void> } {
  const readable = Readable.from(source, { objectMode: true });
  return Object.assign(readable, {
    cancel: async () => {
      readable.destroy();
    },
  });
}
