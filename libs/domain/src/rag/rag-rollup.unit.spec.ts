import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { foldPlan } from '../plan/evolve.js';
import type { PlanCommand } from '../plan/plan-commands.js';
import type { PlanState } from '../plan/plan-state.js';
import { formatUkDate } from '../shared/dates.js';
import { planFromCommands } from '../testing/plan-from-commands.js';
import { RAG_SEVERITY, configureRagRules, planRagSummary, recommendationsCompletedSentence, worstRating, type ActionRagRating } from './index.js';
import { actionIdOf, andThen, createPlan } from './testing/rag-test-plans.js';

const AS_AT = '2012-10-01T09:00:00.000Z';

/**
 * Two workstreams of the Central Bedfordshire 2012-13 plan, cut down:
 * - WS1 key deliverable 1 (chronologies): both actions complete → complete by its actions;
 * - WS1 key deliverable 3 (supervision): one complete, one overdue, one superseded → Red;
 * - WS2 key deliverable 1 (health visitors): signed off although an action is still under way → Green;
 * - WS2 also holds an action under no deliverable, awaiting guidance.
 */
function safeguardingPlan(signOffOn = '2012-09-14'): PlanState {
  let state = planFromCommands([
    createPlan,
    { type: 'AddWorkstream', number: '1', title: 'Safeguarding – actions in first six months' },
    { type: 'AddWorkstream', number: '2', title: 'Safeguarding - Health actions in the first six months' },
  ]).state;
  const [ws1, ws2] = state.workstreamOrder;
  state = andThen(state, [
    { type: 'AddRecommendation', ref: '1', text: 'Guidance to be issued that outlines the purpose and benefits of chronologies in case assessment, planning and review.', workstreamId: ws1 },
    { type: 'AddRecommendation', ref: '3', text: 'Review supervision arrangements', workstreamId: ws1 },
    { type: 'AddRecommendation', ref: 'H1', text: 'Additional health visitors trained as required for the expansion of health visiting in Bedfordshire', workstreamId: ws2 },
  ]);
  const [chronologies, supervision, healthVisitors] = state.recommendationOrder;
  const action = (ref: string, recommendationId: string | undefined, description: string, startDate: string, target: string, workstreamId?: string): PlanCommand => ({
    type: 'AddAction',
    ref,
    ...(recommendationId ? { recommendationId } : {}),
    ...(workstreamId ? { workstreamId } : {}),
    description,
    leads: ['Head of QA'],
    startDate,
    target,
    dependencies: [],
  });
  state = andThen(state, [
    action('1.1', chronologies, 'Revised guidance for practitioners on the completion of chronologies', 'May 2012', '30 July 2012'),
    action('1.2', chronologies, 'Incorporate chronologies and partner contributions in LSCB training', 'May 2012', 'May 2012'),
    action('3.1', supervision, 'Supervision survey', 'May 2012', '30 June 2012'),
    action('3.2', supervision, 'Update and re-issue guidance in line with Munro', 'May 2012', 'July 2012'),
    action('3.3', supervision, 'Repeat the supervision survey late 2012', 'Nov 2012', 'Dec 2012'),
    action('H1.1', healthVisitors, 'Newly qualified health visitors recruited into post', 'April 2012', 'October 2012'),
    action('W2.1', undefined, 'Designated Nurse to review business cases', 'April 2012', 'Awaiting guidance', ws2),
  ]);
  const id = (ref: string) => actionIdOf(state, ref);
  return andThen(state, [
    { type: 'CompleteAction', actionId: id('1.1'), effectiveAt: '2012-07-25' },
    { type: 'CompleteAction', actionId: id('1.2'), effectiveAt: '2012-05-30' },
    { type: 'CompleteAction', actionId: id('3.1'), effectiveAt: '2012-06-28' },
    { type: 'ChangeActionStatus', actionId: id('3.2'), to: 'in_progress', reason: 'Drafting', effectiveAt: '2012-05-14' },
    { type: 'AssessRag', actionId: id('3.2'), rating: 'green', rationale: 'Guidance drafted', effectiveAt: '2012-09-01' },
    { type: 'ChangeActionStatus', actionId: id('3.3'), to: 'superseded', reason: 'Folded into the annual practice survey', effectiveAt: '2012-09-20' },
    { type: 'ChangeActionStatus', actionId: id('H1.1'), to: 'in_progress', reason: 'Cohort recruited', effectiveAt: '2012-06-18' },
    { type: 'SignOffRecommendation', recommendationId: healthVisitors!, effectiveAt: signOffOn, reason: 'Accepted by the Improvement Board' },
  ]);
}

