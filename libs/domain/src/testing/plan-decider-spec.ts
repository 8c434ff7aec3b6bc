import { expect } from '@jest/globals';
import { decide, type DecisionContext } from '../plan/decide.js';
import { foldPlan } from '../plan/evolve.js';
import type { PlanCommand } from '../plan/plan-commands.js';
import type { NewPlanEvent, StoredPlanEvent } from '../plan/plan-events.js';
import type { PlanState } from '../plan/plan-state.js';

/**
 * Given events → when command → then events (or error), as in Emmett's DeciderSpecification.
 * A fixed clock and counting ids make every run the same.
 */
export function testContext(now = '2012-10-01T09:00:00.000Z', prefix = 'id'): DecisionContext & { ids: string[] } {
  let n = 0;
  const ids: string[] = [];
  return {
    ids,
    now: () => new Date(now),
    newId: () => {
      const id = `${prefix}-${++n}`;
      ids.push(id);
      return id;
    },
  };
}

export function asStored(events: NewPlanEvent[], startRevision = 0, recordedAt = '2012-10-01T09:00:00.000Z'): StoredPlanEvent[] {
  return events.map(
    (e, i) =>
      ({
        eventId: e.eventId,
        type: e.type,
        data: e.data,
        revision: startRevision + i,
        recordedAt,
        metadata: {
          schemaVersion: 1,
          actor: { id: 'rachel', displayName: 'Rachel Deakin' },
          correlationId: 'c-1',
          ...(e.effectiveAt ? { effectiveAt: e.effectiveAt } : {}),
          ...(e.reason ? { reason: e.reason } : {}),
        },
      }) as StoredPlanEvent,
  );
}

/** Run commands one after another, folding their events: returns the final state and every event. */
export function given(commands: PlanCommand[], ctx = testContext()): { state: PlanState; events: StoredPlanEvent[]; ctx: typeof ctx } {
  let state = foldPlan([]);
  const all: StoredPlanEvent[] = [];
  for (const command of commands) {
    const stored = asStored(decide(command, state, ctx), state.revision + 1);
    state = foldPlan(stored, state);
    all.push(...stored);
  }
  return { state, events: all, ctx };
}

export function expectDomainError(run: () => unknown, code: string): void {
  expect(run).toThrow(expect.objectContaining({ code }) as unknown as Error);
}
