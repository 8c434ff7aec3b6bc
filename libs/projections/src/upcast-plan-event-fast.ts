import { CURRENT_SCHEMA_VERSION, EventMetadata, isPlanEventType, PLAN_EVENT_TYPES, PlanEventSchemas, upcastPlanEvent, type PlanEventType, type RawStoredEvent, type StoredPlanEvent } from '#domain';
import { compileIdentityCheck, type IdentityCheck } from './identity-check.js';

const metadataIsCurrent = compileIdentityCheck(EventMetadata);
const dataIsCurrent = new Map<PlanEventType, IdentityCheck>();
for (const type of PLAN_EVENT_TYPES) {
  const check = compileIdentityCheck(PlanEventSchemas[type]);
  if (check) dataIsCurrent.set(type, check);
}

/**
 * upcastPlanEvent's result, without zod's parse for an event already in its current form: one of a type at its
 * current schema version whose metadata and data the compiled checks (identity-check.ts) find to be exactly what
 * zod would give back. Every other event (an older version to upcast, text not yet trimmed, an unknown key, a
 * type the checks cannot compile, an event that does not validate) goes through upcastPlanEvent itself, so what
 * is returned, and what is thrown for an event that quarantines its plan, is upcastPlanEvent's.
 * For the rebuild, which reads back every event the ledger ever wrote.
 */
export function upcastPlanEventFast(raw: RawStoredEvent): StoredPlanEvent {
  const { type, metadata, data } = raw;
  if (metadataIsCurrent && isPlanEventType(type) && metadataIsCurrent(metadata) && metadata.schemaVersion === CURRENT_SCHEMA_VERSION[type]) {
    const check = dataIsCurrent.get(type);
    if (check && check(data)) {
      return { eventId: raw.eventId, type, data, revision: Number(raw.revision), recordedAt: raw.recordedAt, metadata } as StoredPlanEvent;
    }
  }
  return upcastPlanEvent(raw);
}

/** The event types whose data the fast path checks (the others always go through zod): for the tests and the bench's notes. */
export function fastCheckedPlanEventTypes(): PlanEventType[] {
  return [...dataIsCurrent.keys()];
}
