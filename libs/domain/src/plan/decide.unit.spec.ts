import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../shared/domain-error.js';
import type { Target } from '../targets/target.js';
import { evolve, foldPlan } from './evolve.js';
import type { PlanCommand } from './plan-commands.js';
import type { PlanEventData } from './plan-events.js';
import { planDecider, planEvent, recorded } from '../testing/plan-decider-spec.js';

/**
 * The plan's rules, given events → when command → then exactly these events. The decision is made at
 * 1 October 2012, 09:00 UTC, and draws the ids id-1, id-2, … in order (an entity's id before its event's).
 */

const PLAN_ID = '018f0000-0000-7000-8000-000000000001';
const TODAY = '2012-10-01';

const createPlan: PlanCommand = {
  type: 'CreatePlan',
  planId: PLAN_ID,
  title: 'Laming Recommendations 2009 – Response and Action Plan',
  organisation: 'Central Bedfordshire Council',
  respondsTo: 'Lord Laming 2009',
};

const created: PlanEventData<'PlanCreated'> = {
  planId: PLAN_ID,
  title: 'Laming Recommendations 2009 – Response and Action Plan',
  organisation: 'Central Bedfordshire Council',
  organisationId: 'central-bedfordshire-council',
  respondsTo: 'Lord Laming 2009',
};
const planCreated = planEvent('PlanCreated', 'e-plan', created);
const workstreamAdded = planEvent('WorkstreamAdded', 'e-ws-1', { workstreamId: 'ws-1', number: '1', title: 'Safeguarding six month actions' });
const recommendationAdded = planEvent('RecommendationAdded', 'e-rec-6', { recommendationId: 'rec-6', ref: '6', text: 'Regularly review all points of referral.' });

const AUDIT_TARGET: Target = {
  text: 'First audit by June 2009. Thereafter 6 monthly or as required',
  kind: 'recurring',
  due: '2009-06-30',
  cadence: { every: 6, unit: 'month', label: '6 monthly' },
  ongoing: true,
};
const added: PlanEventData<'ActionAdded'> = {
  actionId: 'act-6.1',
  ref: '6.1',
  recommendationId: 'rec-6',
  description: 'Audit manager to undertake regular specific audits of referrals',
  leads: ['Rachel Deakin', 'Sue Ioannou'],
  priority: 'High Priority',
  start: { text: 'May 2009', date: '2009-05-01' },
  target: AUDIT_TARGET,
  dependencies: [],
};
const actionAdded = planEvent('ActionAdded', 'e-act-6.1', added);
const progressRecorded = planEvent('ProgressUpdateRecorded', 'e-progress', { actionId: 'act-6.1', narrative: 'Audit completed Jnue 2009', asAt: '2009-10-01' }, { effectiveAt: '2009-10-01T00:00:00.000Z' });
const actionCompleted = planEvent('ActionCompleted', 'e-done', { actionId: 'act-6.1', from: 'not_started', completedOn: '2009-12-15' }, { effectiveAt: '2009-12-15T00:00:00.000Z' });
const actionReopened = planEvent('ActionReopened', 'e-reopened', { actionId: 'act-6.1', to: 'in_progress' }, { reason: 'Audit found gaps' });
const signedOff = planEvent('RecommendationSignedOff', 'e-signed', { recommendationId: 'rec-6', signedOffOn: '2009-11-03' }, { effectiveAt: '2009-11-03T00:00:00.000Z' });

/** A plan with recommendation 6 and its action 6.1, not started. */
const withAction = [planCreated, recommendationAdded, actionAdded];
const actionId = 'act-6.1';

