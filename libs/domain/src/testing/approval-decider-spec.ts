import { decide } from '../plan/decide.js';
import { foldPlan } from '../plan/evolve.js';
import type { PlanCommand } from '../plan/plan-commands.js';
import type { NewPlanEvent } from '../plan/plan-events.js';
import type { PlanState } from '../plan/plan-state.js';
import { deciderSpecification } from './decider-specification.js';
import { GIVEN_METADATA, recorded } from './plan-decider-spec.js';

/** A plan command and who gives it: the approval rules are the only ones that read the actor. */
export interface CommandBy {
  command: PlanCommand;
  by?: { id: string; displayName: string };
}

/** Who recorded the given events (so who submitted every given submission): the plan specification's actor. */
export const SUBMITTER = { id: GIVEN_METADATA.actor.id, displayName: GIVEN_METADATA.actor.displayName };
export const APPROVER = { id: 'karen', displayName: 'Karen Oellermann' };

/** The plan decider with the deciding person given: given plan events → when a command by someone → then plan events. */
export const approvalDecider = deciderSpecification<CommandBy, NewPlanEvent, PlanState>({
  decide: ({ command, by }, state, ctx) => decide(command, state, by ? { ...ctx, actor: by } : ctx),
  fold: (events) => foldPlan(recorded(events)),
});
