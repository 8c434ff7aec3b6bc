import { z } from 'zod';
import { openEventStore, type EventProblem, type EventStore, type EventStoreConfig, type EventToAppend, type EventValidator } from '#event-store';
import {
  ACCESS_STREAM,
  AccessEventSchemas,
  Actor,
  compileFastParse,
  EventMetadata,
  PLAN_EVENT_TYPES,
  PLAN_STREAM_PREFIX,
  PlanAccessedSchema,
  PlanEventSchemas,
  REJECT,
  isPlanEventType,
  schemaVersionOf,
  type AccessEventType,
  type FastParse,
  type PlanEventType,
  text,
} from '#domain';

const ACCESS_LOG_STREAM_PREFIX = 'access-log-';

/** Access events carry the actor, the request's correlation id and, for changes, the reason. */
const AccessEventMetadata = z.strictObject({
  schemaVersion: z.number().int().positive(),
  actor: Actor,
  correlationId: text().min(1).max(200),
  reason: text().max(5_000).optional(),
});

// Built once: strict copies of the domain's schemas (an append must not carry a field the schema does not name).
const STRICT_PLAN_DATA = new Map(PLAN_EVENT_TYPES.map((type) => [type, (PlanEventSchemas[type] as z.ZodObject).strict()] as const));
const STRICT_ACCESS_DATA = new Map(
  (Object.keys(AccessEventSchemas) as AccessEventType[]).map((type) => [type as string, (AccessEventSchemas[type] as z.ZodObject).strict()] as const),
);
const STRICT_PLAN_METADATA = EventMetadata.strict();
/**
 * The compiled parses of the same (not strict) schemas (fast-parse.ts), asked first. A value one takes has no key
 * its schema does not name, at any level, and passes every check zod would make, so the strict schema takes it
 * too: zod is asked only for the values they leave to it, and so gives every problem reported. Every plan event
 * appended is checked here (1.3 % of the API's main thread under concurrent writes, zod's parse nearly all of it).
 */
const FAST_PLAN_DATA = new Map(
  PLAN_EVENT_TYPES.flatMap((type) => {
    const parse = compileFastParse(PlanEventSchemas[type]);
    return parse ? [[type, parse] as const] : [];
  }),
);
const FAST_PLAN_METADATA = compileFastParse(EventMetadata);
const STRICT_PLAN_ACCESSED = PlanAccessedSchema.strict();

/**
 * The ledger's rule for what may be appended, handed to the store when it is opened: every event of every
 * stream the ledger writes must match its type's schema exactly (strictly: no field the schema does not name)
 * and carry the metadata its stream requires. A stream the ledger does not know is refused. The domain's
 * schemas are the only source, so a command that decide got wrong (an id that named nothing, a field lost
 * on the way) is refused before it is written instead of poisoning the plan.
 */
export const validateLedgerEvent: EventValidator = (streamId, event) => {
  if (streamId.startsWith(PLAN_STREAM_PREFIX)) {
    if (!isPlanEventType(event.type)) return [{ path: 'type', problem: `is not a plan event type (${event.type})` }];
    return [
      ...problemsOf('data', STRICT_PLAN_DATA.get(event.type as PlanEventType)!, event.data, FAST_PLAN_DATA.get(event.type as PlanEventType)),
      ...problemsOf('metadata', STRICT_PLAN_METADATA, event.metadata, FAST_PLAN_METADATA),
      ...schemaVersionProblems(event, schemaVersionOf(event.type)),
    ];
  }
  if (streamId === ACCESS_STREAM) {
    const schema = STRICT_ACCESS_DATA.get(event.type);
    if (!schema) return [{ path: 'type', problem: `is not an access event type (${event.type})` }];
    return [...problemsOf('data', schema, event.data), ...problemsOf('metadata', AccessEventMetadata, event.metadata), ...schemaVersionProblems(event, schemaVersionOf(event.type))];
  }
  if (streamId.startsWith(ACCESS_LOG_STREAM_PREFIX)) {
    if (event.type !== 'PlanAccessed') return [{ path: 'type', problem: `is not an access-log event type (${event.type})` }];
    return [...problemsOf('data', STRICT_PLAN_ACCESSED, event.data), ...problemsOf('metadata', AccessEventMetadata, event.metadata), ...schemaVersionProblems(event, schemaVersionOf(event.type))];
  }
  return [{ path: 'streamId', problem: `is not a stream this ledger writes (${streamId})` }];
};

/** The store every part of the ledger opens: the configured adapter, refusing what validateLedgerEvent refuses. */
export function openLedgerEventStore(config: EventStoreConfig): EventStore {
  return openEventStore(config, { validator: validateLedgerEvent });
}

/** No problems if `fast` (a compiled parse of the schema without its strictness) takes the value; else zod's. */
function problemsOf(where: string, schema: z.ZodType, value: unknown, fast?: FastParse): EventProblem[] {
  if (fast !== undefined && fast(value) !== REJECT) return [];
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), problem: issue.message }));
}

function schemaVersionProblems(event: Readonly<EventToAppend>, current: number): EventProblem[] {
  const version = event.metadata['schemaVersion'];
  return version === current ? [] : [{ path: 'metadata.schemaVersion', problem: `must be ${current}, the current version of ${event.type} (got ${String(version)})` }];
}
