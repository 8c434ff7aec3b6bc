import { detachedCopy, effectiveAtOf, foldPlan, initialPlanState, type PlanState, type StoredPlanEvent } from '#domain';
import { eventsAsAt, type AsAt } from './as-at.js';
import { BoundedCache } from './bounded-cache.js';

/**
 * The shared states the timelines hand out, kept by the position an instant resolves to (a reader who reloads or
 * shares a link asks again), in one LRU across every timeline in the process, weighed by the actions each state
 * holds (a 10k-event plan's 280). What a reader derives from a state (the RAG summary, the view's and the
 * summary's bytes) is kept against it, so a state dropped is all of that made again for the next reader of its
 * position. What is derived is kept apart, under a bound of its own on its bytes (plan-read-cache.ts); this bound
 * keeps ~40 states of such a plan. A plan whose events were recorded in a few dozen batches (the bench's 10k-event
 * plan: at 33 instants) has no more positions than that in recorded time; a plan recorded event by event has
 * thousands, and only those asked recently are kept. Until round 10 each timeline also kept its own last 16 states
 * per axis outside this bound; one cache now serves both. A dropped timeline's states, and the effective states of
 * an order an append replaced, are never asked for again and age out.
 */
const KEPT_STATE_ACTIONS = 12_000;
const KEPT_STATES = keptStatesOf(KEPT_STATE_ACTIONS);

/**
 * A cache of shared states bounded by the actions they hold, each weighing one more than its actions. A state
 * heavier than the bound (a plan of more than 12,000 actions, for KEPT_STATES) is kept alone until the next state
 * is set (BoundedCache), so two reads at one position of a huge plan still share it. Timelines share KEPT_STATES;
 * a spec passes a cache with a small bound of its own, to reach the bound with small plans.
 */
export function keptStatesOf(actions: number): BoundedCache<string, PlanState> {
  return new BoundedCache<string, PlanState>(actions, actions, (state) => 1 + state.actionOrder.length);
}
let timelines = 0;

/**
 * One plan's events held in memory, upcast, with snapshots of the plan folded along each time axis, so an
 * as-at replay folds at most a few hundred events onto the nearest snapshot instead of the whole plan.
 * The result is exactly replayPlanAsAt(events, when) (plan-timeline.unit.spec.ts checks it at every instant):
 *
 * - recorded time: the plan as at T is the fold of the events recorded by T, a prefix of the stream (the
 *   store's recordedAt never goes back), so snapshots are taken along the stream.
 * - effective time: eventsAsAt orders corrections first, then entries by effective time; the plan as at T is a
 *   prefix of that order too, so snapshots are taken along it. A correction is applied where its target entry
 *   is folded, which an incremental fold from a snapshot before the target would miss: a snapshot is taken
 *   right after every corrected entry (by a full fold), and a replay never folds across one.
 *
 * Events are appended as the stream grows (stored events never change); effective-time snapshots are
 * rebuilt after an append, since a back-dated entry lands in the middle of that order.
 */
export class PlanTimeline {
  /** @param keptStates where the shared states are kept: the process's one cache, unless a spec passes its own. */
  constructor(private readonly keptStates: BoundedCache<string, PlanState> = KEPT_STATES) {}

  private readonly events: StoredPlanEvent[] = [];
  private readonly recordedMs: number[] = [];
  private recordedInOrder = true;
  private recorded?: SnapshotChain;
  private effective?: { chain: SnapshotChain; corrections: number; effectiveMs: number[] } | null;

  /**
   * Names this timeline's states in KEPT_STATES, by the position an instant resolves to (a prefix of the axis's
   * order), so that every instant resolving to one position gets the same object while it is kept, and what is
   * derived from a state can be cached against it. Recorded prefixes never change once folded; the effective
   * order changes with every append, so its generation moves on then and the states of the old order are not
   * asked for again. The states are shared: never change them.
   */
  private readonly id = ++timelines;
  private effectiveGeneration = 0;

