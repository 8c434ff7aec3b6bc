import type Database from 'better-sqlite3';
import { effectiveAtOf, foldPlan, planIdOfStream, planStreamName, upcastPlanEvent, type PlanState, type StoredPlanEvent } from '#domain';
import type { EventStore, RecordedEvent, Subscription } from '#event-store';
import { summariseEvent, type PlanReferences } from './event-summary.js';
import { recreateReadModels } from './read-model-database.js';

const CHECKPOINT = 'plans-and-audit-log';
const PAGE = 2_000;
/**
 * Catch-up writes the current plans (and the checkpoint) every few seconds and once at the end, not with every
 * page. A plan's state is every note it holds (megabytes for a large plan) and a catch-up touches the same
 * plans page after page: writing them with every page made a rebuild spend most of its time serialising JSON.
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
  private readonly plans = new Map<string, PlanState>();
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];
  private failure?: unknown;

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
  ) {
    const row = db.prepare(`SELECT position FROM checkpoints WHERE name = ?`).get(CHECKPOINT) as { position: string } | undefined;
    this.position = row ? BigInt(row.position) : -1n;
  }

  get checkpoint(): bigint {
    return this.position;
  }

  /** Catch up with the log, then follow it live. */
  async start(): Promise<void> {
    await this.catchUp();
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
  }

  /**
   * Drop the read models and rebuild them from every event, reporting progress. The audit log's secondary
   * indexes are built once at the end (a sort) rather than row by row (a random insert into each of them
   * for every event, which cost more than the rest of the rebuild); if the rebuild stops half-way,
   * openReadModelDatabase creates them again on the next start.
   */
  async rebuild(onProgress?: (done: number) => void): Promise<number> {
    await this.stop();
    recreateReadModels(this.db);
    this.plans.clear();
    this.position = -1n;
    const indexes = this.db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' AND sql IS NOT NULL`).all() as { name: string; sql: string }[];
    for (const { name } of indexes) this.db.exec(`DROP INDEX "${name.replace(/"/g, '""')}"`);
    try {
      return await this.catchUp(onProgress);
    } finally {
      this.db.transaction(() => {
        for (const { sql } of indexes) this.db.exec(sql);
      })();
    }
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
  private async catchUp(onProgress?: (done: number) => void): Promise<number> {
    let done = 0;
    let after = this.position;
    const unwritten = new Map<string, PlanState>();
    let nextWrite = Date.now() + CATCH_UP_WRITE_INTERVAL_MS;
    for (;;) {
      const page = await this.store.readAll({ fromPosition: after < 0n ? undefined : after, maxCount: PAGE });
      if (page.length > 0) {
        const { touched, auditRows } = await this.project(page);
        this.writeBatch(new Map(), auditRows);
        for (const [planId, state] of touched) unwritten.set(planId, state);
        after = page[page.length - 1]!.position;
        done += page.length;
      }
      if (after !== this.position && (page.length === 0 || Date.now() >= nextWrite)) {
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

  /** Fold the events into their plans (kept in memory for the next batch) and summarise them for the audit log. */
  private async project(events: readonly RecordedEvent[]): Promise<{ touched: Map<string, PlanState>; auditRows: unknown[][] }> {
    const touched = new Map<string, PlanState>();
    const auditRows: unknown[][] = [];
    const pending: { planId: string; events: RecordedEvent[] }[] = [];
    for (const event of events) {
      const planId = planIdOfStream(event.streamId);
      if (!planId) continue;
      const last = pending[pending.length - 1];
      if (last?.planId === planId) last.events.push(event);
      else pending.push({ planId, events: [event] });
    }
    for (const { planId, events: planEvents } of pending) {
      const first = Number(planEvents[0]!.revision);
      const inBatch = touched.get(planId);
      const before = inBatch && inBatch.revision === first - 1 ? inBatch : await this.stateBefore(planId, first);
      const events = planEvents.map(upcastPlanEvent);
      // One fold per plan per batch (not per event): the summaries only need the references as they stood.
      const after = foldPlan(events, before);
      const refs = new ReferenceBook(before);
      events.forEach((event, i) => {
        auditRows.push(auditRow(planId, planEvents[i]!, event, refs, after));
        refs.observe(event);
      });
      touched.set(planId, after);
    }
    for (const [planId, state] of touched) this.plans.set(planId, state);
    return { touched, auditRows };
  }

  /** The plan as it stood before `revision`: from memory, or folded from the store (first sight after a restart). */
  private async stateBefore(planId: string, revision: number): Promise<PlanState> {
    const cached = this.plans.get(planId);
    if (cached && cached.revision === revision - 1) return cached;
    if (revision === 0) return foldPlan([]);
    const before = await this.store.readStream(planStreamName(planId), { maxCount: revision });
    return foldPlan(before.map(upcastPlanEvent));
  }

  /** One transaction: the plans, the audit rows and, if given, the checkpoint they bring the read models to. */
  private writeBatch(touched: Map<string, PlanState>, auditRows: unknown[][], position?: bigint): void {
    const upsertPlan = this.db.prepare(
      `INSERT INTO plans (plan_id, organisation_id, organisation, title, revision, last_recorded_at, state_json) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (plan_id) DO UPDATE SET organisation_id = excluded.organisation_id, organisation = excluded.organisation, title = excluded.title, revision = excluded.revision,
         last_recorded_at = excluded.last_recorded_at, state_json = excluded.state_json`,
    );
    const insertAudit = this.db.prepare(
      `INSERT OR IGNORE INTO audit_log (position, organisation_id, plan_id, event_id, revision, type, actor_id, actor_name, recorded_at, effective_at, action_id, summary, reason, correlation_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const saveCheckpoint = this.db.prepare(`INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`);
    this.db.transaction(() => {
      for (const [planId, state] of touched) {
        const { history: _history, ...withoutHistory } = state;
        upsertPlan.run(planId, state.organisationId, state.organisation, state.title, state.revision, state.lastRecordedAt ?? null, JSON.stringify(withoutHistory));
      }
      for (const row of auditRows) insertAudit.run(...row);
      if (position !== undefined) saveCheckpoint.run(CHECKPOINT, position.toString());
    })();
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

/**
 * The references (action "6.3", recommendation "19(b)") as they stood before each event of a batch, so a
 * summary reads the same whether the event was projected live or in a rebuild.
 */
class ReferenceBook implements PlanReferences {
  private readonly actions = new Map<string, string>();
  private readonly recommendations = new Map<string, string>();
  private readonly addedBy = new Map<string, { kind: 'action' | 'recommendation'; id: string }>();

  constructor(plan: PlanState) {
    for (const action of Object.values(plan.actions)) this.actions.set(action.id, action.ref);
    for (const recommendation of Object.values(plan.recommendations)) this.recommendations.set(recommendation.id, recommendation.ref);
    for (const event of plan.history) this.noteAdded(event);
  }

  actionRef(id: string) {
    return this.actions.get(id);
  }

  recommendationRef(id: string) {
    return this.recommendations.get(id);
  }

  observe(event: StoredPlanEvent): void {
    if (event.type === 'ActionAdded') this.actions.set(event.data.actionId, event.data.ref);
    if (event.type === 'RecommendationAdded') this.recommendations.set(event.data.recommendationId, event.data.ref);
    this.noteAdded(event);
    if (event.type === 'EntryCorrected' && typeof event.data.amendments?.ref === 'string') {
      const added = this.addedBy.get(event.data.correctedEventId);
      if (added) (added.kind === 'action' ? this.actions : this.recommendations).set(added.id, event.data.amendments.ref);
    }
  }

  private noteAdded(event: StoredPlanEvent): void {
    if (event.type === 'ActionAdded') this.addedBy.set(event.eventId, { kind: 'action', id: event.data.actionId });
    if (event.type === 'RecommendationAdded') this.addedBy.set(event.eventId, { kind: 'recommendation', id: event.data.recommendationId });
  }
}

function auditRow(planId: string, recorded: RecordedEvent, event: StoredPlanEvent, refs: PlanReferences, after: PlanState): unknown[] {
  const meta = event.metadata;
  return [
    Number(recorded.position),
    after.organisationId,
    planId,
    event.eventId,
    event.revision,
    event.type,
    meta.actor.id,
    meta.actor.displayName,
    event.recordedAt,
    effectiveAtOf(event),
    actionIdOf(event, after),
    summariseEvent(event, refs),
    meta.reason ?? null,
    meta.correlationId,
  ];
}

/** The action an entry is about, if any (for a correction: the action of the entry it corrects). */
export function actionIdOf(event: StoredPlanEvent, plan: PlanState): string | null {
  if (event.type === 'EntryCorrected') {
    const original = plan.history.find((e) => e.eventId === event.data.correctedEventId);
    return original ? actionIdOf(original, plan) : null;
  }
  if (event.type === 'AuditOutcomeRecorded') return event.data.subject.kind === 'action' ? event.data.subject.actionId : null;
  const data = event.data as { actionId?: string };
  return data.actionId ?? null;
}
