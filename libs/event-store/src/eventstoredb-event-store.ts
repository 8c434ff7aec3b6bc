/*
 * The EventStore port on EventStoreDB, through @eventstore/db-client. Everything client-specific lives in this
 * one file, so moving to @kurrent/kurrentdb-client (same API, renamed) touches nothing else.
 */
import { createRequire } from 'node:module';
import type {
  EventStoreDBClient,
  AllStreamResolvedEvent,
  AllStreamSubscription,
  AppendExpectedRevision,
  RecordedEvent as ClientRecordedEvent,
  ResolvedEvent,
} from '@eventstore/db-client';
import type * as DbClient from '@eventstore/db-client';

/**
 * The client (gRPC and all) is loaded when this adapter is first used, not when the store library is: it was
 * a sixth of the API's start-up on SQLite, which never uses it. A CommonJS package, so it loads synchronously.
 */
let dbClient: typeof DbClient | undefined;
const esdb = (): typeof DbClient => (dbClient ??= createRequire(import.meta.url)('@eventstore/db-client') as typeof DbClient);
import {
  RESERVED_METADATA_KEY,
  assertCopyFollowsHead,
  assertExpectedRevision,
  assertReadCount,
  assertStreamId,
  chainAppendBatch,
  nextRecordedAt,
  prepareAppendBatch,
  prepareRecordedBatch,
  toStoredInstant,
  type ChainedEvent,
} from './append-batch.js';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type EventValidator,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type RecordedEventToCopy,
  type StreamSummary,
  type SubscribeOptions,
  type Subscription,
} from './event-store.js';

export type EventStoreDbEventStoreOptions = (
  | {
      /** e.g. esdb://localhost:2113?tls=false */
      connectionString: string;
    }
  | {
      /** A client built elsewhere (credentials, a test double). The store owns it from now on and disposes it on close. */
      client: EventStoreDBClient;
    }
) & {
  /** The adapter's clock for recordedAt. Defaults to the host clock. */
  clock?: () => Date;
  /** Checks every event's data and metadata before an append (see EventValidator). */
  validator?: EventValidator;
  /** Page size for $all reads and subscription catch-up. Default 500. */
  pageSize?: number;
  /** How often an append with expectedRevision 'any' or 'stream_exists' re-reads the head after losing a race. */
  maxChainRetries?: number;
};

/** What the adapter keeps in each event's metadata, under RESERVED_METADATA_KEY. */
interface LedgerMetadata {
  recordedAt: string;
  previousHash: string;
  hash: string;
}

interface Head {
  revision: bigint;
  hash: string;
  recordedAt: string;
  position: bigint;
}