describe('decide: plans and their shape', () => {
  it('creates a plan with the id the caller chose, its tenant named after the organisation', () => {
    planDecider.given([]).when(createPlan).then([planEvent('PlanCreated', 'id-1', created)]);
  });

  it('creates a plan effective from the day it was agreed', () => {
    planDecider
      .given([])
      .when({ ...createPlan, effectiveAt: '2009-06-01', organisationId: 'cbc' })
      .then([planEvent('PlanCreated', 'id-1', { ...created, organisationId: 'cbc' }, { effectiveAt: '2009-06-01T00:00:00.000Z' })]);
  });

  it('rejects creating a plan twice', () => {
    planDecider.given([planCreated]).when(createPlan).thenThrows(new DomainError('PLAN_ALREADY_EXISTS', `Plan ${PLAN_ID} already exists`));
  });

  it('rejects any other command on a plan that does not exist', () => {
    planDecider.given([]).when({ type: 'AddWorkstream', number: '1', title: 'Safeguarding' }).thenThrows(new DomainError('PLAN_NOT_FOUND', 'There is no such plan'));
  });

  it('adds an action with its leads tidied, keeping the target as written and reading what it can from it', () => {
    planDecider
      .given([planCreated, recommendationAdded])
      .when({
        type: 'AddAction',
        ref: '6.1',
        recommendationId: 'rec-6',
        description: 'Audit manager to undertake regular specific audits of referrals',
        leads: ['Rachel  Deakin ', 'Sue Ioannou', 'rachel deakin'],
        priority: 'High Priority',
        startDate: 'May 2009',
        target: 'First audit by June 2009. Thereafter 6 monthly or as required',
        dependencies: [],
      })
      .then([planEvent('ActionAdded', 'id-2', { ...added, actionId: 'id-1' })]);
  });

  it("adds an action to its recommendation's workstream when it names none", () => {
    planDecider
      .given([planCreated, workstreamAdded, planEvent('RecommendationAdded', 'e-rec-6', { recommendationId: 'rec-6', ref: '6', text: 'Review referrals.', workstreamId: 'ws-1' })])
      .when({ type: 'AddAction', ref: '6.1', recommendationId: 'rec-6', description: 'Audit referrals', leads: [], target: 'Quarterly', dependencies: [] })
      .then([
        planEvent('ActionAdded', 'id-2', {
          actionId: 'id-1',
          ref: '6.1',
          recommendationId: 'rec-6',
          workstreamId: 'ws-1',
          description: 'Audit referrals',
          leads: [],
          target: { text: 'Quarterly', kind: 'recurring', cadence: { every: 3, unit: 'month', label: 'Quarterly' }, ongoing: true },
          dependencies: [],
        }),
      ]);
  });

  it('rejects a second workstream with the same number', () => {
    planDecider
      .given([planCreated, workstreamAdded])
      .when({ type: 'AddWorkstream', number: '1', title: 'Other' })
      .thenThrows(new DomainError('DUPLICATE_REFERENCE', 'Workstream 1 already exists ("Safeguarding six month actions")', [{ path: 'number', problem: 'is already used' }]));
  });

  it('rejects an action under a recommendation that does not exist', () => {
    planDecider
      .given([planCreated])
      .when({ type: 'AddAction', ref: '1', recommendationId: 'nope', description: 'x', leads: [], target: '', dependencies: [] })
      .thenThrows(new DomainError('RECOMMENDATION_NOT_FOUND', 'There is no recommendation nope in this plan', [{ path: 'recommendationId', problem: 'is not a recommendation of this plan' }]));
  });

  it('rejects a second action with the same ref in the same place', () => {
    planDecider
      .given(withAction)
      .when({ type: 'AddAction', ref: '6.1', recommendationId: 'rec-6', description: 'Again', leads: [], target: '', dependencies: [] })
      .thenThrows(new DomainError('DUPLICATE_REFERENCE', 'Action 6.1 already exists here', [{ path: 'ref', problem: 'is already used' }]));
  });
});

