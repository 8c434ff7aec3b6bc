import { DomainError, planStreamName, type Actor } from '#domain';
import type { EventStore } from '#event-store';
import { toEventToAppend } from './command-handler.js';

export interface VoidEventRequest {
  planId: string;
  eventId: string;
  reason: string;
}

/**
 * The audited repair of a plan whose stored entry cannot be folded (a quarantined plan): append an
 * EventVoided naming the entry, with the operator as actor and their reason. Every fold then skips the
 * entry; nothing is deleted or rewritten, and the repair is itself an entry of the plan's chain.
 * It works on the raw stream, not the folded plan, because the plan being repaired cannot be folded.
 */
export class PlanRepair {
  constructor(
    private readonly store: EventStore,
    private readonly newId: () => string,
  ) {}

  async voidEvent(request: VoidEventRequest, actor: Actor, correlationId: string = this.newId()): Promise<{ revision: number; position: bigint; eventId: string }> {
    const reason = request.reason.trim();
    if (!reason) throw new DomainError('VALIDATION_FAILED', 'Say why the entry is voided', [{ path: 'reason', problem: 'a reason is required' }]);
    const stream = planStreamName(request.planId);
    const events = await this.store.readStream(stream);
    if (events.length === 0) throw new DomainError('PLAN_NOT_FOUND', `There is no plan ${request.planId}`);
    const target = events.find((event) => event.eventId === request.eventId.toLowerCase());
    if (!target) throw new DomainError('EVENT_NOT_FOUND', `There is no entry ${request.eventId} in this plan`, [{ path: 'eventId', problem: 'is not an entry of this plan' }]);
    if (target.type === 'EventVoided') throw new DomainError('NOT_CORRECTABLE', 'A repair cannot be voided');
    if (events.some((event) => event.type === 'EventVoided' && event.data['voidedEventId'] === target.eventId)) {
      throw new DomainError('NO_CHANGE', `Entry ${target.eventId} is already voided`);
    }
    const head = events[events.length - 1]!;
    const eventId = this.newId();
    const result = await this.store.appendToStream(
      stream,
      [
        toEventToAppend(
          { eventId, type: 'EventVoided', data: { voidedEventId: target.eventId, voidedEventType: target.type.slice(0, 200), voidedRevision: Number(target.revision) }, reason },
          { actor, correlationId },
        ),
      ],
      { expectedRevision: head.revision },
    );
    return { revision: Number(result.nextExpectedRevision), position: result.position, eventId };
  }
}
