import { upcastPlanEventFast, voidedEventIds, type RawStoredEvent, type StoredPlanEvent } from '#domain';
import { canonicalJson, chainHash, chainLinkOf, endOfCanonicalJson, hexToBytes, sha256, utf8Bytes, type Sha256, type StoredChainLink } from '#integrity';
import { BundleEventLine } from './bundle-format.js';

/**
 * events.ndjson, both ways. The writer turns stored events into lines and then reads its own lines
 * back, through exactly the parser the verifier uses, so the state it bundles is computed from the
 * same bytes a verifier replays.
 */

/** A stored event as the event store returns it (RecordedEvent), revision as a bigint or a number. */
export type StoredEventRecord = StoredChainLink & { data: Record<string, unknown>; metadata: Record<string, unknown> };

/** One line of events.ndjson (without its "\n"): RFC 8785 canonical JSON. */
export function bundleEventLine(event: StoredEventRecord): string {
  const effectiveAt = effectiveAtOfMetadata(event.metadata, event.recordedAt);
  const actor = actorOfMetadata(event.metadata);
  const revision = Number(event.revision);
  const { streamId, eventId, type, data, metadata, recordedAt, previousHash, hash } = event;
  // Written member by member in RFC 8785's order of the line's keys (LINE_KEYS): the same text as canonicalJson of
  // the line as an object, without building that object and sorting its keys for each of ten thousand events. A
  // member that is missing (canonicalJson would leave it out) is left to canonicalJson of the object.
  const members = [actor, data, effectiveAt, eventId, hash, metadata, previousHash, recordedAt, revision, streamId, type] as const;
  if (members.some((member) => member === undefined)) return canonicalJson(lineObject(event, effectiveAt, actor));
  let text = '';
  for (let i = 0; i < members.length; i++) {
    text += MEMBER_PREFIX[i]!;
    text += canonicalJson(members[i]);
  }
  return `${text}}`;
}

/** The line as an object: what bundleEventLine writes in canonical form (exported for its test). */
export function lineObject(event: StoredEventRecord, effectiveAt = effectiveAtOfMetadata(event.metadata, event.recordedAt), actor = actorOfMetadata(event.metadata)): BundleEventLine {
  return { ...(chainLinkOf(event) as Omit<BundleEventLine, 'effectiveAt' | 'actor'>), effectiveAt, actor };
}

/** The reader's copy of when an event took effect: metadata.effectiveAt when it is a string, else recordedAt. */
export function effectiveAtOfMetadata(metadata: Record<string, unknown>, recordedAt: string): string {
  return typeof metadata.effectiveAt === 'string' ? metadata.effectiveAt : recordedAt;
}

function actorOfMetadata(metadata: Record<string, unknown>): Record<string, unknown> | null {
  const actor = metadata.actor;
  return actor !== null && typeof actor === 'object' && !Array.isArray(actor) ? (actor as Record<string, unknown>) : null;
}

/**
 * The lines read, and beside each the hash its content gives, as bytes: SHA-256(previousHash bytes ‖ canonical body),
 * the formula of the chain (docs/evidence-bundle.md), which the chain check compares with the line's own hash. Once
 * the chain holds they are the lines' hashes, which the Merkle tree takes as its leaves without reading hex again.
 */
export type ParsedBundleEvents = { ok: true; lines: BundleEventLine[]; recomputedHashes: Uint8Array[] } | { ok: false; problem: string };

const NEWLINE = 0x0a;

/**
 * Read events.ndjson strictly: UTF-8, one canonical JSON object per line, every line ended by "\n",
 * no blank lines, each line exactly the canonical form of what it parses to, and effectiveAt and
 * actor agreeing with the metadata. The problem names the line (and revision, when it could be read).
 */
export function parseBundleEvents(bytes: Uint8Array, digest: Sha256 = sha256): ParsedBundleEvents {
  return parseWellFormedText(bytes, digest) ?? parseBundleEventsByLine(bytes, digest);
}