describe('decide: what happens to an action', () => {
  it('records a progress update effective on its "as at" date', () => {
    planDecider
      .given(withAction)
      .when({ type: 'RecordProgressUpdate', actionId, narrative: '1st audit completed and reported on June 2009.', effectiveAt: '2009-10-01' })
      .then([planEvent('ProgressUpdateRecorded', 'id-1', { actionId, narrative: '1st audit completed and reported on June 2009.', asAt: '2009-10-01' }, { effectiveAt: '2009-10-01T00:00:00.000Z' })]);
  });

  it('dates a progress update without a date to the start of the day it is recorded', () => {
    planDecider
      .given(withAction)
      .when({ type: 'RecordProgressUpdate', actionId, narrative: 'Second audit booked.' })
      .then([planEvent('ProgressUpdateRecorded', 'id-1', { actionId, narrative: 'Second audit booked.', asAt: TODAY }, { effectiveAt: `${TODAY}T00:00:00.000Z` })]);
  });

  it('rejects a progress update for an unknown action', () => {
    planDecider
      .given(withAction)
      .when({ type: 'RecordProgressUpdate', actionId: 'missing', narrative: 'x' })
      .thenThrows(new DomainError('ACTION_NOT_FOUND', 'There is no action missing in this plan', [{ path: 'actionId', problem: 'is not an action of this plan' }]));
  });

  it('records a status change with its reason and what it changed from', () => {
    planDecider
      .given(withAction)
      .when({ type: 'ChangeActionStatus', actionId, to: 'in_progress', reason: 'Audit started' })
      .then([planEvent('ActionStatusChanged', 'id-1', { actionId, from: 'not_started', to: 'in_progress' }, { reason: 'Audit started' })]);
  });

  it('rejects a status change to the status the action already has', () => {
    planDecider.given(withAction).when({ type: 'ChangeActionStatus', actionId, to: 'not_started', reason: 'x' }).thenThrows(new DomainError('NO_CHANGE', 'Action 6.1 is already not started'));
  });

  it('turns a status change to completed into a completion on the day it is made', () => {
    planDecider
      .given(withAction)
      .when({ type: 'ChangeActionStatus', actionId, to: 'completed', reason: 'Done' }, { now: '2009-07-02T10:00:00Z' })
      .then([planEvent('ActionCompleted', 'id-1', { actionId, from: 'not_started', completedOn: '2009-07-02' }, { reason: 'Done' })]);
  });

  it('rejects reassignment to the same people, in any order or case', () => {
    planDecider
      .given(withAction)
      .when({ type: 'ReassignAction', actionId, to: ['sue ioannou', 'Rachel Deakin'], reason: 'x' })
      .thenThrows(new DomainError('SAME_LEAD', 'Action 6.1 is already led by sue ioannou, Rachel Deakin', [{ path: 'to', problem: 'is the same as the current lead' }]));
  });

  it('records a reassignment from the current leads to the new ones', () => {
    planDecider
      .given(withAction)
      .when({ type: 'ReassignAction', actionId, to: ['Catherine Parry'], reason: 'Rachel left the service' })
      .then([planEvent('ActionReassigned', 'id-1', { actionId, from: ['Rachel Deakin', 'Sue Ioannou'], to: ['Catherine Parry'] }, { reason: 'Rachel left the service' })]);
  });

  it('records a target slip from the old target to the new one, both as written', () => {
    planDecider
      .given(withAction)
      .when({ type: 'SlipTargetDate', actionId, to: '31 December 2009', reason: 'Awaiting peer audit' })
      .then([planEvent('TargetDateSlipped', 'id-1', { actionId, from: AUDIT_TARGET, to: { text: '31 December 2009', kind: 'date', due: '2009-12-31' } }, { reason: 'Awaiting peer audit' })]);
  });

  it('rejects a slip to the target the action already has', () => {
    planDecider
      .given(withAction)
      .when({ type: 'SlipTargetDate', actionId, to: AUDIT_TARGET.text, reason: 'x' })
      .thenThrows(new DomainError('NO_CHANGE', `Action 6.1 already has the target "${AUDIT_TARGET.text}"`, [{ path: 'to', problem: 'is the current target' }]));
  });

  it('rejects a target date slip on a completed action', () => {
    planDecider
      .given([...withAction, actionCompleted])
      .when({ type: 'SlipTargetDate', actionId, to: 'Dec 2009', reason: 'x' })
      .thenThrows(new DomainError('ACTION_COMPLETED', 'Action 6.1 is completed; reopen it first'));
  });

  it('allows the slip again once the action is reopened', () => {
    planDecider
      .given([...withAction, actionCompleted, actionReopened])
      .when({ type: 'SlipTargetDate', actionId, to: 'Dec 2009', reason: 'Gaps found' })
      .then([planEvent('TargetDateSlipped', 'id-1', { actionId, from: AUDIT_TARGET, to: { text: 'Dec 2009', kind: 'month', due: '2009-12-31' } }, { reason: 'Gaps found' })]);
  });

  it('reopens a completed action to the status given', () => {
    planDecider
      .given([...withAction, actionCompleted])
      .when({ type: 'ReopenAction', actionId, reason: 'Audit found gaps', to: 'in_progress' })
      .then([planEvent('ActionReopened', 'id-1', { actionId, to: 'in_progress' }, { reason: 'Audit found gaps' })]);
  });

  it('rejects reopening an action that is not completed', () => {
    planDecider
      .given(withAction)
      .when({ type: 'ReopenAction', actionId, reason: 'x', to: 'in_progress' })
      .thenThrows(new DomainError('ACTION_NOT_COMPLETED', 'Action 6.1 is not completed, so it cannot be reopened'));
  });

  it('rejects completing an action twice', () => {
    planDecider.given([...withAction, actionCompleted]).when({ type: 'CompleteAction', actionId }).thenThrows(new DomainError('NO_CHANGE', 'Action 6.1 is already completed'));
  });

  it('records a RAG assessment with its rationale', () => {
    planDecider
      .given(withAction)
      .when({ type: 'AssessRag', actionId, rating: 'amber', rationale: 'First audit late' })
      .then([planEvent('RagAssessed', 'id-1', { actionId, rating: 'amber', rationale: 'First audit late' })]);
  });

  it('records an audit outcome effective on the audit date', () => {
    planDecider
      .given(withAction)
      .when({ type: 'RecordAuditOutcome', subject: { kind: 'action', actionId }, effectiveAt: '2009-06-15', auditor: 'Rachel Deakin', rating: 'requires_improvement', findings: 'Thresholds unclear' })
      .then([
        planEvent(
          'AuditOutcomeRecorded',
          'id-2',
          { auditId: 'id-1', subject: { kind: 'action', actionId }, auditor: 'Rachel Deakin', rating: 'requires_improvement', findings: 'Thresholds unclear', auditDate: '2009-06-15' },
          { effectiveAt: '2009-06-15T00:00:00.000Z' },
        ),
      ]);
  });

  it('signs off a recommendation on the day it is recorded', () => {
    planDecider
      .given(withAction)
      .when({ type: 'SignOffRecommendation', recommendationId: 'rec-6' })
      .then([planEvent('RecommendationSignedOff', 'id-1', { recommendationId: 'rec-6', signedOffOn: TODAY })]);
  });

  it('signs off a recommendation once only', () => {
    planDecider
      .given([...withAction, signedOff])
      .when({ type: 'SignOffRecommendation', recommendationId: 'rec-6' })
      .thenThrows(new DomainError('RECOMMENDATION_ALREADY_SIGNED_OFF', 'Recommendation 6 was signed off on 2009-11-03'));
  });
});

