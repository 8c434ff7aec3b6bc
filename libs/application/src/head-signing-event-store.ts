import type { AppendOptions, AppendResult, EventStore, EventToAppend, RecordedEventToCopy, ReadAllOptions, ReadStreamOptions, RecordedEvent, StreamSummary, SubscribeOptions, Subscription } from '#event-store';
import { signChainHead, type SigningKey } from '#evidence';
import type { SignedHeadLog } from './signed-head-log.js';

/**
 * Any event store, with the ledger signing and recording the stream's chain head after every append, so a
 * later check can tell a stream that was cut short from one that never grew. Works over either adapter: the
 * record lives in the ledger's own SignedHeadLog, not in the store whose rows it vouches for.
 */
export class HeadSigningEventStore implements EventStore {
  private baseline?: Promise<void>;

  constructor(
    readonly inner: EventStore,
    readonly heads: SignedHeadLog,
    /** The ledger's signing key, loaded (or created) on first use. */
    readonly signingKey: () => Promise<SigningKey>,
    private readonly options: { clock?: () => Date; /** Close the inner store with this one (false when the caller handed it in and owns it). */ ownsInner?: boolean } = {},
  ) {}

  private now(): string {
    return (this.options.clock ?? (() => new Date()))().toISOString();
  }

  /**
   * A ledger that had events before it kept heads (an existing file, or a heads file that was lost) starts its
   * record with the heads it finds. That first record vouches for nothing before it; every later one does.
   */
  ready(): Promise<void> {
    this.baseline ??= (async () => {
      if (!this.heads.isEmpty()) return;
      const key = await this.signingKey();
      const signedAt = this.now();
      const heads = [];
      for (const streamId of await this.inner.listStreams('')) {
        const summary = await this.inner.streamSummary(streamId);
        if (summary) heads.push(signChainHead({ streamId, size: Number(summary.revision) + 1, headHash: summary.headHash, signedAt }, key));
      }
      if (heads.length > 0) this.heads.record(heads);
    })().catch((error: unknown) => {
      this.baseline = undefined;
      throw error;
    });
    return this.baseline;
  }

  appendToStream(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    return this.appendSigningHead(streamId, events.length, () => this.inner.appendToStream(streamId, events, options));
  }

  appendRecordedEvents(streamId: string, events: readonly RecordedEventToCopy[]): Promise<AppendResult> {
    return this.appendSigningHead(streamId, events.length, () => this.inner.appendRecordedEvents(streamId, events));
  }

  private async appendSigningHead(streamId: string, count: number, append: () => Promise<AppendResult>): Promise<AppendResult> {
    // The key first: a key that cannot be loaded stops the append before anything is written, not after.
    const key = await this.signingKey();
    await this.ready();
    const result = await append();
    if (count > 0) {
      try {
        // The head now, which may include another writer's later events: it is still a head the stream had.
        const summary = await this.inner.streamSummary(streamId);
        if (summary) this.heads.record([signChainHead({ streamId, size: Number(summary.revision) + 1, headHash: summary.headHash, signedAt: this.now() }, key)]);
      } catch (error) {
        // The events are recorded and acknowledged; failing the append now would invite a duplicate retry.
        // The next append signs a head that covers these events too.
        console.error(`The ledger appended to ${streamId} but could not record its signed head`, error);
      }
    }
    return result;
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  readAllOfTypes(types: readonly string[]): Promise<RecordedEvent[]> {
    return this.inner.readAllOfTypes(types);
  }

  readEventsById(eventIds: readonly string[]): Promise<RecordedEvent[]> {
    return this.inner.readEventsById(eventIds);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }

  streamSummary(streamId: string): Promise<StreamSummary | null> {
    return this.inner.streamSummary(streamId);
  }

  listStreams(prefix: string): Promise<string[]> {
    return this.inner.listStreams(prefix);
  }

  async close(): Promise<void> {
    try {
      if (this.options.ownsInner !== false) await this.inner.close();
    } finally {
      this.heads.close();
    }
  }
}
