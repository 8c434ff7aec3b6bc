import { describe, expect, it } from '@jest/globals';
import { parseTarget } from '../targets/fuzzy-target.js';
import { foldPlan } from './evolve.js';
import type { NewPlanEvent } from './plan-events.js';
import { updateRequestsOf } from './update-requests.js';
import { planEvent, recorded } from '../testing/plan-decider-spec.js';

/**
 * What each action owes at an instant: given plan events → the requests updateRequestsOf lists, with reasons
 * and due dates (docs/rag-rules.md, "When an update is due"). The window is 45 days unless the plan sets one.
 */
const planCreated = planEvent('PlanCreated', 'e-plan', { planId: 'plan-1', title: 'Post-inspection action plan 2012-13', organisation: 'Central Bedfordshire Council', organisationId: 'cbc', respondsTo: 'Ofsted 2012' });
const action = (id: string, target: string, extra: { start?: string; leads?: string[] } = {}) =>
  planEvent(
    'ActionAdded',
    `e-${id}`,
    { actionId: id, ref: id, description: `Action ${id}`, leads: extra.leads ?? ['Head of Service'], target: parseTarget(target), dependencies: [], ...(extra.start ? { start: { text: extra.start, date: extra.start } } : {}) },
    { effectiveAt: '2012-04-01T00:00:00.000Z' },
  );
const progress = (id: string, asAt: string, eventId = `e-p-${id}-${asAt}`) => planEvent('ProgressUpdateRecorded', eventId, { actionId: id, narrative: 'Progress noted', asAt }, { effectiveAt: `${asAt}T00:00:00.000Z` });
const requestsAt = (events: NewPlanEvent[], asAt: string) => updateRequestsOf(foldPlan(recorded(events)), asAt);
const only = (events: NewPlanEvent[], asAt: string, id: string) => requestsAt(events, asAt).find((r) => r.actionId === id);

describe('update requests: targets', () => {
  it('asks for an update when a target date falls within the next 45 days, and not before', () => {
    const plan = [planCreated, action('a1', '30 November 2012')];
    expect(only(plan, '2012-10-01', 'a1')).toBeUndefined();
    expect(only(plan, '2012-10-20', 'a1')).toMatchObject({ kind: 'target-window', dueOn: '2012-11-30', escalated: false, reason: 'The target of 30 Nov 2012 ("30 November 2012") is within 45 days; no progress update is recorded.' });
  });

  it('counts an update made since the window opened as the answer', () => {
    expect(only([planCreated, action('a1', '30 November 2012'), progress('a1', '2012-10-18')], '2012-10-20', 'a1')).toBeUndefined();
    expect(only([planCreated, action('a1', '30 November 2012'), progress('a1', '2012-10-10')], '2012-10-20', 'a1')).toMatchObject({ kind: 'target-window' });
  });

  it("uses the plan's own window when it sets one", () => {
    const plan = [planCreated, action('a1', '30 November 2012'), planEvent('UpdateWindowSet', 'e-w', { days: 90 })];
    expect(only(plan, '2012-10-01', 'a1')).toMatchObject({ kind: 'target-window', reason: expect.stringContaining('within 90 days') });
  });

  it('escalates an overdue action with no update since its target passed', () => {
    expect(only([planCreated, action('a1', '30 September 2012'), progress('a1', '2012-09-01')], '2012-10-01', 'a1')).toMatchObject({
      kind: 'overdue',
      dueOn: '2012-09-30',
      escalated: true,
      lastUpdateOn: '2012-09-01',
      escalation: 'Overdue since 30 Sep 2012 with no update since.',
    });
  });

  it('asks an overdue action that has been updated since for the next update a window later, without escalating it', () => {
    expect(only([planCreated, action('a1', '30 September 2012'), progress('a1', '2012-10-05')], '2012-10-10', 'a1')).toMatchObject({ kind: 'overdue', dueOn: '2012-11-19', escalated: false });
  });

  it('reads the plan as at the instant: an update dated later does not answer an earlier request', () => {
    const plan = [planCreated, action('a1', '30 September 2012'), progress('a1', '2012-10-05')];
    expect(only(plan, '2012-10-02', 'a1')).toMatchObject({ escalated: true });
  });

  it('asks nothing of a completed or superseded action, but asks of one completed after the instant', () => {
    const completed = planEvent('ActionCompleted', 'e-done', { actionId: 'a1', from: 'not_started', completedOn: '2012-10-05' });
    expect(only([planCreated, action('a1', '30 September 2012'), completed], '2012-10-10', 'a1')).toBeUndefined();
    expect(only([planCreated, action('a1', '30 September 2012'), completed], '2012-10-02', 'a1')).toMatchObject({ kind: 'overdue' });
    const superseded = planEvent('ActionStatusChanged', 'e-sup', { actionId: 'a1', from: 'not_started', to: 'superseded' });
    expect(only([planCreated, action('a1', '30 September 2012'), superseded], '2012-10-10', 'a1')).toBeUndefined();
  });
});