describe('decide: corrections', () => {
  const withProgress = [...withAction, progressRecorded];

  it('amends a mistaken entry by naming it and the fields that replace its own', () => {
    planDecider
      .given(withProgress)
      .when({ type: 'CorrectEntry', eventId: 'e-progress', kind: 'amended', amendments: { narrative: 'Audit completed June 2009' }, reason: 'Typo' })
      .then([
        planEvent('EntryCorrected', 'id-1', { correctedEventId: 'e-progress', correctedEventType: 'ProgressUpdateRecorded', kind: 'amended', amendments: { narrative: 'Audit completed June 2009' } }, { reason: 'Typo' }),
      ]);
  });

  it('withdraws an entry made in error', () => {
    planDecider
      .given(withProgress)
      .when({ type: 'CorrectEntry', eventId: 'e-progress', kind: 'withdrawn', reason: 'Recorded against the wrong action' })
      .then([planEvent('EntryCorrected', 'id-1', { correctedEventId: 'e-progress', correctedEventType: 'ProgressUpdateRecorded', kind: 'withdrawn' }, { reason: 'Recorded against the wrong action' })]);
  });

  it('rejects amendments to fields the entry does not have', () => {
    planDecider
      .given(withProgress)
      .when({ type: 'CorrectEntry', eventId: 'e-progress', kind: 'amended', amendments: { narative: 'x' }, reason: 'r' })
      .thenThrows(new DomainError('INVALID_CORRECTION', 'The correction cannot be applied', [{ path: 'amendments.narative', problem: 'is not a field of ProgressUpdateRecorded' }]));
  });

  it('rejects amendments to which thing the entry is about', () => {
    planDecider
      .given(withProgress)
      .when({ type: 'CorrectEntry', eventId: 'e-progress', kind: 'amended', amendments: { actionId: 'other' }, reason: 'r' })
      .thenThrows(new DomainError('INVALID_CORRECTION', 'The correction cannot be applied', [{ path: 'amendments.actionId', problem: 'says which thing the entry is about and cannot be corrected' }]));
  });

  it('rejects an amendment that would make the entry invalid', () => {
    planDecider.given(withProgress).when({ type: 'CorrectEntry', eventId: 'e-progress', kind: 'amended', amendments: { asAt: '2009-02-30' }, reason: 'r' }).thenThrows('INVALID_CORRECTION');
  });

  it('rejects withdrawing the entry that added an action', () => {
    planDecider
      .given(withProgress)
      .when({ type: 'CorrectEntry', eventId: 'e-act-6.1', kind: 'withdrawn', reason: 'r' })
      .thenThrows(new DomainError('NOT_CORRECTABLE', 'A ActionAdded entry cannot be withdrawn; amend it, or mark the action superseded'));
  });

  it('rejects correcting a correction', () => {
    const corrected = planEvent('EntryCorrected', 'e-correction', { correctedEventId: 'e-progress', correctedEventType: 'ProgressUpdateRecorded', kind: 'withdrawn' }, { reason: 'Wrong action' });
    planDecider
      .given([...withProgress, corrected])
      .when({ type: 'CorrectEntry', eventId: 'e-correction', kind: 'withdrawn', reason: 'r' })
      .thenThrows(new DomainError('NOT_CORRECTABLE', 'A correction cannot itself be corrected: correct the original entry again'));
  });

  it('rejects correcting an entry that is not in the plan', () => {
    planDecider
      .given(withProgress)
      .when({ type: 'CorrectEntry', eventId: 'nope', kind: 'withdrawn', reason: 'r' })
      .thenThrows(new DomainError('EVENT_NOT_FOUND', 'There is no entry nope in this plan', [{ path: 'eventId', problem: 'is not an entry of this plan' }]));
  });

  it('amends an action target given as words, re-reading them', () => {
    planDecider
      .given(withProgress)
      .when({ type: 'CorrectEntry', eventId: 'e-act-6.1', kind: 'amended', amendments: { target: 'Quarterly' }, reason: 'Misread' })
      .then([
        planEvent(
          'EntryCorrected',
          'id-1',
          {
            correctedEventId: 'e-act-6.1',
            correctedEventType: 'ActionAdded',
            kind: 'amended',
            amendments: { target: { text: 'Quarterly', kind: 'recurring', cadence: { every: 3, unit: 'month', label: 'Quarterly' }, ongoing: true } },
          },
          { reason: 'Misread' },
        ),
      ]);
  });
});

