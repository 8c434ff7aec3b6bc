import type Database from 'better-sqlite3';
import { correctionConfinedTo, effectiveAtOf, initialPlanState, PlanFold, planIdOfStream, planStreamName, upcastPlanEvent, voidedEventIds, type PlanState, type StoredPlanEvent } from '#domain';
import type { EventStore, RecordedEvent, Subscription } from '#event-store';
import { actionIdOf, summariseEvent } from '#plan-views';
import { PlanChanges, PlanRows } from './plan-rows.js';
import { ProjectorLease } from './projector-lease.js';
import { finishRebuild, startRebuild } from './read-model-database.js';
import { ReferenceBook } from './reference-book.js';

const CHECKPOINT = 'plans-and-audit-log';
const PAGE = 2_000;
/**
 * A page is folded and written this many events at a time, giving the event loop back between chunks: folding
 * and writing the ten thousand events of a large import as one page held every other request for seconds.
 */
const FOLD_CHUNK = 500;
/**
 * Live, while requests are being answered, smaller still: a chunk of 500 events of a large import (folded,
 * with the plan's row written) held the loop for over 100 ms; 200 hold it for about half that. The read that
 * takes what was appended meanwhile is capped too, and the loop is given back after it.
 */
const LIVE_FOLD_CHUNK = 200;
const LIVE_PAGE = 1_000;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/**
 * Catch-up writes the plans' changed rows (and the checkpoint) every few seconds and once at the end, not with
 * every page: a catch-up touches the same actions page after page, and writing them once covers many events.
 * The interval grows with the cost of a write, so writing never takes more than a tenth of a catch-up.
 */
const CATCH_UP_WRITE_INTERVAL_MS = 5_000;
const CATCH_UP_WRITE_SHARE = 10;

/** A plan the projector stopped folding: the first event it could not fold, and why. */
export interface QuarantinedPlan {
  planId: string;
  revision: number;
  eventId: string;
  position: bigint;
  reason: string;
  quarantinedAt: string;
}

