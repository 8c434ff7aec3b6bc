import { describe, expect, it } from '@jest/globals';
import { decide, DEFAULT_RAG_RULES, DomainError, foldPlan, planRagSummary, type NewPlanEvent, type PlanCommand, type PlanState, type StoredPlanEvent } from '#domain';
import { replayPlanAsAt, type AsAt } from './as-at.js';
import { keptStatesOf, PlanTimeline } from './plan-timeline.js';
import { ragTrendPoints } from './rag-trend.js';
import { ragInstantKey } from './rag-instant-key.js';
import { BoundedCache } from './bounded-cache.js';

/**
 * A plan of a few hundred entries, decided by the real domain: progress written up late (back-dated), slips,
 * reassignments, status changes and corrections (amended and withdrawn), recorded over months, several
 * entries sometimes recorded in the same millisecond.
 */
function plan(seed: number, entries = 600): StoredPlanEvent[] {
  let random = seed;
  const next = () => ((random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  let ids = 0;
  let clock = Date.parse('2009-06-01T09:00:00.000Z');
  const ctx = { now: () => new Date(clock), newId: () => `00000000-0000-7000-8000-${String(++ids).padStart(12, '0')}` };
  let state: PlanState = foldPlan([]);
  const events: StoredPlanEvent[] = [];
  const withdrawn = new Set<string>();
  const run = (command: PlanCommand) => {
    if (next() < 0.8) clock += Math.floor(next() * 3 * 86_400_000);
    const recordedAt = new Date(clock).toISOString();
    let decided: NewPlanEvent[];
    try {
      decided = decide(command, state, ctx);
    } catch (error) {
      // A command the rules refuse (the action already has that status, lead or target): the plan moves on.
      if (error instanceof DomainError) return;
      throw error;
    }
    const stored = decided.map(
      (e, i) =>
        ({
          eventId: e.eventId,
          type: e.type,
          data: e.data,
          revision: state.revision + 1 + i,
          recordedAt,
          metadata: { schemaVersion: 1, actor: { id: 'rd', displayName: 'Rachel Deakin' }, correlationId: 'c', ...(e.effectiveAt ? { effectiveAt: e.effectiveAt } : {}), ...(e.reason ? { reason: e.reason } : {}) },
        }) as StoredPlanEvent,
    );
    state = foldPlan(stored, state);
    events.push(...stored);
    for (const e of stored) if (e.type === 'EntryCorrected' && e.data.kind === 'withdrawn') withdrawn.add(e.data.correctedEventId);
  };
  const daysAgo = (days: number) => new Date(clock - days * 86_400_000).toISOString().slice(0, 10);
  run({ type: 'CreatePlan', planId: 'p-1', title: 'Laming 2009', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009', effectiveAt: '2009-05-01' });
  run({ type: 'AddRecommendation', ref: '6', text: 'Review all points of referral' });
  for (let i = 1; i <= 8; i++) run({ type: 'AddAction', ref: `6.${i}`, recommendationId: state.recommendationOrder[0], description: `Action ${i}`, leads: ['Rachel Deakin'], target: 'October 2009', dependencies: [] });
  while (events.length < entries) {
    const actionId = pick(state.actionOrder);
    const action = state.actions[actionId]!;
    const roll = next();
    const progress = events.filter((e) => e.type === 'ProgressUpdateRecorded' && !withdrawn.has(e.eventId));
    if (roll < 0.55) run({ type: 'RecordProgressUpdate', actionId, narrative: `Note ${events.length}`, effectiveAt: daysAgo(Math.floor(next() * 90)) });
    else if (roll < 0.65) run({ type: 'AssessRag', actionId, rating: pick(['green', 'amber', 'red'] as const), rationale: 'Reviewed', effectiveAt: daysAgo(Math.floor(next() * 30)) });
    else if (roll < 0.72 && action.status !== 'completed') run({ type: 'SlipTargetDate', actionId, to: `${1 + Math.floor(next() * 28)} March 2011`, reason: 'Awaiting guidance' });
    else if (roll < 0.78) run({ type: 'ReassignAction', actionId, to: [pick(['Sue Ioannou', 'Catherine Parry', 'Mark Taylor'])], reason: 'New post holder', effectiveAt: daysAgo(5) });
    else if (roll < 0.86 && action.status !== 'completed') run({ type: 'ChangeActionStatus', actionId, to: pick(['in_progress', 'blocked', 'completed'] as const), reason: 'Reviewed', effectiveAt: daysAgo(Math.floor(next() * 20)) });
    else if (roll < 0.9 && action.status === 'completed') run({ type: 'ReopenAction', actionId, reason: 'Gaps found', to: 'in_progress' });
    else if (roll < 0.95 && progress.length > 0) run({ type: 'CorrectEntry', eventId: pick(progress).eventId, kind: 'amended', amendments: { narrative: `Corrected ${events.length}` }, reason: 'Typo' });
    else if (progress.length > 0) run({ type: 'CorrectEntry', eventId: pick(progress).eventId, kind: 'withdrawn', reason: 'Wrong action' });
  }
  return events;
}

/** Instants around the plan's own: every recorded and effective instant, a millisecond either side, and beyond both ends. */
function instantsOf(events: readonly StoredPlanEvent[], count: number, seed: number): string[] {
  const all = new Set<number>();
  for (const e of events) for (const t of [Date.parse(e.recordedAt), Date.parse(e.metadata.effectiveAt ?? e.recordedAt)]) for (const d of [-1, 0, 1]) all.add(t + d);
  const sorted = [...all].sort((a, b) => a - b);
  const picked = [sorted[0]! - 86_400_000, sorted.at(-1)! + 86_400_000];
  let random = seed;
  for (let i = 0; i < count; i++) picked.push(sorted[(random = (random * 48271) % 2147483647) % sorted.length]!);
  return picked.map((ms) => new Date(ms).toISOString());
}

function expectSameAsReplay(timeline: PlanTimeline, events: readonly StoredPlanEvent[], when: AsAt): void {
  expect(timeline.stateAsAt(when)).toEqual(replayPlanAsAt(events, when));
}

describe('a plan timeline (as-at replay from snapshots)', () => {
  it.each([1, 2])('gives exactly the replay of every event, at any instant, in both times (plan %i)', (seed) => {
    const events = plan(seed);
    expect(events.filter((e) => e.type === 'EntryCorrected').length).toBeGreaterThan(5);
    const timeline = new PlanTimeline();
    timeline.append(events);
    for (const asAt of instantsOf(events, 40, seed)) {
      expectSameAsReplay(timeline, events, { asAt, time: 'recorded' });
      expectSameAsReplay(timeline, events, { asAt, time: 'effective' });
    }
  });

  it('gives the replay while the plan grows, in both times, including a back-dated entry landing among snapshots', () => {
    const events = plan(4, 700);
    const timeline = new PlanTimeline();
    let appended = 0;
    for (const upTo of [1, 150, 300, 301, 555, 700]) {
      timeline.append(events.slice(appended, upTo));
      appended = upTo;
      const known = events.slice(0, upTo);
      for (const asAt of instantsOf(known, 12, upTo)) {
        expectSameAsReplay(timeline, known, { asAt, time: 'recorded' });
        expectSameAsReplay(timeline, known, { asAt, time: 'effective' });
      }
    }
  });

  it('gives the replay in effective time as known at an earlier instant (bitemporal), and as known after the last entry', () => {
    const events = plan(5);
    const timeline = new PlanTimeline();
    timeline.append(events);
    const instants = instantsOf(events, 12, 5);
    for (const asAt of instants) {
      for (const knownAt of [instants[3]!, instants[11]!, events.at(-1)!.recordedAt, '2100-01-01T00:00:00.000Z']) {
        expectSameAsReplay(timeline, events, { asAt, time: 'effective', knownAt });
      }
    }
  });

  it('never hands out its snapshots: changing a replayed plan does not change the next replay', () => {
    const events = plan(6);
    const timeline = new PlanTimeline();
    timeline.append(events);
    const when: AsAt = { asAt: events.at(-1)!.recordedAt, time: 'recorded' };
    const first = timeline.stateAsAt(when);
    first.actionOrder.push('x');
    first.actions[first.actionOrder[0]!]!.progress.length = 0;
    expect(timeline.stateAsAt(when)).toEqual(replayPlanAsAt(events, when));
  });

  it('refuses a revision out of order rather than replaying a stream with a hole in it', () => {
    const events = plan(7, 50);
    const timeline = new PlanTimeline();
    timeline.append(events.slice(0, 10));
    expect(() => timeline.append(events.slice(11, 12))).toThrow(/revision 10/);
  });

  it('gives the RAG trend the same counts as rating a full replay at each instant, in both times', () => {
    const events = plan(8);
    const instants = instantsOf(events, 25, 8).sort();
    for (const time of ['recorded', 'effective'] as const) {
      const expected = instants.map((at) => {
        const summary = planRagSummary(replayPlanAsAt(events, { asAt: at, time }), at, DEFAULT_RAG_RULES).plan;
        return { at, complete: summary.actionsComplete, actions: summary.actionsTotal, green: summary.byRating.green, amber: summary.byRating.amber, red: summary.byRating.red, sentence: summary.sentence };
      });
      expect(ragTrendPoints(events, instants, time, DEFAULT_RAG_RULES)).toEqual(expected.map((point) => expect.objectContaining(point)));
    }
  });

  it('shares one state per position an instant resolves to, equal to a fresh replay, before and after an append', () => {
    const events = plan(9, 700);
    const timeline = new PlanTimeline();
    timeline.append(events.slice(0, 400));
    const known = events.slice(0, 400);
    const instants = instantsOf(known, 30, 9);
    for (const time of ['recorded', 'effective'] as const) {
      for (const asAt of [...instants, ...instants]) {
        const shared = timeline.sharedStateAsAt({ asAt, time });
        expect(shared).toEqual(replayPlanAsAt(known, { asAt, time }));
        // Asked again at once: the very same object, so what was derived from it applies.
        expect(timeline.sharedStateAsAt({ asAt, time })).toBe(shared);
        // The caller's own copy is never the shared one.
        expect(timeline.stateAsAt({ asAt, time })).not.toBe(shared);
      }
    }
    // A back-dated entry appended later changes the effective past: a kept effective state must not be served again.
    const last = known.at(-1)!.recordedAt;
    const before = timeline.sharedStateAsAt({ asAt: last, time: 'effective' });
    timeline.append(events.slice(400));
    const after = timeline.sharedStateAsAt({ asAt: last, time: 'effective' });
    expect(after).toEqual(replayPlanAsAt(events, { asAt: last, time: 'effective' }));
    expect(after).not.toBe(before);
    // Recorded time: the plan as the ledger knew it at an earlier instant does not change with later entries.
    expect(timeline.sharedStateAsAt({ asAt: instants[5]!, time: 'recorded' })).toEqual(replayPlanAsAt(events, { asAt: instants[5]!, time: 'recorded' }));
  });

  it('shares the states of many more positions than its last few, across plans, never another plan\'s nor an effective state from before an append', () => {
    const plans = [plan(10, 700), plan(11, 700)];
    const timelines = plans.map((events) => {
      const timeline = new PlanTimeline();
      timeline.append(events.slice(0, 500));
      return timeline;
    });
    const instants = instantsOf(plans[0]!.slice(0, 500), 60, 10);
    const ask = (timeline: PlanTimeline, time: AsAt['time']) => instants.map((asAt) => timeline.sharedStateAsAt({ asAt, time }));
    for (const time of ['recorded', 'effective'] as const) {
      const first = timelines.map((timeline) => ask(timeline, time));
      // Far more positions than a timeline's own last 16 (each plan's ~60): asked again, each the very same object.
      expect(new Set(first[0]).size).toBeGreaterThan(40);
      timelines.forEach((timeline, i) => ask(timeline, time).forEach((state, k) => expect(state).toBe(first[i]![k])));
      // Each plan's own states: the two plans' timelines ask the same positions of different events.
      plans.forEach((events, i) => first[i]!.forEach((state, k) => expect(state).toEqual(replayPlanAsAt(events.slice(0, 500), { asAt: instants[k]!, time }))));
    }
    // Back-dated entries appended: every effective state is the grown plan's, none kept from before.
    timelines[0]!.append(plans[0]!.slice(500));
    ask(timelines[0]!, 'effective').forEach((state, k) => expect(state).toEqual(replayPlanAsAt(plans[0]!, { asAt: instants[k]!, time: 'effective' })));
  });
});

describe('the states the timelines keep (one bound across every timeline, weighed by actions)', () => {
  it('keeps the most recently asked states of every timeline under the bound: past it, the least recently asked are made again, equal to a replay', () => {
    const plans = [plan(12, 150), plan(13, 150), plan(14, 150)];
    // A bound of its own, small enough for plans this size to pass it (the process's is 12,000 actions).
    const bound = 600;
    const kept = keptStatesOf(bound);
    const timelines = plans.map((events) => {
      const timeline = new PlanTimeline(kept);
      timeline.append(events);
      return timeline;
    });
    // Every recorded position of each plan (an instant per recorded instant), in both times.
    const instantsOfPlan = plans.map((events) => [...new Set(events.map((e) => e.recordedAt))]);
    const askAll = () =>
      timelines.map((timeline, i) =>
        (['recorded', 'effective'] as const).flatMap((time) =>
          instantsOfPlan[i]!.map((asAt) => {
            const state = timeline.sharedStateAsAt({ asAt, time });
            expect(kept.totalWeight).toBeLessThanOrEqual(bound);
            return { asAt, time, state };
          }),
        ),
      );
    const first = askAll();
    const distinct = new Set(first.flat().map(({ state }) => state));
    // Many times what the bound holds (a state weighs one more than its actions), and the last 20 asked fit in it.
    const weight = (state: PlanState) => 1 + state.actionOrder.length;
    expect([...distinct].reduce((n, state) => n + weight(state), 0)).toBeGreaterThan(4 * bound);
    const lastAsked = first[2]!.slice(-20);
    expect(lastAsked.reduce((n, { state }) => n + weight(state), 0)).toBeLessThanOrEqual(bound);
    // The last plan's last states asked are kept: the very same objects.
    lastAsked.forEach(({ asAt, time, state }) => expect(timelines[2]!.sharedStateAsAt({ asAt, time })).toBe(state));
    // The first plan's, asked first, were dropped: each made again, equal to a replay.
    let madeAgain = 0;
    first[0]!.forEach(({ asAt, time, state }, k) => {
      const again = timelines[0]!.sharedStateAsAt({ asAt, time });
      if (again !== state) madeAgain++;
      if (k % 3 === 0) expect(again).toEqual(replayPlanAsAt(plans[0]!, { asAt, time }));
    });
    expect(madeAgain).toBeGreaterThan(first[0]!.length / 2);
  });

  it('keeps a state heavier than the whole bound alone, so two reads at one position of a huge plan share it, and the next state evicts it', () => {
    const events = plan(15, 150);
    // Every state of this plan past its first actions outweighs the bound, as a plan of more than 12,000 actions
    // outweighs the process's.
    const bound = 5;
    const kept = keptStatesOf(bound);
    const timeline = new PlanTimeline(kept);
    timeline.append(events);
    const weight = (state: PlanState) => 1 + state.actionOrder.length;
    // The plan's latest instants of both kinds: late positions in both times, every state past the bound.
    const instants = [...new Set(events.flatMap((e) => [e.recordedAt, new Date(Date.parse(e.metadata.effectiveAt ?? e.recordedAt)).toISOString()]))].sort().slice(-40);
    const heldAtMost = (state: PlanState) => {
      // Memory stays bounded: the bound, or the one state just asked for alone.
      expect(kept.totalWeight).toBeLessThanOrEqual(Math.max(bound, weight(state)));
      if (kept.totalWeight > bound) expect(kept.size).toBe(1);
    };
    for (const time of ['recorded', 'effective'] as const) {
      const heavy: { asAt: string; state: PlanState }[] = [];
      for (const asAt of instants) {
        const state = timeline.sharedStateAsAt({ asAt, time });
        expect(weight(state)).toBeGreaterThan(bound);
        heldAtMost(state);
        // Asked again at once: the very same object, so what was derived from it applies.
        expect(timeline.sharedStateAsAt({ asAt, time })).toBe(state);
        heavy.push({ asAt, state });
      }
      expect(new Set(heavy.map(({ state }) => state)).size).toBeGreaterThan(5);
      // An earlier position's state was evicted by the next one's: made again, equal to a replay.
      const earlier = heavy.findLast(({ state }) => state !== heavy.at(-1)!.state)!;
      const again = timeline.sharedStateAsAt({ asAt: earlier.asAt, time });
      expect(again).not.toBe(earlier.state);
      expect(again).toEqual(replayPlanAsAt(events, { asAt: earlier.asAt, time }));
      heldAtMost(again);
      // A light state (the plan as created, before its actions) evicts the heavy one and is kept under the bound.
      const light = timeline.sharedStateAsAt({ asAt: new Date(Date.parse(events[0]!.recordedAt) - 1).toISOString(), time: 'recorded' });
      expect(weight(light)).toBeLessThanOrEqual(bound);
      expect([kept.size, kept.totalWeight]).toEqual([1, weight(light)]);
      expect(timeline.sharedStateAsAt({ asAt: earlier.asAt, time })).not.toBe(again);
    }
  });
});

describe('the RAG key of an instant', () => {
  it('gives one RAG summary to every instant with the same key (the rules see nothing else of the instant)', () => {
    const events = plan(10, 900);
    const state = replayPlanAsAt(events, { asAt: events.at(-1)!.recordedAt, time: 'recorded' });
    const changes = state.actionOrder.flatMap((id) => [...state.actions[id]!.targetChanges, ...state.actions[id]!.ragAssessments]);
    expect(changes.length).toBeGreaterThan(20);
    // Instants either side of every slip and assessment, and at the ends of their days, where a naive key would go wrong.
    const instants = new Set<string>();
    for (const change of changes) {
      const ms = Date.parse(change.effectiveAt);
      for (const d of [-1, 0, 1, 3_600_000, -3_600_000]) instants.add(new Date(ms + d).toISOString());
      instants.add(change.effectiveAt.slice(0, 10));
    }
    const byKey = new Map<string, ReturnType<typeof planRagSummary>>();
    let shared = 0;
    for (const asAt of instants) {
      const { asAt: _at, ...summary } = planRagSummary(state, asAt, DEFAULT_RAG_RULES);
      const key = ragInstantKey(state, asAt);
      const seen = byKey.get(key);
      if (seen) {
        shared += 1;
        expect({ asAt, summary }).toEqual({ asAt, summary: seen });
      } else byKey.set(key, summary as ReturnType<typeof planRagSummary>);
    }
    // The test means something only if many instants share keys, and keys tell apart what the rules tell apart.
    expect(shared).toBeGreaterThan(20);
    expect(new Set(byKey.keys()).size).toBeGreaterThan(10);
  });

  it('differs when a slip takes effect between two instants of one day', () => {
    const events = plan(11, 900);
    const state = replayPlanAsAt(events, { asAt: events.at(-1)!.recordedAt, time: 'recorded' });
    const slip = state.actionOrder.flatMap((id) => state.actions[id]!.targetChanges).find((c) => !c.effectiveAt.endsWith('T00:00:00.000Z'))!;
    const ms = Date.parse(slip.effectiveAt);
    expect(ragInstantKey(state, new Date(ms - 1).toISOString())).not.toBe(ragInstantKey(state, new Date(ms).toISOString()));
  });
});

describe('a bounded cache', () => {
  it('drops the least recently used entry past its bound of entries, and of weight', () => {
    const cache = new BoundedCache<string, string>(3, 10, (v) => v.length);
    cache.set('a', 'aaa');
    cache.set('b', 'bbb');
    cache.set('c', 'ccc');
    expect(cache.get('a')).toBe('aaa');
    cache.set('d', 'd');
    expect([cache.get('b'), cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([undefined, 'aaa', 'ccc', 'd']);
    cache.set('e', 'eeeeee');
    expect(cache.totalWeight).toBeLessThanOrEqual(10);
    expect(cache.get('a')).toBeUndefined();
    // Heavier than the whole bound: kept alone, evicting everything else, until the next entry evicts it.
    cache.set('huge', 'x'.repeat(11));
    expect([cache.size, cache.totalWeight, cache.get('huge')]).toEqual([1, 11, 'x'.repeat(11)]);
    expect(cache.get('e')).toBeUndefined();
    cache.set('f', 'ff');
    expect([cache.size, cache.totalWeight, cache.get('huge'), cache.get('f')]).toEqual([1, 2, undefined, 'ff']);
  });
});