  /** Revisions voided by a repair (EventVoided): never folded, but counted so that revisions stay dense. */
  private skipped = 0;

  get length(): number {
    return this.events.length;
  }

  /** The revision of the next stored event this timeline expects. */
  get nextRevision(): number {
    return this.events.length + this.skipped;
  }

  /** Pass over a voided entry's revision: it is not part of any fold. */
  skip(revision: number): void {
    if (revision !== this.nextRevision) throw new Error(`Plan timeline: expected revision ${this.nextRevision} next, got ${revision}`);
    this.skipped++;
  }

  /** The plan's events in revision order (a copy of the list; the events themselves are shared and must not be changed). */
  all(): StoredPlanEvent[] {
    return [...this.events];
  }

  append(events: readonly StoredPlanEvent[]): void {
    for (const event of events) {
      if (event.revision !== this.nextRevision) throw new Error(`Plan timeline: expected revision ${this.nextRevision} next, got ${event.revision}`);
      const ms = Date.parse(event.recordedAt);
      const last = this.recordedMs[this.recordedMs.length - 1];
      if (Number.isNaN(ms) || (last !== undefined && ms < last)) this.recordedInOrder = false;
      this.events.push(event);
      this.recordedMs.push(ms);
    }
    if (events.length > 0) {
      this.recorded?.extend(this.events, snapshotInterval(this.events.length));
      this.effective = undefined;
      this.effectiveGeneration++;
    }
  }

  /**
   * The plan as at the instant: a state of its own, the caller's to change. A fold from a snapshot shares the
   * actions its events left alone with the snapshot (copy-on-write, evolve.ts), so this one is detached from it.
   */
  stateAsAt(when: AsAt): PlanState {
    return this.resolve(when, false);
  }

  /**
   * The same, shared: every instant that resolves to the same position gets the same object (while it is kept
   * in KEPT_STATES), so what a reader derives from it can be cached against it. Never change it:
   * its actions are shared with the snapshots and with the states of nearby positions, which is what lets a
   * reader keep what it derives from each action (the plan read's JSON) against the action object.
   */
  sharedStateAsAt(when: AsAt): PlanState {
    return this.resolve(when, true);
  }

  private resolve(when: AsAt, shared: boolean): PlanState {
    const asAt = Date.parse(when.asAt);
    if (when.time === 'recorded') {
      if (!this.recordedInOrder || Number.isNaN(asAt)) return foldPlan(eventsAsAt(this.events, when));
      const recorded = (this.recorded ??= new SnapshotChain(this.events, correctionPositions(this.events), false, snapshotInterval(this.events.length)));
      const n = upperBound(this.recordedMs, asAt);
      return shared ? this.keptStates.getOrSet(`${this.id}:recorded:${n}`, () => recorded.stateAfter(n)) : detachedCopy(recorded.stateAfter(n));
    }
    const knownAt = when.knownAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(when.knownAt);
    // Known at an instant before the last entry was recorded: some entries are left out, so no snapshot applies.
    const lastRecorded = this.recordedMs[this.recordedMs.length - 1] ?? Number.NEGATIVE_INFINITY;
    if (!(knownAt >= lastRecorded) || !this.recordedInOrder) return foldPlan(eventsAsAt(this.events, when));
    const effective = this.effectiveOrder();
    if (!effective) return foldPlan(eventsAsAt(this.events, when));
    const n = effective.corrections + (Number.isNaN(asAt) ? 0 : upperBound(effective.effectiveMs, asAt));
    return shared
      ? this.keptStates.getOrSet(`${this.id}:effective${this.effectiveGeneration}:${n}`, () => effective.chain.stateAfter(n))
      : detachedCopy(effective.chain.stateAfter(n));
  }

