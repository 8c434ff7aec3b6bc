import { own, type Action, type PlanState, type Recommendation, type Workstream } from '#domain';

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