describe('update requests: cadences', () => {
  it('asks a monthly action for its next update one month after the latest', () => {
    expect(only([planCreated, action('m1', 'Monthly'), progress('m1', '2012-09-15')], '2012-10-01', 'm1')).toMatchObject({ kind: 'cadence', dueOn: '2012-10-15', escalated: false, lastUpdateOn: '2012-09-15' });
  });

  it('escalates a monthly action with no update for two cadences', () => {
    const request = only([planCreated, action('m1', 'Monthly'), progress('m1', '2012-07-10')], '2012-10-01', 'm1')!;
    expect(request).toMatchObject({ kind: 'cadence', dueOn: '2012-08-10', escalated: true });
    expect(request.escalation).toMatch(/^No update for two monthly cadences/);
    expect(only([planCreated, action('m1', 'Monthly'), progress('m1', '2012-08-10')], '2012-10-01', 'm1')).toMatchObject({ escalated: false });
  });

  it('counts a quarterly action with no update from its start date', () => {
    expect(only([planCreated, action('q1', 'Quarterly', { start: '2012-08-01' })], '2012-10-01', 'q1')).toMatchObject({ kind: 'cadence', dueOn: '2012-11-01' });
    expect(only([planCreated, action('q1', 'Quarterly', { start: '2012-01-01' })], '2012-10-01', 'q1')).toMatchObject({ kind: 'cadence', dueOn: '2012-04-01', escalated: true });
  });

  it('gives "Ongoing" the default quarterly cadence', () => {
    expect(only([planCreated, action('o1', 'Ongoing'), progress('o1', '2012-08-01')], '2012-10-01', 'o1')).toMatchObject({ kind: 'cadence', dueOn: '2012-11-01', reason: expect.stringMatching(/^Quarterly/) });
  });
});

describe('update requests: audit follow-ups', () => {
  const audit = planEvent('AuditOutcomeRecorded', 'e-audit', { auditId: 'au-1', subject: { kind: 'action', actionId: 'a1' }, auditDate: '2012-09-10', auditor: 'Audit Manager', rating: 'requires_improvement', findings: 'Chronologies incomplete', followUpDue: '2012-10-15' });
  it('asks for an update by the follow-up date, escalating once it has passed with no update since the audit', () => {
    const plan = [planCreated, action('a1', '31 March 2013'), audit];
    expect(only(plan, '2012-10-01', 'a1')).toMatchObject({ kind: 'audit-follow-up', dueOn: '2012-10-15', escalated: false });
    expect(only(plan, '2012-10-20', 'a1')).toMatchObject({ kind: 'audit-follow-up', escalated: true });
    expect(only([...plan, progress('a1', '2012-09-20')], '2012-10-20', 'a1')).toBeUndefined();
  });

  it('lists every request by due date, earliest first', () => {
    const dues = requestsAt([planCreated, action('a1', '30 November 2012'), action('a2', '31 October 2012'), action('a3', '15 November 2012')], '2012-10-20').map((r) => r.dueOn);
    expect(dues).toEqual(['2012-10-31', '2012-11-15', '2012-11-30']);
  });
});
