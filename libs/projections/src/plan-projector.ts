import type Database from 'better-sqlite3';
import { correctionConfinedTo, effectiveAtOf, foldPlan, PlanFold, planIdOfStream, planStreamName, upcastPlanEvent, type PlanState, type StoredPlanEvent } from '#domain';
import type { EventStore, RecordedEvent, Subscription } from '#event-store';
import { actionIdOf, summariseEvent } from '#plan-views';
import { PlanChanges, PlanRows } from './plan-rows.js';
import { ProjectorLease } from './projector-lease.js';
import { finishRebuild, startRebuild } from './read-model-database.js';
import { ReferenceBook } from './reference-book.js';

const CHECKPOINT = 'plans-and-audit-log';
const PAGE = 2_000;
/**
 * Catch-up writes the plans' changed rows (and the checkpoint) every few seconds and once at the end, not with
 * every page: a catch-up touches the same actions page after page, and writing them once covers many events.
 * The interval grows with the cost of a write, so writing never takes more than a tenth of a catch-up.
 */
const CATCH_UP_WRITE_INTERVAL_MS = 5_000;
const CATCH_UP_WRITE_SHARE = 10;

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

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
  ) {
    const row = db.prepare(`SELECT position FROM checkpoints WHERE name = ?`).get(CHECKPOINT) as { position: string } | undefined;
    this.position = row ? BigInt(row.position) : -1n;
    this.rows = new PlanRows(db);
    this.lease = new ProjectorLease(db);
  }

  get checkpoint(): bigint {
    return this.position;
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
        const pending = await this.store.readAll({ fromPosition: this.position < 0n ? undefined : this.position, maxCount: PAGE });
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
      if (page.length > 0) {
        const { touched, auditRows } = await this.project(page);
        this.writeBatch([], auditRows);
        for (const planId of touched) unwritten.add(planId);
        after = page[page.length - 1]!.position;
        done += page.length;
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
    const { touched, auditRows } = await this.project(events);
    const last = events[events.length - 1]!.position;
    this.writeBatch(touched, auditRows, last);
    this.position = last;
    this.release();
  }

  /**
   * Fold the events into their plans, noting what each changed, and summarise them for the audit log.
   * A plan's events are all upcast (validated) before any is folded in, so a bad event leaves the plan as it was;
   * should folding fail half-way all the same, the plan is forgotten and folded again from the store next time.
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
      const plan = await this.planBefore(planId, Number(recorded[0]!.revision));
      const upcast = recorded.map(upcastPlanEvent);
      try {
        upcast.forEach((event, i) => auditRows.push(plan.take(recorded[i]!, event)));
      } catch (error) {
        this.plans.delete(planId);
        throw error;
      }
      touched.add(planId);
    }
    return { touched, auditRows };
  }

  /** The plan as it stood before `revision`: from memory, or folded from the store (first sight after a restart). */
  private async planBefore(planId: string, revision: number): Promise<ProjectedPlan> {
    const known = this.plans.get(planId);
    if (known && known.state.revision === revision - 1) return known;
    const before = revision === 0 ? [] : await this.store.readStream(planStreamName(planId), { maxCount: revision });
    const plan = new ProjectedPlan(planId, foldPlan(before.map(upcastPlanEvent)));
    this.plans.set(planId, plan);
    return plan;
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
