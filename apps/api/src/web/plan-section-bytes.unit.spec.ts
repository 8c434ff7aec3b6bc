import { describe, expect, it } from '@jest/globals';
import { asRecorded, decide, DEFAULT_RAG_RULES, foldPlan, own, planRagSummary, type PlanCommand, type PlanState, type StoredPlanEvent } from '#domain';
import { benchLikePlan } from '#domain/rag-testing/bench-like-plan';
import { fixturePlan } from '#domain/rag-testing/fixture-plans';
import { namedPlans, shuffled } from '#domain/rag-testing/named-plans';
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

/** Some of the plan's actions, as the approval panel would mark them. */
function marksOf(state: PlanState, seed: number): Set<string> {
  const next = seeded(seed);
  return new Set(state.actionOrder.filter((id) => own(state.actions, id) && next() < 0.05));
}

/** A number from an instant's text, so that an instant asked again is asked the same way (axis, marks). */
const hashOf = (text: string) => [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

/** A row's head: its part that opens the row (reference, description, leads, status, target), before its progress cell. */
const isRowHead = (part: Buffer) => part.toString('latin1', 0, 29) === '<tr class="govuk-table__row" ';

/** How many of a section's parts are a day count alone: the counts between the kept pieces of cells that count days. */
const countParts = (parts: readonly Buffer[]) => parts.filter((part) => /^-?\d+$/.test(part.toString('latin1'))).length;

function expectSectionsFresh(events: StoredPlanEvent[], instants: readonly string[]): { compared: number; counts: number; heads: number; actions: number } {
  const timeline = new PlanTimeline();
  timeline.append(events);
  let compared = 0;
  let counts = 0;
  // The distinct row heads laid and the distinct Action objects shown (marked or not): fewer heads when copies share theirs.
  const heads = new Set<Buffer>();
  const actions = new Set<string>();
  const numbers = new Map<object, number>();
  const numberOf = (action: object) => numbers.get(action) ?? (numbers.set(action, numbers.size), numbers.size - 1);
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
    const joined = section.joined();
    if (!Buffer.concat(section.parts).equals(want.bytes) || !joined.equals(want.bytes) || section.byteLength !== joined.length) differences.push(`${key}${awaiting ? ' (marked)' : ''}`);
    else if (section.layout.shown !== want.shown || section.layout.total !== want.total) differences.push(`${key}: counts`);
    compared += 1;
    counts += countParts(section.parts);
    for (const part of section.parts) if (isRowHead(part)) heads.add(part);
    for (const id of state.actionOrder) actions.add(`${numberOf(own(state.actions, id)!)} ${awaiting?.has(id) ?? false}`);
  }
  expect(differences).toEqual([]);
  return { compared, counts, heads: heads.size, actions: actions.size };
}

/** Every day from `from` for `days` days, at noon and at the day's last millisecond (an instant a plain date reads as). */
function everyDay(from: string, days: number): string[] {
  const start = Date.parse(from);
  return Array.from({ length: days }, (_, i) => [start + i * 86_400_000 + 43_200_000, start + (i + 1) * 86_400_000 - 1]).flat().map((ms) => new Date(ms).toISOString());
}

const HOSTILE = '<script>alert("x")</script> & \'quoted\' \ue000\ue001 {"count":12} 12 days';

/**
 * A plan written by someone hostile: refs that are Object.prototype's names, markup, quotes, braces, digits and
 * private-use characters in every text the page shows (and the ratings' reasons quote), with targets that count
 * days (due, overdue, due soon), slips, declared ratings better than the derived ones (a discrepancy) and progress,
 * recorded over months so that both time axes move.
 */
