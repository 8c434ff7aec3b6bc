import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../shared/domain-error.js';
import { deciderSpecification, type Decider } from './decider-specification.js';

/** The specification itself must fail when the decision differs in any way, or its tests prove nothing. */
type Tally = { type: 'Counted'; eventId: string; data: { by: number; at: string } };
const tally: Decider<{ by: number }, Tally, number> = {
  decide: (command, total, ctx) => {
    if (command.by <= 0) throw new DomainError('VALIDATION_FAILED', 'Count up', [{ path: 'by', problem: 'must be positive' }]);
    return [{ type: 'Counted', eventId: ctx.newId(), data: { by: command.by + total, at: ctx.now().toISOString() } }];
  },
  fold: (events) => events.reduce((sum, event) => sum + event.data.by, 0),
};
const spec = deciderSpecification(tally);
const counted = (eventId: string, by: number, at = '2012-10-01T09:00:00.000Z'): Tally => ({ type: 'Counted', eventId, data: { by, at } });

describe('the decider specification', () => {
  it('passes when the decision is exactly the events expected, decided on the given events with a fixed clock and ids', () => {
    spec.given([counted('e-1', 2)]).when({ by: 3 }).then([counted('id-1', 5)]);
    spec.given([]).when({ by: 1 }, { now: '2009-06-01T00:00:00.000Z', idPrefix: 'n' }).then([counted('n-1', 1, '2009-06-01T00:00:00.000Z')]);
  });

  it('fails on a different value, a different id, an extra or a missing event', () => {
    expect(() => spec.given([]).when({ by: 1 }).then([counted('id-1', 2)])).toThrow();
    expect(() => spec.given([]).when({ by: 1 }).then([counted('id-2', 1)])).toThrow();
    expect(() => spec.given([]).when({ by: 1 }).then([])).toThrow();
    expect(() => spec.given([]).when({ by: 1 }).then([counted('id-1', 1), counted('id-2', 1)])).toThrow();
  });

  it('fails when a refusal was expected and the command was accepted, or refused otherwise', () => {
    expect(() => spec.given([]).when({ by: 1 }).thenThrows('VALIDATION_FAILED')).toThrow();
    spec.given([]).when({ by: 0 }).thenThrows(new DomainError('VALIDATION_FAILED', 'Count up', [{ path: 'by', problem: 'must be positive' }]));
    expect(() => spec.given([]).when({ by: 0 }).thenThrows(new DomainError('VALIDATION_FAILED', 'Count up'))).toThrow();
    expect(() => spec.given([]).when({ by: 0 }).thenThrows('NO_CHANGE')).toThrow();
  });
});