/**
 * recordedAt and the hash chain are computed here, client-side, from the stream's last event, and the append is
 * pinned to that exact revision: a concurrent writer makes the server refuse ours instead of forking the chain.
 * Positions are $all commit positions (distinct per event for gRPC appends, which are implicit transactions).
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly clock: () => Date;
  private readonly pageSize: number;
  private readonly maxChainRetries: number;
  private readonly validator: EventValidator | undefined;
  private readonly running = new Set<{ close(): Promise<void> }>();
  /** The last instant this instance recorded: keeps recordedAt monotonic for this adapter even across streams. */
  private lastRecordedAt: string | undefined;
  private closed = false;

  constructor(options: EventStoreDbEventStoreOptions) {
    this.client = 'client' in options ? options.client : esdb().EventStoreDBClient.connectionString(options.connectionString);
    this.clock = options.clock ?? (() => new Date());
    this.pageSize = options.pageSize ?? 500;
    this.maxChainRetries = options.maxChainRetries ?? 20;
    this.validator = options.validator;
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const batch = prepareAppendBatch(streamId, events, this.validator);
    const expected = options.expectedRevision;
    for (let attempt = 0; ; attempt += 1) {
      const head = await this.readHead(streamId);
      assertExpectedRevision(streamId, expected, head ? head.revision : 'no_stream');
      // EventStoreDB accepts an empty append after checking the expected revision; we have just checked it.
      if (batch.length === 0) return { nextExpectedRevision: head?.revision ?? -1n, position: head?.position ?? -1n };

      const recordedAt = nextRecordedAt(this.clock, laterOf(this.lastRecordedAt, head?.recordedAt));
      const chained = chainAppendBatch(streamId, head, batch, recordedAt);
      const pinned: AppendExpectedRevision = head ? head.revision : esdb().NO_STREAM;
      try {
        return await this.writeChained(streamId, chained, pinned);
      } catch (error) {
        if (error instanceof esdb().WrongExpectedVersionError) {
          // The caller's condition ('any', 'stream_exists') may still hold against the new head: chain onto it.
          if ((expected === esdb().ANY || expected === 'stream_exists') && attempt < this.maxChainRetries) continue;
          throw new WrongExpectedRevisionError(streamId, expected, error.actualVersion);
        }
        throw translateError(error);
      }
    }
  }

  async appendRecordedEvents(streamId: string, events: readonly RecordedEventToCopy[]): Promise<AppendResult> {
    this.assertOpen();
    const batch = prepareRecordedBatch(streamId, events);
    const head = await this.readHead(streamId);
    if (batch.length === 0) return { nextExpectedRevision: head?.revision ?? -1n, position: head?.position ?? -1n };
    assertCopyFollowsHead(streamId, head, batch);
    // Pinned to the head just checked: a writer in between makes the server refuse the copy, never fork the chain.
    const pinned: AppendExpectedRevision = head ? head.revision : esdb().NO_STREAM;
    try {
      return await this.writeChained(streamId, batch, pinned);
    } catch (error) {
      if (error instanceof esdb().WrongExpectedVersionError) throw new WrongExpectedRevisionError(streamId, batch[0]!.revision - 1n, error.actualVersion);
      throw translateError(error);
    }
  }

  /** Write chained events with their recordedAt and hashes in the reserved metadata, pinned to a revision. */
  private async writeChained(streamId: string, chained: readonly ChainedEvent[], pinned: AppendExpectedRevision): Promise<AppendResult> {
    const result = await this.client.appendToStream(
      streamId,
      chained.map((event) =>
        esdb().jsonEvent({
          id: event.eventId,
          type: event.type,
          data: event.data,
          metadata: { ...event.metadata, [RESERVED_METADATA_KEY]: { recordedAt: event.recordedAt, previousHash: event.previousHash, hash: event.hash } satisfies LedgerMetadata },
        }),
      ),
      { expectedRevision: pinned },
    );
    const last = chained[chained.length - 1]!;
    this.lastRecordedAt = laterOf(this.lastRecordedAt, last.recordedAt);
    // For one event the reply's commit position is that event's. For a batch, which record the reply
    // points at is not something to rely on: read our own last event back (one more round trip).
    const position = chained.length === 1 && result.position ? result.position.commit : ((await this.readEventAt(streamId, last.revision))?.position ?? -1n);
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertStreamId(streamId);
    assertReadCount(options.maxCount);
    if (options.maxCount === 0) return [];
    if (options.fromRevision !== undefined && options.fromRevision < 0n) throw new RangeError(`fromRevision must not be negative (got ${options.fromRevision})`);
    const upTo = options.recordedUpTo === undefined ? undefined : toStoredInstant(options.recordedUpTo, 'recordedUpTo');
    const backwards = options.direction === 'backwards';
    const wanted = options.maxCount ?? Number.POSITIVE_INFINITY;
    const out: RecordedEvent[] = [];
    const read = this.client.readStream(streamId, {
      direction: backwards ? esdb().BACKWARDS : esdb().FORWARDS,
      fromRevision: options.fromRevision ?? (backwards ? esdb().END : esdb().START),
      // recordedUpTo is filtered here, so the server's count cannot be trusted to be the final one.
      ...(upTo === undefined && options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
    });
    let stoppedEarly = false;
    try {
      for await (const resolved of read) {
        if (!resolved.event || resolved.event.type.startsWith('$')) continue;
        const event = toRecordedEvent(resolved.event, resolved.commitPosition);
        if (upTo !== undefined && event.recordedAt > upTo) {
          // recordedAt is monotonic within a stream: forwards, nothing later can qualify.
          if (backwards) continue;
          stoppedEarly = true;
          break;
        }
        out.push(event);
        if (out.length >= wanted) {
          stoppedEarly = true;
          break;
        }
      }
    } catch (error) {
      if (isStreamNotFound(error)) return [];
      throw translateError(error);
    } finally {
      // Leaving a for-await destroys the Readable but not the gRPC call under it.
      if (stoppedEarly) await read.cancel().catch(() => undefined);
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertReadCount(options.maxCount);
    const wanted = options.maxCount ?? Number.POSITIVE_INFINITY;
    const out: RecordedEvent[] = [];
    if (wanted <= 0) return out;
    await this.scanAll((event, position) => {
      out.push(toRecordedEvent(event, position));
      return out.length >= wanted;
    }, options.fromPosition);
    return out;
  }

  /**
   * $all paged through and filtered here: this client's readAll takes no filter (@kurrent/kurrentdb-client's does),
   * and the $et- system projections are off on the ledger's servers (docs/operations.md). O(events) over the
   * network, as listStreams is; a rebuild reads the log whole anyway.
   */
  async readAllOfTypes(types: readonly string[]): Promise<RecordedEvent[]> {
    this.assertOpen();
    const wanted = new Set(types);
    const out: RecordedEvent[] = [];
    if (wanted.size === 0) return out;
    await this.scanAll((event, position) => {
      if (wanted.has(event.type)) out.push(toRecordedEvent(event, position));
    });
    return out;
  }

  /**
   * The server has no index by event id: $all is scanned until every id asked for has been found (to its end if
   * one is not recorded). An id EventStoreDB holds twice (it deduplicates only recent retries) gives its first.
   */
  async readEventsById(eventIds: readonly string[]): Promise<RecordedEvent[]> {
    this.assertOpen();
    const missing = new Set(eventIds);
    const out: RecordedEvent[] = [];
    if (missing.size === 0) return out;
    await this.scanAll((event, position) => {
      if (!missing.delete(event.id)) return false;
      out.push(toRecordedEvent(event, position));
      return missing.size === 0;
    });
    return out;
  }

  /**
   * Each event of $all after `after` (from the start without it) in position order, system events left out, page by
   * page, until `visit` says it has seen enough (returns true) or the log ends: the one scan of $all every read of
   * the global log here uses.
   */
  private async scanAll(visit: (event: ClientRecordedEvent, position: bigint) => boolean | void, after?: bigint): Promise<void> {
    for (;;) {
      // The server's fromPosition is inclusive and $all holds system events we drop, so whole pages are read
      // and filtered; `after` advances over dropped events too.
      const page = await this.readAllPage(after);
      for (const { event, position } of page) {
        after = position;
        if (event.type.startsWith('$') || event.streamId.startsWith('$')) continue;
        if (visit(event, position) === true) return;
      }
      if (page.length < this.pageSize) return;
    }
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    let closed = false;
    let live: AllStreamSubscription | undefined;

    const run = async (): Promise<void> => {
      await null; // never call the handler before subscribeToAll has returned
      let after = options.fromPosition;
      const deliver = async (event: RecordedEvent) => {
        // Guards against the server's inclusive start and a resubscription overlap: never twice, always in order.
        if (after !== undefined && event.position <= after) return;
        await options.onEvent(event);
        after = event.position;
      };
      try {
        // Catch up by paging $all ourselves, so onCaughtUp means "everything up to now has been handled".
        for (;;) {
          const page = await this.readAll({ fromPosition: after, maxCount: this.pageSize });
          for (const event of page) {
            if (closed) return;
            await deliver(event);
          }
          if (page.length < this.pageSize) break;
        }
        if (closed) return;
        options.onCaughtUp?.();
        live = this.client.subscribeToAll({
          fromPosition: after === undefined ? esdb().START : { commit: after, prepare: after },
          filter: esdb().excludeSystemEvents(),
        });
        for await (const resolved of live as AsyncIterable<AllStreamResolvedEvent>) {
          if (closed) return;
          if (!resolved.event || resolved.event.type.startsWith('$') || resolved.event.streamId.startsWith('$')) continue;
          await deliver(toRecordedEvent(resolved.event, resolved.commitPosition));
        }
      } catch (error) {
        if (closed) return; // cancelling the gRPC stream ends the iteration with an error: that is our close
        closed = true;
        const failure = translateError(error);
        if (options.onError) options.onError(failure);
        else console.error('Event store subscription stopped', failure);
      }
    };

    const runningLoop = run();
    const handle = {
      close: async () => {
        closed = true;
        if (live) {
          await live.unsubscribe().catch(() => undefined);
          live.destroy();
        }
        await runningLoop;
        this.running.delete(handle);
      },
    };
    this.running.add(handle);
    return handle;
  }

  async streamSummary(streamId: string): Promise<StreamSummary | null> {
    this.assertOpen();
    assertStreamId(streamId);
    const head = await this.readHead(streamId);
    return head ? { streamId, revision: head.revision, headHash: head.hash } : null;
  }

  /**
   * Streams are found by scanning $all for revision-0 events: exact and needs no server projection, but it
   * reads the whole log. Enable the $streams system projection and read it if this becomes slow.
   */
  async listStreams(prefix: string): Promise<string[]> {
    this.assertOpen();
    const streams: string[] = [];
    await this.scanAll((event) => {
      if (event.revision === 0n && event.streamId.startsWith(prefix)) streams.push(event.streamId);
    });
    return streams;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.running].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('The EventStoreDB event store has been closed');
  }

  /** One page of $all strictly after `after`, system events included (the caller filters). */
  private async readAllPage(after: bigint | undefined): Promise<Array<{ event: ClientRecordedEvent; position: bigint }>> {
    const page: Array<{ event: ClientRecordedEvent; position: bigint }> = [];
    try {
      const read = this.client.readAll({
        direction: esdb().FORWARDS,
        fromPosition: after === undefined ? esdb().START : { commit: after, prepare: after },
        maxCount: this.pageSize + (after === undefined ? 0 : 1),
      });
      for await (const resolved of read) {
        const position = resolved.event?.position?.commit ?? resolved.commitPosition;
        if (!resolved.event || position === undefined) continue;
        if (after !== undefined && position <= after) continue;
        page.push({ event: resolved.event, position });
      }
    } catch (error) {
      throw translateError(error);
    }
    return page.slice(0, this.pageSize);
  }

  private async readEventAt(streamId: string, revision: bigint): Promise<RecordedEvent | undefined> {
    return (await this.readStream(streamId, { fromRevision: revision, maxCount: 1 }))[0];
  }

  private async readHead(streamId: string): Promise<Head | null> {
    try {
      const read = this.client.readStream(streamId, { direction: esdb().BACKWARDS, fromRevision: esdb().END, maxCount: 1 });
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        if (!resolved.event) continue;
        const event = toRecordedEvent(resolved.event, resolved.commitPosition);
        return { revision: event.revision, hash: event.hash, recordedAt: event.recordedAt, position: event.position };
      }
      return null;
    } catch (error) {
      if (isStreamNotFound(error)) return null;
      throw translateError(error);
    }
  }
}