describe('roll-ups by recommendation', () => {
  it('counts a recommendation complete when every action is complete', () => {
    const state = safeguardingPlan();
    const summary = planRagSummary(state, AS_AT);
    const chronologies = summary.recommendations[state.recommendationOrder[0]!]!;
    expect(chronologies).toMatchObject({ ref: '1', complete: true, rating: 'green', actionsTotal: 2, actionsComplete: 2, reason: 'All 2 of its actions are complete.' });
    expect(chronologies.byStatus).toMatchObject({ completed: 2, in_progress: 0 });
  });

  it('rates an incomplete recommendation by its worst action, leaving superseded actions out', () => {
    const state = safeguardingPlan();
    const supervision = planRagSummary(state, AS_AT).recommendations[state.recommendationOrder[1]!]!;
    expect(supervision).toMatchObject({ ref: '3', complete: false, rating: 'red', actionsTotal: 3, actionsComplete: 1 });
    expect(supervision.byRating).toEqual({ green: 1, amber: 0, red: 1, awaiting: 0, superseded: 1, no_target: 0 });
    expect(supervision.byStatus).toEqual({ not_started: 0, in_progress: 1, completed: 1, blocked: 0, awaiting_guidance: 0, superseded: 1 });
    expect(supervision.reason).toBe('1 of 2 actions complete; red because of action 3.2.');
  });

  it('counts a signed-off recommendation complete and Green even with an action still open', () => {
    const state = safeguardingPlan();
    const healthVisitors = planRagSummary(state, AS_AT).recommendations[state.recommendationOrder[2]!]!;
    expect(healthVisitors).toMatchObject({ complete: true, signedOffOn: '2012-09-14', rating: 'green', actionsComplete: 0 });
    expect(healthVisitors.reason).toBe(`Signed off on ${formatUkDate('2012-09-14')} by Rachel Deakin.`);
  });

  it('does not count a sign-off dated after the instant', () => {
    const state = safeguardingPlan('2012-10-15');
    const healthVisitors = planRagSummary(state, AS_AT).recommendations[state.recommendationOrder[2]!]!;
    expect(healthVisitors).toMatchObject({ complete: false, rating: 'green' });
    expect(healthVisitors.signedOffOn).toBeUndefined();
    expect(planRagSummary(state, '2012-10-15').recommendations[state.recommendationOrder[2]!]).toMatchObject({ complete: true, signedOffOn: '2012-10-15' });
  });

  it('does not count a recommendation with no actions, or only superseded ones, as complete', () => {
    let state = andThen(planFromCommands([createPlan]).state, [
      { type: 'AddRecommendation', ref: '4', text: 'The Government should introduce new statutory targets for safeguarding and child protection.' },
      { type: 'AddRecommendation', ref: '5', text: 'Local Safeguarding Children Boards should be more challenging.' },
    ]);
    const [none, replaced] = state.recommendationOrder;
    state = andThen(state, [{ type: 'AddAction', ref: '5.1', recommendationId: replaced!, description: 'Annual challenge event', leads: [], target: 'Annually', dependencies: [] }]);
    state = andThen(state, [{ type: 'ChangeActionStatus', actionId: actionIdOf(state, '5.1'), to: 'superseded', reason: 'Replaced by the peer challenge', effectiveAt: '2012-06-01' }]);
    const summary = planRagSummary(state, AS_AT);
    expect(summary.recommendations[none!]).toMatchObject({ complete: false, rating: 'no_target', reason: 'No actions are recorded against it.' });
    expect(summary.recommendations[replaced!]).toMatchObject({ complete: false, rating: 'no_target', reason: 'All its actions are superseded and none replaces them here.' });
    expect(summary.plan.sentence).toBe('0 of 2 recommendations completed in full');
  });
});