  private effectiveOrder(): { chain: SnapshotChain; corrections: number; effectiveMs: number[] } | null {
    if (this.effective !== undefined) return this.effective;
    const corrections = this.events.filter((e) => e.type === 'EntryCorrected');
    const entries = this.events
      .filter((e) => e.type !== 'EntryCorrected')
      .map((e) => ({ e, at: Date.parse(effectiveAtOf(e)) }))
      .sort((a, b) => a.at - b.at || a.e.revision - b.e.revision);
    if (entries.some(({ at }) => Number.isNaN(at))) return (this.effective = null);
    const order = [...corrections, ...entries.map(({ e }) => e)];
    const position = new Map(order.map((e, i) => [e.eventId, i]));
    const breaks = new Set<number>();
    for (const correction of corrections) {
      const target = position.get((correction as Extract<StoredPlanEvent, { type: 'EntryCorrected' }>).data.correctedEventId);
      if (target !== undefined) breaks.add(target);
    }
    if (corrections.length > 0) breaks.add(corrections.length - 1);
    return (this.effective = { chain: new SnapshotChain(order, breaks, true, snapshotInterval(order.length)), corrections: corrections.length, effectiveMs: entries.map(({ at }) => at) });
  }
}

/**
 * Snapshots every 64 events or more (at most ~256 per axis): a replay folds at most that many. An as-at read pays
 * for more than the fold: every action its events touch is a new object, whose JSON and RAG rating the reads
 * keep against the old object must be made again (with 256, ~39 of the 10k-event plan's 280 actions a read).
 * On that plan 64 cut the as-at read's CPU to ~0.6× for ~10 MB more of snapshots (each copies the history list).
 */
function snapshotInterval(events: number): number {
  return Math.max(64, Math.ceil(events / 256));
}

function correctionPositions(events: readonly StoredPlanEvent[]): Set<number> {
  const positions = new Set<number>();
  events.forEach((e, i) => {
    if (e.type === 'EntryCorrected') positions.add(i);
  });
  return positions;
}

/** How many of the ascending `values` are <= x. */
function upperBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * States of the plan after the first n events of `order`, for n at every multiple of the interval and right
 * after every break (a correction, or in effective time an entry a correction changes), built lazily in order.
 * stateAfter(n) folds order[s, n) onto the snapshot s, the last one at or before n, so it never folds across a
 * break. `fullFoldAtBreaks`: the snapshot after a break is folded from the start, because folding onto the
 * snapshot before it would apply the entry as written instead of as corrected.
 */
class SnapshotChain {
  private readonly positions: number[] = [0];
  private readonly states: PlanState[] = [initialPlanState()];

  constructor(
    private order: readonly StoredPlanEvent[],
    private readonly breaks: Set<number>,
    private readonly fullFoldAtBreaks: boolean,
    private interval: number,
  ) {}

  /** The order grew at its end (recorded time only: new events are recorded after every earlier one). */
  extend(order: readonly StoredPlanEvent[], interval: number): void {
    for (let i = this.order.length; i < order.length; i++) if (order[i]!.type === 'EntryCorrected') this.breaks.add(i);
    this.order = order;
    // A longer plan keeps its snapshots; new ones are spaced for its new length.
    this.interval = interval;
  }

  stateAfter(n: number): PlanState {
    this.buildUpTo(n);
    let i = this.positions.length - 1;
    while (this.positions[i]! > n) i--;
    const from = this.positions[i]!;
    return foldPlan(this.order.slice(from, n), this.states[i]!);
  }

  private buildUpTo(n: number): void {
    for (;;) {
      const last = this.positions[this.positions.length - 1]!;
      const next = this.nextPosition(last);
      if (next > n) return;
      const state = this.fullFoldAtBreaks && this.breaks.has(next - 1) ? foldPlan(this.order.slice(0, next)) : foldPlan(this.order.slice(last, next), this.states[this.states.length - 1]!);
      this.positions.push(next);
      this.states.push(state);
    }
  }

  /** The next snapshot after `last`: the next multiple of the interval, or sooner, right after a break. */
  private nextPosition(last: number): number {
    const byInterval = (Math.floor(last / this.interval) + 1) * this.interval;
    for (let i = last; i < byInterval && i < this.order.length; i++) if (this.breaks.has(i)) return i + 1;
    return byInterval;
  }
}