function toRecordedEvent(event: ClientRecordedEvent, commitPosition: bigint | undefined): RecordedEvent {
  const rawMetadata = isRecord(event.metadata) ? event.metadata : {};
  const { [RESERVED_METADATA_KEY]: ledger, ...metadata } = rawMetadata;
  const chain = isLedgerMetadata(ledger) ? ledger : undefined;
  return {
    streamId: event.streamId,
    revision: event.revision,
    position: event.position?.commit ?? commitPosition ?? -1n,
    eventId: event.id,
    type: event.type,
    data: event.isJson && isRecord(event.data) ? event.data : {},
    metadata,
    // An event written by something other than this adapter has no chain: empty hashes make verifyChain flag it.
    recordedAt: chain?.recordedAt ?? event.created.toISOString(),
    previousHash: chain?.previousHash ?? '',
    hash: chain?.hash ?? '',
  };
}

function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isLedgerMetadata(value: unknown): value is LedgerMetadata {
  return isRecord(value) && typeof value.recordedAt === 'string' && typeof value.previousHash === 'string' && typeof value.hash === 'string';
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof esdb().StreamNotFoundError || (error instanceof Error && esdb().isCommandError(error) && error.type === esdb().ErrorType.STREAM_NOT_FOUND);
}

function translateError(error: unknown): unknown {
  if (error instanceof Error && esdb().isCommandError(error)) {
    if (error.type === esdb().ErrorType.UNAVAILABLE || error.type === esdb().ErrorType.DEADLINE_EXCEEDED || error.type === esdb().ErrorType.TIMEOUT || error.type === esdb().ErrorType.NOT_LEADER) {
      return new EventStoreUnavailableError(`EventStoreDB is unavailable: ${error.message}`, { cause: error });
    }
  }
  return error;
}
