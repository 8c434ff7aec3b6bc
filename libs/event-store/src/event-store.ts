/**
 * The event-store port, shaped after EventStoreDB semantics so adapters are interchangeable:
 * streams with dense revisions from 0, optimistic concurrency, a global ordered log and live subscriptions.
 */

/**
 * 'no_stream': the stream must not exist; 'stream_exists': it must; 'any': no check;
 * a bigint: the stream's last revision must be exactly that. -1n means 'no_stream' (EventStoreDB's
 * ExpectedVersion.NoStream), so the nextExpectedRevision of an empty append to a new stream can be passed back.
 */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | bigint;

/** What a caller hands to the store. recordedAt, revision, position and hashes are the store's to set. */
export interface EventToAppend {
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** An event as stored: immutable, hash-chained per stream. */
export interface RecordedEvent {
  streamId: string;
  /** Dense per-stream revision, from 0. */
  revision: bigint;
  /** Position in the global log; strictly increasing in append order (not necessarily dense). */
  position: bigint;
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** ISO-8601 UTC instant, from the store's clock. */
  recordedAt: string;
  /** Hex SHA-256 of the previous event in the stream (64 zeros for revision 0). */
  previousHash: string;
  /** Hex SHA-256(previousHash ‖ canonical(event body)); see libs/integrity/src/hash-chain.ts. */
  hash: string;
}

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
}

export interface AppendResult {
  /**
   * Revision of the last event appended: pass it as expectedRevision for the next append.
   * An empty append (allowed, as in EventStoreDB: it only checks the expected revision) returns the stream's
   * current revision, or -1n if the stream does not exist.
   */
  nextExpectedRevision: bigint;
  /** Global position of the last event appended (for an empty append: of the stream's last event, or -1n). */
  position: bigint;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Inclusive. Defaults to 0 forwards, or the last revision backwards. */
  fromRevision?: bigint;
  maxCount?: number;
  direction?: ReadDirection;
  /** Only events recorded at or before this ISO instant (as-at reads in recorded time). */
  recordedUpTo?: string;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omit to read from the start. */
  fromPosition?: bigint;
  maxCount?: number;
}

export interface Subscription {
  /** Stop receiving events; resolves once no handler call is in flight. */
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** Exclusive: deliver events strictly after this position (a projection's checkpoint). */
  fromPosition?: bigint;
  /** Called for every event in global order; the next event waits for the returned promise. */
  onEvent(event: RecordedEvent): void | Promise<void>;
  /** Called once the subscription has caught up with the log and is live. */
  onCaughtUp?(): void;
  onError?(error: unknown): void;
}

export interface StreamSummary {
  streamId: string;
  /** Revision of the last event. */
  revision: bigint;
  /** Hash of the last event: the chain head. */
  headHash: string;
}

/**
 * An event exactly as another store recorded it, to be copied (`ledger migrate`): its revision, recordedAt and
 * hashes are kept, so the chain on the new store is the same chain, link for link.
 */
export type RecordedEventToCopy = Omit<RecordedEvent, 'position'>;

export interface EventStore {
  appendToStream(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult>;
  /**
   * Append events already recorded elsewhere, keeping their revisions, recordedAt and hashes. The batch must
   * carry on from this stream's head: its first revision is the head's next (0 for a new stream, otherwise
   * WrongExpectedRevisionError), its first previousHash is the head's hash, and every hash must recompute from
   * the event (InvalidEventError otherwise). All or nothing, like appendToStream. Positions are this store's own.
   */
  appendRecordedEvents(streamId: string, events: readonly RecordedEventToCopy[]): Promise<AppendResult>;
  /** Events of one stream in revision order (or reverse). A stream that does not exist reads as []. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The global log in position order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Every event whose type is one of `types`, of every stream, in position order: for a reader that looks ahead
   * (a rebuild finding every correction it will meet before it folds). Types are matched exactly, as recorded (the
   * store knows no schemas: events come back as recorded, never upcast, as from every other read here); a type
   * given twice counts once; a type nothing has, an empty list, or a type no append can record (empty, or starting
   * with '$') finds nothing. Reads the log up to its end at the call: an event appended meanwhile may or may not be in it.
   */
  readAllOfTypes(types: readonly string[]): Promise<RecordedEvent[]>;
  /**
   * The recorded events with these ids, of whatever stream, each once, in position order (not the order asked).
   * An id that is not recorded (any string: ids are kept as recorded, lower-case UUIDs) is left out, not an error;
   * an id given twice counts once; an empty list finds nothing. Events come back as recorded, never upcast.
   */
  readEventsById(eventIds: readonly string[]): Promise<RecordedEvent[]>;
  /** Catch up from a position, then stay live. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** The stream's head, or null if it does not exist. */
  streamSummary(streamId: string): Promise<StreamSummary | null>;
  /** Ids of every stream with a given prefix (e.g. 'plan-'), in creation order. */
  listStreams(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Stream ${streamId} is at revision ${String(actual)}, not the expected ${String(expected)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class EventStoreUnavailableError extends Error {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

/**
 * The append was refused before anything was written: a bad stream id or event id, an eventId repeated inside
 * the batch, a type that is empty or starts with '$', data or metadata that is not plain JSON (NaN, a bigint,
 * a Date, a cycle…), or metadata using the store's reserved key '$ledger'. Nothing of the batch is appended.
 */
export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT';
  /** Where a validator found the event wrong (paths inside the event: data.actionId, metadata.actor…). */
  readonly details: readonly EventProblem[];
  constructor(message: string, options?: { cause?: unknown; details?: readonly EventProblem[] }) {
    super(message, options);
    this.name = 'InvalidEventError';
    this.details = options?.details ?? [];
  }
}

export interface EventProblem {
  path: string;
  problem: string;
}

/**
 * What the owner of the streams knows that the store does not: whether an event's data and metadata are valid for
 * its type. The store is given one when it is opened (the store knows nothing of plans) and calls it for every
 * event of a batch, after copying and before any I/O; any problem refuses the whole batch with InvalidEventError.
 * Without one the store checks only that the event is plain JSON (its contract suite runs so).
 */
export type EventValidator = (streamId: string, event: Readonly<EventToAppend>) => readonly EventProblem[];

/**
 * An eventId that is already recorded in the store. The SQLite adapter enforces global uniqueness and rolls the
 * whole batch back; EventStoreDB only deduplicates recent retries (idempotent append), so the contract does not
 * rely on this error.
 */
export class DuplicateEventIdError extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(readonly eventId: string, options?: { cause?: unknown }) {
    super(`An event with id ${eventId} is already recorded`, options);
    this.name = 'DuplicateEventIdError';
  }
}
