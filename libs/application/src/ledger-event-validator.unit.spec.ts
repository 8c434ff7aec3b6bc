import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { EventMetadata, PLAN_EVENT_TYPES, PlanEventSchemas, schemaVersionOf, type PlanEventType, type StoredPlanEvent } from '#domain';
import { benchLikePlanEvents, prototypeNamedPlanEvents } from '#domain/rag-testing/bench-like-plan';
import type { EventProblem, EventToAppend } from '#event-store';
import { validateLedgerEvent } from './ledger-event-validator.js';

const STREAM = 'plan-0190a5b0-0000-7000-8000-000000000001';
const NAMES = Object.getOwnPropertyNames(Object.prototype);

/** The rule as zod alone states it (strict data and metadata, the current schema version): what the validator must answer. */
function zodProblems(event: EventToAppend): EventProblem[] {
  const problems = (where: string, schema: z.ZodType, value: unknown): EventProblem[] => {
    const result = schema.safeParse(value);
    return result.success ? [] : result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), problem: issue.message }));
  };
  const type = event.type as PlanEventType;
  const version = event.metadata['schemaVersion'];
  return [
    ...problems('data', (PlanEventSchemas[type] as z.ZodObject).strict(), event.data),
    ...problems('metadata', EventMetadata.strict(), event.metadata),
    ...(version === schemaVersionOf(type) ? [] : [{ path: 'metadata.schemaVersion', problem: `must be ${schemaVersionOf(type)}, the current version of ${type} (got ${String(version)})` }]),
  ];
}

const appendOf = (event: StoredPlanEvent): EventToAppend => JSON.parse(JSON.stringify({ eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata })) as EventToAppend;

/** One event of each type the bench-like plans hold, each changed in the ways a defect or a hostile caller could. */
function hostileVariants(events: readonly EventToAppend[]): EventToAppend[] {
  const firstOfEach = [...new Map(events.map((event) => [event.type, event])).values()];
  const variants: EventToAppend[] = [];
  for (const event of firstOfEach) {
    const text = JSON.stringify(event);
    const copy = () => JSON.parse(text) as EventToAppend & { data: Record<string, unknown>; metadata: Record<string, unknown> };
    for (const name of NAMES) {
      // JSON.parse makes every name an own key, `__proto__` included.
      variants.push({ ...copy(), data: JSON.parse(`{${text.slice(text.indexOf('"data":{') + 8, text.indexOf('},"metadata"'))}${text.includes('"data":{}') ? '' : ','}${JSON.stringify(name)}:"not in the schema"}`) });
      const withMetadataKey = copy();
      withMetadataKey.metadata = JSON.parse(JSON.stringify(withMetadataKey.metadata).replace(/^\{/, `{${JSON.stringify(name)}:1,`));
      variants.push(withMetadataKey);
    }
    const nested = copy();
    nested.metadata = { ...nested.metadata, actor: { ...(nested.metadata['actor'] as object), extra: 'not in the schema' } };
    variants.push(nested);
    for (const [key, value] of Object.entries(copy().data)) {
      const untrimmed = copy();
      if (typeof value === 'string') untrimmed.data[key] = `  ${value}  `;
      variants.push(untrimmed);
      const wrongType = copy();
      wrongType.data[key] = typeof value === 'string' ? 5 : 'five';
      variants.push(wrongType);
      const missing = copy();
      delete missing.data[key];
      variants.push(missing);
      const asUndefined = copy();
      asUndefined.data[key] = undefined;
      variants.push(asUndefined);
    }
    variants.push({ ...copy(), data: [] as unknown as Record<string, unknown> }, { ...copy(), data: null as unknown as Record<string, unknown> });
    variants.push({ ...copy(), metadata: { ...copy().metadata, schemaVersion: 99 } });
    variants.push({ ...copy(), metadata: { ...copy().metadata, correlationId: '  padded  ' } });
  }
  return variants;
}

describe('the ledger validator on plan events', () => {
  const benchLike = benchLikePlanEvents({ maxEvents: 3_000 }).map(appendOf);
  const events = [...benchLike, ...prototypeNamedPlanEvents().map(appendOf)];

  it('answers every event of the bench-like plans (ids named after every Object.prototype name too) as zod alone does', () => {
    expect(PLAN_EVENT_TYPES.filter((type) => events.some((event) => event.type === type)).length).toBeGreaterThanOrEqual(10);
    for (const event of events) expect(validateLedgerEvent(STREAM, event)).toEqual(zodProblems(event));
    // All but the plan's PlanCreated, made in the shape of a first-version event (no organisationId): refused by both.
    expect(benchLike.filter((event) => validateLedgerEvent(STREAM, event).length > 0).map((event) => event.type)).toEqual(['PlanCreated']);
  });

  it("gives zod's own problems, path and words, for an unknown key named after every Object.prototype name, untrimmed text, a wrong type, a missing field and a stale version", () => {
    const variants = hostileVariants(events);
    expect(variants.length).toBeGreaterThan(400);
    let refused = 0;
    for (const variant of variants) {
      const problems = validateLedgerEvent(STREAM, variant);
      expect(problems).toEqual(zodProblems(variant));
      if (problems.length > 0) refused += 1;
    }
    // Most variants are refused; untrimmed text is accepted (zod trims it on the way in), as zod alone accepts it.
    expect(refused).toBeGreaterThan(variants.length / 2);
    const unknownKeys = variants.filter((variant) => Object.keys(variant.data ?? {}).some((key) => NAMES.includes(key)));
    expect(unknownKeys.length).toBe(NAMES.length * new Set(events.map((event) => event.type)).size);
    for (const variant of unknownKeys) expect(validateLedgerEvent(STREAM, variant)).not.toEqual([]);
  });
});
