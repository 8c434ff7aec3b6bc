import type { Actor } from './shared/actor.js';
import { ACCESS_SCHEMA_VERSION } from './access/access-events.js';
import { CURRENT_SCHEMA_VERSION, isPlanEventType, type EventMetadata, type NewPlanEvent, type Provenance, type StoredPlanEvent } from './plan/plan-events.js';

/** Who, why and in answer to what: what the caller adds to every event a decider returns (the actor is the authenticated identity's). */
export interface CommandMetadata {
  actor: Actor;
  correlationId: string;
  causationId?: string;
  provenance?: Provenance;
}

/** What every decider returns: the fact, its id, and its own effective time and reason (the rest of the metadata is the caller's). */
export interface DecidedEvent {
  eventId: string;
  type: string;
  data: object;
  effectiveAt?: string;
  reason?: string;
}

/**
 * The version of a type's schema that new events are written in, from the catalogue: plan events'
 * CURRENT_SCHEMA_VERSION, access events' ACCESS_SCHEMA_VERSION. A type in neither is a bug, not a version 1.
 */
export function schemaVersionOf(type: string): number {
  if (isPlanEventType(type)) return CURRENT_SCHEMA_VERSION[type];
  const access = ACCESS_SCHEMA_VERSION.get(type);
  if (access === undefined) throw new Error(`${type} is in no event catalogue, so it has no schema version`);
  return access;
}

/**
 * The one builder of event metadata, for every stream: the schema version from the catalogue, the actor and
 * correlation from the command, the effective time and reason from the decider. Fields without a value are
 * left out, so an access event's metadata stays exactly what its stream's validator allows.
 */
export function eventMetadata(event: DecidedEvent, meta: CommandMetadata): EventMetadata {
  return {
    schemaVersion: schemaVersionOf(event.type),
    actor: meta.actor,
    correlationId: meta.correlationId,
    ...(meta.causationId ? { causationId: meta.causationId } : {}),
    ...(event.effectiveAt ? { effectiveAt: event.effectiveAt } : {}),
    ...(event.reason ? { reason: event.reason } : {}),
    ...(meta.provenance ? { provenance: meta.provenance } : {}),
  };
}

/**
 * A decided plan event as the store will hand it back at this revision and instant: for folding what is not
 * appended yet (a batch's running state, a test's given events) exactly as it will be read.
 */
export function asRecorded(event: NewPlanEvent, meta: CommandMetadata, revision: number, recordedAt: string): StoredPlanEvent {
  return { eventId: event.eventId, type: event.type, data: event.data, revision, recordedAt, metadata: eventMetadata(event, meta) } as StoredPlanEvent;
}