/** A stored event of a plan that cannot be read or folded: quarantines that plan, never the projector. */
class PlanFoldFailure extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The quarantine as recorded in a read-model file (for `ledger doctor`, which may run while the API does). */
export function readQuarantinedPlans(db: Database.Database): QuarantinedPlan[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'quarantined_plans'`).get();
  if (!exists) return [];
  const rows = db.prepare(`SELECT plan_id, revision, event_id, position, reason, quarantined_at FROM quarantined_plans ORDER BY plan_id`).all() as {
    plan_id: string;
    revision: number;
    event_id: string;
    position: string;
    reason: string;
    quarantined_at: string;
  }[];
  return rows.map((row) => ({ planId: row.plan_id, revision: row.revision, eventId: row.event_id, position: BigInt(row.position), reason: row.reason, quarantinedAt: row.quarantined_at }));
}

/**
 * Feeds the read models (current plan state, audit log) from the event store's global log, after the
 * append, with a persisted checkpoint: a restart resumes where it stopped. Catch-up reads pages and
 * writes each page in one transaction; then it goes live on the store's subscription.
 */
export class PlanProjector {
  private subscription?: Subscription;
  private position: bigint;
  /** Every plan met so far, folded up to its last projected event: the projector owns these and folds them in place. */
  private readonly plans = new Map<string, ProjectedPlan>();
  private readonly rows: PlanRows;
  private readonly lease: ProjectorLease;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];
  private failure?: unknown;
  /** Plans whose events could not be folded: their further events are skipped until a repair (EventVoided) arrives. */
  private readonly quarantine = new Map<string, QuarantinedPlan>();

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
    private readonly log: (message: string) => void = (message) => console.error(message),
  ) {
    const row = db.prepare(`SELECT position FROM checkpoints WHERE name = ?`).get(CHECKPOINT) as { position: string } | undefined;
    this.position = row ? BigInt(row.position) : -1n;
    this.rows = new PlanRows(db);
    this.lease = new ProjectorLease(db);
    for (const plan of readQuarantinedPlans(db)) this.quarantine.set(plan.planId, plan);
  }

  get checkpoint(): bigint {
    return this.position;
  }

  /** Why this plan is not being projected, or undefined when it is. */
  quarantined(planId: string): QuarantinedPlan | undefined {
    return this.quarantine.get(planId);
  }

  quarantinedPlans(): QuarantinedPlan[] {
    return [...this.quarantine.values()];
  }

  /** Catch up with the log, then follow it live. Refuses (ReadModelsInUseError) while another process projects into the same file. */
  async start(): Promise<void> {
    this.lease.claim();
    try {
      await this.catchUp();
    } catch (error) {
      this.lease.release();
      throw error;
    }
    this.lease.keepAlive();
    this.subscription = this.store.subscribeToAll({
      fromPosition: this.position < 0n ? undefined : this.position,
      onEvent: async (event) => {
        if (event.position <= this.position) return;
        // Take everything appended by now, not just this event: under concurrent writes one write of each
        // plan's state (megabytes for a large plan) then covers many events, instead of one write per event.
        // The events this picks up ahead are skipped when the subscription delivers them (position check above).
        const pending = await this.store.readAll({ fromPosition: this.position < 0n ? undefined : this.position, maxCount: LIVE_PAGE });
        await yieldToEventLoop();
        return this.applyBatch(pending.length > 0 ? pending : [event]);
      },
      onError: (error) => {
        this.failure = error;
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
    this.lease.release();
  }

  /**
   * Drop the read models and rebuild them from every event, reporting progress. The audit log's secondary
   * indexes are built once at the end (a sort) rather than row by row (a random insert into each of them
   * for every event, which cost more than the rest of the rebuild). If the rebuild stops half-way, the
   * read models are marked unfinished and openReadModelDatabase starts them again from nothing.
   */
  async rebuild(onProgress?: (done: number) => void): Promise<number> {
    await this.stop();
    this.lease.claim();
    try {
      return await this.rebuildHoldingLease(onProgress);
    } finally {
      this.lease.release();
    }
  }

  private async rebuildHoldingLease(onProgress?: (done: number) => void): Promise<number> {
    startRebuild(this.db);
    this.plans.clear();
    this.quarantine.clear();
    this.position = -1n;
    const indexes = this.db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' AND sql IS NOT NULL`).all() as { name: string; sql: string }[];
    for (const { name } of indexes) this.db.exec(`DROP INDEX "${name.replace(/"/g, '""')}"`);
    let done: number;
    try {
      // A rebuild that stops half-way starts again from nothing, so writing its plans part-way would buy nothing.
      done = await this.catchUp(onProgress, { writePlansAtEndOnly: true });
    } finally {
      this.db.transaction(() => {
        for (const { sql } of indexes) this.db.exec(sql);
      })();
    }
    finishRebuild(this.db);
    return done;
  }

  /** Resolves once the read models include the event at `position` (read-your-writes after a command). */
  waitFor(position: bigint, timeoutMs = 10_000): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The read models did not reach position ${position} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ position, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /**
   * Audit rows are written with every page; the plans they touched, with the checkpoint, every few seconds
   * and at the end. After a crash the projector resumes from the last checkpoint: the plans are folded again
   * and the audit rows it had already written are skipped (INSERT OR IGNORE on their position).
   */
  private async catchUp(onProgress?: (done: number) => void, { writePlansAtEndOnly = false } = {}): Promise<number> {
    let done = 0;
    let after = this.position;
    const unwritten = new Set<string>();
    let nextWrite = Date.now() + CATCH_UP_WRITE_INTERVAL_MS;
    for (;;) {
      this.lease.renewIfDue();
      const page = await this.store.readAll({ fromPosition: after < 0n ? undefined : after, maxCount: PAGE });
      for (const chunk of chunksOf(page)) {
        const { touched, auditRows } = await this.project(chunk);
        this.writeBatch([], auditRows);
        for (const planId of touched) unwritten.add(planId);
        after = chunk[chunk.length - 1]!.position;
        done += chunk.length;
        await yieldToEventLoop();
      }
      if (after !== this.position && (page.length === 0 || (!writePlansAtEndOnly && Date.now() >= nextWrite))) {
        const started = Date.now();
        this.writeBatch(unwritten, [], after);
        unwritten.clear();
        nextWrite = Date.now() + Math.max(CATCH_UP_WRITE_INTERVAL_MS, (Date.now() - started) * CATCH_UP_WRITE_SHARE);
        this.position = after;
        this.release();
      }
      if (page.length === 0) return done;
      onProgress?.(done);
    }
  }

  /** Live: what was appended since the last batch, written at once, so a command can read its own write. */
  private async applyBatch(events: readonly RecordedEvent[]): Promise<void> {
    // Chunk by chunk, each in its own transaction with its checkpoint: a crash between chunks resumes after
    // the last one written, and the waiters for earlier positions are answered as soon as theirs is.
    let first = true;
    for (const chunk of chunksOf(events, LIVE_FOLD_CHUNK)) {
      if (!first) await yieldToEventLoop();
      first = false;
      const { touched, auditRows } = await this.project(chunk);
      const last = chunk[chunk.length - 1]!.position;
      this.writeBatch(touched, auditRows, last);
      this.position = last;
      this.release();
    }
  }

  /**
   * Fold the events into their plans, noting what each changed, and summarise them for the audit log.
   * A plan whose event cannot be read or folded is quarantined: recorded with the event and the reason, left
   * out of this write (its rows stay as they were), and skipped from then on, while every other plan goes on.
   * A batch holding a repair (EventVoided) of a plan re-folds that plan from its whole stream without the
   * voided entries; if that succeeds the quarantine is lifted and the audit rows it missed are written.
   */
  private async project(events: readonly RecordedEvent[]): Promise<{ touched: Set<string>; auditRows: unknown[][] }> {
    const touched = new Set<string>();
    const auditRows: unknown[][] = [];
    const pending: { planId: string; events: RecordedEvent[] }[] = [];
    for (const event of events) {
      const planId = planIdOfStream(event.streamId);
      if (!planId) continue;
      const last = pending[pending.length - 1];
      if (last?.planId === planId) last.events.push(event);
      else pending.push({ planId, events: [event] });
    }
    for (const { planId, events: recorded } of pending) {
      const repairs = recorded.some((event) => event.type === 'EventVoided');
      if (this.quarantine.has(planId) && !repairs) continue;
      const rows: unknown[][] = [];
      try {
        if (repairs) {
          await this.refold(planId, Number(recorded[recorded.length - 1]!.revision), rows);
        } else {
          const plan = await this.planBefore(planId, Number(recorded[0]!.revision));
          for (const event of recorded) rows.push(takeOrFail(plan, event));
        }
      } catch (error) {
        this.plans.delete(planId);
        if (!(error instanceof PlanFoldFailure)) throw error;
        this.quarantinePlan(planId, error);
        continue;
      }
      if (this.quarantine.delete(planId)) {
        this.db.prepare(`DELETE FROM quarantined_plans WHERE plan_id = ?`).run(planId);
        this.log(`Plan ${planId} is out of quarantine: its repair voided the entry that could not be folded`);
      }
      auditRows.push(...rows);
      touched.add(planId);
    }
    return { touched, auditRows };
  }

  private quarantinePlan(planId: string, failure: PlanFoldFailure): void {
    const quarantined: QuarantinedPlan = {
      planId,
      revision: Number(failure.event.revision),
      eventId: failure.event.eventId,
      position: failure.event.position,
      reason: failure.reason.slice(0, 2_000),
      quarantinedAt: new Date().toISOString(),
    };
    this.quarantine.set(planId, quarantined);
    this.db
      .prepare(
        `INSERT INTO quarantined_plans (plan_id, revision, event_id, position, reason, quarantined_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (plan_id) DO UPDATE SET revision = excluded.revision, event_id = excluded.event_id, position = excluded.position, reason = excluded.reason, quarantined_at = excluded.quarantined_at`,
      )
      .run(planId, quarantined.revision, quarantined.eventId, quarantined.position.toString(), quarantined.reason, quarantined.quarantinedAt);
    this.log(`Plan ${planId} is quarantined at revision ${quarantined.revision} (event ${quarantined.eventId}): ${quarantined.reason}`);
  }

  /**
   * The plan as it stood before `revision`: from memory, or folded from the store (first sight after a restart).
   * The whole stream is read, so that a repair recorded later voids an entry here too.
   */
  private async planBefore(planId: string, revision: number): Promise<ProjectedPlan> {
    const known = this.plans.get(planId);
    if (known && known.state.revision === revision - 1) return known;
    const stream = revision === 0 ? [] : await this.store.readStream(planStreamName(planId));
    const voided = voidedEvents(stream);
    const plan = new ProjectedPlan(planId, initialPlanState());
    for (const event of stream) {
      if (Number(event.revision) >= revision) break;
      if (!voided.has(event.eventId)) takeOrFail(plan, event);
    }
    plan.changes.clear();
    this.plans.set(planId, plan);
    return plan;
  }

  /** After a repair: the plan folded afresh from its stream up to `lastRevision`, its audit rows (those already written are ignored) in `rows`. */
  private async refold(planId: string, lastRevision: number, rows: unknown[][]): Promise<void> {
    const stream = await this.store.readStream(planStreamName(planId), { maxCount: lastRevision + 1 });
    const voided = voidedEvents(stream);
    const plan = new ProjectedPlan(planId, initialPlanState());
    for (const event of stream) if (!voided.has(event.eventId)) rows.push(takeOrFail(plan, event));
    plan.changes.everything = true;
    this.plans.set(planId, plan);
  }

  /** One transaction: the changed rows of these plans, the audit rows and, if given, the checkpoint they bring the read models to. */
  private writeBatch(planIds: Iterable<string>, auditRows: unknown[][], position?: bigint): void {
    const insertAudit = this.db.prepare(
      `INSERT OR IGNORE INTO audit_log (position, organisation_id, plan_id, event_id, revision, type, actor_id, actor_name, recorded_at, effective_at, action_id, summary, reason, correlation_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const saveCheckpoint = this.db.prepare(`INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`);
    this.db.transaction(() => {
      for (const planId of planIds) {
        const plan = this.plans.get(planId);
        if (plan) this.rows.write(plan.state, plan.changes);
      }
      for (const row of auditRows) insertAudit.run(...row);
      if (position !== undefined) saveCheckpoint.run(CHECKPOINT, position.toString());
    })();
    // Only once the transaction has committed: had it failed, the changes would still be owed.
    for (const planId of planIds) this.plans.get(planId)?.changes.clear();
  }

  private release(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.position <= this.position) {
        this.waiters[i]!.resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

}

function* chunksOf(events: readonly RecordedEvent[], size = FOLD_CHUNK): Generator<readonly RecordedEvent[]> {
  for (let start = 0; start < events.length; start += size) yield events.slice(start, start + size);
}

/** Ids voided by the stream's repairs; a repair that cannot itself be read is a failure of that repair's event. */
function voidedEvents(stream: readonly RecordedEvent[]): Set<string> {
  const voided = new Set<string>();
  for (const event of stream) {
    if (event.type !== 'EventVoided') continue;
    try {
      for (const id of voidedEventIds([event])) voided.add(id);
    } catch (error) {
      throw new PlanFoldFailure(event, `the repair cannot be read: ${reasonOf(error)}`);
    }
  }
  return voided;
}

/** Read (upcast and validate) and fold one event, naming the event if either fails. */
function takeOrFail(plan: ProjectedPlan, recorded: RecordedEvent): unknown[] {
  let event: StoredPlanEvent;
  try {
    event = upcastPlanEvent(recorded);
  } catch (error) {
    throw new PlanFoldFailure(recorded, `${recorded.type} at revision ${recorded.revision} does not match its schema: ${reasonOf(error)}`);
  }
  try {
    return plan.take(recorded, event);
  } catch (error) {
    throw new PlanFoldFailure(recorded, `${recorded.type} at revision ${recorded.revision} cannot be folded: ${reasonOf(error)}`);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && 'issues' in error && Array.isArray((error as { issues: unknown[] }).issues)) {
    return (error as { issues: { path: PropertyKey[]; message: string }[] }).issues.map((i) => `${i.path.map(String).join('.') || '(event)'} ${i.message}`).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** A plan the projector folds in place, with its references and what changed since its rows were written. */
class ProjectedPlan {
  private readonly fold: PlanFold;
  private readonly refs: ReferenceBook;
  readonly changes = new PlanChanges();

  constructor(
    private readonly planId: string,
    state: PlanState,
  ) {
    this.fold = new PlanFold(state);
    this.refs = new ReferenceBook(state);
  }

  get state(): PlanState {
    return this.fold.state;
  }

  /** Fold one event in; its audit row is summarised with the references as they stood before it. */
  take(recorded: RecordedEvent, event: StoredPlanEvent): unknown[] {
    const summary = summariseEvent(event, this.refs);
    this.refs.observe(event);
    // A correction of one action's entry re-folds that action; any other re-folds the whole plan.
    const confined = event.type === 'EntryCorrected' ? correctionConfinedTo(event, this.state) : undefined;
    this.fold.apply([event]);
    const actionId = actionIdOf(event, this.state);
    if (event.type === 'EntryCorrected' && confined === undefined) this.changes.everything = true;
    else if (actionId) this.changes.actions.add(actionId);
    return auditRow(this.planId, recorded, event, this.state, actionId, summary);
  }
}

function auditRow(planId: string, recorded: RecordedEvent, event: StoredPlanEvent, plan: PlanState, actionId: string | null, summary: string): unknown[] {
  const meta = event.metadata;
  return [
    Number(recorded.position),
    plan.organisationId,
    planId,
    event.eventId,
    event.revision,
    event.type,
    meta.actor.id,
    meta.actor.displayName,
    event.recordedAt,
    effectiveAtOf(event),
    actionId,
    summary,
    meta.reason ?? null,
    meta.correlationId,
  ];
}