/**
 * A line's members in RFC 8785 order (sorted by UTF-16 code units): a line holding exactly these is written
 * `{"actor":…,"data":…,…,"type":…}`, each member's value in its own canonical form.
 */
const LINE_KEYS = ['actor', 'data', 'effectiveAt', 'eventId', 'hash', 'metadata', 'previousHash', 'recordedAt', 'revision', 'streamId', 'type'] as const;
const MEMBER_PREFIX = LINE_KEYS.map((key, i) => `${i === 0 ? '{' : ','}"${key}":`);
const HEX_64 = /^[0-9a-f]{64}$/;

/**
 * What BundleEventLine's schema accepts, checked by hand on a value JSON.parse gave, or false. It may refuse more
 * than the schema (the caller then reads the file the schema's way, which decides), never less. A record with an
 * own "__proto__" member is refused here: zod copies a record by assigning its members, which drops that one, so
 * only the schema's reading says what such a line holds.
 */
function isPlainLine(value: unknown): value is BundleEventLine {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== LINE_KEYS.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== LINE_KEYS[i]) return false;
  const v = value as Record<string, unknown>;
  return (
    nonEmptyString(v.streamId) &&
    typeof v.revision === 'number' &&
    Number.isSafeInteger(v.revision) &&
    v.revision >= 0 &&
    nonEmptyString(v.eventId) &&
    nonEmptyString(v.type) &&
    plainRecord(v.data) &&
    plainRecord(v.metadata) &&
    nonEmptyString(v.recordedAt) &&
    typeof v.previousHash === 'string' &&
    HEX_64.test(v.previousHash) &&
    typeof v.hash === 'string' &&
    HEX_64.test(v.hash) &&
    nonEmptyString(v.effectiveAt) &&
    (v.actor === null || plainRecord(v.actor))
  );
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function plainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return (prototype === Object.prototype || prototype === null) && !Object.prototype.hasOwnProperty.call(value, '__proto__');
}

/**
 * The writer's own lines (each canonicalJson of a line it built) read back as a verifier will read them: parsed,
 * and checked against the line schema. Canonical JSON read back canonicalises to the same text, and effectiveAt
 * and actor were copied from the metadata written beside them, so the rest of the verifier's reading holds by
 * construction. Undefined when a line is not one this check accepts: the writer then reads the file the
 * verifier's whole way (parseBundleEvents), which names the line and what is wrong with it.
 */
export function readOwnLines(lines: readonly string[]): BundleEventLine[] | undefined {
  const read: BundleEventLine[] = new Array<BundleEventLine>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const value: unknown = JSON.parse(lines[i]!);
    if (!isPlainLine(value)) return undefined;
    read[i] = value;
  }
  return read;
}

const OPEN_BRACE = Uint8Array.of(0x7b);
const CLOSE_BRACE = 0x7d;

/**
 * The usual case, cheaper: a file whose every line is UTF-8 is decoded line by line (a newline byte is never inside
 * a UTF-8 sequence, so the file is UTF-8 exactly when each line is; a line of ASCII then decodes to a one-byte string,
 * where one decoding of the whole file made every line two bytes a character once any line was not ASCII, and
 * parsing and comparing them cost more), and each line is compared with the canonical form of what it parses to
 * (for well-formed UTF-8, equal text is equal bytes, and canonical JSON is never ill-formed). Building that form
 * member by member finds where each member lies in the line, so the chain's
 * body, canonical({streamId, revision, eventId, type, data, metadata, recordedAt}), is the line with four members
 * left out: it is hashed from the line's own bytes (or, on a line that is not ASCII, its text) instead of being
 * canonicalised a second time. It accepts only what the byte-by-byte reading accepts, with the same lines and hashes
 * (bundle-events.unit.spec.ts); on anything else it returns undefined and the file is read again line by line, so
 * every refusal names its line and reason exactly as before. Exported for its test.
 */
