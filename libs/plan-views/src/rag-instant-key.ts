import { instantMsOf, own, type Action, type PlanState } from '#domain';

/**
 * Which instants give one plan state the same RAG summary. The rules read the instant's date (targets,
 * cadences, progress "as at", sign-offs: libs/domain/src/rag) and compare it to the milliseconds of exactly
 * two kinds of entry: target slips and declared assessments, by when they take effect. So two instants on
 * the same UTC date with the same number of those entries in effect at or before them rate every action
 * alike: the key is the date and that number. plan-timeline.unit.spec.ts checks it against the rules, and
 * rag-instant-key.unit.spec.ts against the plain count.
 */
export function ragInstantKey(state: PlanState, asAt: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(asAt) ? `${asAt}T23:59:59.999Z` : asAt);
  const date = new Date(ms).toISOString().slice(0, 10);
  let inEffect = 0;
  for (const id of state.actionOrder) {
    const action = own(state.actions, id);
    if (action) inEffect += upperBound(effectiveInstantsOf(action), ms);
  }
  return `${date}#${inEffect}`;
}

interface ActionInstants {
  readonly changes: readonly unknown[];
  readonly changesLength: number;
  readonly assessments: readonly unknown[];
  readonly assessmentsLength: number;
  readonly instants: Float64Array;
}

/**
 * Per Action object: as-at states share the actions their events left alone, so a new state's count is one binary
 * search per action, not a sort of the whole plan's entries. A fold that owns its draft pushes entries onto an
 * action in place, so the arrays and their lengths are kept and checked.
 */
const INSTANTS = new WeakMap<Action, ActionInstants>();

/** The effective instants of the action's slips and assessments, ascending. */
function effectiveInstantsOf(action: Action): Float64Array {
  const { targetChanges: changes, ragAssessments: assessments } = action;
  const kept = INSTANTS.get(action);
  if (kept && kept.changes === changes && kept.changesLength === changes.length && kept.assessments === assessments && kept.assessmentsLength === assessments.length) return kept.instants;
  // Read as the rules read them (instantMsOf, remembered per string: the rules have read most of them already).
  const all: number[] = [];
  for (const change of changes) all.push(instantMsOf(change.effectiveAt));
  for (const assessment of assessments) all.push(instantMsOf(assessment.effectiveAt));
  // An instant Date cannot read never compares as earlier (NaN <= x is false): it is left out of the count, as the rules leave it out.
  const instants = Float64Array.from(all.filter((x) => !Number.isNaN(x))).sort();
  INSTANTS.set(action, { changes, changesLength: changes.length, assessments, assessmentsLength: assessments.length, instants });
  return instants;
}

function upperBound(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
