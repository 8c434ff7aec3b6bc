import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { PlanBatch, type CommandMetadata } from '#application';
import { initialPlanState, type Action, type DecisionContext, type PlanState } from '#domain';
import { ImportError } from './import-error.js';
import type { ImportedAction, ImportedPlan } from './imported-plan.js';
import { interpretPlan } from './interpret-plan.js';
import { planImport, type PlanImportMetadata } from './plan-import.js';
import { readTabularText } from './tabular-text-reader.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const LAMING = 'central-bedfordshire-laming-2009-progress.txt';
const OFSTED = 'central-bedfordshire-ofsted-action-plan-2012-13.txt';
const PLAN_ID = '01900000-0000-7000-8000-000000000001';
const actor = { id: 'importer-test', displayName: 'Importer test' };
const meta: PlanImportMetadata = { actor, correlationId: '01900000-0000-7000-8000-0000000000cc' };

const fixture = (name: string): ImportedPlan =>
  interpretPlan(readTabularText(readFileSync(path.join(FIXTURES, name), 'utf8')), { fileName: name, fileSha256: 'a'.repeat(64) });

/** A deterministic clock and id generator, as the domain's tests use. */
function context(): DecisionContext {
  let n = 0;
  return { now: () => new Date('2024-03-01T09:00:00.000Z'), newId: () => `01900000-0000-7000-8000-${(++n).toString(16).padStart(12, '0')}` };
}

// Nothing is committed in these tests: the store is never reached.
const noStore = {} as ConstructorParameters<typeof PlanBatch>[0];

function newPlan(ctx = context()): PlanBatch {
  const batch = new PlanBatch(noStore, PLAN_ID, initialPlanState(), ctx);
  const create: CommandMetadata = { actor, correlationId: meta.correlationId };
  batch.run({ type: 'CreatePlan', planId: PLAN_ID, title: 'A plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming (2009)' }, create);
  return batch;
}

/** A batch on the plan as the previous batch left it, as a later import would begin. */
const continueFrom = (state: PlanState, ctx = context()) => new PlanBatch(noStore, PLAN_ID, state, ctx);

const actionRef = (state: PlanState, ref: string): Action => {
  const found = Object.values(state.actions).find((a) => a.ref === ref);
  if (!found) throw new Error(`no action ${ref}`);
  return found;
};

function withAction(plan: ImportedPlan, ref: string, change: (action: ImportedAction) => ImportedAction): ImportedPlan {
  return { ...plan, actions: plan.actions.map((a) => (a.ref === ref ? change(a) : a)) };
}