export function parseWellFormedText(bytes: Uint8Array, digest: Sha256 = sha256): ParsedBundleEvents | undefined {
  if (bytes.length === 0 || bytes[bytes.length - 1] !== NEWLINE) return undefined;
  const lines: BundleEventLine[] = [];
  const recomputedHashes: Uint8Array[] = [];
  // Where each member's value ends in the line, as a character offset from the line's start.
  const ends = new Array<number>(LINE_KEYS.length);
  for (let byteStart = 0; byteStart < bytes.length; ) {
    const byteEnd = bytes.indexOf(NEWLINE, byteStart);
    if (byteEnd === byteStart) return undefined;
    let lineText: string;
    try {
      lineText = strictUtf8.decode(bytes.subarray(byteStart, byteEnd));
    } catch {
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch {
      return undefined;
    }
    if (!isPlainLine(value)) return undefined;
    const line = value;
    // The line must be the canonical form of what it parses to: read member by member along the parsed value
    // (endOfCanonicalJson compares each piece canonicalJson would write in place, writing nothing), which also
    // finds where each member's value ends.
    let at = 0;
    for (let i = 0; i < LINE_KEYS.length && at >= 0; i++) {
      at = lineText.startsWith(MEMBER_PREFIX[i]!, at) ? endOfCanonicalJson(line[LINE_KEYS[i]!], lineText, at + MEMBER_PREFIX[i]!.length) : -1;
      ends[i] = at;
    }
    if (at < 0 || at !== lineText.length - 1 || lineText.charCodeAt(at) !== CLOSE_BRACE) return undefined;
    if (line.effectiveAt !== effectiveAtOfMetadata(line.metadata, line.recordedAt)) return undefined;
    // The metadata's actor, written canonically, must be exactly the line's actor member (its text runs from after
    // the first prefix to ends[0]).
    if (endOfCanonicalJson(actorOfMetadata(line.metadata), lineText, MEMBER_PREFIX[0]!.length) !== ends[0]) return undefined;
    // The body: `{` then "data" (member 1), "eventId" (3), "metadata" (5), and "recordedAt" to the end (7 onwards), each with the separator before it.
    const spans = [ends[0]! + 1, ends[1]!, ends[2]!, ends[3]!, ends[4]!, ends[5]!, ends[6]!, lineText.length];
    const previous = hexToBytes(line.previousHash);
    let hash: Uint8Array;
    if (byteEnd - byteStart === lineText.length) {
      // ASCII throughout (one byte per character), so character offsets are byte offsets.
      const b = (from: number, to: number) => bytes.subarray(byteStart + from, byteStart + to);
      hash = digest(previous, OPEN_BRACE, b(spans[0]!, spans[1]!), b(spans[2]!, spans[3]!), b(spans[4]!, spans[5]!), b(spans[6]!, spans[7]!));
    } else {
      const t = (from: number, to: number) => lineText.slice(from, to);
      hash = digest(previous, utf8Bytes(`{${t(spans[0]!, spans[1]!)}${t(spans[2]!, spans[3]!)}${t(spans[4]!, spans[5]!)}${t(spans[6]!, spans[7]!)}`));
    }
    lines.push(line);
    recomputedHashes.push(hash);
    byteStart = byteEnd + 1;
  }
  return { ok: true, lines, recomputedHashes };
}

// ignoreBOM keeps a leading byte-order mark in the text, so a line starting with one is never canonical here.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The reading byte by byte, line by line: what every refusal comes from (exported for its test). */
export function parseBundleEventsByLine(bytes: Uint8Array, digest: Sha256 = sha256): ParsedBundleEvents {
  const buffer = bytes;
  if (buffer.length === 0) return { ok: false, problem: 'events.ndjson is empty' };
  if (buffer[buffer.length - 1] !== NEWLINE) {
    let lines = 1;
    for (const byte of buffer) if (byte === NEWLINE) lines++;
    return { ok: false, problem: `line ${lines} of events.ndjson, the last, does not end with a newline: the file has been cut short or altered` };
  }
  const lines: BundleEventLine[] = [];
  let start = 0;
  for (let lineNumber = 1; start < buffer.length; lineNumber++) {
    const end = buffer.indexOf(NEWLINE, start);
    const raw = buffer.subarray(start, end);
    start = end + 1;
    const where = `line ${lineNumber} of events.ndjson`;
    if (raw.length === 0) return { ok: false, problem: `${where} is blank` };
    let value: unknown;
    try {
      value = JSON.parse(lenientUtf8.decode(raw));
    } catch {
      return { ok: false, problem: `${where} is not valid JSON` };
    }
    const parsed = BundleEventLine.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, problem: `${where}${revisionOf(value)} is not an event line: ${issue.path.map(String).join('.') || '(line)'} ${issue.message}` };
    }
    const line = parsed.data;
    let canonical: Uint8Array;
    try {
      canonical = utf8Bytes(canonicalJson(value));
    } catch (error) {
      return { ok: false, problem: `${where} (revision ${line.revision}) cannot be canonicalised: ${(error as Error).message}` };
    }
    if (!sameBytes(canonical, raw)) {
      return { ok: false, problem: `${where} (revision ${line.revision}) is not in RFC 8785 canonical form (or is not valid UTF-8): it has been altered` };
    }
    if (line.effectiveAt !== effectiveAtOfMetadata(line.metadata, line.recordedAt)) {
      return { ok: false, problem: `${where} (revision ${line.revision}) gives effectiveAt ${line.effectiveAt}, but its metadata says ${effectiveAtOfMetadata(line.metadata, line.recordedAt)}` };
    }
    if (canonicalJson(line.actor) !== canonicalJson(actorOfMetadata(line.metadata))) {
      return { ok: false, problem: `${where} (revision ${line.revision}) names an actor its metadata does not` };
    }
    lines.push(line);
  }
  // The chain's own formula over each line as the schema read it: what the reading above must agree with.
  return { ok: true, lines, recomputedHashes: lines.map((line) => hexToBytes(chainHash(line.previousHash, line, digest))) };
}

