import { describe, expect, it } from '@jest/globals';
import { decide, DEFAULT_RAG_RULES, DomainError, foldPlan, planRagSummary, type NewPlanEvent, type PlanCommand, type PlanState, type StoredPlanEvent } from '#domain';
import { PlanTimeline, toCompactPlanView, toPlanView } from '#projections';
import { compactPlanViewOpen, compactPlanViewParts, derivedBytes, derivedFrom, fullPlanViewOpen, heldBytes, partsBytes, ragKeyOf, ragSummaryJson, ragSummaryTail } from './plan-read-cache.js';

/**
 * The plan read sends its JSON as bytes joined from pieces kept against states and actions (issue #21): these
 * check the joined bytes are exactly JSON.stringify of the view, for states along a plan's history whose
 * actions are shared between positions (copy-on-write folds), asked in an order that makes every cache hit.
 */
function plan(seed: number, entries: number): StoredPlanEvent[] {
  let random = seed;
  const next = () => ((random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  let ids = 0;
  let clock = Date.parse('2009-06-01T09:00:00.000Z');
  const ctx = { now: () => new Date(clock), newId: () => `00000000-0000-7000-8000-${String(++ids).padStart(12, '0')}` };
  let state: PlanState = foldPlan([]);
  const events: StoredPlanEvent[] = [];
  const run = (command: PlanCommand) => {
    clock += Math.floor(next() * 2 * 86_400_000);
    let decided: NewPlanEvent[];
    try {
      decided = decide(command, state, ctx);
    } catch (error) {
      if (error instanceof DomainError) return [];
      throw error;
    }
    const stored = decided.map(
      (e, i) =>
        ({
          eventId: e.eventId,
          type: e.type,
          data: e.data,
          revision: state.revision + 1 + i,
          recordedAt: new Date(clock).toISOString(),
          metadata: { schemaVersion: 1, actor: { id: 'rd', displayName: 'Rachel "RD" Deakin' }, correlationId: 'c', ...(e.effectiveAt ? { effectiveAt: e.effectiveAt } : {}), ...(e.reason ? { reason: e.reason } : {}) },
        }) as StoredPlanEvent,
    );
    state = foldPlan(stored, state);
    events.push(...stored);
    return stored;
  };
  const day = () => new Date(clock - Math.floor(next() * 60) * 86_400_000).toISOString().slice(0, 10);
  // Text a JSON writer must escape or encode in several bytes, in every kind of field.
  const words = ['plain', 'quote " and \\ backslash', 'line\u2028separator', 'Ünïcödé – “curly”', 'emoji 👶🏽 safeguarding', 'tab\there', '</script>'];
  run({ type: 'CreatePlan', planId: 'p-bytes', title: `Laming ${pick(words)}`, organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009', effectiveAt: '2009-05-01' });
  run({ type: 'AddWorkstream', number: '1', title: pick(words) });
  run({ type: 'AddRecommendation', ref: '6', text: pick(words), workstreamId: state.workstreamOrder[0] });
  for (let i = 1; i <= 12; i++) run({ type: 'AddAction', ref: `6.${i}`, recommendationId: state.recommendationOrder[0], description: `Action ${i}: ${pick(words)}`, leads: i % 5 === 0 ? [] : ['Rachel Deakin'], target: i % 4 === 0 ? 'Ongoing' : 'October 2009', dependencies: [] });
  const notes: string[] = [];
  while (events.length < entries) {
    const actionId = pick(state.actionOrder);
    const roll = next();
    if (roll < 0.5) notes.push(...run({ type: 'RecordProgressUpdate', actionId, narrative: `Note ${events.length}: ${pick(words)}`, effectiveAt: day() }).map((e) => e.eventId));
    else if (roll < 0.62) run({ type: 'AssessRag', actionId, rating: pick(['green', 'amber', 'red'] as const), rationale: pick(words), effectiveAt: day() });
    else if (roll < 0.7) run({ type: 'SlipTargetDate', actionId, to: pick(['December 2009', 'March 2010', 'June 2010']), reason: pick(words) });
    else if (roll < 0.78) run({ type: 'ChangeActionStatus', actionId, to: pick(['in_progress', 'not_started'] as const), reason: pick(words) });
    else if (roll < 0.84) run({ type: 'ReassignAction', actionId, to: [pick(['Sue Ioannou', 'Amir “AK” Khan'])], reason: pick(words) });
    else if (roll < 0.9) run({ type: 'AttachEvidence', actionId, name: `${pick(words)}.pdf`, mediaType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) });
    else if (roll < 0.94 && notes.length > 0) run({ type: 'CorrectEntry', eventId: pick(notes), kind: 'amended', amendments: { narrative: `Corrected: ${pick(words)}` }, reason: 'Typo' });
    else if (roll < 0.97) run({ type: 'AddAction', ref: `7.${events.length}`, recommendationId: state.recommendationOrder[0], description: pick(words), leads: ['Rachel Deakin'], target: 'May 2010', dependencies: [] });
    else run({ type: 'CompleteAction', actionId, effectiveAt: day() });
  }
  return events;
}

/** The plan's timeline and the instants (ms) of its first and last recorded events. */
function timelineOf(events: readonly StoredPlanEvent[]) {
  const timeline = new PlanTimeline();
  timeline.append(events);
  return { timeline, first: Date.parse(events[0]!.recordedAt), last: Date.parse(events.at(-1)!.recordedAt) };
}

const href = (actionId: string) => `/plans/p-bytes/actions/${encodeURIComponent(actionId)}/history`;
const closed = (open: Buffer) => Buffer.concat([open, Buffer.from('}')]);

describe('the plan read’s JSON joined from cached pieces', () => {
  const events = plan(21, 900);
  const { timeline, first, last } = timelineOf(events);
  // Instants along the plan's life, forwards, backwards and again: states shared between positions and asked twice.
  const instants = Array.from({ length: 60 }, (_, i) => new Date(first + ((last - first) * ((i * 37) % 61)) / 60).toISOString());

  it.each(['recorded', 'effective'] as const)('is byte for byte JSON.stringify of the compact view at every %s position', (time) => {
    for (const asAt of [...instants, ...instants.slice().reverse()]) {
      const state = timeline.sharedStateAsAt({ asAt, time });
      const expected = Buffer.from(JSON.stringify(toCompactPlanView(state, href)), 'utf8');
      expect(closed(compactPlanViewOpen(state, href)).equals(expected)).toBe(true);
    }
  });

  it.each(['recorded', 'effective'] as const)('is sent as one part per action, each its kept bytes, laid end to end JSON.stringify of the compact view at every %s position', (time) => {
    let previous: { state: PlanState; parts: readonly Buffer[] } | undefined;
    let shared = 0;
    // The positions along the plan's life, and each event's own instant for a stretch: neighbours share most actions.
    const neighbours = events.slice(300, 340).map((event) => event.recordedAt);
    for (const asAt of [...instants, ...neighbours, ...instants.slice().reverse()]) {
      const state = timeline.sharedStateAsAt({ asAt, time });
      const parts = compactPlanViewParts(state, href);
      const actions = state.actionOrder.length;
      expect(parts).toHaveLength(actions + 2);
      expect(closed(Buffer.concat(parts)).equals(Buffer.from(JSON.stringify(toCompactPlanView(state, href)), 'utf8'))).toBe(true);
      // An action the two states share is sent from the same kept bytes, not made again.
      if (previous && previous.state !== state) {
        for (const [i, id] of state.actionOrder.entries()) {
          const j = previous.state.actionOrder.indexOf(id);
          if (i === 0 || j <= 0 || state.actions[id] !== previous.state.actions[id]) continue;
          expect(parts[i + 1]).toBe(previous.parts[j + 1]);
          shared += 1;
        }
      }
      previous = { state, parts };
    }
    expect(shared).toBeGreaterThan(100);
  });

  it('lays out a view whose actions are named after every Object.prototype member byte for byte as JSON.stringify', () => {
    const hostile = Object.getOwnPropertyNames(Object.prototype);
    const actions = Object.create(null) as Record<string, unknown>;
    const template = foldPlan(plan(9, 40)).actions;
    const model = Object.values(template)[0]!;
    hostile.forEach((id, i) => Object.defineProperty(actions, id, { value: { ...model, id, ref: `H.${i}` }, enumerable: true, writable: true, configurable: true }));
    const state = { ...foldPlan(plan(9, 40)), actionOrder: hostile, actions } as unknown as PlanState;
    for (const link of [href, (id: string) => `/plans/x/actions/${id}/history`]) {
      expect(closed(Buffer.concat(compactPlanViewParts(state, link))).toString('utf8')).toBe(JSON.stringify(toCompactPlanView(state, link)));
      expect(closed(compactPlanViewOpen(state, link)).toString('utf8')).toBe(JSON.stringify(toCompactPlanView(state, link)));
    }
  });

  it('is byte for byte JSON.stringify of the full view, and of the present state folded one entry at a time', () => {
    let state = foldPlan([]);
    for (const [i, event] of events.entries()) {
      state = foldPlan([event], state);
      if (i % 25 !== 0 && i !== events.length - 1) continue;
      expect(closed(compactPlanViewOpen(state, href)).toString('utf8')).toBe(JSON.stringify(toCompactPlanView(state, href)));
      expect(closed(fullPlanViewOpen(state)).toString('utf8')).toBe(JSON.stringify(toPlanView(state)));
    }
  });

  it('names the link it was asked for, even for an action whose JSON is kept with another', () => {
    const state = timeline.sharedStateAsAt({ asAt: new Date(last).toISOString(), time: 'recorded' });
    const other = (actionId: string) => `/plans/other/actions/${actionId}/history`;
    compactPlanViewOpen(state, href);
    expect(closed(compactPlanViewOpen(state, other)).toString('utf8')).toBe(JSON.stringify(toCompactPlanView(state, other)));
  });

  it('closes the RAG summary after the instant the response puts first, as splicing its JSON did', () => {
    const state = timeline.sharedStateAsAt({ asAt: new Date(last).toISOString(), time: 'recorded' });
    for (const at of ['2009-09-01', new Date(last).toISOString(), '2030-01-01T00:00:00.000Z']) {
      const json = ragSummaryJson(state, at, DEFAULT_RAG_RULES);
      const body = `{"rag":{"asAt":"x"${ragSummaryTail(state, at, DEFAULT_RAG_RULES).toString('utf8')}`;
      expect(JSON.parse(body)).toEqual({ rag: { asAt: 'x', ...JSON.parse(json) } });
    }
  });

  it("lays the RAG summary out byte for byte as JSON.stringify of a fresh summary, its ratings joined from bytes kept per rating, along the plan's history", () => {
    for (let i = 0; i <= 40; i++) {
      const ms = first + Math.floor(((last - first) * i) / 40);
      const state = timeline.sharedStateAsAt({ asAt: new Date(ms).toISOString(), time: 'recorded' });
      // The position's own instant, a little later (kept ratings reused), a day later, and a plain date.
      for (const at of [new Date(ms).toISOString(), new Date(ms + 3_600_000).toISOString(), new Date(ms + 86_400_000).toISOString(), new Date(ms).toISOString().slice(0, 10)]) {
        const { asAt: _asAt, ...rest } = planRagSummary(state, at, DEFAULT_RAG_RULES);
        expect({ at, tail: ragSummaryTail(state, at, DEFAULT_RAG_RULES).toString('utf8') }).toEqual({ at, tail: `,${JSON.stringify(rest).slice(1)}}` });
      }
    }
  });
});

describe('the plan read’s RAG tail', () => {
  const events = plan(33, 900);
  const { timeline, first, last } = timelineOf(events);
  const tailOf = (state: PlanState, at: string) => {
    const { asAt: _asAt, ...rest } = planRagSummary(state, at, DEFAULT_RAG_RULES);
    return `,${JSON.stringify(rest).slice(1)}}`;
  };

  it.each(['recorded', 'effective'] as const)('is byte for byte JSON.stringify of a fresh summary at every %s position, forwards and back, at instants sharing a RAG key and not', (time) => {
    const instants = Array.from({ length: 50 }, (_, i) => first + Math.floor(((last - first) * ((i * 23) % 51)) / 50));
    for (const ms of [...instants, ...instants.slice().reverse()]) {
      const state = timeline.sharedStateAsAt({ asAt: new Date(ms).toISOString(), time });
      // The position's own instant, an hour later (the same RAG key: the kept tail), days later, and a plain date.
      for (const at of [new Date(ms).toISOString(), new Date(ms + 3_600_000).toISOString(), new Date(ms + 3 * 86_400_000).toISOString(), new Date(ms).toISOString().slice(0, 10)]) {
        expect({ at, tail: ragSummaryTail(state, at, DEFAULT_RAG_RULES).toString('utf8') }).toEqual({ at, tail: tailOf(state, at) });
      }
    }
  });

  it('lays out the tail of a plan whose action ids are every Object.prototype member byte for byte as JSON.stringify of its summary', () => {
    const hostile = Object.getOwnPropertyNames(Object.prototype);
    const base = foldPlan(plan(9, 120));
    const actions = Object.create(null) as Record<string, unknown>;
    const models = base.actionOrder.map((id) => base.actions[id]!);
    hostile.forEach((id, i) => Object.defineProperty(actions, id, { value: { ...models[i % models.length]!, id, ref: `H.${i}` }, enumerable: true, writable: true, configurable: true }));
    const state = { ...base, actionOrder: hostile, actions, recommendations: Object.create(null), recommendationOrder: [], workstreams: Object.create(null), workstreamOrder: [] } as unknown as PlanState;
    for (const at of ['2009-09-01', '2010-03-01T12:00:00.000Z', '2011-01-01']) {
      const tail = ragSummaryTail(state, at, DEFAULT_RAG_RULES).toString('utf8');
      expect(tail).toBe(tailOf(state, at));
      expect(Object.keys(JSON.parse(`{"x":0${tail.slice(0, -1)}`).actions)).toEqual(hostile);
    }
  });
});

describe('the RAG tails kept across states (one cache for every state, keyed by the state object and the RAG key)', () => {
  const tailOf = (state: PlanState, at: string) => {
    const { asAt: _asAt, ...rest } = planRagSummary(state, at, DEFAULT_RAG_RULES);
    return `,${JSON.stringify(rest).slice(1)}}`;
  };
  const tail = (state: PlanState, at: string) => ragSummaryTail(state, at, DEFAULT_RAG_RULES).toString('utf8');

  it('gives two states with the same RAG key each its own tail, and one state at two RAG keys each its own', () => {
    const base = foldPlan(plan(41, 400));
    const model = base.actions[base.actionOrder[0]!]!;
    // One more action with no slips or assessments: the same date and count in effect, so the same RAG key, another tail.
    const extra = { ...model, id: 'extra', ref: 'X.1', targetChanges: [], ragAssessments: [] };
    const grown = { ...base, actionOrder: [...base.actionOrder, 'extra'], actions: Object.assign(Object.create(null), base.actions, { extra }) } as PlanState;
    for (const at of ['2010-01-15T12:00:00.000Z', '2010-01-16T12:00:00.000Z', '2011-06-01']) {
      expect(ragKeyOf(grown, at, DEFAULT_RAG_RULES)).toBe(ragKeyOf(base, at, DEFAULT_RAG_RULES));
      expect(tailOf(grown, at)).not.toBe(tailOf(base, at));
      expect({ at, base: tail(base, at), grown: tail(grown, at) }).toEqual({ at, base: tailOf(base, at), grown: tailOf(grown, at) });
    }
    expect(ragKeyOf(base, '2010-01-15T12:00:00.000Z', DEFAULT_RAG_RULES)).not.toBe(ragKeyOf(base, '2010-01-16T12:00:00.000Z', DEFAULT_RAG_RULES));
  });

  it('gives two plans asked at the same instants each its own tail, then each again from the cache', () => {
    const one = timelineOf(plan(51, 700));
    const two = timelineOf(plan(52, 700));
    const instants = Array.from({ length: 30 }, (_, i) => new Date(one.first + ((one.last - one.first) * ((i * 7) % 31)) / 30).toISOString());
    let sameKey = 0;
    for (const round of [1, 2]) {
      for (const asAt of instants) {
        const a = one.timeline.sharedStateAsAt({ asAt, time: 'recorded' });
        const b = two.timeline.sharedStateAsAt({ asAt, time: 'recorded' });
        if (round === 1 && ragKeyOf(a, asAt, DEFAULT_RAG_RULES) === ragKeyOf(b, asAt, DEFAULT_RAG_RULES)) sameKey++;
        expect({ asAt, a: tail(a, asAt), b: tail(b, asAt) }).toEqual({ asAt, a: tailOf(a, asAt), b: tailOf(b, asAt) });
      }
    }
    // The plans start alike (no slips or assessments yet): some instants give both the same RAG key.
    expect(sameKey).toBeGreaterThan(0);
  });

  it('gives an effective-time read after a back-dated append the tail of the grown plan, not the kept one', () => {
    const events = plan(61, 500);
    const { timeline, last } = timelineOf(events);
    const instants = Array.from({ length: 30 }, (_, i) => new Date(last - 30 * 86_400_000 + i * 86_400_000 + 3_600_000).toISOString());
    const before = new Map(instants.map((asAt) => [asAt, tail(timeline.sharedStateAsAt({ asAt, time: 'effective' }), asAt)]));
    // Every open action completed as from 20 days back: the RAG key (the date, the slips and assessments in effect)
    // stays as it was at the instants after that, the ratings do not.
    let state = foldPlan(events);
    const completions: StoredPlanEvent[] = [];
    const effectiveAt = new Date(last - 20 * 86_400_000).toISOString().slice(0, 10);
    let ids = 0;
    const ctx = { now: () => new Date(last + 60_000), newId: () => `00000000-0000-7000-9000-${String(++ids).padStart(12, '0')}` };
    for (const actionId of state.actionOrder) {
      if (state.actions[actionId]!.status === 'completed') continue;
      let decided: NewPlanEvent[];
      try {
        decided = decide({ type: 'CompleteAction', actionId, effectiveAt }, state, ctx);
      } catch (error) {
        if (error instanceof DomainError) continue;
        throw error;
      }
      const stored = decided.map(
        (e, i) => ({ eventId: e.eventId, type: e.type, data: e.data, revision: state.revision + 1 + i, recordedAt: new Date(last + 60_000).toISOString(), metadata: { schemaVersion: 1, actor: { id: 'rd', displayName: 'RD' }, correlationId: 'c', effectiveAt } }) as StoredPlanEvent,
      );
      state = foldPlan(stored, state);
      completions.push(...stored);
    }
    const keysBefore = new Map(instants.map((asAt) => [asAt, ragKeyOf(timeline.sharedStateAsAt({ asAt, time: 'effective' }), asAt, DEFAULT_RAG_RULES)]));
    timeline.append(completions);
    let changedAtSameKey = 0;
    for (const asAt of instants) {
      const grown = timeline.sharedStateAsAt({ asAt, time: 'effective' });
      const expected = tailOf(grown, asAt);
      if (expected !== before.get(asAt) && ragKeyOf(grown, asAt, DEFAULT_RAG_RULES) === keysBefore.get(asAt)) changedAtSameKey++;
      expect({ asAt, tail: tail(grown, asAt) }).toEqual({ asAt, tail: expected });
    }
    // The append changed what some of these instants rate under the same RAG key: a tail kept from before would be wrong there.
    expect(changedAtSameKey).toBeGreaterThan(0);
  });
});

describe('what the reads derive, kept across states under one bound on its bytes', () => {
  const tailOf = (state: PlanState, at: string) => {
    const { asAt: _asAt, ...rest } = planRagSummary(state, at, DEFAULT_RAG_RULES);
    return `,${JSON.stringify(rest).slice(1)}}`;
  };
  const MiB = 2 ** 20;

  it('drops the least recently used entries past the bound, of any state and kind, and makes the same answers again, in both times', () => {
    const { timeline, first, last } = timelineOf(plan(71, 600));
    const instants = Array.from({ length: 24 }, (_, i) => new Date(first + ((last - first) * (i + 0.5)) / 24).toISOString());
    const asked = (['recorded', 'effective'] as const).flatMap((time) => instants.map((asAt) => ({ asAt, state: timeline.sharedStateAsAt({ asAt, time }) })));
    const tails = asked.map(({ asAt, state }) => ragSummaryTail(state, asAt, DEFAULT_RAG_RULES));
    const parts = asked.map(({ state }) => derivedFrom(state, 'plan-parts:compact', () => compactPlanViewParts(state, href), partsBytes));
    // Asked again, at once: the very same objects (kept).
    asked.forEach(({ asAt, state }, i) => expect(ragSummaryTail(state, asAt, DEFAULT_RAG_RULES)).toBe(tails[i]));
    // Entries of other states weighing more than the whole bound, a few MiB each, each weighed as it is kept.
    const { bound } = derivedBytes();
    const filler = foldPlan(plan(72, 60));
    let made = 0;
    for (let i = 0; i * 4 * MiB <= bound + 8 * MiB; i++) {
      derivedFrom(filler, `filler:${i}`, () => ++made, () => 4 * MiB);
      expect(derivedBytes().held).toBeLessThanOrEqual(bound);
    }
    // The first filler, and every tail and view kept before them, were dropped: made again, the same bytes.
    derivedFrom(filler, 'filler:0', () => ++made, () => 4 * MiB);
    expect(made).toBe(Math.floor((bound + 8 * MiB) / (4 * MiB)) + 2);
    asked.forEach(({ asAt, state }, i) => {
      const again = ragSummaryTail(state, asAt, DEFAULT_RAG_RULES);
      expect(again).not.toBe(tails[i]);
      expect({ asAt, tail: again.toString('utf8') }).toEqual({ asAt, tail: tailOf(state, asAt) });
      const view = derivedFrom(state, 'plan-parts:compact', () => compactPlanViewParts(state, href), partsBytes);
      expect(view).not.toBe(parts[i]);
      expect(closed(Buffer.concat(view)).toString('utf8')).toBe(JSON.stringify(toCompactPlanView(state, href)));
    });
    expect(derivedBytes().held).toBeLessThanOrEqual(bound);
  });

  it('keys an entry by its state and its own key, whatever the key is named', () => {
    const state = foldPlan(plan(73, 80));
    const other = foldPlan(plan(73, 80));
    for (const name of Object.getOwnPropertyNames(Object.prototype)) {
      expect(derivedFrom(state, name, () => `${name} of one`)).toBe(`${name} of one`);
      expect(derivedFrom(other, name, () => `${name} of the other`)).toBe(`${name} of the other`);
      expect(derivedFrom(state, name, () => 'made again')).toBe(`${name} of one`);
    }
  });

  it('weighs a value by the bytes it holds, each object once', () => {
    const shared = Buffer.alloc(1000);
    expect(heldBytes(shared)).toBeGreaterThanOrEqual(1000);
    expect(heldBytes([shared, shared])).toBeLessThan(2 * heldBytes(shared));
    expect(heldBytes({ a: 'x'.repeat(500) })).toBeGreaterThanOrEqual(1000);
    expect(partsBytes([shared, Buffer.alloc(24)])).toBeGreaterThanOrEqual(1024);
  });
});

describe('toCompactAction', () => {
  it('keeps every field of the action in its order, as a spread did, an own __proto__ included', () => {
    const events = plan(5, 200);
    const state = foldPlan(events);
    for (const id of state.actionOrder) {
      const action = state.actions[id]!;
      const { progress, ragAssessments, ...rest } = action;
      const spread = { ...rest, progressCount: progress.length, ragAssessmentCount: ragAssessments.length };
      const compact = toCompactPlanView(state, href).actions.find((a) => a.id === id)!;
      const { latestProgress: _l, latestRagAssessment: _r, history: _h, ...fields } = compact;
      expect(Object.keys(fields).sort()).toEqual(Object.keys(spread).sort());
      expect(JSON.stringify(Object.keys(compact))).toBe(JSON.stringify([...Object.keys(rest), 'latestProgress', 'progressCount', 'latestRagAssessment', 'ragAssessmentCount', 'history']));
    }
    const parsed = JSON.parse(`{"id":"a","__proto__":{"x":1},"warnings":[],"progress":[],"ragAssessments":[]}`);
    const state2 = { ...foldPlan([]), exists: true, id: 'p', actionOrder: ['a'], actions: Object.assign(Object.create(null), { a: parsed }) } as unknown as PlanState;
    const [compact] = toCompactPlanView(state2, href).actions;
    expect(Object.getPrototypeOf(compact)).toBe(Object.prototype);
    expect(JSON.stringify(compact)).toBe('{"id":"a","__proto__":{"x":1},"warnings":[],"latestProgress":null,"progressCount":0,"latestRagAssessment":null,"ragAssessmentCount":0,"history":"/plans/p-bytes/actions/a/history"}');
  });
});
