import { own } from '../../shared/dictionary.js';
import { decide, type DecisionContext } from '../../plan/decide.js';
import { foldPlan } from '../../plan/evolve.js';
import type { PlanCommand, PlanCommandData } from '../../plan/plan-commands.js';
import type { Action, PlanState } from '../../plan/plan-state.js';
import { recorded, testContext } from '../../testing/plan-decider-spec.js';
import { planFromCommands } from '../../testing/plan-from-commands.js';

/**
 * Plans for the RAG tests, built through the real decide/evolve so the actions are exactly what the
 * ledger holds. Test support only: not exported from the rag index.
 */

export const createPlan: PlanCommand = {
  type: 'CreatePlan',
  planId: '018f0000-0000-7000-8000-000000000002',
  title: 'Safeguarding and Looked After Children Post Inspection Action Plan',
  organisation: 'Central Bedfordshire Council',
  respondsTo: 'Ofsted inspection of safeguarding and looked after children, 2012',
};

type AddAction = PlanCommandData<'AddAction'>;

/**
 * Run more commands against a state, folding their events, as `planFromCommands` does from scratch. Events are
 * recorded at `recordedAt` (an action's `addedAt` is when its ActionAdded was recorded).
 */
export function andThen(
  state: PlanState,
  commands: readonly PlanCommand[],
  recordedAt = '2012-10-01T09:00:00.000Z',
  ctx: DecisionContext = testContext(recordedAt, `after-${state.revision + 1}`),
): PlanState {
  let next = state;
  for (const command of commands) next = foldPlan(recorded(decide(command, next, ctx), next.revision + 1, recordedAt), next);
  return next;
}

/** The id of the one action with this ref (refs are unique in the test plans). */
export function actionIdOf(state: PlanState, ref: string): string {
  const matches = Object.values(state.actions).filter((action) => action.ref === ref);
  if (matches.length !== 1) throw new Error(`Expected one action ${ref}, found ${matches.length}`);
  return matches[0]!.id;
}

/**
 * A plan with one action (target and start as written in a plan), then whatever happened to it:
 * `then` receives the action's id and returns the commands that followed.
 */
export function oneAction(
  action: Partial<Omit<AddAction, 'target' | 'startDate'>> & { target: string; startDate?: string },
  then: (actionId: string) => PlanCommand[] = () => [],
): { state: PlanState; action: Action; actionId: string } {
  const { state: added } = planFromCommands([
    createPlan,
    {
      type: 'AddAction',
      ref: '1.1',
      description: 'Revised guidance for practitioners on the completion of chronologies',
      leads: ['Audit Manager and Head of QA'],
      dependencies: [],
      ...action,
    },
  ]);
  const actionId = added.actionOrder[0]!;
  const state = andThen(added, then(actionId));
  return { state, action: own(state.actions, actionId)!, actionId };
}
