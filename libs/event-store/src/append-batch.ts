/**
 * What every adapter does to a batch before and while appending it, so that the adapters agree byte for byte:
 * validation (all before any I/O, so a bad batch writes nothing), the expected-revision rule, the store's
 * monotonic clock and the per-stream hash chain.
 */
import { hash as sha256Hex } from 'node:crypto';
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
  /**
   * RFC 8785 forms of data and metadata, made by the walk that copied them (prepareAppendBatch sets them; an
   * event without them is canonicalised when it is chained). The hash covers exactly these bytes.
   */
  canonicalData?: string;
  canonicalMetadata?: string;
  /**
   * The stored JSON of data and metadata (JSON.stringify of the copies, the caller's key order), made by the same
   * walk; without them the adapter stringifies. Where every object of a value has its keys in code-unit order
   * this is the very string of the canonical form, so only the objects that are not sorted cost a second string.
   */
  storedData?: string;
  storedMetadata?: string;
}

export type ChainedEvent = Omit<RecordedEvent, 'position'> & Pick<PreparedEvent, 'storedData' | 'storedMetadata'>;

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
  const walk = walkFor(streamId);
  return events.map((event, index) => prepareOne(streamId, event, index, seen, validator, walk));
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
  const walk = walkFor(streamId);
  const prepared: PreparedEvent[] = [];
  for (let index = 0; index < given.length; index++) {
    if (index > 0 && index % APPEND_CHUNK === 0) await yieldToEventLoop();
    prepared.push(prepareOne(streamId, given[index]!, index, seen, validator, walk));
  }
  return prepared;
}

/** Where an event is, for an error: built only then (this runs for every event appended). */
function eventPlace(streamId: string, index: number): string {
  return `event ${index} of the batch for ${streamId}`;
}

