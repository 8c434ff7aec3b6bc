import type { Action, PlanState } from '../../plan/plan-state.js';
import { own } from '../../shared/dictionary.js';
import { DEFAULT_RAG_RULES } from '../rag-rules.js';
import { addCadence as referenceAddCadence } from './reference/rag-calendar.js';

/**
 * The instants the RAG tests rate at: where an action's rating can turn (its own dates, a day and a millisecond
 * either side, cadences on from them, its entries' effective instants) and instants over a plan's life. Test
 * support only: not exported from the rag index.
 */

const DAY_MS = 86_400_000;
export function seeded(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const dayEdges = (date: string): string[] => {
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(ms)) return [];
  return [iso(ms - 1), iso(ms), iso(ms + 1), date, iso(ms + DAY_MS - 1)];
};

/** The instants where one action's rating can turn: its own dates, a day and a millisecond either side, and cadences on from them. */
export function instantsOfAction(action: Action): string[] {
  const dates = new Set<string>();
  const cadence = action.target.cadence ?? DEFAULT_RAG_RULES.ongoingReviewCadence;
  const addDate = (date: string | undefined) => {
    if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return;
    for (const d of [-1, 0, 1]) dates.add(iso(Date.parse(date) + d * DAY_MS).slice(0, 10));
  };
  for (const update of action.progress) {
    addDate(update.asAt);
    for (const times of [1, 2, 3]) addDate(referenceAddCadence(update.asAt, cadence, times));
  }
  for (const targetDue of [action.target.due, ...action.targetChanges.flatMap((c) => [c.from.due, c.to.due])]) {
    addDate(targetDue);
    if (targetDue) for (const ahead of [14, 15, 30, 31]) addDate(iso(Date.parse(targetDue) - ahead * DAY_MS).slice(0, 10));
  }
  addDate(action.start?.date);
  if (action.start?.date) for (const times of [1, 2, 3]) addDate(referenceAddCadence(action.start.date, cadence, times));
  addDate(action.completedOn);
  addDate(action.addedAt.slice(0, 10));
  const instants = [...dates].flatMap(dayEdges);
  for (const entry of [...action.targetChanges, ...action.ragAssessments, ...action.progress]) {
    const ms = Date.parse(entry.effectiveAt);
    instants.push(iso(ms - 1), entry.effectiveAt, iso(ms + 1));
  }
  return [...new Set(instants)];
}

/** Instants over a plan's life: random ones (some written with an offset or as a bare date), weekly day edges, and every slip's and assessment's instant ± 1 ms. */
export function instantsOfPlan(state: PlanState, count: number, seed: number): string[] {
  const next = seeded(seed);
  const actions = state.actionOrder.flatMap((id) => own(state.actions, id) ?? []);
  const entries = actions.flatMap((a) => [...a.targetChanges, ...a.ragAssessments]);
  const times = actions.flatMap((a) => [Date.parse(a.addedAt), ...a.progress.map((p) => Date.parse(p.effectiveAt))]);
  const from = Math.min(...times) - 60 * DAY_MS;
  const to = Math.max(...times) + 400 * DAY_MS;
  const instants: string[] = [];
  for (let i = 0; i < count; i++) {
    const ms = Math.floor(from + next() * (to - from));
    const roll = next();
    instants.push(roll < 0.1 ? iso(ms).slice(0, 10) : roll < 0.15 ? iso(ms).replace('Z', '+01:00') : iso(ms));
  }
  for (let ms = from; ms < to; ms += 30 * DAY_MS * (1 + Math.floor(next() * 3))) instants.push(...dayEdges(iso(ms).slice(0, 10)));
  for (const entry of entries) if (next() < Math.min(1, 15 / entries.length)) {
    const ms = Date.parse(entry.effectiveAt);
    instants.push(iso(ms - 1), entry.effectiveAt, iso(ms + 1));
  }
  return instants;
}

