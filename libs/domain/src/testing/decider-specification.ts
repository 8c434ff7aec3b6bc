import { expect } from '@jest/globals';
import type { DecisionContext } from '../plan/decide.js';
import { DomainError } from '../shared/domain-error.js';

/**
 * Given events → when command → then exactly these events (or this error), as in Emmett's
 * DeciderSpecification. `given` takes events, never commands: the state a rule is tested on is written
 * down as the facts that made it. The command is decided with a fixed clock and counting ids, so the
 * events it must produce are written down exactly and compared with deep equality.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State, ctx: DecisionContext): Event[];
  /** Fold the given events (in the shape the decider returns them) into the state decided on. */
  fold(events: readonly Event[]): State;
}

export interface SpecificationClock {
  /** The instant the decision is made at (default 1 October 2012, 09:00 UTC). */
  now?: string;
  /** The ids the decision draws are `${prefix}-1`, `${prefix}-2`, … in the order it draws them (default "id"). */
  idPrefix?: string;
}

/** A fixed clock and counting ids: a decision with it is the same on every run. */
export function testContext(now = '2012-10-01T09:00:00.000Z', prefix = 'id'): DecisionContext {
  let n = 0;
  return { now: () => new Date(now), newId: () => `${prefix}-${++n}` };
}

export interface Then<Event> {
  /** The decision produced exactly these events, in this order, with these ids: nothing more, nothing less. */
  then(expected: readonly Event[]): void;
  /** The decision was refused with this error: its code, and (given a DomainError) its message and details too. */
  thenThrows(expected: string | DomainError): void;
}

export interface When<Command, Event> {
  when(command: Command, clock?: SpecificationClock): Then<Event>;
}

export interface DeciderSpecification<Command, Event> {
  given(events: readonly Event[]): When<Command, Event>;
}

export function deciderSpecification<Command, Event, State>(decider: Decider<Command, Event, State>): DeciderSpecification<Command, Event> {
  return {
    given: (events) => ({
      when: (command, clock = {}) => {
        const decision = (): Event[] => decider.decide(command, decider.fold(events), testContext(clock.now, clock.idPrefix));
        return {
          then: (expected) => expect(decision()).toEqual(expected),
          thenThrows: (expected) => expectDomainError(decision, expected),
        };
      },
    }),
  };
}

/** `run` is refused with this DomainError: its code, and (given a DomainError) its message and details too. */
export function expectDomainError(run: () => unknown, expected: string | DomainError): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DomainError);
  const { code, message, details } = thrown as DomainError;
  if (typeof expected === 'string') expect(code).toBe(expected);
  else expect({ code, message, details }).toEqual({ code: expected.code, message: expected.message, details: expected.details });
}
