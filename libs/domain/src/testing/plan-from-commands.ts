import { decide, type DecisionContext } from '../plan/decide.js';
import { foldPlan } from '../plan/evolve.js';
import type { PlanCommand } from '../plan/plan-commands.js';
import type { StoredPlanEvent } from '../plan/plan-events.js';
import type { PlanState } from '../plan/plan-state.js';
import { recorded, testContext } from './plan-decider-spec.js';

/**
 * A plan built by running commands through the real decide and folding what they decide, for the tests of
 * what is read off a plan (folds, RAG ratings) rather than of the rules: the decider's own tests are given events.
 */
export function planFromCommands(commands: readonly PlanCommand[], ctx: DecisionContext = testContext(), recordedAt?: string): { state: PlanState; events: StoredPlanEvent[] } {
  let state = foldPlan([]);
  const events: StoredPlanEvent[] = [];
  for (const command of commands) {
    const stored = recorded(decide(command, state, ctx), state.revision + 1, recordedAt);
    state = foldPlan(stored, state);
    events.push(...stored);
  }
  return { state, events };
}