describe('planImport', () => {
  const laming = fixture(LAMING);

  it('adds one event per recommendation, action and progress note of the Laming plan', () => {
    const batch = newPlan();
    const outcome = planImport(laming, batch, meta);
    expect(outcome.eventsByType).toEqual({ RecommendationAdded: 17, ActionAdded: 67, ProgressUpdateRecorded: 59 });
    expect(outcome.problems).toEqual([]);
    const first = actionRef(batch.state, '4.1');
    expect(first).toMatchObject({ leads: ['Peter Worthington', 'Iain Melville'], priority: 'High Priority', target: { text: 'With immediate effect once guidance is available.', kind: 'awaiting' } });
    expect(first.progress.map((p) => [p.narrative, p.asAt])).toEqual([['Comprehensive framework and regular reporting to all managers is in place', '2009-10-01']]);
    expect(batch.state.recommendations[first.recommendationId!]?.actionIds).toHaveLength(7);
  });

  it('decides nothing when the plan already says what the file says', () => {
    const first = newPlan();
    planImport(laming, first, meta);
    const again = continueFrom(first.state);
    expect(planImport(laming, again, meta)).toEqual({ events: [], eventsByType: {}, problems: [] });
    expect(again.size).toBe(0);
  });

  it('slips a changed target and reassigns a changed lead, naming the file and row', () => {
    const first = newPlan();
    planImport(laming, first, meta);
    const changed = withAction(
      withAction(laming, '4.1', (a) => ({ ...a, target: '31 March 2010' })),
      '4.6',
      (a) => ({ ...a, leads: ['Sue Ioannou'] }),
    );
    const outcome = planImport(changed, continueFrom(first.state), meta);
    expect(outcome.events.map((e) => [e.type, e.reason])).toEqual([
      ['TargetDateSlipped', `Changed in ${LAMING} (row 6)`],
      ['ActionReassigned', `Changed in ${LAMING} (row 11)`],
    ]);
    expect(outcome.events[0]?.data).toMatchObject({ from: { text: 'With immediate effect once guidance is available.' }, to: { text: '31 March 2010', due: '2010-03-31' } });
    expect(outcome.events[1]?.data).toMatchObject({ from: ['Rachel Deakin'], to: ['Sue Ioannou'] });
  });

  it('records a new progress note when the progress text changes', () => {
    const first = newPlan();
    planImport(laming, first, meta);
    const changed = withAction(laming, '4.2', (a) => ({ ...a, progress: { narrative: 'Reviewed by the Trust Board', asAt: '2010-01-01' } }));
    const outcome = planImport(changed, continueFrom(first.state), meta);
    expect(outcome.eventsByType).toEqual({ ProgressUpdateRecorded: 1 });
    expect(outcome.events[0]).toMatchObject({ data: { narrative: 'Reviewed by the Trust Board', asAt: '2010-01-01' }, effectiveAt: '2010-01-01T00:00:00.000Z' });
  });

  it('reports a reworded description instead of rewriting what the plan said', () => {
    const first = newPlan();
    planImport(laming, first, meta);
    const changed = withAction(laming, '4.2', (a) => ({ ...a, description: 'The Trust monitors performance', priority: 'Low' }));
    const outcome = planImport(changed, continueFrom(first.state), meta);
    expect(outcome.events).toEqual([]);
    expect(outcome.problems).toEqual([
      expect.objectContaining({ code: 'CHANGE_NOT_APPLIED', rows: [7], message: expect.stringMatching(/^Row 7: the description, priority of action 4\.2 differ/) }),
    ]);
  });

  it("leaves a completed action's target alone and says so", () => {
    const first = newPlan();
    planImport(laming, first, meta);
    first.run({ type: 'CompleteAction', actionId: actionRef(first.state, '7.1').id, effectiveAt: '2009-09-30' }, { actor, correlationId: 'c' });
    const changed = withAction(laming, '7.1', (a) => ({ ...a, target: 'December 2009' }));
    const outcome = planImport(changed, continueFrom(first.state), meta);
    expect(outcome.events).toEqual([]);
    expect(outcome.problems.map((p) => p.code)).toEqual(['CHANGE_NOT_APPLIED']);
  });

  it('adds the Ofsted plan under its workstreams, and the domain flags the same targets before starts', () => {
    const batch = newPlan();
    const outcome = planImport(fixture(OFSTED), batch, meta);
    expect(outcome.eventsByType).toEqual({ WorkstreamAdded: 9, RecommendationAdded: 70, ActionAdded: 104 });
    const keyDeliverable = Object.values(batch.state.recommendations).find((r) => r.ref === '3.3')!;
    expect(batch.state.workstreams[keyDeliverable.workstreamId!]?.number).toBe('3');
    const flagged = Object.values(batch.state.actions)
      .filter((a) => a.warnings.some((w) => w.code === 'TARGET_BEFORE_START'))
      .map((a) => a.ref);
    expect(flagged).toEqual(['5.2.1', '5.5.1', '6.6.1']);
  });

  it('refuses a row the plan cannot take, naming its rows', () => {
    const tooLong = withAction(laming, '4.3', (a) => ({ ...a, leads: ['x'.repeat(501)] }));
    let caught: unknown;
    try {
      planImport(tooLong, newPlan(), meta);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ImportError);
    expect(caught).toMatchObject({ code: 'INVALID_ROW', rows: [8], message: expect.stringMatching(/^Row 8 of central-bedfordshire-laming-2009-progress\.txt cannot be imported \(AddAction\): leads\.0/) });
  });

  it('refuses to import into a plan that does not exist', () => {
    expect(() => planImport(laming, new PlanBatch(noStore, PLAN_ID, initialPlanState(), context()), meta)).toThrow(expect.objectContaining({ code: 'PLAN_NOT_FOUND' }));
  });
});
