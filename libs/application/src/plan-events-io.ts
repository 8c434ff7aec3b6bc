import type { EventToAppend, RecordedEvent } from '#event-store';
import { CURRENT_SCHEMA_VERSION, upcastPlanEvent, type Actor, type EventMetadata, type NewPlanEvent, type Provenance, type StoredPlanEvent } from '#domain';

/** Who, why and in answer to what: the metadata the edge adds to every event the domain decides. */
export interface CommandMetadata {
  actor: Actor;
  correlationId: string;
  causationId?: string;
  provenance?: Provenance;
}

export function toEventToAppend(event: NewPlanEvent, meta: CommandMetadata): EventToAppend {
  const metadata: EventMetadata = {
    schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
    actor: meta.actor,
    correlationId: meta.correlationId,
    ...(meta.causationId ? { causationId: meta.causationId } : {}),
    ...(event.effectiveAt ? { effectiveAt: event.effectiveAt } : {}),
    ...(event.reason ? { reason: event.reason } : {}),
    ...(meta.provenance ? { provenance: meta.provenance } : {}),
  };
  return { eventId: event.eventId, type: event.type, data: event.data as Record<string, unknown>, metadata: metadata as unknown as Record<string, unknown> };
}

/** A stored event in the domain's current shape (upcast on read, never rewritten). */
export function toStoredPlanEvent(recorded: RecordedEvent): StoredPlanEvent {
  return upcastPlanEvent(recorded);
}
