import { planRagSummary, type Action, type PlanRagSummary, type PlanState, type RagRuleSet } from '#domain';
import { BoundedCache, ragInstantKey, toCompactAction, toPlanView } from '#projections';

/**
 * What the plan reads derive from a plan state (its RAG summary, its views, their JSON, the page's layout),
 * cached against the state object itself. The states come from caches that give one object per plan
 * revision (PlanRows) or per position an as-at instant resolves to (PlanTimeline), and drop it when the
 * plan moves on; a WeakMap lets what was derived from it go with it. So a cached view is never of a stale
 * revision, and what is kept is bounded by those caches times the entries kept per state here.
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

/** The key of the RAG summary of this state at this instant under these rules (see ragInstantKey). */
export function ragKeyOf(state: PlanState, asAt: string, rules: RagRuleSet): string {
  return `rag:${rules.version}:${ragInstantKey(state, asAt)}`;
}

const RULE_SETS = new WeakMap<RagRuleSet, number>();
let ruleSets = 0;

/** Rule sets are told apart by identity as well as version: two apps in one process may configure their own. */
function ruleSetKey(rules: RagRuleSet): string {
  let id = RULE_SETS.get(rules);
  if (id === undefined) RULE_SETS.set(rules, (id = ++ruleSets));
  return `rules${id}`;
}

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

/** The summary's JSON after its `asAt`, closing the summary and the response (`,…}}`), as bytes kept per state and RAG key. */
export function ragSummaryTail(state: PlanState, asAt: string, rules: RagRuleSet): Buffer {
  return derivedFrom(state, `tail:${ruleSetKey(rules)}:${ragKeyOf(state, asAt, rules)}`, () => {
    const { asAt: _asAt, ...rest } = cachedRagSummary(state, asAt, rules);
    const json = JSON.stringify(rest);
    return Buffer.from(`${json.length > 2 ? `,${json.slice(1)}` : '}'}}`, 'utf8');
  });
}

/**
 * Each action's compact JSON as bytes, kept against the action object. A fold shares the actions its events
 * leave alone with the state it folds from (copy-on-write, evolve.ts), and the states the reads are given
 * (PlanRows', PlanTimeline's) never change once built, so an action's JSON is made once however many as-at
 * states hold the same action. The link it names is kept with it and checked.
 */
const ACTION_JSON = new WeakMap<Action, { history: string; bytes: Buffer }>();

function compactActionBytes(action: Action, history: string): Buffer {
  const cached = ACTION_JSON.get(action);
  if (cached && cached.history === history) return cached.bytes;
  const bytes = Buffer.from(JSON.stringify(toCompactAction(action, history)), 'utf8');
  ACTION_JSON.set(action, { history, bytes });
  return bytes;
}

const COMMA = Buffer.from(',');
const CLOSE_ARRAY = Buffer.from(']');

/**
 * JSON.stringify(toCompactPlanView(state, historyHref)) as UTF-8 bytes, less its closing brace (the response
 * adds its own fields after it): the plan's own fields, then each action's cached JSON joined by commas. The
 * pieces are whole JSON values cut at ASCII punctuation, so their bytes laid end to end are the whole's.
 */
export function compactPlanViewOpen(state: PlanState, historyHref: (actionId: string) => string): Buffer {
  const { actions, ...head } = toPlanView(state);
  const headJson = JSON.stringify(head);
  const pieces: Buffer[] = [Buffer.from(`${headJson.slice(0, -1)},"actions":[`, 'utf8')];
  actions.forEach((action, i) => {
    if (i > 0) pieces.push(COMMA);
    pieces.push(compactActionBytes(action, historyHref(action.id)));
  });
  pieces.push(CLOSE_ARRAY);
  return Buffer.concat(pieces);
}

/** JSON.stringify(toPlanView(state)) as bytes, less its closing brace, as compactPlanViewOpen. */
export function fullPlanViewOpen(state: PlanState): Buffer {
  const json = JSON.stringify(toPlanView(state));
  return Buffer.from(json.slice(0, -1), 'utf8');
}
