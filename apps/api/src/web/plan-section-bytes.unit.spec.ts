import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RAG_RULES, own, planRagSummary, type PlanState, type StoredPlanEvent } from '#domain';
import { benchLikePlan } from '#domain/rag-testing/bench-like-plan';
import { fixturePlan } from '#domain/rag-testing/fixture-plans';
import { instantsOfPlan, seeded } from '#domain/rag-testing/rag-instants';
import { PlanTimeline } from '#plan-views';
import { cachedRagSummary } from '../cqrs/plan-read-cache.js';
import { planLayoutBytes, planSectionBytes } from './action-rows-html.js';
import { planLayout } from './plan-page.js';

/**
 * The unfiltered plan page's section is joined from pieces kept per row base and per rating object
 * (planSectionBytes), across as-at states that share their untouched actions. Whatever was kept from earlier
 * instants, it must be byte for byte what a fresh layout writes for a fresh copy of the state (new Action
 * objects, so nothing kept applies), rated afresh: checked at many instants of the bench's plan and the two
 * real plans in ../shared, in time order, shuffled and again, with and without approval marks.
 */

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = seeded(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Some of the plan's actions, as the approval panel would mark them. */
function marksOf(state: PlanState, seed: number): Set<string> {
  const next = seeded(seed);
  return new Set(state.actionOrder.filter((id) => own(state.actions, id) && next() < 0.05));
}

/** A number from an instant's text, so that an instant asked again is asked the same way (axis, marks). */
const hashOf = (text: string) => [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

function expectSectionsFresh(events: StoredPlanEvent[], instants: readonly string[]): number {
  const timeline = new PlanTimeline();
  timeline.append(events);
  let compared = 0;
  const differences: string[] = [];
  // A fresh layout per instant and way of asking, made once: instants come round again (the caches' case).
  const expected = new Map<string, { bytes: Buffer; shown: number; total: number } | null>();
  for (const asAt of instants) {
    const h = hashOf(asAt);
    const time = h % 5 === 4 ? 'effective' : 'recorded';
    const state = timeline.sharedStateAsAt({ asAt, time });
    const awaiting = state.exists && h % 3 === 0 ? marksOf(state, h) : undefined;
    const key = `${time} ${asAt}`;
    if (!expected.has(key)) {
      if (!state.exists) expected.set(key, null);
      else {
        const fresh = structuredClone(state);
        const layout = planLayout(fresh, planRagSummary(fresh, asAt, DEFAULT_RAG_RULES), {}, awaiting);
        expected.set(key, { bytes: planLayoutBytes(layout), shown: layout.shown, total: layout.total });
      }
    }
    const want = expected.get(key);
    if (!want) continue;
    const section = planSectionBytes(state, cachedRagSummary(state, asAt, DEFAULT_RAG_RULES), awaiting);
    if (!Buffer.concat(section.parts).equals(want.bytes) || !section.joined().equals(want.bytes)) differences.push(`${key}${awaiting ? ' (marked)' : ''}`);
    else if (section.layout.shown !== want.shown || section.layout.total !== want.total) differences.push(`${key}: counts`);
    compared += 1;
  }
  expect(differences).toEqual([]);
  return compared;
}

describe('the plan page section from kept pieces is what a fresh layout writes', () => {
  const plans: [string, { events: StoredPlanEvent[]; state: PlanState }, number][] = [
    ['the bench-like 10,000-event plan', benchLikePlan(), 25],
    ['the Laming 2009 plan (Central Bedfordshire)', fixturePlan('laming', 7), 60],
    ['the Ofsted 2012-13 plan (Central Bedfordshire)', fixturePlan('ofsted', 11), 60],
  ];

  it.each(plans)('%s: at many instants, in time order, shuffled and again', (_name, plan, count) => {
    const instants = instantsOfPlan(plan.state, count, 21);
    const inOrder = [...instants].sort((a, b) => Date.parse(a) - Date.parse(b));
    const compared = expectSectionsFresh(plan.events, [...inOrder, ...shuffled(instants, 6), ...shuffled(instants, 7).slice(0, 40)]);
    // Every instant of the list at least twice over (some fall before the plan was created).
    expect(compared).toBeGreaterThan(count);
  });

  it('keeps one section per summary and marks: the same Buffer again, another for other marks', () => {
    const { events } = fixturePlan('ofsted', 11);
    const timeline = new PlanTimeline();
    timeline.append(events);
    const asAt = '2013-01-15T12:00:00.000Z';
    const state = timeline.sharedStateAsAt({ asAt, time: 'recorded' });
    const rag = cachedRagSummary(state, asAt, DEFAULT_RAG_RULES);
    const first = planSectionBytes(state, rag);
    expect(planSectionBytes(state, cachedRagSummary(state, '2013-01-15T12:00:00.001Z', DEFAULT_RAG_RULES))).toBe(first);
    const marked = planSectionBytes(state, rag, new Set([state.actionOrder[0]!]));
    expect(first.joined()).toBe(first.joined());
    // Written as parts once at most, then as the one joined Buffer.
    expect(Buffer.concat(first.toWrite())).toEqual(first.joined());
    expect(first.toWrite()).toEqual([first.joined()]);
    expect(marked.joined().equals(first.joined())).toBe(false);
    expect(marked.joined().toString('utf8')).toContain('data-testid="awaiting-approval"');
    expect(first.joined().toString('utf8')).not.toContain('data-testid="awaiting-approval"');
  });
});
