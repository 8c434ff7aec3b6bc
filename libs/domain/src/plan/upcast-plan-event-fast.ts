import { compileFastParse, REJECT, type FastParse } from '../shared/fast-parse.js';
import { CURRENT_SCHEMA_VERSION, EventMetadata, isPlanEventType, PLAN_EVENT_TYPES, PlanEventSchemas, type PlanEventType, type StoredPlanEvent } from './plan-events.js';
import { upcastPlanEvent, type RawStoredEvent } from './upcast.js';

const parseMetadata = compileFastParse(EventMetadata);
const parseData = new Map<PlanEventType, FastParse>();
for (const type of PLAN_EVENT_TYPES) {
  const parse = compileFastParse(PlanEventSchemas[type]);
  if (parse) parseData.set(type, parse);
}

/**
 * upcastPlanEvent's result, without zod's parse for an event already in its current form: one of a type at its
 * current schema version whose metadata and data the compiled parses (fast-parse.ts) take as zod would. Every
 * other event (an older version to upcast, text not yet trimmed, an unknown key, a type whose schema cannot be
 * compiled, an event that does not validate) goes through upcastPlanEvent itself, so what is returned, and what
 * is thrown for an event that quarantines its plan, is upcastPlanEvent's (the same error, naming the same field).
 * For the readers of many events at once: the rebuild, which reads back every event the ledger ever wrote, and the
 * evidence bundle's writer and verifier, which read every line of a plan's events.ndjson (pure: zod and this lib
 * only, so the browser's verifier runs it too).
 */
export function upcastPlanEventFast(raw: RawStoredEvent): StoredPlanEvent {
  const { type } = raw;
  const parse = isPlanEventType(type) ? parseData.get(type) : undefined;
  if (parse && parseMetadata) {
    const metadata = parseMetadata(raw.metadata) as StoredPlanEvent['metadata'] | typeof REJECT;
    if (metadata !== REJECT && metadata.schemaVersion === CURRENT_SCHEMA_VERSION[type as PlanEventType]) {
      const data = parse(raw.data);
      if (data !== REJECT) return { eventId: raw.eventId, type, data, revision: Number(raw.revision), recordedAt: raw.recordedAt, metadata } as StoredPlanEvent;
    }
  }
  return upcastPlanEvent(raw);
}

/** The event types whose data the fast path parses (the others always go through zod): for the tests and the bench's notes. */
export function fastParsedPlanEventTypes(): PlanEventType[] {
  return [...parseData.keys()];
}
