import type { EventStore } from '#event-store';
import { decide, PlanFold, planStreamName, type DecisionContext, type NewPlanEvent, type PlanCommand, type PlanState, type StoredPlanEvent } from '#domain';
import { toEventToAppend, type CommandMetadata } from './plan-events-io.js';

/**
 * Several commands decided one after another against a running state, then appended in ONE append:
 * all of them or none (an import is all or nothing). Each command sees the effects of the ones before it,
 * so a later command can name the action an earlier one added.
 */
export class PlanBatch {
  private readonly pending: { event: NewPlanEvent; meta: CommandMetadata }[] = [];
  private readonly running: PlanFold;

  constructor(
    private readonly store: EventStore,
    private readonly planId: string,
    private readonly base: PlanState,
    private readonly context: DecisionContext,
  ) {
    this.running = new PlanFold(base);
  }

  /** The plan as it would be if the batch were committed now. */
  get state(): PlanState {
    return this.running.state;
  }

  get size(): number {
    return this.pending.length;
  }

  /** Decide one command against the running state; throws the domain's error if it cannot be accepted. */
  run(command: PlanCommand, meta: CommandMetadata): NewPlanEvent[] {
    const running = this.running.state;
    const events = decide(command, running, this.context);
    const now = this.context.now().toISOString();
    const provisional: StoredPlanEvent[] = events.map(
      (event, i) =>
        ({
          eventId: event.eventId,
          type: event.type,
          data: event.data,
          revision: running.revision + 1 + i,
          recordedAt: now,
          metadata: { schemaVersion: 1, actor: meta.actor, correlationId: meta.correlationId, effectiveAt: event.effectiveAt, reason: event.reason },
        }) as StoredPlanEvent,
    );
    this.running.apply(provisional);
    for (const event of events) this.pending.push({ event, meta });
    return events;
  }

  /** Append everything decided, in one all-or-nothing append guarded by the revision the batch started from. */
  async commit(): Promise<{ revision: number; position: bigint; eventIds: string[] }> {
    if (this.pending.length === 0) return { revision: this.base.revision, position: -1n, eventIds: [] };
    const result = await this.store.appendToStream(
      planStreamName(this.planId),
      this.pending.map(({ event, meta }) => toEventToAppend(event, meta)),
      { expectedRevision: this.base.revision < 0 ? 'no_stream' : BigInt(this.base.revision) },
    );
    return { revision: Number(result.nextExpectedRevision), position: result.position, eventIds: this.pending.map(({ event }) => event.eventId) };
  }
}
