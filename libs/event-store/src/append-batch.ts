/**
 * What every adapter does to a batch before and while appending it, so that the adapters agree byte for byte:
 * validation (all before any I/O, so a bad batch writes nothing), the expected-revision rule, the store's
 * monotonic clock and the per-stream hash chain.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, chainHash, GENESIS_HASH } from '#integrity';
import {
  InvalidEventError,
  WrongExpectedRevisionError,
  type EventToAppend,
  type EventValidator,
  type ExpectedRevision,
  type RecordedEvent,
  type RecordedEventToCopy,
} from './event-store.js';
import { nativeSha256 } from './native-sha256.js';

/** Metadata key the store keeps for itself (the EventStoreDB adapter stores recordedAt and the chain under it). */
export const RESERVED_METADATA_KEY = '$ledger';

/** An event that passed validation; data and metadata are fresh plain-JSON copies, detached from the caller. */
export interface PreparedEvent {
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export type ChainedEvent = Omit<RecordedEvent, 'position'>;

export interface StreamHead {
  revision: bigint;
  hash: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new InvalidEventError('A stream id must be a non-empty string');
  }
  // '$' streams are EventStoreDB's system streams; refusing them everywhere keeps the adapters interchangeable.
  if (streamId.startsWith('$')) throw new InvalidEventError(`Stream id ${streamId} starts with '$', which is reserved for system streams`);
}

/** Validate a whole batch up front and return detached copies: nothing is written if any event is bad. */
export function prepareAppendBatch(streamId: string, events: readonly EventToAppend[], validator?: EventValidator): PreparedEvent[] {
  assertStreamId(streamId);
  if (!Array.isArray(events)) throw new InvalidEventError('events must be an array');
  const seen = new Set<string>();
  return events.map((event, index) => prepareOne(streamId, event, index, seen, validator));
}

/**
 * Batches larger than this are prepared and chained in chunks of this many events, giving the event loop back
 * between chunks: validating, canonicalising and hashing the ten thousand events of a large import in one go
 * held every other request for seconds.
 */
export const APPEND_CHUNK = 250;

/** Let timers and I/O that have waited during a chunk run before the next one. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** prepareAppendBatch, yielding to the event loop every APPEND_CHUNK events. Same checks, same result, same errors. */
export async function prepareAppendBatchYielding(streamId: string, events: readonly EventToAppend[], validator?: EventValidator): Promise<PreparedEvent[]> {
  assertStreamId(streamId);
  if (!Array.isArray(events)) throw new InvalidEventError('events must be an array');
  // A copy of the caller's array: what is validated across the yields must not change under us.
  const given = [...events];
  const seen = new Set<string>();
  const prepared: PreparedEvent[] = [];
  for (let index = 0; index < given.length; index++) {
    if (index > 0 && index % APPEND_CHUNK === 0) await yieldToEventLoop();
    prepared.push(prepareOne(streamId, given[index]!, index, seen, validator));
  }
  return prepared;
}

function prepareOne(streamId: string, event: EventToAppend, index: number, seen: Set<string>, validator: EventValidator | undefined): PreparedEvent {
  const where = `event ${index} of the batch for ${streamId}`;
  if (typeof event?.eventId !== 'string' || !UUID.test(event.eventId)) {
    throw new InvalidEventError(`${where}: eventId must be a UUID (got ${JSON.stringify(event?.eventId)})`);
  }
  // EventStoreDB hands ids back in lower case; normalising here keeps both adapters' output identical.
  const eventId = event.eventId.toLowerCase();
  if (seen.has(eventId)) throw new InvalidEventError(`${where}: eventId ${eventId} appears more than once in the batch`);
  seen.add(eventId);
  if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
    throw new InvalidEventError(`${where}: type must be a non-empty string not starting with '$'`);
  }
  const data = toPlainJsonObject(event.data, `${where}: data`);
  const metadata = toPlainJsonObject(event.metadata, `${where}: metadata`);
  if (Object.prototype.hasOwnProperty.call(metadata, RESERVED_METADATA_KEY)) {
    throw new InvalidEventError(`${where}: metadata key '${RESERVED_METADATA_KEY}' is reserved for the store`);
  }
  const prepared = { eventId, type: event.type, data, metadata };
  // On the detached copy, so what was checked is exactly what is written.
  const problems = validator ? validator(streamId, prepared) : [];
  if (problems.length > 0) {
    throw new InvalidEventError(`${where} (${event.type}) is not valid: ${problems.map((p) => `${p.path} ${p.problem}`).join('; ')}`, { details: problems });
  }
  return prepared;
}