describe('decide: ids that are names every plain object has', () => {
  const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];
  const plan = planDecider.given([planCreated, workstreamAdded, ...withAction.slice(1)]);

  it.each(PROTOTYPE_NAMES)('finds no action, recommendation or workstream called %s', (id) => {
    plan.when({ type: 'RecordProgressUpdate', actionId: id, narrative: 'x' }).thenThrows('ACTION_NOT_FOUND');
    plan.when({ type: 'ChangeActionStatus', actionId: id, to: 'blocked', reason: 'x' }).thenThrows('ACTION_NOT_FOUND');
    plan.when({ type: 'SignOffRecommendation', recommendationId: id }).thenThrows('RECOMMENDATION_NOT_FOUND');
    plan.when({ type: 'AddAction', ref: 'x', workstreamId: id, description: 'x', leads: [], target: '', dependencies: [] }).thenThrows('WORKSTREAM_NOT_FOUND');
    plan.when({ type: 'AddAction', ref: 'x', recommendationId: id, description: 'x', leads: [], target: '', dependencies: [] }).thenThrows('RECOMMENDATION_NOT_FOUND');
    plan.when({ type: 'RecordAuditOutcome', subject: { kind: 'action', actionId: id }, effectiveAt: '2012-09-01', auditor: 'QA', rating: 'good', findings: 'x' }).thenThrows('ACTION_NOT_FOUND');
    plan.when({ type: 'CorrectEntry', eventId: id, kind: 'withdrawn', reason: 'x' }).thenThrows('EVENT_NOT_FOUND');
  });
});