describe('roll-ups by workstream and plan', () => {
  it('rates a workstream by its worst recommendation and counts its recommendations complete', () => {
    const state = safeguardingPlan();
    const summary = planRagSummary(state, AS_AT);
    const [ws1, ws2] = state.workstreamOrder;
    expect(summary.workstreams[ws1!]).toMatchObject({ number: '1', rating: 'red', complete: false, recommendationsComplete: 1, recommendationsTotal: 2, actionsTotal: 5, actionsComplete: 3 });
  });

  it('lets an action under no recommendation count in its workstream', () => {
    const state = safeguardingPlan();
    const ws2 = planRagSummary(state, AS_AT).workstreams[state.workstreamOrder[1]!]!;
    expect(ws2).toMatchObject({ rating: 'awaiting', complete: false, recommendationsComplete: 1, recommendationsTotal: 1, actionsTotal: 2 });
    expect(ws2.byRating).toMatchObject({ green: 1, awaiting: 1 });
  });

  it('gives the plan its counts, its worst rating and the scrutiny panel sentence', () => {
    const summary = planRagSummary(safeguardingPlan(), AS_AT);
    expect(summary.plan).toMatchObject({
      actionsTotal: 7,
      actionsComplete: 3,
      recommendationsComplete: 2,
      recommendationsTotal: 3,
      rating: 'red',
      sentence: '2 of 3 recommendations completed in full',
    });
    expect(summary.plan.byRating).toEqual({ green: 4, amber: 0, red: 1, awaiting: 1, superseded: 1, no_target: 0 });
    expect(summary.asAt).toBe(AS_AT);
    expect(summary.rulesVersion).toBe('cbc-2012.1');
  });

  it('lists every declared rating that is better than the derived one', () => {
    const state = safeguardingPlan();
    const summary = planRagSummary(state, AS_AT);
    expect(summary.discrepancies).toEqual([
      expect.objectContaining({
        actionId: actionIdOf(state, '3.2'),
        ref: '3.2',
        recommendationId: state.recommendationOrder[1],
        workstreamId: state.workstreamOrder[0],
        declared: 'green',
        derived: 'red',
      }),
    ]);
    expect(summary.discrepancies[0]!.message).toMatch(/^Declared Green by Rachel Deakin on 1 Sept? 2012, but the rules \(cbc-2012\.1\) give Red: The target of 31 Jul 2012/);
  });

  it('rates the plan under the rules it is given and says which', () => {
    const state = safeguardingPlan();
    const summary = planRagSummary(state, '2012-10-20T09:00:00Z', configureRagRules({ dueSoonDays: 14 }));
    expect(summary.actions[actionIdOf(state, 'H1.1')]).toMatchObject({ ruleId: 'DUE_SOON' });
    const wider = planRagSummary(state, '2012-10-01T09:00:00Z', configureRagRules({ dueSoonDays: 31 }));
    expect(wider.rulesVersion).toBe('cbc-2012.1+dueSoonDays=31');
    expect(wider.actions[actionIdOf(state, 'H1.1')]).toMatchObject({ ruleId: 'DUE_SOON', rulesVersion: 'cbc-2012.1+dueSoonDays=31' });
  });

  it('keeps the plan order in every record', () => {
    const state = safeguardingPlan();
    const summary = planRagSummary(state, AS_AT);
    expect(Object.keys(summary.actions)).toEqual(state.actionOrder);
    expect(Object.keys(summary.recommendations)).toEqual(state.recommendationOrder);
    expect(Object.keys(summary.workstreams)).toEqual(state.workstreamOrder);
  });

  it('summarises an empty plan without inventing a rating', () => {
    const summary = planRagSummary(planFromCommands([createPlan]).state, AS_AT);
    expect(summary.plan).toMatchObject({ actionsTotal: 0, recommendationsTotal: 0, rating: 'no_target', sentence: 'No recommendations recorded' });
    expect(summary.discrepancies).toEqual([]);
  });
});

describe('the scrutiny panel sentence', () => {
  it('reads "35 of 54 recommendations completed in full" for a plan the size of Laming\'s', () => {
    let state = planFromCommands([createPlan]).state;
    state = andThen(
      state,
      Array.from({ length: 54 }, (_, i): PlanCommand => ({ type: 'AddRecommendation', ref: String(i + 1), text: `Laming recommendation ${i + 1}` })),
    );
    state = andThen(
      state,
      state.recommendationOrder.slice(0, 35).map((recommendationId): PlanCommand => ({ type: 'SignOffRecommendation', recommendationId, effectiveAt: '2010-03-31' })),
    );
    expect(planRagSummary(state, '2010-04-01T00:00:00Z').plan.sentence).toBe('35 of 54 recommendations completed in full');
    expect(planRagSummary(state, '2010-03-30T00:00:00Z').plan.sentence).toBe('0 of 54 recommendations completed in full');
  });

  it('speaks of one recommendation in the singular, and of none plainly', () => {
    expect(recommendationsCompletedSentence(1, 1)).toBe('1 of 1 recommendation completed in full');
    expect(recommendationsCompletedSentence(0, 1)).toBe('0 of 1 recommendation completed in full');
    expect(recommendationsCompletedSentence(1, 2)).toBe('1 of 2 recommendations completed in full');
    expect(recommendationsCompletedSentence(0, 0)).toBe('No recommendations recorded');
  });
});

describe('the worst rating', () => {
  it('ranks Red over Amber over no target over awaiting over Green, and superseded last', () => {
    const ratings: ActionRagRating[] = ['superseded', 'green', 'awaiting', 'no_target', 'amber', 'red'];
    expect([...ratings].sort((a, b) => RAG_SEVERITY[b] - RAG_SEVERITY[a])).toEqual(['red', 'amber', 'no_target', 'awaiting', 'green', 'superseded']);
    expect(worstRating(['green', 'awaiting'])).toBe('awaiting');
    expect(worstRating(['amber', 'no_target', 'green'])).toBe('amber');
    expect(worstRating([])).toBeUndefined();
  });
});

