import { CURRENT_SCHEMA_VERSION, type ActionStatus, type PlanEventPayload, type StoredPlanEvent } from '../../plan/plan-events.js';
import { foldPlan } from '../../plan/evolve.js';
import type { PlanState } from '../../plan/plan-state.js';
import { startOfDayInstant } from '../../shared/dates.js';
import { parseTarget } from '../../targets/fuzzy-target.js';
import type { Target } from '../../targets/target.js';

/**
 * A plan shaped like the benchmark's 10,000-event plan (bench/lib/plan-generator.js, the target plan: 280 actions
 * over ten years, a progress update a month each, some written up late, assessments, slips, blocks, completions,
 * sign-offs and corrections), generated from a seed in the test itself so that the RAG tests need neither the
 * bench nor a build. Test support only: not exported from the rag index.
 */

const DAY_MS = 86_400_000;
const PEOPLE = ['Rachel Deakin', 'Edwina Grant', 'Gordon Jamieson', 'Karen Oellermann', 'Sue Harrison', 'Paul Scott'];
const SLIP_REASONS = ['Awaiting national guidance', 'Key post vacant until recruitment completes', 'ICS system upgrade delayed by the supplier'];
const RATIONALES = ['On track against milestones; evidence seen.', 'Milestone missed; recovery plan agreed at the board.', 'Data not yet available to evidence impact.'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const targetTexts = (year: number) => [`30 September ${year}`, `March ${year}`, `31 December ${year}`, `June ${year}`, 'Quarterly', 'Ongoing', `Sept ${year} and ongoing`, '6 monthly', `July ${year}`, 'Awaiting guidance', 'Monthly', `First audit by June ${year}. Thereafter 6 monthly`, 'Weekly', 'To be advised', `Monthly throughout ${year}/${(year + 1) % 100}`];

/** sfc32, seeded through splitmix32, as bench/lib/random.js. */
class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t >>> 0;
  }
  next(): number {
    return this.uint32() / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

const monthStart = (month: number) => Date.UTC(2009, month, 1);
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const lastDayOfMonth = (month: number) => monthStart(month + 1) - DAY_MS;

interface SimAction {
  id: string;
  recommendation: SimRecommendation;
  target: Target;
  status: ActionStatus;
  startMonth: number;
  completed: boolean;
}
interface SimRecommendation {
  id: string;
  ref: string;
  workstreamId: string;
  actionIds: string[];
  signedOff: boolean;
}

/** The events of one generated plan, in revision order, recorded in simulated time; at most `maxEvents` of them. */
export function benchLikePlanEvents({ seed = 20090312, actions = 280, months = 120, maxEvents = 10_000 } = {}): StoredPlanEvent[] {
  const r = new Random(seed);
  let ids = 0;
  const newId = () => `0190a5b0-0000-7000-8000-${(++ids).toString(16).padStart(12, '0')}`;
  const events: StoredPlanEvent[] = [];
  const recent: StoredPlanEvent[] = [];
  const push = (payload: PlanEventPayload, recordedMs: number, opts: { effectiveAt?: string; reason?: string } = {}): StoredPlanEvent => {
    const who = r.pick(PEOPLE);
    const event = {
      ...payload,
      eventId: newId(),
      revision: events.length,
      recordedAt: new Date(recordedMs).toISOString(),
      metadata: { schemaVersion: CURRENT_SCHEMA_VERSION[payload.type], actor: { id: who, displayName: who }, correlationId: 'c', ...(opts.effectiveAt ? { effectiveAt: opts.effectiveAt } : {}), ...(opts.reason ? { reason: opts.reason } : {}) },
    } as StoredPlanEvent;
    events.push(event);
    return event;
  };
  const recordedInstant = (month: number, day: number) => monthStart(month) + (day - 1) * DAY_MS + r.int(8 * 3600, 18 * 3600) * 1000 + r.int(0, 999);

  const startMonth = 5;
  const importMs = recordedInstant(startMonth, r.int(1, 10));
  const importOpts = { effectiveAt: startOfDayInstant(isoDate(monthStart(startMonth))) };
  push({ type: 'PlanCreated', data: { planId: '0190a5b0-0000-7000-8000-000000000001', title: 'Safeguarding improvement plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' } } as PlanEventPayload, importMs, importOpts);
  const workstreams: string[] = [];
  for (let w = 0, n = r.int(3, 8); w < n; w++) {
    const workstreamId = newId();
    workstreams.push(workstreamId);
    push({ type: 'WorkstreamAdded', data: { workstreamId, number: String(w + 1), title: `Workstream ${w + 1}` } } as PlanEventPayload, importMs, importOpts);
  }
  const recommendations: SimRecommendation[] = [];
  for (let i = 0, n = Math.max(5, Math.round(actions / r.int(3, 8))); i < n; i++) {
    const recommendationId = newId();
    const workstreamId = workstreams[i % workstreams.length]!;
    const ref = String(i + 1);
    recommendations.push({ id: recommendationId, ref, workstreamId, actionIds: [], signedOff: false });
    push({ type: 'RecommendationAdded', data: { recommendationId, ref, text: `Recommendation ${ref}`, workstreamId } } as PlanEventPayload, importMs, importOpts);
  }
  const sims: SimAction[] = [];
  for (let i = 0; i < actions; i++) {
    const recommendation = recommendations[i % recommendations.length]!;
    const actionId = newId();
    const actionStart = startMonth + r.int(0, 9);
    const target = parseTarget(r.pick(targetTexts(2009 + Math.floor((actionStart + r.int(6, 30)) / 12))));
    const ref = `${recommendation.ref}.${recommendation.actionIds.length + 1}`;
    recommendation.actionIds.push(actionId);
    sims.push({ id: actionId, recommendation, target, status: 'not_started', startMonth: actionStart, completed: false });
    // One action in ten has no start date and one in ten sits under no recommendation, so every rule gets its turn.
    const start = r.chance(0.9) ? { start: { text: `${MONTH_NAMES[actionStart % 12]} ${2009 + Math.floor(actionStart / 12)}`, date: isoDate(monthStart(actionStart)) } } : {};
    const under = r.chance(0.9) ? { recommendationId: recommendation.id } : {};
    if (!under.recommendationId) recommendation.actionIds.pop();
    push(
      { type: 'ActionAdded', data: { actionId, ref, ...under, workstreamId: recommendation.workstreamId, description: `Action ${ref}`, leads: [r.pick(PEOPLE)], priority: 'High', ...start, target, dependencies: [] } } as PlanEventPayload,
      importMs,
      importOpts,
    );
  }

  for (let month = startMonth + 1; month <= startMonth + months && events.length < maxEvents; month++) {
    const recordedMs = recordedInstant(month, r.int(3, 25));
    const progressAsAt = isoDate(lastDayOfMonth(month - 1));
    for (const action of sims) {
      if (action.completed || action.startMonth >= month) continue;
      // Some actions go quiet for months: the recurring rules' "one late" and "two late" need them.
      if (r.chance(0.15)) continue;
      if (action.status === 'not_started') {
        if (r.chance(0.2)) continue;
        push({ type: 'ActionStatusChanged', data: { actionId: action.id, from: 'not_started', to: 'in_progress' } } as PlanEventPayload, recordedMs, { reason: 'Work has started', effectiveAt: startOfDayInstant(isoDate(monthStart(action.startMonth))) });
        action.status = 'in_progress';
      }
      const late = r.chance(0.1);
      const asAt = late ? isoDate(lastDayOfMonth(month - 1 - r.int(1, 2))) : progressAsAt;
      const progress = push({ type: 'ProgressUpdateRecorded', data: { actionId: action.id, narrative: `Progress ${events.length}`, asAt } } as PlanEventPayload, recordedMs, { effectiveAt: startOfDayInstant(asAt) });
      recent.push(progress);
      if (recent.length > 50) recent.shift();
      if (r.chance(0.3)) {
        // Assessments take effect at the start of the day, or at the moment they were recorded.
        const effectiveAt = r.chance(0.7) ? startOfDayInstant(progressAsAt) : undefined;
        push({ type: 'RagAssessed', data: { actionId: action.id, rating: r.pick(['green', 'green', 'amber', 'amber', 'red'] as const), rationale: r.pick(RATIONALES) } } as PlanEventPayload, recordedMs, effectiveAt ? { effectiveAt } : {});
      }
      if (r.chance(0.025)) {
        const to = parseTarget(r.pick(targetTexts(2009 + Math.floor((month + r.int(3, 18)) / 12))));
        if (to.text !== action.target.text) {
          push({ type: 'TargetDateSlipped', data: { actionId: action.id, from: action.target, to } } as PlanEventPayload, recordedMs, { reason: r.pick(SLIP_REASONS) });
          action.target = to;
        }
      }
      if (action.status === 'in_progress' && r.chance(0.01)) {
        const to = r.pick(['blocked', 'awaiting_guidance', 'superseded'] as const);
        push({ type: 'ActionStatusChanged', data: { actionId: action.id, from: 'in_progress', to } } as PlanEventPayload, recordedMs, { reason: r.pick(SLIP_REASONS) });
        action.status = to;
      } else if ((action.status === 'blocked' || action.status === 'awaiting_guidance') && r.chance(0.3)) {
        push({ type: 'ActionStatusChanged', data: { actionId: action.id, from: action.status, to: 'in_progress' } } as PlanEventPayload, recordedMs, { reason: 'Dependency resolved' });
        action.status = 'in_progress';
      }
      const due = action.target.due ? Date.parse(action.target.due) : monthStart(action.startMonth + 24);
      if (action.status === 'in_progress' && r.chance((monthStart(month) > due ? 0.12 : 0.015) * 0.4)) {
        // Completions are sometimes dated ahead of when they were recorded, so "completed later" reads as in progress.
        const completedOn = r.chance(0.8) ? progressAsAt : isoDate(monthStart(month + 1) + r.int(0, 20) * DAY_MS);
        push({ type: 'ActionCompleted', data: { actionId: action.id, from: 'in_progress', completedOn } } as PlanEventPayload, recordedMs, { effectiveAt: startOfDayInstant(progressAsAt), reason: 'Evidence of completion reviewed by the lead' });
        action.status = 'completed';
        action.completed = true;
        const recommendation = action.recommendation;
        if (!recommendation.signedOff && recommendation.actionIds.every((id) => sims.find((a) => a.id === id)!.completed)) {
          push({ type: 'RecommendationSignedOff', data: { recommendationId: recommendation.id, signedOffOn: progressAsAt } } as PlanEventPayload, recordedMs, { effectiveAt: startOfDayInstant(progressAsAt) });
          recommendation.signedOff = true;
        }
      }
    }
    if (recent.length > 0 && r.chance(0.05)) {
      const original = r.pick(recent);
      push({ type: 'EntryCorrected', data: { correctedEventId: original.eventId, correctedEventType: 'ProgressUpdateRecorded', kind: r.chance(0.8) ? 'amended' : 'withdrawn', amendments: { narrative: 'Corrected' } } } as PlanEventPayload, recordedMs, { reason: 'Wrong case audit' });
    }
  }
  return events.slice(0, maxEvents);
}

/** The generated plan folded: every entry of its history, as the present state holds it. */
export function benchLikePlan(options?: Parameters<typeof benchLikePlanEvents>[0]): { events: StoredPlanEvent[]; state: PlanState } {
  const events = benchLikePlanEvents(options);
  return { events, state: foldPlan(events) };
}

/**
 * A smaller bench-like plan (an action per Object.prototype name, three years) whose action and recommendation ids
 * are, everywhere they are written, every Object.prototype name (then `<name>-<n>` for the ids beyond them): the
 * hostile ids the kept ratings' and tallies' look-ups must treat as ids like any other.
 */
export function prototypeNamedPlanEvents(): StoredPlanEvent[] {
  const names = Object.getOwnPropertyNames(Object.prototype);
  const events = benchLikePlanEvents({ actions: names.length, months: 36, maxEvents: 1_500 });
  const state = foldPlan(events);
  const ids = [...state.actionOrder, ...state.recommendationOrder];
  let text = JSON.stringify(events);
  ids.forEach((id, i) => (text = text.split(`"${id}"`).join(JSON.stringify(i < names.length ? names[i] : `${names[i % names.length]}-${i}`))));
  return JSON.parse(text) as StoredPlanEvent[];
}