/** Throws WrongExpectedRevisionError unless the stream's actual state satisfies the caller's expectation. */
export function assertExpectedRevision(streamId: string, expected: ExpectedRevision, actual: bigint | 'no_stream'): void {
  if (typeof expected !== 'bigint' && expected !== 'any' && expected !== 'no_stream' && expected !== 'stream_exists') {
    throw new InvalidEventError(`expectedRevision must be 'no_stream', 'any', 'stream_exists' or a bigint (got ${String(expected)})`);
  }
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === 'no_stream') ||
    (expected === 'stream_exists' && actual !== 'no_stream') ||
    (typeof expected === 'bigint' && (expected === -1n ? actual === 'no_stream' : actual === expected));
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
}

/**
 * The store's instant for an append: ISO-8601 UTC with milliseconds, never earlier than `notBefore`
 * (the last instant already recorded), so recorded time is monotonic even if the host clock steps back.
 */
export function nextRecordedAt(clock: () => Date, notBefore: string | undefined): string {
  const now = clock();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('The event store clock returned an invalid Date');
  const instant = now.toISOString();
  // Fixed-width ISO strings (years 0000–9999) order lexically as they do in time.
  return notBefore !== undefined && notBefore > instant ? notBefore : instant;
}

/** Normalise a caller's instant (any form Date understands) to the stored ISO form, for as-at comparisons. */
export function toStoredInstant(value: string, name: string): string {
  const parsed = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(parsed.getTime())) throw new RangeError(`${name} must be an ISO-8601 instant (got ${String(value)})`);
  return parsed.toISOString();
}

/** Revisions, recordedAt and hashes for a batch appended after `head` (null: a new stream). */
export function chainAppendBatch(streamId: string, head: StreamHead | null, batch: readonly PreparedEvent[], recordedAt: string): ChainedEvent[] {
  const link = chainer(streamId, head, recordedAt);
  return batch.map(link);
}

