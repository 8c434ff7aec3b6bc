import { actionRagJson, actionRagJsonParts, own, planRagSummary, type Action, type ActionRag, type PlanRagSummary, type PlanState, type RagRuleSet } from '#domain';
import { BoundedCache, ragInstantKey, toCompactAction, toPlanView } from '#projections';

/**
 * What the plan reads derive from a plan state (its RAG summary, its views, their JSON, the page's layout),
 * cached against the state object itself. The states come from caches that give one object per plan
 * revision (PlanRows) or per position an as-at instant resolves to (PlanTimeline), and drop it when the
 * plan moves on; a WeakMap lets what was derived from it go with it. So a cached view is never of a stale
 * revision, and what is kept is bounded by those caches times the entries kept per state here. The RAG tails, the
 * largest of them and asked at the most dates, are kept apart, across states, under a bound on their bytes (RAG_TAILS).
 */
const PER_STATE = 16;

const DERIVED = new WeakMap<PlanState, BoundedCache<string, unknown>>();

function derivedOf(state: PlanState): BoundedCache<string, unknown> {
  let cache = DERIVED.get(state);
  if (!cache) DERIVED.set(state, (cache = new BoundedCache<string, unknown>(PER_STATE)));
  return cache;
}

/**
 * `make()`'s value for this state and key, made once. The key must name everything else the value depends
 * on (the view, the viewer's class, the filter, the RAG key): the state stands for the rest.
 */
export function derivedFrom<T>(state: PlanState, key: string, make: () => T): T {
  return derivedOf(state).getOrSet(key, make) as T;
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
  const summary = derivedFrom(state, `${ruleSetKey(rules)}:${ragKeyOf(state, asAt, rules)}`, () => planRagSummary(state, asAt, rules));
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

/** A state object's name in RAG_TAILS' keys. */
const stateKey = identityNames<PlanState>('state');

/**
 * The RAG tails, kept across states in one LRU bounded by their bytes rather than among the PER_STATE entries of
 * each state: an as-at state is asked at many dates (the 10k-event plan's recorded instants resolve to 34
 * positions, so a state is asked at up to a dozen RAG keys in 200 random instants), and a tail (~170 KB for 280
 * actions) is the read's dearest part to make (its summary and its bytes). Its weight is its bytes, exactly what
 * it holds (the summary it came from stays a per-state entry). A tail of a state gone from the state caches is
 * not asked again and ages out. RAG_TAIL_BYTES holds the bench's 180 (state, RAG key) pairs (~30 MB).
 */
const RAG_TAIL_BYTES = 40 * 2 ** 20;
const RAG_TAILS = new BoundedCache<string, Buffer>(4096, RAG_TAIL_BYTES, (tail) => tail.length);

/**
 * The summary's JSON after its `asAt`, closing the summary and the response (`,…}}`), as bytes kept per state and
 * RAG key: JSON.stringify of the summary less its `asAt`, laid out key by key in the same order, with the
 * actions' ratings joined from their kept bytes and the roll-ups (a few KB) stringified. Kept in RAG_TAILS.
 */
export function ragSummaryTail(state: PlanState, asAt: string, rules: RagRuleSet): Buffer {
  return RAG_TAILS.getOrSet(`${stateKey(state)}:${ruleSetKey(rules)}:${ragKeyOf(state, asAt, rules)}`, () => {
    const summary = cachedRagSummary(state, asAt, rules) as unknown as Record<string, unknown>;
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
  });
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
