import { importProblems, type ImportedPlan } from '../imported-plan.js';

/** What a corpus entry's expected-result file pins down: every field of every recommendation and action, and every problem by code and line. */
export function corpusSummary(plan: ImportedPlan): unknown {
  return {
    layout: plan.layout,
    tables: plan.tables,
    title: plan.title,
    asAt: plan.asAt?.date,
    counts: { recommendations: plan.recommendations.length, actions: plan.actions.length },
    workstreams: plan.workstreams.map((w) => ({ number: w.number, title: w.title })),
    recommendations: plan.recommendations.map((r) => ({
      ref: r.ref,
      ...(r.workstream ? { workstream: r.workstream } : {}),
      text: r.text,
      rows: r.rows,
      actions: plan.actions
        .filter((a) => a.recommendationRef === r.ref && a.workstream === r.workstream)
        .map((a) => ({
          ref: a.ref,
          description: a.description,
          leads: a.leads,
          target: a.target,
          ...(a.targetSlip ? { targetSlip: a.targetSlip } : {}),
          ...(a.progress ? { progress: a.progress } : {}),
          ...(a.status ? { status: `${a.status.to}${a.status.inferred ? ' (inferred)' : ''}` } : {}),
          rows: a.rows,
        })),
    })),
    actionsWithoutRecommendation: plan.actions.filter((a) => a.recommendationRef === undefined).map((a) => ({ ref: a.ref, description: a.description })),
    problems: importProblems(plan).map((p) => `${p.code} ${p.rows.join(',')}`),
  };
}