/** chainAppendBatch, yielding to the event loop every APPEND_CHUNK events. */
export async function chainAppendBatchYielding(streamId: string, head: StreamHead | null, batch: readonly PreparedEvent[], recordedAt: string): Promise<ChainedEvent[]> {
  const link = chainer(streamId, head, recordedAt);
  const chained: ChainedEvent[] = [];
  for (let index = 0; index < batch.length; index++) {
    if (index > 0 && index % APPEND_CHUNK === 0) await yieldToEventLoop();
    chained.push(link(batch[index]!));
  }
  return chained;
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/**
 * chainHash's bytes (SHA-256 of the previous hash's 32 bytes ‖ the body's canonical JSON in UTF-8, hex) with
 * node:crypto doing the conversions too: the integrity lib's portable hex and UTF-8 helpers run in JavaScript,
 * and for the store's appends they were a fifth of the chain's cost. A chain made here is checked by the
 * portable verifier in the store's tests, link for link.
 */
function nativeChainHash(previousHash: string, body: { streamId: string; revision: number; eventId: string; type: string; data: unknown; metadata: unknown; recordedAt: string }): string {
  return createHash('sha256').update(Buffer.from(previousHash, 'hex')).update(canonicalJson(body), 'utf8').digest('hex');
}

function chainer(streamId: string, head: StreamHead | null, recordedAt: string): (event: PreparedEvent) => ChainedEvent {
  let previousHash = head?.hash ?? GENESIS_HASH;
  // Buffer.from(hex) skips what it cannot read, which would chain onto garbage: the head's hash (read from the
  // file) is checked once; every later previous hash is a digest made here.
  if (!HEX_HASH.test(previousHash)) throw new TypeError(`The head of ${streamId} has a hash that is not 64 lowercase hex characters`);
  let revision = head ? head.revision : -1n;
  return (event) => {
    revision += 1n;
    const hash = nativeChainHash(previousHash, { streamId, revision: Number(revision), eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata, recordedAt });
    const chained: ChainedEvent = { streamId, revision, eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata, recordedAt, previousHash, hash };
    previousHash = hash;
    return chained;
  };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Validate a batch of already-recorded events (appendRecordedEvents) before any I/O: the same checks as a new
 * append, plus the chain itself. Revisions must be dense from the batch's first, each previousHash the hash
 * before it, each hash recomputed from the event, and recordedAt in the store's form and never going back. What
 * the batch must join onto (the stream's head) is checked by the adapter, under its lock: see assertCopyFollowsHead.
 */
export function prepareRecordedBatch(streamId: string, events: readonly RecordedEventToCopy[]): ChainedEvent[] {
  if (!Array.isArray(events)) throw new InvalidEventError('events must be an array');
  const prepared = prepareAppendBatch(streamId, events);
  let previous: ChainedEvent | undefined;
  return events.map((given, index) => {
    const where = `recorded event ${index} of the batch for ${streamId}`;
    const event = prepared[index]!;
    if (given.streamId !== streamId) throw new InvalidEventError(`${where}: it was recorded in stream ${JSON.stringify(given.streamId)}`);
    if (typeof given.revision !== 'bigint' || given.revision < 0n) throw new InvalidEventError(`${where}: revision must be a non-negative bigint`);
    if (previous && given.revision !== previous.revision + 1n) throw new InvalidEventError(`${where}: revision ${given.revision} does not follow ${previous.revision}`);
    if (typeof given.recordedAt !== 'string' || !ISO_INSTANT.test(given.recordedAt) || Number.isNaN(Date.parse(given.recordedAt))) {
      throw new InvalidEventError(`${where}: recordedAt must be an ISO-8601 UTC instant with milliseconds`);
    }
    if (previous && given.recordedAt < previous.recordedAt) throw new InvalidEventError(`${where}: recordedAt goes back in time`);
    if (typeof given.previousHash !== 'string' || !HEX_SHA256.test(given.previousHash) || typeof given.hash !== 'string' || !HEX_SHA256.test(given.hash)) {
      throw new InvalidEventError(`${where}: previousHash and hash must be 64 lowercase hex characters`);
    }
    if (previous && given.previousHash !== previous.hash) throw new InvalidEventError(`${where}: previousHash is not the hash of revision ${previous.revision}`);
    if (given.revision === 0n && given.previousHash !== GENESIS_HASH) throw new InvalidEventError(`${where}: revision 0 must point at the genesis hash`);
    const chained: ChainedEvent = { streamId, revision: given.revision, eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata, recordedAt: given.recordedAt, previousHash: given.previousHash, hash: given.hash };
    // Recomputed from the detached copy: what is stored is exactly what the hash covers.
    const recomputed = chainHash(given.previousHash, { ...chained, revision: Number(given.revision) }, nativeSha256);
    if (recomputed !== given.hash) throw new InvalidEventError(`${where}: revision ${given.revision} does not match its hash (altered, or not recorded by a ledger store)`);
    previous = chained;
    return chained;
  });
}

/** Under the adapter's lock: the copied batch must start right after the stream's head and chain onto it. */
export function assertCopyFollowsHead(streamId: string, head: (StreamHead & { recordedAt?: string }) | null, batch: readonly ChainedEvent[]): void {
  const first = batch[0];
  if (!first) return;
  const expected = head ? head.revision + 1n : 0n;
  if (first.revision !== expected) throw new WrongExpectedRevisionError(streamId, first.revision - 1n, head ? head.revision : 'no_stream');
  if (first.previousHash !== (head?.hash ?? GENESIS_HASH)) {
    throw new InvalidEventError(`recorded event 0 of the batch for ${streamId}: previousHash is not the hash of the stream's head (revision ${String(head?.revision ?? 'none')})`);
  }
  if (head?.recordedAt !== undefined && first.recordedAt < head.recordedAt) throw new InvalidEventError(`recorded event 0 of the batch for ${streamId}: recordedAt is earlier than the stream's head`);
}

export function assertReadCount(maxCount: number | undefined): void {
  if (maxCount !== undefined && (!Number.isSafeInteger(maxCount) || maxCount < 0)) {
    throw new RangeError(`maxCount must be a non-negative integer (got ${String(maxCount)})`);
  }
}

/**
 * A deep copy that is guaranteed to come back identical from JSON: plain objects, arrays, strings, booleans,
 * null and finite numbers. Anything JSON would silently change (NaN → null, Date → string, undefined in an
 * array → null, a class instance → its fields) is refused, because an audit ledger must return what it was given.
 * Undefined object properties are dropped, as JSON does. -0 becomes 0 (JSON has no -0).
 */
function toPlainJsonObject(value: unknown, where: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidEventError(`${where} must be a plain JSON object`);
  return toPlainJson(value, where, new Set()) as Record<string, unknown>;
}

function toPlainJson(value: unknown, path: string, ancestors: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidEventError(`${path} is ${value}, which JSON cannot represent`);
    return value === 0 ? 0 : value;
  }
  if (typeof value !== 'object') throw new InvalidEventError(`${path} is a ${typeof value}, which JSON cannot represent`);
  if (ancestors.has(value)) throw new InvalidEventError(`${path} refers back to itself (a cycle)`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item: unknown, index) => {
        if (item === undefined) throw new InvalidEventError(`${path}[${index}] is undefined, which JSON would turn into null`);
        return toPlainJson(item, `${path}[${index}]`, ancestors);
      });
    }
    if (!isPlainObject(value)) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new InvalidEventError(`${path} is a ${kind}; store plain JSON (e.g. an ISO string for a date)`);
    }
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const plain = toPlainJson(item, `${path}.${key}`, ancestors);
      // defineProperty so a '__proto__' key stays an ordinary key, as JSON.parse makes it (and only then:
      // it is several times slower than an assignment, and this runs for every field of every event).
      if (key === '__proto__') Object.defineProperty(copy, key, { value: plain, enumerable: true, writable: true, configurable: true });
      else copy[key] = plain;
    }
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // Any realm's Object.prototype counts (structuredClone and test sandboxes may hand us another realm's objects).
  return proto === null || Object.getPrototypeOf(proto) === null;
}