describe('decide: one name for the business date (effectiveAt)', () => {
  const at = { now: '2026-03-01T10:00:00Z' };

  it('keeps the day a completion speaks for in the event, and the instant in effectiveAt', () => {
    planDecider
      .given(withAction)
      .when({ type: 'CompleteAction', actionId, effectiveAt: '2009-12-15T16:30:00+01:00' }, at)
      .then([planEvent('ActionCompleted', 'id-1', { actionId, from: 'not_started', completedOn: '2009-12-15' }, { effectiveAt: '2009-12-15T15:30:00.000Z' })]);
  });

  it('keeps the day of a sign-off and of an audit, or today when none is given', () => {
    planDecider
      .given(withAction)
      .when({ type: 'SignOffRecommendation', recommendationId: 'rec-6', effectiveAt: '2010-01-04' }, at)
      .then([planEvent('RecommendationSignedOff', 'id-1', { recommendationId: 'rec-6', signedOffOn: '2010-01-04' }, { effectiveAt: '2010-01-04T00:00:00.000Z' })]);
    const outcome = { subject: { kind: 'action', actionId }, auditor: 'Sue Ioannou', rating: 'good', findings: 'Referrals screened' } as const;
    planDecider
      .given(withAction)
      .when({ type: 'RecordAuditOutcome', ...outcome, effectiveAt: '2009-11-20' }, at)
      .then([planEvent('AuditOutcomeRecorded', 'id-2', { auditId: 'id-1', ...outcome, auditDate: '2009-11-20' }, { effectiveAt: '2009-11-20T00:00:00.000Z' })]);
    planDecider
      .given(withAction)
      .when({ type: 'RecordAuditOutcome', ...outcome }, at)
      .then([planEvent('AuditOutcomeRecorded', 'id-2', { auditId: 'id-1', ...outcome, auditDate: '2026-03-01' })]);
  });

  it('back-dates a reopening, an evidence file and a correction', () => {
    planDecider
      .given([...withAction, actionCompleted])
      .when({ type: 'ReopenAction', actionId, reason: 'QA found gaps', to: 'in_progress', effectiveAt: '2010-01-10' }, at)
      .then([planEvent('ActionReopened', 'id-1', { actionId, to: 'in_progress' }, { effectiveAt: '2010-01-10T00:00:00.000Z', reason: 'QA found gaps' })]);
    const file = { name: 'Audit report.pdf', mediaType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) };
    planDecider
      .given(withAction)
      .when({ type: 'AttachEvidence', actionId, ...file, effectiveAt: '2009-12-14' }, at)
      .then([planEvent('EvidenceAttached', 'id-2', { actionId, evidenceId: 'id-1', ...file }, { effectiveAt: '2009-12-14T00:00:00.000Z' })]);
    planDecider
      .given(withAction)
      .when({ type: 'CorrectEntry', eventId: 'e-act-6.1', kind: 'amended', amendments: { priority: 'Medium' }, reason: 'Typo', effectiveAt: '2009-06-01' }, at)
      .then([
        planEvent('EntryCorrected', 'id-1', { correctedEventId: 'e-act-6.1', correctedEventType: 'ActionAdded', kind: 'amended', amendments: { priority: 'Medium' } }, { effectiveAt: '2009-06-01T00:00:00.000Z', reason: 'Typo' }),
      ]);
  });
});

