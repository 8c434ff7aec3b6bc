import { actionRagJson, actionRagJsonParts, own, planRagSummary, type Action, type ActionRag, type PlanRagSummary, type PlanState, type RagRuleSet } from '#domain';
import { BoundedCache, ragInstantKey, toCompactAction, toPlanView } from '#projections';

/**
 * What the plan reads derive from a plan state (its RAG summary and tail, its views' bytes, the page's layout),
 * kept in one process-wide LRU across states, bounded by the bytes its entries hold (DERIVED_BYTES). The states
 * come from caches that give one object per plan revision (PlanRows) or per position an as-at instant resolves
 * to (PlanTimeline), a new object when the plan moves on; an entry is keyed by its state's identity (a number per
 * object, never reused), so a kept value is never of a stale revision, and the entries of a state no cache gives
 * out any more are never asked for again and age out. One bound, by bytes, for every kind: until round 10 each
 * state kept its last 16 entries (too few for a state asked at a dozen dates) and the RAG tails were kept apart.
 */
const DERIVED_BYTES = 96 * 2 ** 20;
const DERIVED_ENTRIES = 16_384;

interface DerivedEntry {
  readonly value: unknown;
  readonly bytes: number;
}

const DERIVED = new BoundedCache<string, DerivedEntry>(DERIVED_ENTRIES, DERIVED_BYTES, (entry) => entry.bytes);

/** A state object's name in DERIVED's keys. */
const stateKey = identityNames<PlanState>('state');

/**
 * `make()`'s value for this state and key, made once while it is kept. The key must name everything else the value
 * depends on (the view, the viewer's class, the filter, the RAG key): the state stands for the rest. `weigh` gives
 * the bytes the value holds (heldBytes for a small value; the large kinds have cheaper exact or estimated weights).
 */
export function derivedFrom<T>(state: PlanState, key: string, make: () => T, weigh: (value: T) => number = heldBytes): T {
  const name = `${stateKey(state)}:${key}`;
  const kept = DERIVED.get(name);
  if (kept) return kept.value as T;
  const value = make();
  DERIVED.set(name, { value, bytes: weigh(value) });
  return value;
}

/** How many bytes DERIVED holds now, and its bound (for the memory spec). */
export function derivedBytes(): { held: number; bound: number } {
  return { held: DERIVED.totalWeight, bound: DERIVED_BYTES };
}

/**
 * The bytes a value holds, estimated from its shape as V8 lays it out on a 64-bit heap: a Buffer its length, a
 * string two bytes a character (its worst case), an object or array its header and a slot per element or property
 * plus what each holds, every object counted once however often it is reached. Objects the value shares with
 * others are counted as its own: it keeps them alive once they are gone from everywhere else, so the bound holds
 * then too. It walks the whole value: for small values (the page's leads, a filtered page's layout).
 */