// Invalid UTF-8 becomes U+FFFD here (as Buffer#toString did), so such a line fails the canonical-form comparison below.
const lenientUtf8 = new TextDecoder('utf-8');

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function revisionOf(value: unknown): string {
  const revision = (value as { revision?: unknown } | null)?.revision;
  return typeof revision === 'number' ? ` (revision ${revision})` : '';
}

/**
 * The lines as plan events, upcast and validated as the ledger reads its own store. Throws naming the revision.
 * Read with upcastPlanEventFast: the same events as upcastPlanEvent (the lines are JSON.parse's own objects, nothing
 * else holds them), and for a line zod refuses, zod's own error, so the field path the verifier prints is the same.
 * `upcast` is there for the test that compares the two.
 */
export function planEventsOfLines(lines: readonly BundleEventLine[], upcast: (raw: RawStoredEvent) => StoredPlanEvent = upcastPlanEventFast): StoredPlanEvent[] {
  // Entries voided by a repair (EventVoided) are in the bundle and its chain, but no fold reads them.
  const voided = voidedEventIds(lines);
  return lines.filter((line) => !voided.has(line.eventId)).map((line) => {
    try {
      return upcast({ eventId: line.eventId, type: line.type, revision: line.revision, recordedAt: line.recordedAt, data: line.data, metadata: line.metadata });
    } catch (error) {
      throw new Error(`revision ${line.revision} (${line.type}) cannot be read as a plan event: ${firstLine(error)}`, { cause: error });
    }
  });
}

function firstLine(error: unknown): string {
  // A ZodError's message is its issues as JSON: say the first issue in words instead.
  const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] } | null)?.issues;
  if (Array.isArray(issues) && issues[0]) return `${issues[0].path.map(String).join('.') || '(event)'} ${issues[0].message}`;
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}
