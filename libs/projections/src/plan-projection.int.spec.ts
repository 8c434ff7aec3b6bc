import { describe, it } from '@jest/globals';
import type { NewPlanEvent } from '#domain';
import { onPlan, planProjection } from './testing/projection-specification.js';

/** The plan projector's read-model rows, given a plan's events: plans, plan_actions and audit_log. */

const LAMING = '018f0000-0000-7000-8000-0000000000a1';
const OFSTED = '018f0000-0000-7000-8000-0000000000b2';
/** Event ids are UUIDs (the store refuses others): e(1) is …0001, and so on. */
const e = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const target = { text: 'October 2009', kind: 'month', due: '2009-10-31' } as const;

const laming: NewPlanEvent[] = [
  { eventId: e(1), type: 'PlanCreated', data: { planId: LAMING, title: 'Laming 2009 action plan', organisation: 'Central Bedfordshire Council', organisationId: 'central-bedfordshire', respondsTo: 'Lord Laming 2009' } },
  { eventId: e(2), type: 'RecommendationAdded', data: { recommendationId: 'rec-6', ref: '6', text: 'Review all points of referral' } },
  { eventId: e(3), type: 'ActionAdded', data: { actionId: 'act-6.1', ref: '6.1', recommendationId: 'rec-6', description: 'Audit referrals', leads: ['Rachel Deakin'], target, dependencies: [] } },
  { eventId: e(4), type: 'ActionAdded', data: { actionId: 'act-6.2', ref: '6.2', recommendationId: 'rec-6', description: 'Review thresholds', leads: ['Sue Ioannou'], target, dependencies: [] } },
  { eventId: e(5), type: 'ActionStatusChanged', data: { actionId: 'act-6.1', from: 'not_started', to: 'in_progress' }, reason: 'Audit started' },
  { eventId: e(6), type: 'ProgressUpdateRecorded', data: { actionId: 'act-6.1', narrative: 'First audit done', asAt: '2009-07-01' }, effectiveAt: '2009-07-01T00:00:00.000Z' },
];
const ofsted: NewPlanEvent[] = [
  { eventId: e(101), type: 'PlanCreated', data: { planId: OFSTED, title: 'Ofsted 2012 action plan', organisation: 'Luton Borough Council', organisationId: 'luton', respondsTo: 'Ofsted 2012' } },
];

/** The audit-log row of the Laming plan's event e(n), recorded by Rachel Deakin at 09:0(n-1) on 1 October 2012. */
function row(n: number, type: string, actionId: string | null, summary: string, extra: { reason?: string; effective_at?: string } = {}) {
  const recorded = `2012-10-01T09:0${n - 1}:00.000Z`;
  return {
    organisation_id: 'central-bedfordshire',
    plan_id: LAMING,
    event_id: e(n),
    revision: n - 1,
    type,
    actor_id: 'rachel',
    actor_name: 'Rachel Deakin',
    recorded_at: recorded,
    effective_at: extra.effective_at ?? recorded,
    action_id: actionId,
    summary,
    reason: extra.reason ?? null,
    correlation_id: 'c-1',
  };
}

describe('the plan projection', () => {
  it('writes one plans row per plan: its tenant, title, revision and when it was last written to', async () => {
    await planProjection.given([...onPlan(LAMING, laming), ...onPlan(OFSTED, ofsted, '2012-11-01T10:00:00.000Z')]).then(
      'SELECT plan_id, organisation_id, organisation, title, revision, last_recorded_at FROM plans ORDER BY title',
      [
        { plan_id: LAMING, organisation_id: 'central-bedfordshire', organisation: 'Central Bedfordshire Council', title: 'Laming 2009 action plan', revision: 5, last_recorded_at: '2012-10-01T09:05:00.000Z' },
        { plan_id: OFSTED, organisation_id: 'luton', organisation: 'Luton Borough Council', title: 'Ofsted 2012 action plan', revision: 0, last_recorded_at: '2012-11-01T10:00:00.000Z' },
      ],
    );
  });

  it('writes one plan_actions row per action, with its status, target, leads and notes as they are now', async () => {
    await planProjection
      .given(onPlan(LAMING, laming))
      .then(
        `SELECT action_id, json_extract(action_json, '$.ref') AS ref, json_extract(action_json, '$.status') AS status, json_extract(action_json, '$.target.due') AS due,
                json_extract(action_json, '$.leads') AS leads, json_array_length(action_json, '$.progress') AS notes FROM plan_actions ORDER BY action_id`,
        [
          { action_id: 'act-6.1', ref: '6.1', status: 'in_progress', due: '2009-10-31', leads: '["Rachel Deakin"]', notes: 1 },
          { action_id: 'act-6.2', ref: '6.2', status: 'not_started', due: '2009-10-31', leads: '["Sue Ioannou"]', notes: 0 },
        ],
      );
  });

  it('writes an audit-log row per event in the order recorded: who, when, effective when, why, and a one-line summary', async () => {
    await planProjection
      .given(onPlan(LAMING, laming))
      .then('SELECT organisation_id, plan_id, event_id, revision, type, actor_id, actor_name, recorded_at, effective_at, action_id, summary, reason, correlation_id FROM audit_log ORDER BY position', [
        row(1, 'PlanCreated', null, 'Plan "Laming 2009 action plan" created for Central Bedfordshire Council by Rachel Deakin, responding to Lord Laming 2009'),
        row(2, 'RecommendationAdded', null, 'Recommendation 6 added by Rachel Deakin'),
        row(3, 'ActionAdded', 'act-6.1', 'Action 6.1 added by Rachel Deakin, led by Rachel Deakin, target 31 Oct 2009'),
        row(4, 'ActionAdded', 'act-6.2', 'Action 6.2 added by Rachel Deakin, led by Sue Ioannou, target 31 Oct 2009'),
        row(5, 'ActionStatusChanged', 'act-6.1', 'Status of action 6.1 changed from not started to in progress by Rachel Deakin: Audit started', { reason: 'Audit started' }),
        // Effective on the note's "as at" day, recorded years later.
        row(6, 'ProgressUpdateRecorded', 'act-6.1', 'Progress on action 6.1 as at 1 Jul 2009 recorded by Rachel Deakin: "First audit done"', { effective_at: '2009-07-01T00:00:00.000Z' }),
      ]);
  });

  it('drops a withdrawn note from the action, and keeps both the note and its withdrawal in the audit log', async () => {
    const withdrawal: NewPlanEvent = { eventId: e(7), type: 'EntryCorrected', data: { correctedEventId: e(6), correctedEventType: 'ProgressUpdateRecorded', kind: 'withdrawn' }, reason: 'Wrong action' };
    const given = planProjection.given(onPlan(LAMING, [...laming, withdrawal]));
    await given.then(`SELECT action_id, json_array_length(action_json, '$.progress') AS notes FROM plan_actions WHERE action_id = 'act-6.1'`, [{ action_id: 'act-6.1', notes: 0 }]);
    await given.then(`SELECT event_id, type, action_id, summary, reason FROM audit_log WHERE revision >= 5 ORDER BY position`, [
      { event_id: e(6), type: 'ProgressUpdateRecorded', action_id: 'act-6.1', summary: 'Progress on action 6.1 as at 1 Jul 2009 recorded by Rachel Deakin: "First audit done"', reason: null },
      { event_id: e(7), type: 'EntryCorrected', action_id: 'act-6.1', summary: 'An earlier progress update recorded entry was withdrawn by Rachel Deakin: Wrong action', reason: 'Wrong action' },
    ]);
  });
});