describe('evolve: what the decided events make of the plan', () => {
  it('reads the target and leads into the action, under its recommendation', () => {
    const state = foldPlan(recorded(withAction));
    expect(state.actions[actionId]).toMatchObject({ target: AUDIT_TARGET, leads: ['Rachel Deakin', 'Sue Ioannou'], status: 'not_started', warnings: [] });
    expect(state.recommendations['rec-6']!.actionIds).toEqual([actionId]);
  });

  it('accepts a target before the start date but flags it as a data-quality warning', () => {
    const early = planEvent('ActionAdded', 'e-act-6.1', { ...added, start: { text: 'July 2012', date: '2012-07-01' }, target: { text: '30 June 2012', kind: 'date', due: '2012-06-30' } });
    const state = foldPlan(recorded([planCreated, recommendationAdded, early]));
    expect(state.actions[actionId]!.warnings.map((w) => w.code)).toEqual(['TARGET_BEFORE_START']);
  });

  it('applies an amendment without touching the original entry', () => {
    const correction = planEvent('EntryCorrected', 'e-correction', { correctedEventId: 'e-progress', correctedEventType: 'ProgressUpdateRecorded', kind: 'amended', amendments: { narrative: 'Audit completed June 2009' } }, { reason: 'Typo' });
    const state = foldPlan(recorded([...withAction, progressRecorded, correction]));
    expect(state.actions[actionId]!.progress.map((p) => p.narrative)).toEqual(['Audit completed June 2009']);
    expect(state.history.find((e) => e.eventId === 'e-progress')!.data).toEqual(progressRecorded.data);
    expect(state.corrections.map((c) => [c.correctedEventId, c.kind, c.reason])).toEqual([['e-progress', 'amended', 'Typo']]);
  });

  it('drops a withdrawn entry from the plan', () => {
    const withdrawal = planEvent('EntryCorrected', 'e-correction', { correctedEventId: 'e-progress', correctedEventType: 'ProgressUpdateRecorded', kind: 'withdrawn' }, { reason: 'Wrong action' });
    const before = foldPlan(recorded([...withAction, progressRecorded]));
    const after = evolve(before, recorded([withdrawal], before.revision + 1)[0]!);
    expect(after.actions[actionId]!.progress).toEqual([]);
    expect(before.actions[actionId]!.progress).toHaveLength(1);
  });

  it('gives the same state event by event as in one fold', () => {
    const events = recorded([...withAction, progressRecorded, actionCompleted, actionReopened, signedOff]);
    expect(events.reduce(evolve, foldPlan([]))).toEqual(foldPlan(events));
  });

  it('keeps the records of a folded plan without a prototype, even after a fold copies them', () => {
    const state = foldPlan(recorded([planCreated, workstreamAdded, recommendationAdded, actionAdded]));
    for (const record of [state.actions, state.recommendations, state.workstreams]) expect(Object.getPrototypeOf(record)).toBeNull();
    const again = foldPlan([], state);
    for (const record of [again.actions, again.recommendations, again.workstreams]) expect(Object.getPrototypeOf(record)).toBeNull();
  });
});
