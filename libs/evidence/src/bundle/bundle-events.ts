import { upcastPlanEvent, voidedEventIds, type StoredPlanEvent } from '#domain';
import { canonicalJson, chainLinkOf, utf8Bytes, type StoredChainLink } from '#integrity';
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
  const line: BundleEventLine = {
    ...(chainLinkOf(event) as Omit<BundleEventLine, 'effectiveAt' | 'actor'>),
    effectiveAt: effectiveAtOfMetadata(event.metadata, event.recordedAt),
    actor: actorOfMetadata(event.metadata),
  };
  return canonicalJson(line);
}

/** The reader's copy of when an event took effect: metadata.effectiveAt when it is a string, else recordedAt. */
export function effectiveAtOfMetadata(metadata: Record<string, unknown>, recordedAt: string): string {
  return typeof metadata.effectiveAt === 'string' ? metadata.effectiveAt : recordedAt;
}

function actorOfMetadata(metadata: Record<string, unknown>): Record<string, unknown> | null {
  const actor = metadata.actor;
  return actor !== null && typeof actor === 'object' && !Array.isArray(actor) ? (actor as Record<string, unknown>) : null;
}

export type ParsedBundleEvents = { ok: true; lines: BundleEventLine[] } | { ok: false; problem: string };

const NEWLINE = 0x0a;

/**
 * Read events.ndjson strictly: UTF-8, one canonical JSON object per line, every line ended by "\n",
 * no blank lines, each line exactly the canonical form of what it parses to, and effectiveAt and
 * actor agreeing with the metadata. The problem names the line (and revision, when it could be read).
 */
export function parseBundleEvents(bytes: Uint8Array): ParsedBundleEvents {
  return parseWellFormedText(bytes) ?? parseBundleEventsByLine(bytes);
}

/**
 * The usual case, cheaper: a file that is UTF-8 throughout is decoded once, and each line's canonical form is
 * compared as text with the line (for well-formed UTF-8, equal text is equal bytes, and canonical JSON is never
 * ill-formed). It accepts only what the byte-by-byte reading accepts; on anything else it returns undefined and
 * the file is read again line by line, so every refusal names its line and reason exactly as before.
 */
function parseWellFormedText(bytes: Uint8Array): ParsedBundleEvents | undefined {
  if (bytes.length === 0 || bytes[bytes.length - 1] !== NEWLINE) return undefined;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
  const lines: BundleEventLine[] = [];
  for (let start = 0, end = 0; start < text.length; start = end + 1) {
    end = text.indexOf('\n', start);
    if (end === start) return undefined;
    const raw = text.slice(start, end);
    let value: unknown;
    let canonical: string;
    try {
      value = JSON.parse(raw);
      canonical = canonicalJson(value);
    } catch {
      return undefined;
    }
    if (canonical !== raw) return undefined;
    const parsed = BundleEventLine.safeParse(value);
    if (!parsed.success) return undefined;
    const line = parsed.data;
    if (line.effectiveAt !== effectiveAtOfMetadata(line.metadata, line.recordedAt)) return undefined;
    if (canonicalJson(line.actor) !== canonicalJson(actorOfMetadata(line.metadata))) return undefined;
    lines.push(line);
  }
  return { ok: true, lines };
}

// ignoreBOM keeps a leading byte-order mark in the text, so a line starting with one is never canonical here.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The reading byte by byte, line by line: what every refusal comes from (exported for its test). */
export function parseBundleEventsByLine(bytes: Uint8Array): ParsedBundleEvents {
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
  return { ok: true, lines };
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

/** The lines as plan events, upcast and validated as the ledger reads its own store. Throws naming the revision. */
export function planEventsOfLines(lines: readonly BundleEventLine[]): StoredPlanEvent[] {
  // Entries voided by a repair (EventVoided) are in the bundle and its chain, but no fold reads them.
  const voided = voidedEventIds(lines);
  return lines.filter((line) => !voided.has(line.eventId)).map((line) => {
    try {
      return upcastPlanEvent({ eventId: line.eventId, type: line.type, revision: line.revision, recordedAt: line.recordedAt, data: line.data, metadata: line.metadata });
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