function hostilePlan(): { events: StoredPlanEvent[]; state: PlanState } {
  let ids = 0;
  let clock = Date.parse('2012-03-01T09:00:00.000Z');
  const ctx = { now: () => new Date(clock), newId: () => `01900000-0000-7000-8000-${(++ids).toString(16).padStart(12, '0')}` };
  let state = foldPlan([]);
  const events: StoredPlanEvent[] = [];
  const run = (command: PlanCommand) => {
    const stored = decide(command, state, ctx).map((event, i) => asRecorded(event, { actor: { id: 'hostile', displayName: `Mallory ${HOSTILE}` }, correlationId: `c-${ids}` }, state.revision + 1 + i, new Date(clock).toISOString()));
    state = foldPlan(stored, state);
    events.push(...stored);
  };
  run({ type: 'CreatePlan', planId: 'plan-hostile', title: `Plan ${HOSTILE}`, organisation: 'Central Bedfordshire Council', respondsTo: HOSTILE, effectiveAt: '2012-03-01' });
  run({ type: 'AddWorkstream', number: '__proto__', title: HOSTILE, effectiveAt: '2012-03-01' } as PlanCommand);
  const ws = state.workstreamOrder[0]!;
  run({ type: 'AddRecommendation', ref: 'constructor', text: HOSTILE, workstreamId: ws, effectiveAt: '2012-03-01' } as PlanCommand);
  const rec = state.recommendationOrder[0]!;
  const refs = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__lookupSetter__'];
  const targets = ['30 June 2012', '31 July 2012', 'September 2012', '15 August 2012 <b>&</b>', 'Quarterly', 'Ongoing', '1 October 2012', 'Monthly', '30 November 2012', 'To be advised'];
  refs.forEach((ref, i) => {
    run({ type: 'AddAction', ref, description: `${HOSTILE} ${i}`, leads: [`Lead ${HOSTILE}`], target: targets[i]!, dependencies: [], effectiveAt: '2012-03-01', ...(i % 3 === 2 ? {} : { recommendationId: rec }), ...(i % 3 === 2 ? { workstreamId: ws } : {}) } as PlanCommand);
  });
  const actionIds = [...state.actionOrder];
  const statuses = ['in_progress', 'blocked', 'awaiting_guidance'] as const;
  for (const [month, day] of [['04', '10'], ['05', '20'], ['07', '02'], ['08', '14'], ['10', '01']] as const) {
    clock = Date.parse(`2012-${month}-${day}T10:00:00.000Z`);
    actionIds.forEach((actionId, i) => {
      // A new status or new leads on the same target: the copies after it must not show the head kept before it.
      const status = own(state.actions, actionId)!.status;
      if ((i + Number(month)) % 3 === 0) run({ type: 'ChangeActionStatus', actionId, to: statuses.find((to) => to !== status)!, reason: `Status ${HOSTILE}`, effectiveAt: `2012-${month}-${day}` } as PlanCommand);
      if ((i + Number(month)) % 4 === 3) run({ type: 'ReassignAction', actionId, to: [`Lead ${month} ${HOSTILE}`], reason: `Moved ${HOSTILE}`, effectiveAt: `2012-${month}-${day}` } as PlanCommand);
      if ((i + Number(month)) % 2 === 0) run({ type: 'RecordProgressUpdate', actionId, narrative: `Progress ${HOSTILE} ${month}`, effectiveAt: `2012-${month}-${day}` } as PlanCommand);
      if ((i + Number(month)) % 4 === 1) run({ type: 'SlipTargetDate', actionId, to: `${10 + Number(month)} December 2012 ${HOSTILE}`, reason: `Because ${HOSTILE}`, effectiveAt: `2012-${month}-${day}` } as PlanCommand);
      if ((i + Number(month)) % 5 === 0) run({ type: 'AssessRag', actionId, rating: 'green', rationale: `Fine ${HOSTILE}`, effectiveAt: `2012-${month}-${day}` } as PlanCommand);
    });
  }
  return { events, state };
}

describe('the plan page section from kept pieces is what a fresh layout writes', () => {
  it.each(namedPlans())('%s: at many instants, in time order, shuffled and again', (name, plan) => {
    // The bench-like plan's 280 actions make each instant long to compare: fewer of them.
    const count = name.includes('bench') ? 25 : 60;
    const instants = instantsOfPlan(plan.state, count, 21);
    const inOrder = [...instants].sort((a, b) => Date.parse(a) - Date.parse(b));
    const { compared, heads, actions } = expectSectionsFresh(plan.events, [...inOrder, ...shuffled(instants, 6), ...shuffled(instants, 7).slice(0, 40)]);
    // Every instant of the list at least twice over (some fall before the plan was created).
    expect(compared).toBeGreaterThan(count);
    // The copies of an action a progress update made were laid with the head kept for the copy before.
    expect(heads).toBeLessThan(actions);
  });

  it('on every day of a stretch, where ratings that count days are a new object each day (the counted cells)', () => {
    const { events } = benchLikePlan();
    const days = everyDay('2010-02-01', 40);
    const { compared, counts } = expectSectionsFresh(events, [...days, ...shuffled(days, 8)]);
    expect(compared).toBe(days.length * 2);
    // Most of the plan's ratings count days: their cells were laid from kept pieces and the day's count.
    expect(counts).toBeGreaterThan(compared * 10);
  });

  it('for a plan of hostile text and ids, on every day over its life, in time order and shuffled', () => {
    const plan = hostilePlan();
    expect(plan.state.actionOrder.length).toBe(10);
    const days = everyDay('2012-02-20', 300);
    const { compared, counts, heads, actions } = expectSectionsFresh(plan.events, [...days, ...shuffled(days, 9)]);
    expect(compared).toBeGreaterThan(days.length);
    expect(counts).toBeGreaterThan(days.length);
    expect(heads).toBeLessThan(actions);
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
    expect(Buffer.concat(first.parts)).toEqual(first.joined());
    expect(first.byteLength).toBe(first.joined().length);
    expect(marked.joined().equals(first.joined())).toBe(false);
    expect(marked.joined().toString('utf8')).toContain('data-testid="awaiting-approval"');
    expect(first.joined().toString('utf8')).not.toContain('data-testid="awaiting-approval"');
  });
});