function prepareOne(streamId: string, event: EventToAppend, index: number, seen: Set<string>, validator: EventValidator | undefined, walk: Walk): PreparedEvent {
  if (typeof event?.eventId !== 'string' || !UUID.test(event.eventId)) {
    throw new InvalidEventError(`${eventPlace(streamId, index)}: eventId must be a UUID (got ${JSON.stringify(event?.eventId)})`);
  }
  // EventStoreDB hands ids back in lower case; normalising here keeps both adapters' output identical.
  const eventId = event.eventId.toLowerCase();
  if (seen.has(eventId)) throw new InvalidEventError(`${eventPlace(streamId, index)}: eventId ${eventId} appears more than once in the batch`);
  seen.add(eventId);
  if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
    throw new InvalidEventError(`${eventPlace(streamId, index)}: type must be a non-empty string not starting with '$'`);
  }
  walk.index = index;
  const data = toPlainJsonObject(event.data, walk, 'data');
  const canonicalData = walkedCanonical;
  const storedData = walkedSame ? walkedCanonical : walkedStored;
  const metadata = toPlainJsonObject(event.metadata, walk, 'metadata');
  const canonicalMetadata = walkedCanonical;
  const storedMetadata = walkedSame ? walkedCanonical : walkedStored;
  if (Object.prototype.hasOwnProperty.call(metadata, RESERVED_METADATA_KEY)) {
    throw new InvalidEventError(`${eventPlace(streamId, index)}: metadata key '${RESERVED_METADATA_KEY}' is reserved for the store`);
  }
  // The validator sees the detached copy, so what was checked is exactly what is written. It must not change
  // it (EventValidator takes it read-only): the canonical forms above were made from it before it ran.
  const prepared: PreparedEvent = { eventId, type: event.type, data, metadata, canonicalData, canonicalMetadata, storedData, storedMetadata };
  const problems = validator ? validator(streamId, prepared) : [];
  if (problems.length > 0) {
    throw new InvalidEventError(`${eventPlace(streamId, index)} (${event.type}) is not valid: ${problems.map((p) => `${p.path} ${p.problem}`).join('; ')}`, { details: problems });
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
 * Where a link's hash input is assembled: the previous hash's 32 bytes, then the body's canonical JSON as
 * UTF-8. One buffer for the process, grown when a body needs more: a link is hashed synchronously, start to end.
 */
let hashInput = Buffer.allocUnsafe(64 * 1024);

/**
 * chainHash's bytes (SHA-256 of the previous hash's 32 bytes ‖ the body's canonical JSON in UTF-8, hex), with
 * node:crypto doing the hashing in one call over one buffer: the integrity lib's portable hex and UTF-8 helpers
 * run in JavaScript. The body's canonical JSON is assembled from its parts (the keys of ChainedEventBody in RFC
 * 8785 order: data, eventId, metadata, recordedAt, revision, streamId, type), the data's and metadata's forms
 * being those the copying walk made. A chain made here is checked by the portable verifier in the store's tests,
 * link for link.
 */
function nativeChainHash(previousHash: string, canonicalBody: string): string {
  // A UTF-16 code unit never takes more than 3 bytes of UTF-8.
  const room = 32 + canonicalBody.length * 3;
  if (hashInput.length < room) hashInput = Buffer.allocUnsafe(Math.max(room, hashInput.length * 2));
  hashInput.write(previousHash, 0, 32, 'hex');
  const length = 32 + hashInput.write(canonicalBody, 32, 'utf8');
  return sha256Hex('sha256', hashInput.subarray(0, length), 'hex');
}

function chainer(streamId: string, head: StreamHead | null, recordedAt: string): (event: PreparedEvent) => ChainedEvent {
  let previousHash = head?.hash ?? GENESIS_HASH;
  // Buffer.from(hex) skips what it cannot read, which would chain onto garbage: the head's hash (read from the
  // file) is checked once; every later previous hash is a digest made here.
  if (!HEX_HASH.test(previousHash)) throw new TypeError(`The head of ${streamId} has a hash that is not 64 lowercase hex characters`);
  let revision = head ? head.revision : -1n;
  // The parts of the body every link of the batch shares.
  const afterMetadata = `,"recordedAt":${canonicalJson(recordedAt)},"revision":`;
  const tail = `,"streamId":${canonicalJson(streamId)},"type":`;
  return (event) => {
    revision += 1n;
    const body =
      `{"data":${event.canonicalData ?? canonicalJson(event.data)},"eventId":${canonicalJson(event.eventId)},` +
      `"metadata":${event.canonicalMetadata ?? canonicalJson(event.metadata)}${afterMetadata}${canonicalJson(Number(revision))}` +
      `${tail}${canonicalJson(event.type)}}`;
    const hash = nativeChainHash(previousHash, body);
    const chained: ChainedEvent = { streamId, revision, eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata, recordedAt, previousHash, hash, storedData: event.storedData, storedMetadata: event.storedMetadata };
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
    const chained: ChainedEvent = { streamId, revision: given.revision, eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata, recordedAt: given.recordedAt, previousHash: given.previousHash, hash: given.hash, storedData: event.storedData, storedMetadata: event.storedMetadata };
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
 * Undefined object properties are dropped, as JSON does. -0 becomes 0 (JSON has no -0). The same walk makes the
 * copy's RFC 8785 form (left in walkedCanonical), byte for byte what canonicalJson gives for the copy: the hash
 * chain needs it for every event, and a second walk over the same values cost as much as the copy itself.
 */
function toPlainJsonObject(value: unknown, walk: Walk, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidEventError(`${eventPlace(walk.streamId, walk.index)}: ${field} must be a plain JSON object`);
  walk.field = field;
  return toPlainJson(value, 0, walk) as Record<string, unknown>;
}

/**
 * The walk's state: which event and field it copies, its ancestors and the keys or indexes leading to the
 * current value, both indexed by depth. One per batch, its arrays reused from field to field and event to event
 * (entries deeper than the current value are left over and never read; see toPlainJson): two fresh walks per
 * event, their arrays grown level by level, were a sixth of the store's garbage per event. Not one for the
 * process: a getter in the caller's data may append another batch while this one is being walked.
 */
interface Walk {
  readonly streamId: string;
  index: number;
  field: string;
  readonly ancestors: object[];
  readonly trail: Array<string | number>;
}

function walkFor(streamId: string): Walk {
  return { streamId, index: 0, field: '', ancestors: [], trail: [] };
}

/** The canonical form of the value the last toPlainJson call copied (a return value, without a tuple per value). */
let walkedCanonical = '';
/**
 * Whether JSON.stringify of that copy is walkedCanonical itself (every object in it has its keys in code-unit
 * order, as RFC 8785 puts them); if not, walkedStored holds JSON.stringify's string, the caller's key order.
 */
let walkedSame = true;
let walkedStored = '';

/**
 * Below this depth the walk does not look for cycles: a cycle never ends, so it is found once the walk is this
 * deep, and event data is rarely more than a few levels deep (the look costs a scan of the ancestors).
 */
const CYCLE_CHECK_DEPTH = 32;

function pathOf(walk: Walk, depth: number): string {
  let path = `${eventPlace(walk.streamId, walk.index)}: ${walk.field}`;
  for (let i = 0; i < depth; i++) {
    const step = walk.trail[i]!;
    path += typeof step === 'number' ? `[${step}]` : `.${step}`;
  }
  return path;
}

function toPlainJson(value: unknown, depth: number, walk: Walk): unknown {
  if (value === null) {
    walkedCanonical = 'null';
    walkedSame = true;
    return value;
  }
  switch (typeof value) {
    // A string, a boolean or a number has one JSON form: RFC 8785's is JSON.stringify's.
    case 'string':
      walkedCanonical = canonicalStringAt(value, walk, depth);
      walkedSame = true;
      return value;
    case 'boolean':
      walkedCanonical = value ? 'true' : 'false';
      walkedSame = true;
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidEventError(`${pathOf(walk, depth)} is ${value}, which JSON cannot represent`);
      walkedCanonical = JSON.stringify(value);
      walkedSame = true;
      return value === 0 ? 0 : value;
    case 'object':
      break;
    default:
      throw new InvalidEventError(`${pathOf(walk, depth)} is a ${typeof value}, which JSON cannot represent`);
  }
  const ancestors = walk.ancestors;
  if (depth >= CYCLE_CHECK_DEPTH && ancestors.lastIndexOf(value, depth - 1) !== -1) {
    // Report it where it first came round, as a walk checking every level would have.
    throw new InvalidEventError(`${pathOf(walk, firstRepeat(ancestors, depth))} refers back to itself (a cycle)`);
  }
  // Entries deeper than this one are left over from earlier siblings; lastIndexOf from depth - 1 never sees them.
  ancestors[depth] = value;
  if (Array.isArray(value)) {
    const length = value.length;
    const copy: unknown[] = new Array(length);
    let canonical = '[';
    // Undefined while the stored form is the canonical one so far; from the first item whose forms differ, both.
    let stored: string | undefined;
    for (let index = 0; index < length; index++) {
      const item: unknown = value[index];
      walk.trail[depth] = index;
      if (item === undefined) throw new InvalidEventError(`${pathOf(walk, depth + 1)} is undefined, which JSON would turn into null`);
      copy[index] = toPlainJson(item, depth + 1, walk);
      if (stored === undefined && !walkedSame) stored = canonical;
      if (stored !== undefined) stored += index > 0 ? `,${walkedSame ? walkedCanonical : walkedStored}` : walkedSame ? walkedCanonical : walkedStored;
      canonical += index > 0 ? `,${walkedCanonical}` : walkedCanonical;
    }
    walkedCanonical = `${canonical}]`;
    walkedSame = stored === undefined;
    if (stored !== undefined) walkedStored = `${stored}]`;
    return copy;
  }
  if (!isPlainObject(value)) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    throw new InvalidEventError(`${pathOf(walk, depth)} is a ${kind}; store plain JSON (e.g. an ISO string for a date)`);
  }
  const copy: Record<string, unknown> = {};
  const keys = Object.keys(value);
  const count = keys.length;
  let sorted = true;
  for (let i = 1; i < count; i++) {
    if (keys[i]! < keys[i - 1]!) {
      sorted = false;
      break;
    }
  }
  // Keys in code-unit order (RFC 8785's): the canonical members come in the given order, as in the arrays above.
  // Otherwise each kept key's canonical value is kept by the key's place, with the key's member start, to be put
  // in order after, and the stored form (the given order: the copy's, JSON.stringify's) is a string of its own.
  // A member is its key's start ('"key":', or ',"key":' after the first) and its value: two strings joined
  // (and one more to append it), the key's quoted form made once per key, not once per event (see memberStart).
  const values: Array<string | undefined> | undefined = sorted ? undefined : new Array(count);
  const starts: Array<MemberStart | undefined> | undefined = sorted ? undefined : new Array(count);
  let canonical = '{';
  let stored: string | undefined = sorted ? undefined : '{';
  for (let i = 0; i < count; i++) {
    const key = keys[i]!;
    const item = value[key];
    if (item === undefined) continue;
    walk.trail[depth] = key;
    const plain = toPlainJson(item, depth + 1, walk);
    const start = memberStart(key, walk, depth + 1);
    if (values) {
      values[i] = walkedCanonical;
      starts![i] = start;
      stored += (stored!.length > 1 ? start.next : start.first) + (walkedSame ? walkedCanonical : walkedStored);
    } else {
      // Given order is canonical order here, so both forms have as many members so far: one separator for both.
      const separated = canonical.length > 1 ? start.next : start.first;
      if (stored === undefined && !walkedSame) stored = canonical;
      const member = separated + walkedCanonical;
      canonical += member;
      if (stored !== undefined) stored += walkedSame ? member : separated + walkedStored;
    }
    // defineProperty so a '__proto__' key stays an ordinary key, as JSON.parse makes it (and only then:
    // it is several times slower than an assignment, and this runs for every field of every event).
    if (key === '__proto__') Object.defineProperty(copy, key, { value: plain, enumerable: true, writable: true, configurable: true });
    else copy[key] = plain;
  }
  if (values) {
    // RFC 8785 orders members by their keys' UTF-16 code units (a comparison of JavaScript strings); the copy
    // keeps the given order, which is what the store gives back.
    const order = sortedOrder(keys);
    for (let i = 0; i < count; i++) {
      const place = order[i]!;
      const canonicalValue = values[place];
      if (canonicalValue === undefined) continue;
      const start = starts![place]!;
      canonical += (canonical.length > 1 ? start.next : start.first) + canonicalValue;
    }
  }
  walkedCanonical = `${canonical}}`;
  walkedSame = stored === undefined;
  if (stored !== undefined) walkedStored = `${stored}}`;
  return copy;
}

/** The places of `keys` in code-unit order. Insertion sort for the few keys of most objects. */
function sortedOrder(keys: readonly string[]): number[] {
  const count = keys.length;
  const order: number[] = new Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  if (count > 16) return order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  for (let i = 1; i < count; i++) {
    const place = order[i]!;
    const key = keys[place]!;
    let j = i - 1;
    while (j >= 0 && keys[order[j]!]! > key) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = place;
  }
  return order;
}

/** The shallowest depth at which the value there is also one of its own ancestors. */
function firstRepeat(ancestors: readonly object[], depth: number): number {
  for (let at = 1; at < depth; at++) if (ancestors.lastIndexOf(ancestors[at]!, at - 1) !== -1) return at;
  return depth;
}

/** A key's canonical member start, with and without the comma that separates it from the member before it. */
interface MemberStart {
  first: string;
  next: string;
}

/**
 * Member starts by key. Event data uses a few dozen keys, over and over: quoting one (its escape check, and the
 * strings '"key"', '"key":' and ',"key":' joined around every value) for every member of every event made a
 * fifth of the walk's garbage. Bounded, so that hostile data with endless distinct or long keys cannot grow it:
 * past MEMBER_STARTS_KEPT keys, or for a key longer than MEMBER_START_KEY_LENGTH, a start is made and not kept.
 * A Map, so every key (Object.prototype's names included) is only ever a key.
 */
const memberStarts = new Map<string, MemberStart>();
const MEMBER_STARTS_KEPT = 1024;
const MEMBER_START_KEY_LENGTH = 64;

function memberStart(key: string, walk: Walk, depth: number): MemberStart {
  let start = memberStarts.get(key);
  if (start === undefined) {
    // canonicalStringAt refuses a key with a lone surrogate (with its path) before anything is kept.
    const first = `${canonicalStringAt(key, walk, depth)}:`;
    start = { first, next: `,${first}` };
    if (memberStarts.size < MEMBER_STARTS_KEPT && key.length <= MEMBER_START_KEY_LENGTH) memberStarts.set(key, start);
  }
  return start;
}

/** What JSON.stringify escapes (a quote, a backslash, a control character) and surrogates, which need the check below. */
const NEEDS_CARE = /["\\\u0000-\u001F\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * canonicalJson of a string (the integrity lib's rule, which the chain's verifiers apply). A lone surrogate is
 * refused here, as bad input with its path, rather than by the chain later: RFC 8785 cannot hold it.
 */
function canonicalStringAt(text: string, walk: Walk, depth: number): string {
  if (!NEEDS_CARE.test(text)) return `"${text}"`;
  if (LONE_SURROGATE.test(text)) throw new InvalidEventError(`${pathOf(walk, depth)} holds a lone surrogate (${JSON.stringify(text)}), which RFC 8785 JSON cannot represent`);
  return JSON.stringify(text);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // Any realm's Object.prototype counts (structuredClone and test sandboxes may hand us another realm's objects).
  return proto === null || Object.getPrototypeOf(proto) === null;
}