describe('real data: Laming recommendation 4, as at 1.10.09', () => {
  const LAMING = path.resolve(process.cwd(), '../shared/fixtures/central-bedfordshire-laming-2009-progress.txt');

  /** The rows of one recommendation: tab-separated lines under the "Rec No" headers, continuation rows with an empty first cell. */
  function rowsOfRecommendation(ref: string): string[][] {
    const rows: string[][] = [];
    let current: string | undefined;
    for (const line of readFileSync(LAMING, 'utf8').split(/\r?\n/)) {
      const cells = line.split('\t');
      if (cells.length !== 7 || cells[0] === 'Rec No') continue;
      if (cells[0]!.trim() !== '') current = cells[0]!.trim();
      if (current === ref) rows.push(cells.map((cell) => cell.trim()));
    }
    return rows;
  }

  it('rates each action from the plan\'s own target and progress columns', () => {
    const rows = rowsOfRecommendation('4');
    expect(rows).toHaveLength(7);
    // The plan is dated June 2009: its actions enter the ledger then, and progress is "as at 1.10.09".
    const june2009 = '2009-06-30T12:00:00.000Z';
    let state = andThen(foldPlan([]), [createPlan, { type: 'AddRecommendation', ref: '4', text: rows[0]![1]! }], june2009);
    const recommendationId = state.recommendationOrder[0]!;
    state = andThen(
      state,
      rows.map(
        ([, , description, target, priority, managers], i): PlanCommand => ({
          type: 'AddAction',
          ref: `4.${i + 1}`,
          recommendationId,
          description: description!,
          target: target!,
          ...(priority ? { priority } : {}),
          leads: managers ? managers.split(' / ') : [],
          dependencies: [],
        }),
      ),
      june2009,
    );
    state = andThen(
      state,
      rows.flatMap(([, , , , , , progress], i): PlanCommand[] =>
        progress ? [{ type: 'RecordProgressUpdate', actionId: actionIdOf(state, `4.${i + 1}`), narrative: progress, effectiveAt: '2009-10-01' }] : [],
      ),
      june2009,
    );
    // The progress column of 4.7 says "Awaiting guidance": the council records that as the status.
    state = andThen(state, [{ type: 'ChangeActionStatus', actionId: actionIdOf(state, '4.7'), to: 'awaiting_guidance', reason: 'Awaiting guidance', effectiveAt: '2009-10-01' }], june2009);

    const summary = planRagSummary(state, '2009-10-01');
    const byRef = Object.fromEntries(Object.values(summary.actions).map((rag) => [rag.ref, [state.actions[rag.actionId]!.target.text, rag.rating, rag.ruleId]]));
    expect(byRef).toEqual({
      '4.1': ['With immediate effect once guidance is available.', 'awaiting', 'AWAITING'],
      '4.2': ['Quarterly', 'green', 'RECURRING_ON_CADENCE'], // "In place"
      '4.3': ['Weekly', 'green', 'RECURRING_ON_CADENCE'], // "Weekly scrutiny … since June 2009"
      '4.4': ['Monthly', 'red', 'RECURRING_TWO_LATE'], // progress column empty for three months
      '4.5': ['Quarterly', 'amber', 'RECURRING_ONE_LATE'], // progress column empty for one quarter
      '4.6': ['Ongoing', 'green', 'RECURRING_ON_CADENCE'], // "1st audit conducted May/June 09. Future audits planned"
      '4.7': ['October 2009', 'awaiting', 'AWAITING'],
    });
    expect(summary.recommendations[recommendationId]).toMatchObject({ rating: 'red', complete: false, reason: '0 of 7 actions complete; red because of action 4.4.' });
    expect(summary.plan.sentence).toBe('0 of 1 recommendation completed in full');
  });
});

describe('purity', () => {
  it('gives the same summary for the same plan, instant and rules, and never changes the plan', () => {
    const state = safeguardingPlan();
    const before = structuredClone(state);
    const first = planRagSummary(state, AS_AT);
    expect(planRagSummary(structuredClone(state), AS_AT)).toEqual(first);
    expect(JSON.stringify(planRagSummary(state, AS_AT))).toBe(JSON.stringify(first));
    expect(state).toEqual(before);
  });

  it('depends on the instant it is given, not on when it runs', () => {
    const state = safeguardingPlan();
    expect(planRagSummary(state, '2012-06-01T09:00:00Z').plan.rating).not.toBe(planRagSummary(state, AS_AT).plan.rating);
  });
});
