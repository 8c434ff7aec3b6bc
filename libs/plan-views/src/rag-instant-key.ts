import { own, type PlanState } from '#domain';

/**
 * Which instants give one plan state the same RAG summary. The rules read the instant's date (targets,
 * cadences, progress "as at", sign-offs: libs/domain/src/rag) and compare it to the milliseconds of exactly
 * two kinds of entry: target slips and declared assessments, by when they take effect. So two instants on
 * the same UTC date with the same number of those entries in effect at or before them rate every action
 * alike: the key is the date and that number. rag-instant-key.unit.spec.ts checks it against the rules.
 */
export function ragInstantKey(state: PlanState, asAt: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(asAt) ? `${asAt}T23:59:59.999Z` : asAt);
  const date = new Date(ms).toISOString().slice(0, 10);
  return `${date}#${upperBound(effectiveInstantsOf(state), ms)}`;
}

const INSTANTS = new WeakMap<PlanState, number[]>();

/** The effective instants of the plan's slips and assessments, ascending; computed once per state. */
function effectiveInstantsOf(state: PlanState): number[] {
  let instants = INSTANTS.get(state);
  if (instants) return instants;
  instants = [];
  for (const id of state.actionOrder) {
    const action = own(state.actions, id);
    if (!action) continue;
    for (const change of action.targetChanges) instants.push(Date.parse(change.effectiveAt));
    for (const assessment of action.ragAssessments) instants.push(Date.parse(assessment.effectiveAt));
  }
  // An instant Date cannot read never compares as earlier (NaN <= x is false): it is left out of the count, as the rules leave it out.
  instants = instants.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  INSTANTS.set(state, instants);
  return instants;
}

function upperBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