export function heldBytes(value: unknown, seen = new Set<object>()): number {
  if (typeof value === 'string') return 16 + 2 * value.length;
  if (typeof value !== 'object' || value === null) return 8;
  if (seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return 96 + value.byteLength;
  if (Array.isArray(value)) {
    let bytes = 32 + 8 * value.length;
    for (const item of value) bytes += heldBytes(item, seen);
    return bytes;
  }
  if (value instanceof Map || value instanceof Set) {
    let bytes = 64;
    for (const entry of value instanceof Map ? value.entries() : value.values()) bytes += 16 + heldBytes(entry, seen);
    return bytes;
  }
  let bytes = 32;
  for (const key in value) bytes += 16 + heldBytes((value as Record<string, unknown>)[key], seen);
  return bytes;
}

/** Parts' bytes, exactly (an action's kept bytes shared with other views are counted in each: see heldBytes). */
export function partsBytes(parts: readonly Buffer[]): number {
  let bytes = 32 + 8 * parts.length;
  for (const part of parts) bytes += 96 + part.byteLength;
  return bytes;
}

/**
 * A RAG summary's bytes, estimated by its entries: heldBytes walks a summary in ~0.5 ms (a tenth of a new read), and
 * gives ~1.5 KB an entry for the bench's 10k-event plan (420 KB for its 280 ratings and 115 roll-ups and
 * discrepancies, whose JSON is 194 KB), its ratings counted as its own.
 */
const SUMMARY_BYTES_PER_ENTRY = 1536;

function summaryBytes(summary: PlanRagSummary): number {
  const entries = Object.keys(summary.actions).length + Object.keys(summary.recommendations).length + Object.keys(summary.workstreams).length + summary.discrepancies.length;
  return 1024 + SUMMARY_BYTES_PER_ENTRY * entries;
}

/** The instant as the RAG summary states it: a plain date is the end of that day. */
function normalisedInstant(asAt: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(asAt) ? `${asAt}T23:59:59.999Z` : new Date(asAt).toISOString();
}

/**
 * The last instant each state's RAG key was asked for, and its key: a read asks for the key of its own state and
 * instant several times (its tail's, the summary's, the ETag's), and each is a search over every action.
 */
const LAST_INSTANT_KEY = new WeakMap<PlanState, { asAt: string; key: string }>();

/** The key of the RAG summary of this state at this instant under these rules (see ragInstantKey). */
export function ragKeyOf(state: PlanState, asAt: string, rules: RagRuleSet): string {
  let last = LAST_INSTANT_KEY.get(state);
  if (!last || last.asAt !== asAt) LAST_INSTANT_KEY.set(state, (last = { asAt, key: ragInstantKey(state, asAt) }));
  return `rag:${rules.version}:${last.key}`;
}

/**
 * Names objects by identity in process-wide keys: one number per object, never reused, so two objects never share a
 * name (a WeakMap, so a name goes with its object).
 */
function identityNames<T extends object>(prefix: string): (object: T) => string {
  const numbers = new WeakMap<T, number>();
  let last = 0;
  return (object) => {
    let number = numbers.get(object);
    if (number === undefined) numbers.set(object, (number = ++last));
    return `${prefix}${number}`;
  };
}

/** Rule sets are told apart by identity as well as version: two apps in one process may configure their own. */
const ruleSetKey = identityNames<RagRuleSet>('rules');

/**
 * planRagSummary(state, asAt, rules), computed once per state and RAG key: every instant with the same key
 * rates every action alike, so only the summary's own `asAt` is the instant's.
 */
export function cachedRagSummary(state: PlanState, asAt: string, rules: RagRuleSet): PlanRagSummary {
  const summary = derivedFrom(state, `${ruleSetKey(rules)}:${ragKeyOf(state, asAt, rules)}`, () => planRagSummary(state, asAt, rules), summaryBytes);
  const instant = normalisedInstant(asAt);
  return summary.asAt === instant ? summary : { ...summary, asAt: instant };
}

/** The summary's JSON without its `asAt`, for splicing into a response whose instant is the caller's. */
export function ragSummaryJson(state: PlanState, asAt: string, rules: RagRuleSet): string {
  return derivedFrom(state, `json:${ruleSetKey(rules)}:${ragKeyOf(state, asAt, rules)}`, () => {
    const { asAt: _asAt, ...rest } = cachedRagSummary(state, asAt, rules);
    return JSON.stringify(rest);
  });
}

/**
 * Each action's rating as `"<action id>":<its JSON>`, kept against the rating object: the RAG rules keep a
 * rating per Action object for the interval of instants it holds over (keptActionRagAt), so the summaries of
 * nearby instants and of states that share the action hold the same rating object, and its JSON is made once.
 */
const RAG_JSON = new WeakMap<ActionRag, { key: string; bytes: Buffer }>();

/**
 * A rating whose reasons count days is a new object each day (actionRagJsonParts): its JSON is the same parts
 * joined with the day's count, so the parts' bytes are kept against the parts array, and a day costs the count's.
 */
const RAG_JSON_PARTS = new WeakMap<readonly string[], { key: string; bytes: Buffer[] }>();

/**
 * A day count's bytes (the count a rating kept with its days as a hole is filled in with: actionRagJsonParts),
 * kept per count: the JSON read's RAG tail and the plan page's rating cells write one for every day-counting
 * rating, and the counts repeat. Past COUNT_BYTES_KEPT counts, made and not kept.
 */
const COUNT_BYTES = new Map<string, Buffer>();
const COUNT_BYTES_KEPT = 20_000;

export function dayCountBytes(count: string): Buffer {
  let bytes = COUNT_BYTES.get(count);
  if (!bytes) {
    bytes = Buffer.from(count, 'latin1');
    if (COUNT_BYTES.size < COUNT_BYTES_KEPT) COUNT_BYTES.set(count, bytes);
  }
  return bytes;
}

function pushKeyedRagBytes(pieces: Buffer[], key: string, rag: ActionRag): void {
  const counted = actionRagJsonParts(rag);
  if (counted) {
    let kept = RAG_JSON_PARTS.get(counted.parts);
    if (!kept || kept.key !== key) {
      const bytes = counted.parts.map((part, i) => Buffer.from(i === 0 ? `${JSON.stringify(key)}:${part}` : part, 'utf8'));
      RAG_JSON_PARTS.set(counted.parts, (kept = { key, bytes }));
    }
    const count = dayCountBytes(counted.count);
    kept.bytes.forEach((part, i) => {
      if (i > 0) pieces.push(count);
      pieces.push(part);
    });
    return;
  }
  const kept = RAG_JSON.get(rag);
  if (kept && kept.key === key) {
    pieces.push(kept.bytes);
    return;
  }
  const bytes = Buffer.from(`${JSON.stringify(key)}:${actionRagJson(rag)}`, 'utf8');
  RAG_JSON.set(rag, { key, bytes });
  pieces.push(bytes);
}

const OPEN_OBJECT = Buffer.from('{');
const CLOSE_OBJECT = Buffer.from('}');
const CLOSE_TWO = Buffer.from('}}');

/**
 * The summary's JSON after its `asAt`, closing the summary and the response (`,…}}`), as bytes kept per state and
 * RAG key: JSON.stringify of the summary less its `asAt`, laid out key by key in the same order, with the
 * actions' ratings joined from their kept bytes and the roll-ups (a few KB) stringified. A state is asked at many
 * dates (in 200 random instants, a state of the bench's 10k-event plan at up to a dozen RAG keys), and a tail
 * (~170 KB for 280 actions) is the read's dearest part to make (its summary and its bytes).
 */
export function ragSummaryTail(state: PlanState, asAt: string, rules: RagRuleSet): Buffer {
  return derivedFrom(state, `tail:${ruleSetKey(rules)}:${ragKeyOf(state, asAt, rules)}`, () => {
    // Not kept as a summary of its own: the tail is kept under the summary's key, so no JSON read asks for it again.
    const summary = planRagSummary(state, asAt, rules) as unknown as Record<string, unknown>;
    const pieces: Buffer[] = [];
    for (const key of Object.keys(summary)) {
      if (key === 'asAt') continue;
      const value = summary[key];
      if (key !== 'actions' || typeof value !== 'object' || value === null) {
        const json = JSON.stringify(value);
        // JSON.stringify leaves out a key whose value it cannot write (undefined, a function).
        if (json !== undefined) pieces.push(Buffer.from(`,${JSON.stringify(key)}:${json}`, 'utf8'));
        continue;
      }
      pieces.push(Buffer.from(`,${JSON.stringify(key)}:`, 'utf8'), OPEN_OBJECT);
      const actions = value as Record<string, ActionRag>;
      let first = true;
      for (const id of Object.keys(actions)) {
        if (!first) pieces.push(COMMA);
        first = false;
        pushKeyedRagBytes(pieces, id, own(actions, id)!);
      }
      pieces.push(CLOSE_OBJECT);
    }
    pieces.push(CLOSE_TWO);
    return Buffer.concat(pieces);
  }, (tail) => 96 + tail.byteLength);
}

/**
 * Each action's compact JSON as bytes after a comma (`,{…}`), kept against the action object. A fold shares the
 * actions its events leave alone with the state it folds from (copy-on-write, evolve.ts), and the states the
 * reads are given (PlanRows', PlanTimeline's) never change once built, so an action's JSON is made once however
 * many as-at states hold the same action. The link it names is kept with it and checked. The comma is kept with
 * it so that a view is one part per action (the first action's bytes are the same less the comma).
 */
const ACTION_JSON = new WeakMap<Action, { history: string; bytes: Buffer }>();

function commaActionBytes(action: Action, history: string): Buffer {
  const cached = ACTION_JSON.get(action);
  if (cached && cached.history === history) return cached.bytes;
  const bytes = Buffer.from(`,${JSON.stringify(toCompactAction(action, history))}`, 'utf8');
  ACTION_JSON.set(action, { history, bytes });
  return bytes;
}

const COMMA = Buffer.from(',');
const CLOSE_ARRAY = Buffer.from(']');

/**
 * JSON.stringify(toCompactPlanView(state, historyHref)) as UTF-8 bytes in parts, less its closing brace (the
 * response adds its own fields after it): the plan's own fields, then each action's kept JSON, then `]`. The
 * pieces are whole JSON values cut at ASCII punctuation, so their bytes laid end to end are the whole's. The
 * parts are the kept Buffers themselves (the first action's a view of its bytes): a new as-at state costs the
 * head and the actions it made, not a copy of the whole view.
 */
export function compactPlanViewParts(state: PlanState, historyHref: (actionId: string) => string): readonly Buffer[] {
  const { actions, ...head } = toPlanView(state);
  const headJson = JSON.stringify(head);
  const parts: Buffer[] = [Buffer.from(`${headJson.slice(0, -1)},"actions":[`, 'utf8')];
  actions.forEach((action, i) => {
    const bytes = commaActionBytes(action, historyHref(action.id));
    parts.push(i === 0 ? bytes.subarray(1) : bytes);
  });
  parts.push(CLOSE_ARRAY);
  return parts;
}

/** compactPlanViewParts joined into one Buffer. */
export function compactPlanViewOpen(state: PlanState, historyHref: (actionId: string) => string): Buffer {
  return Buffer.concat(compactPlanViewParts(state, historyHref));
}

/** JSON.stringify(toPlanView(state)) as bytes, less its closing brace, as compactPlanViewOpen. */
export function fullPlanViewOpen(state: PlanState): Buffer {
  const json = JSON.stringify(toPlanView(state));
  return Buffer.from(json.slice(0, -1), 'utf8');
}
