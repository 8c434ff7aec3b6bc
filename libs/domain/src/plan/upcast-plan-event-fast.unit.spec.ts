import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { compileFastParse, REJECT } from '../shared/fast-parse.js';
import { PLAN_EVENT_TYPES } from './plan-events.js';
import { fastParsedPlanEventTypes, upcastPlanEventFast } from './upcast-plan-event-fast.js';
import { upcastPlanEvent, type RawStoredEvent } from './upcast.js';

/**
 * upcastPlanEventFast must give exactly upcastPlanEvent's result (the same values, keys in the same order) or
 * throw exactly its error, for any stored event: the rebuild's rows, and which plans it quarantines, depend on it.
 * Checked on the example of every event type in docs/events.md, on events carrying the fixtures' words and
 * hostile ids, and on thousands of hostile variants of them (untrimmed, too long, NUL, lone surrogates, unknown
 * and inherited keys, keys out of order, missing fields, wrong types, older schema versions).
 */

const CATALOGUE = path.resolve(process.cwd(), 'docs/events.md');
const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const HOSTILE_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

/** The first JSON example of each event type's section of docs/events.md, as the store would hand it back. */
function catalogueEvents(): RawStoredEvent[] {
  const markdown = readFileSync(CATALOGUE, 'utf8');
  const events: RawStoredEvent[] = [];
  for (const match of markdown.matchAll(/^## (\S+)\s*$([\s\S]*?)(?=^## |(?![\s\S]))/gm)) {
    const example = /```json\n([\s\S]*?)\n```/.exec(match[2]!)?.[1];
    if (!example || !(PLAN_EVENT_TYPES as string[]).includes(match[1]!)) continue;
    events.push(JSON.parse(example) as RawStoredEvent);
  }
  return events;
}

/** Events made of the fixtures' words (recommendations, action cells, progress notes) with hostile ids. */
function fixtureEvents(template: (type: string) => RawStoredEvent): RawStoredEvent[] {
  const cells = ['laming-2009-recommendations.txt', 'central-bedfordshire-ofsted-action-plan-2012-13.txt', 'central-bedfordshire-laming-2009-progress.txt']
    .flatMap((file) => readFileSync(path.join(FIXTURES, file), 'utf8').split('\n'))
    .flatMap((line) => line.split('\t'))
    .filter((cell) => cell.length > 0);
  const events: RawStoredEvent[] = [];
  for (const [i, cell] of cells.entries()) {
    const id = HOSTILE_IDS[i % HOSTILE_IDS.length]!;
    const trimmed = cell.trim().slice(0, 500).trim();
    const note = template('ProgressUpdateRecorded');
    note.data = { actionId: id, narrative: cell, asAt: '2009-10-01' };
    const action = template('ActionAdded');
    action.data = { ...action.data, actionId: id, recommendationId: HOSTILE_IDS[(i + 1) % HOSTILE_IDS.length], description: cell, leads: trimmed ? [trimmed] : [] };
    const recommendation = template('RecommendationAdded');
    recommendation.data = { recommendationId: id, ref: String(i), text: cell };
    events.push(note, action, recommendation);
  }
  return events;
}

/** Variants of `value` that an attacker or a defect could leave in the store, each with where it was changed. */
function* variants(value: unknown, where = ''): Generator<[string, unknown]> {
  if (typeof value === 'string') {
    yield [`${where} padded`, ` ${value} `];
    yield [`${where} empty`, ''];
    yield [`${where} NUL`, `${value}\u0000`];
    yield [`${where} lone surrogate`, `${value}\uD800`];
    yield [`${where} long`, value.padEnd(20_001, 'x')];
    yield [`${where} number`, 7];
    yield [`${where} null`, null];
    yield [`${where} hostile id`, '__proto__'];
    yield [`${where} not a date`, '2009-02-30'];
    return;
  }
  if (typeof value === 'number') {
    for (const other of [-1, 0, 1.5, 1e300, 367, '1', null]) yield [`${where} ${String(other)}`, other];
    return;
  }
  if (typeof value === 'boolean') {
    yield [`${where} string`, 'true'];
    return;
  }
  if (Array.isArray(value)) {
    yield [`${where} emptied`, []];
    yield [`${where} + number`, [...value, 3]];
    yield [`${where} + padded`, [...value, ' Sue Ioannou ']];
    yield [`${where} long`, Array.from({ length: 10_001 }, () => value[0] ?? 'x')];
    yield [`${where} object`, { ...value }];
    for (const [i, element] of value.entries()) for (const [label, changed] of variants(element, `${where}[${i}]`)) yield [label, value.map((e, j) => (j === i ? changed : e))];
    return;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    yield [`${where} null`, null];
    yield [`${where} array`, [record]];
    yield [`${where} reversed`, Object.fromEntries(keys.reverse().map((key) => [key, record[key]]))];
    yield [`${where} + __proto__`, JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(record).slice(1)}`.replace(/, }$/, '}'))];
    yield [`${where} + constructor`, { ...record, constructor: 'x' }];
    yield [`${where} + unknown`, { ...record, unknown: 1 }];
    yield [`${where} no prototype`, Object.assign(Object.create(null), record)];
    for (const key of keys) {
      const { [key]: _dropped, ...rest } = record;
      yield [`${where}.${key} missing`, rest];
      for (const [label, changed] of variants(record[key], `${where}.${key}`)) yield [label, { ...record, [key]: changed }];
    }
  }
}

type Outcome = { ok: true; value: unknown; json: string } | { ok: false; error: string };

function outcome(read: (raw: RawStoredEvent) => unknown, raw: RawStoredEvent): Outcome {
  try {
    const value = read(raw);
    return { ok: true, value, json: JSON.stringify(value) };
  } catch (error) {
    return { ok: false, error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

/** The cases where the fast path's outcome differs from upcastPlanEvent's (none, we expect), and how many it took without zod. */
function differences(events: readonly RawStoredEvent[]): { differ: string[]; fast: number; tried: number } {
  const differ: string[] = [];
  let fast = 0;
  let tried = 0;
  const compare = (label: string, raw: RawStoredEvent) => {
    tried++;
    const expected = outcome(upcastPlanEvent, raw);
    const actual = outcome(upcastPlanEventFast, raw);
    const same = expected.ok && actual.ok ? expected.json === actual.json && isDeepStrictEqual(expected.value, actual.value) : !expected.ok && !actual.ok && expected.error === actual.error;
    if (!same) differ.push(`${raw.type} ${label}: ${JSON.stringify(expected).slice(0, 300)} ≠ ${JSON.stringify(actual).slice(0, 300)}`);
    if (actual.ok && (actual.value as { data: unknown }).data === raw.data) fast++;
  };
  for (const event of events) {
    compare('as stored', event);
    for (const [label, data] of variants(event.data, 'data')) compare(label, { ...event, data: data as Record<string, unknown> });
    for (const [label, metadata] of variants(event.metadata, 'metadata')) compare(label, { ...event, metadata: metadata as Record<string, unknown> });
    compare('unknown type', { ...event, type: 'PlanDeleted' });
    compare('inherited type', { ...event, type: 'constructor' });
  }
  return { differ, fast, tried };
}

const catalogue = catalogueEvents();

describe('upcastPlanEventFast', () => {
  it('checks every event type in the fast path but EntryCorrected, whose amendments zod rebuilds without a prototype', () => {
    expect(catalogue.map((event) => event.type).sort()).toEqual([...PLAN_EVENT_TYPES].sort());
    expect(PLAN_EVENT_TYPES.filter((type) => !fastParsedPlanEventTypes().includes(type))).toEqual(['EntryCorrected']);
  });

  it('takes every catalogue example as stored without zod, and gives upcastPlanEvent\'s result', () => {
    for (const event of catalogue) {
      const fast = upcastPlanEventFast(event);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(upcastPlanEvent(event)));
      expect(fast).toStrictEqual(upcastPlanEvent(event));
      if (event.type !== 'EntryCorrected') expect(fast.data).toBe(event.data);
    }
  });

  it('gives upcastPlanEvent\'s result or its very error for every hostile variant of every catalogue example', () => {
    const { differ, fast, tried } = differences(catalogue);
    expect(differ).toEqual([]);
    // Both ways were exercised: many variants are still what zod gives back, most are not.
    expect(fast).toBeGreaterThan(100);
    expect(tried - fast).toBeGreaterThan(1_000);
  });

  it('does the same on the fixtures\' words under hostile ids, taken untrimmed as the councils wrote them', () => {
    const template = (type: string) => structuredClone(catalogue.find((event) => event.type === type)!);
    const events = fixtureEvents(template);
    const { differ, fast } = differences(events.slice(0, 12));
    expect(differ).toEqual([]);
    expect(fast).toBeGreaterThan(0);
    for (const event of events) {
      const expected = outcome(upcastPlanEvent, event);
      expect(outcome(upcastPlanEventFast, event)).toEqual(expected);
    }
  });

  it('lifts an older schema version through zod\'s upcaster, as upcastPlanEvent does', () => {
    const created = catalogue.find((event) => event.type === 'PlanCreated')!;
    const { organisationId: _id, ...v1 } = created.data;
    const old = { ...created, data: v1, metadata: { ...created.metadata, schemaVersion: 1 } };
    expect(upcastPlanEventFast(old)).toStrictEqual(upcastPlanEvent(old));
    expect(upcastPlanEventFast(old).data).not.toBe(old.data);
  });
});

describe('compileFastParse', () => {
  it('gives back the value itself when zod would copy it, zod\'s key order when it is not the schema\'s, and leaves the rest to zod', () => {
    const parse = compileFastParse(z.object({ name: z.string().trim().min(1), tags: z.array(z.enum(['a', 'b'])).max(2), n: z.number().int().optional() }))!;
    const value = { name: 'x', tags: ['a'] };
    expect(parse(value)).toBe(value);
    expect(parse({ name: 'x', tags: ['a'], n: 2 })).toEqual({ name: 'x', tags: ['a'], n: 2 });
    expect(JSON.stringify(parse({ tags: ['a'], n: 2, name: 'x' }))).toBe('{"name":"x","tags":["a"],"n":2}');
    for (const rejected of [{ name: ' x', tags: [] }, { name: 'x', tags: ['a', 'b', 'a'] }, { name: 'x', tags: [], n: 1.5 }, { name: 'x', tags: [], extra: 1 }, { name: 'x' }, null, 'x', [value]]) {
      expect(parse(rejected)).toBe(REJECT);
    }
    expect(compileFastParse(z.string().transform((s) => s.length))).toBeUndefined();
    expect(compileFastParse(z.union([z.string(), z.number()]))).toBeUndefined();
    expect(compileFastParse(z.object({ a: z.string().default('x') }))).toBeUndefined();
    expect(compileFastParse(z.string().superRefine(() => undefined))).toBeUndefined();
    expect(compileFastParse(z.object({ a: z.string() }).passthrough())).toBeUndefined();
  });
});
