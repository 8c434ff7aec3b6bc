import { own, type Action, type PlanState, type ProgressUpdate, type RagAssessment, type Recommendation, type Workstream } from '#domain';

/**
 * The plan as a reader sees it: workstreams, recommendations and actions in the order the plan was
 * written, with every action's stored status, leads, target as written, progress and entries.
 */
export interface PlanView extends Pick<PlanState, 'id' | 'title' | 'organisation' | 'respondsTo' | 'period' | 'owner' | 'createdAt' | 'revision' | 'lastRecordedAt'> {
  workstreams: Workstream[];
  recommendations: (Omit<Recommendation, 'actionIds'> & { actionIds: string[] })[];
  actions: Action[];
  /** Data-quality warnings across the plan (targets before starts, no lead, unreadable targets). */
  warnings: { actionId: string; ref: string; code: string; message: string }[];
  corrections: PlanState['corrections'];
}

export function toPlanView(state: PlanState): PlanView {
  const actions = state.actionOrder.flatMap((id) => own(state.actions, id) ?? []);
  return {
    id: state.id,
    title: state.title,
    organisation: state.organisation,
    respondsTo: state.respondsTo,
    period: state.period,
    owner: state.owner,
    createdAt: state.createdAt,
    revision: state.revision,
    lastRecordedAt: state.lastRecordedAt,
    workstreams: state.workstreamOrder.flatMap((id) => own(state.workstreams, id) ?? []),
    recommendations: state.recommendationOrder.flatMap((id) => own(state.recommendations, id) ?? []),
    actions,
    warnings: actions.flatMap((action) => action.warnings.map((w) => ({ actionId: action.id, ref: action.ref, ...w }))),
    corrections: state.corrections,
  };
}

/**
 * An action as the plan view shows it: everything but its two running logs, progress notes and declared RAG
 * assessments, which are most of a plan's bytes (a 280-action plan of 10,000 events holds ~9,000 notes and
 * ~3,000 assessments, ~1.9 MB of its 2.4 MB of JSON), with the latest of each, how many there are, and where
 * the action's own resource gives them all (`history`). The full view keeps them.
 */
export interface CompactAction extends Omit<Action, 'progress' | 'ragAssessments'> {
  latestProgress: ProgressUpdate | null;
  progressCount: number;
  latestRagAssessment: RagAssessment | null;
  ragAssessmentCount: number;
  history: string;
}

export interface CompactPlanView extends Omit<PlanView, 'actions'> {
  actions: CompactAction[];
}

/** The latest progress note by its "as at" date; of two on the same date, the later recorded (the plan page's rule). */
export function latestProgressOf(action: Pick<Action, 'progress'>): ProgressUpdate | undefined {
  let latest: ProgressUpdate | undefined;
  for (const update of action.progress) if (!latest || update.asAt >= latest.asAt) latest = update;
  return latest;
}

/**
 * Whether an instant is written as Date#toISOString writes it (`2012-09-30T00:00:00.000Z`): two such strings
 * compare as their instants do, so the latest of them is found without reading each as a date. Every stored
 * instant is an IsoInstant (the store validates each event), and one of 24 characters with `.` and `Z` where these
 * stand can only be this shape; any other (an offset, no milliseconds) is read by Date.parse, as before.
 */
function isCanonicalInstant(instant: string): boolean {
  return instant.length === 24 && instant.charCodeAt(23) === 90 /* Z */ && instant.charCodeAt(19) === 46 /* . */ && instant.charCodeAt(10) === 84 /* T */;
}

/** The assessment taking effect last; of two at the same instant, the later recorded (the RAG rules' rule). */
export function latestRagAssessmentOf(action: Pick<Action, 'ragAssessments'>): RagAssessment | undefined {
  let latest: RagAssessment | undefined;
  let latestAt = '';
  let latestCanonical = false;
  // The latest's milliseconds, read only when an instant not written canonically is compared with it.
  let latestMs: number | undefined;
  for (const assessment of action.ragAssessments) {
    const at = assessment.effectiveAt;
    const canonical = isCanonicalInstant(at);
    if (latest) {
      if (canonical && latestCanonical) {
        if (at < latestAt) continue;
        latestMs = undefined;
      } else {
        // NaN compares as the old rule did: never "earlier".
        const ms = Date.parse(at);
        if (ms < (latestMs ??= Date.parse(latestAt))) continue;
        latestMs = ms;
      }
    }
    latest = assessment;
    latestAt = at;
    latestCanonical = canonical;
  }
  return latest;
}

/** One action as the compact view shows it; `history` names the action's own resource. */
export function toCompactAction(action: Action, history: string): CompactAction {
  // Copied key by key in the action's own order (a rest spread is several times slower, on every action of a view).
  const compact: Record<string, unknown> = {};
  for (const key of Object.keys(action)) {
    if (key === 'progress' || key === 'ragAssessments') continue;
    const value = action[key as keyof Action];
    // An own `__proto__` (JSON.parse makes one) stays a field, as a spread would keep it, not the prototype.
    if (key === '__proto__') Object.defineProperty(compact, key, { value, enumerable: true, writable: true, configurable: true });
    else compact[key] = value;
  }
  compact.latestProgress = latestProgressOf(action) ?? null;
  compact.progressCount = action.progress.length;
  compact.latestRagAssessment = latestRagAssessmentOf(action) ?? null;
  compact.ragAssessmentCount = action.ragAssessments.length;
  compact.history = history;
  return compact as unknown as CompactAction;
}

/**
 * The plan view without every progress note and assessment; `historyHref` names the action's own resource.
 * The actions come last, after the plan's own fields: a reader may send the head and each action's JSON as
 * pieces made apart (the API keeps each action's against the action object).
 */
export function toCompactPlanView(state: PlanState, historyHref: (actionId: string) => string): CompactPlanView {
  const { actions, ...view } = toPlanView(state);
  return { ...view, actions: actions.map((action) => toCompactAction(action, historyHref(action.id))) };
}

export interface PlanSummary extends Pick<PlanState, 'id' | 'title' | 'organisation' | 'respondsTo' | 'period' | 'revision' | 'lastRecordedAt'> {
  actions: number;
  recommendations: number;
}

export function toPlanSummary(state: PlanState): PlanSummary {
  return {
    id: state.id,
    title: state.title,
    organisation: state.organisation,
    respondsTo: state.respondsTo,
    period: state.period,
    revision: state.revision,
    actions: state.actionOrder.length,
    recommendations: state.recommendationOrder.length,
    lastRecordedAt: state.lastRecordedAt,
  };
}
