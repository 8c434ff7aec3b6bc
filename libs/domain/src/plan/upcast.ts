import { CURRENT_SCHEMA_VERSION, EventMetadata, isPlanEventType, organisationIdFromName, parsePlanEventData, type StoredPlanEvent } from './plan-events.js';

/**
 * Old events are upcast on read, never rewritten. Each entry lifts one type from version N to N+1.
 * Add one here whenever a shape changes, with a test.
 */
type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;
const UPCASTERS: Record<string, Record<number, Upcaster>> = {
  // v2 gave every plan a tenant: a v1 plan belongs to the organisation its name says.
  PlanCreated: { 1: (data) => ({ ...data, organisationId: organisationIdFromName(String(data.organisation ?? '')) }) },
};

export interface RawStoredEvent {
  eventId: string;
  type: string;
  revision: bigint | number;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export class UnknownEventTypeError extends Error {}

/** Ids of the entries voided by the EventVoided entries among `raw` (each of which must itself be readable). */
export function voidedEventIds(raw: readonly RawStoredEvent[]): Set<string> {
  const voided = new Set<string>();
  for (const event of raw) {
    if (event.type === 'EventVoided') voided.add(parsePlanEventData('EventVoided', event.data).voidedEventId);
  }
  return voided;
}

/**
 * A plan's stored events as every fold must see them: upcast and validated, less the entries an EventVoided
 * voided. `voided` may be passed when the caller already knows them (the repairs are read with the whole stream).
 * The voided entries are never upcast, so an entry that no longer validates does not stop the fold.
 */
export function readablePlanEvents(
  raw: readonly RawStoredEvent[],
  voided: ReadonlySet<string> = voidedEventIds(raw),
  /** upcastPlanEvent, or upcastPlanEventFast (the same events and errors, sooner) for a reader on a hot path. */
  upcast: (raw: RawStoredEvent) => StoredPlanEvent = upcastPlanEvent,
): StoredPlanEvent[] {
  const readable: StoredPlanEvent[] = [];
  for (const event of raw) if (!voided.has(event.eventId)) readable.push(upcast(event));
  return readable;
}

/** Turn a raw stored event into the current shape of its type, validating it on the way. */
export function upcastPlanEvent(raw: RawStoredEvent): StoredPlanEvent {
  if (!isPlanEventType(raw.type)) throw new UnknownEventTypeError(`Unknown event type ${raw.type} at revision ${raw.revision}`);
  const metadata = EventMetadata.parse(raw.metadata);
  let data = raw.data;
  for (let version = metadata.schemaVersion; version < CURRENT_SCHEMA_VERSION[raw.type]; version++) {
    const upcaster = UPCASTERS[raw.type]?.[version];
    if (!upcaster) throw new UnknownEventTypeError(`No upcaster for ${raw.type} from version ${version}`);
    data = upcaster(data);
  }
  return {
    eventId: raw.eventId,
    type: raw.type,
    data: parsePlanEventData(raw.type, data),
    revision: Number(raw.revision),
    recordedAt: raw.recordedAt,
    metadata: { ...metadata, schemaVersion: CURRENT_SCHEMA_VERSION[raw.type] },
  } as StoredPlanEvent;
}
