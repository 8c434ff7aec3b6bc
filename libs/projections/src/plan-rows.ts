import type Database from 'better-sqlite3';
import { dictionary, initialUpdateTracking, own, type Action, type PlanState } from '#domain';
import { BoundedCache } from '#plan-views';

/** Plans kept assembled, by id and revision: a large plan's rows are ~3 MB of JSON to parse on every read. */
const ASSEMBLED_PLANS = 64;

/**
 * What changed in a plan since its rows were last written: some of its actions, or (after a correction,
 * which re-folds the plan) everything; and whether anything of the plan's own row changed beyond its revision
 * and last recorded instant.
 */
export class PlanChanges {
  readonly actions = new Set<string>();
  everything = false;
  /**
   * Something of the plan's own row changed besides its revision and lastRecordedAt (an event that is not
   * confined to one action: the plan's shape, a correction, approvals, update rounds), or it is not known what
   * the row holds: the row is written whole. A progress note on a large plan changes only those two fields of
   * a row of ~40 KB of JSON (its recommendations and action order), which every write re-serialised.
   */
  beyondActions = true;
  /** The revision this plan's rows were last written at (undefined: not known, so the next write is whole). */
  writtenAt: number | undefined;
  /**
   * Of `actions`, those whose only change since then is progress notes appended, and how many: their rows get
   * the new notes appended to the stored text rather than the whole action (~12 KB for an action of the
   * 10k-event plan) serialised again.
   */
  readonly notesOnly = new Map<string, number>();

  /** A progress note was recorded on the action (and nothing else of it changed by this event). */
  noteAppended(actionId: string): void {
    if (!this.actions.has(actionId) || this.notesOnly.has(actionId)) this.notesOnly.set(actionId, (this.notesOnly.get(actionId) ?? 0) + 1);
    this.actions.add(actionId);
  }

  /** The action changed in some other way: its row is written whole. */
  actionChanged(actionId: string): void {
    this.notesOnly.delete(actionId);
    this.actions.add(actionId);
  }

  /** What `older` (of the same plan, not yet written) owed: its changed actions are written whole. */
  takeOver(older: PlanChanges): void {
    if (older.everything) this.everything = true;
    for (const actionId of older.actions) this.actionChanged(actionId);
    if (older.beyondActions) this.beyondActions = true;
  }

  /** The rows now stand at `writtenAt` (or, without it, nothing is known of them). */
  clear(writtenAt?: number): void {
    this.actions.clear();
    this.notesOnly.clear();
    this.everything = false;
    this.beyondActions = writtenAt === undefined;
    this.writtenAt = writtenAt;
  }
}

/** The plan without its actions and history: what the `plans` row holds. */
type PlanHead = Omit<PlanState, 'actions' | 'history'>;

/** The values of plans rows (in the table's column order) and plan_actions rows, as a rebuild worker hands them over. */
export interface PlanRowValues {
  plans: unknown[][];
  actions: unknown[][];
}

function planRowOf(plan: PlanState): unknown[] {
  const { actions: _actions, history: _history, ...head } = plan;
  return [plan.id, plan.organisationId, plan.organisation, plan.title, plan.revision, plan.lastRecordedAt ?? null, JSON.stringify(head)];
}

/**
 * Every row of these plans, as PlanRows.write writes them after a change of everything: made in a rebuild
 * worker, where the JSON is the costly part, and inserted by the thread that owns the read-model file.
 */
export function planRowsOf(plans: Iterable<PlanState>, into: PlanRowValues = { plans: [], actions: [] }): PlanRowValues {
  for (const plan of plans) {
    into.plans.push(planRowOf(plan));
    for (const actionId of Object.keys(plan.actions)) {
      const action = own(plan.actions, actionId);
      if (action) into.actions.push([plan.id, actionId, JSON.stringify(action)]);
    }
  }
  return into;
}

/**
 * The current-state read model of plans, as rows: one per plan (everything but its actions) and one per
 * action. A write touches only the actions that changed, so recording a progress note on a plan of 300
 * actions rewrites one action, not the plan's every note (which made writes to large plans slow and a
 * rebuild spend its time serialising JSON). Reads put the plan back together in the order it was written.
 */
export class PlanRows {
  private readonly upsertPlan: Database.Statement;
  private readonly upsertAction: Database.Statement;
  private readonly touchPlan: Database.Statement;
  private readonly appendNote: Database.Statement;
  private readonly deleteActions: Database.Statement;
  private readonly selectPlan: Database.Statement<[string], { plan_json: string }>;
  private readonly selectActions: Database.Statement<[string], { action_json: string }>;
  private readonly selectRevision: Database.Statement<[string], { revision: number }>;
  /**
   * Plans as last assembled, with the revision their rows had. A read asks SQLite for the revision first (one
   * indexed row) and only parses the rows when it moved on, so it never serves a stale revision, whichever
   * process or connection wrote the rows. A rebuild rewrites a plan at the revision it had from the same
   * events, so the same revision means the same state. The states are shared: callers never change them.
   */
  private readonly assembled = new BoundedCache<string, PlanState>(ASSEMBLED_PLANS);

  constructor(private readonly db: Database.Database) {
    this.upsertPlan = db.prepare(
      `INSERT INTO plans (plan_id, organisation_id, organisation, title, revision, last_recorded_at, plan_json) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (plan_id) DO UPDATE SET organisation_id = excluded.organisation_id, organisation = excluded.organisation, title = excluded.title,
         revision = excluded.revision, last_recorded_at = excluded.last_recorded_at, plan_json = excluded.plan_json`,
    );
    this.upsertAction = db.prepare(
      `INSERT INTO plan_actions (plan_id, action_id, action_json) VALUES (?, ?, ?)
       ON CONFLICT (plan_id, action_id) DO UPDATE SET action_json = excluded.action_json`,
    );
    // Only the revision and last instant, in the columns and in plan_json (json_set edits those two values in
    // the stored text and leaves the rest byte for byte as JSON.stringify wrote it); only if the row still
    // stands at the revision it was written at, so a row someone else rewrote meanwhile is written whole.
    this.touchPlan = db.prepare(
      `UPDATE plans SET revision = ?, last_recorded_at = ?, plan_json = json_set(plan_json, '$.revision', ?, '$.lastRecordedAt', ?)
       WHERE plan_id = ? AND revision = ?`,
    );
    // One note onto the stored action's progress, only if the row holds exactly the notes before it.
    this.appendNote = db.prepare(
      `UPDATE plan_actions SET action_json = json_set(action_json, '$.progress[#]', json(?))
       WHERE plan_id = ? AND action_id = ? AND json_array_length(action_json, '$.progress') = ?`,
    );
    this.deleteActions = db.prepare(`DELETE FROM plan_actions WHERE plan_id = ?`);
    this.selectPlan = db.prepare(`SELECT plan_json FROM plans WHERE plan_id = ?`);
    this.selectActions = db.prepare(`SELECT action_json FROM plan_actions WHERE plan_id = ?`);
    this.selectRevision = db.prepare(`SELECT revision FROM plans WHERE plan_id = ?`);
  }

  /** Write what changed; the caller holds the transaction. */
  write(plan: PlanState, changes: PlanChanges): void {
    const { actions } = plan;
    // As a BigInt, SQLite is handed an INTEGER: a JS number binds as REAL, which json_set writes as 11.0.
    const revision = BigInt(plan.revision);
    const countersOnly = !changes.everything && !changes.beyondActions && changes.writtenAt !== undefined && plan.lastRecordedAt !== undefined;
    if (!countersOnly || this.touchPlan.run(revision, plan.lastRecordedAt, revision, plan.lastRecordedAt, plan.id, changes.writtenAt).changes !== 1) this.upsertPlan.run(...planRowOf(plan));
    if (changes.everything) this.deleteActions.run(plan.id);
    const changed = changes.everything ? Object.keys(actions) : changes.actions;
    const inSync = !changes.everything && changes.writtenAt !== undefined;
    for (const actionId of changed) {
      const action = own(actions, actionId);
      if (!action) continue;
      const notes = inSync ? (changes.notesOnly.get(actionId) ?? 0) : 0;
      if (notes === 0 || !this.appendNotes(plan.id, action, notes)) this.upsertAction.run(plan.id, actionId, JSON.stringify(action));
    }
  }

  /** The action's last `count` notes appended to its row; false (the row to be written whole) if it did not hold the notes before them. */
  private appendNotes(planId: string, action: Action, count: number): boolean {
    const { progress } = action;
    if (count > progress.length) return false;
    for (let i = progress.length - count; i < progress.length; i++) {
      if (this.appendNote.run(JSON.stringify(progress[i]), planId, action.id, i).changes !== 1) return false;
    }
    return true;
  }

  /** Insert whole plans' rows made elsewhere (by planRowsOf, in a rebuild worker); the caller holds the transaction. */
  insert(rows: PlanRowValues): void {
    for (const row of rows.plans) this.upsertPlan.run(...row);
    for (const row of rows.actions) this.upsertAction.run(...row);
  }

  /** The plan as projected (without history), or null. */
  read(planId: string): PlanState | null {
    const current = this.selectRevision.get(planId);
    if (!current) {
      this.assembled.delete(planId);
      return null;
    }
    return this.cached(planId, current.revision) ?? this.readRows(planId);
  }

  /** The revision of the plan's row, or null: what a reader's ETag is checked against without reading the plan. */
  revision(planId: string): number | null {
    return this.selectRevision.get(planId)?.revision ?? null;
  }

  /** Every plan whose row matches `where` (SQL over the plans table), ordered by title. */
  readWhere(where: string, params: readonly unknown[]): PlanState[] {
    const rows = this.db
      .prepare(`SELECT plan_id, revision FROM plans ${where ? `WHERE ${where}` : ''} ORDER BY title, plan_id`)
      .all(...params) as { plan_id: string; revision: number }[];
    return rows.flatMap((row) => this.cached(row.plan_id, row.revision) ?? this.readRows(row.plan_id) ?? []);
  }

  private cached(planId: string, revision: number): PlanState | undefined {
    const state = this.assembled.get(planId);
    return state && state.revision === revision ? state : undefined;
  }

  /** Plan row and action rows read in one transaction, so they agree with each other and with the revision kept. */
  private readRows(planId: string): PlanState | null {
    const state = this.db.transaction(() => {
      const row = this.selectPlan.get(planId);
      return row ? this.assemble(row.plan_json, this.selectActions.all(planId)) : null;
    })();
    if (state) this.assembled.set(planId, state);
    else this.assembled.delete(planId);
    return state;
  }

  private assemble(planJson: string, actionRows: readonly { action_json: string }[]): PlanState {
    const head = JSON.parse(planJson) as PlanHead;
    const byId = new Map<string, Action>();
    for (const row of actionRows) {
      const action = JSON.parse(row.action_json) as Action;
      byId.set(action.id, action);
    }
    const actions = dictionary<Action>(head.actionOrder.flatMap((actionId) => {
      const action = byId.get(actionId);
      return action ? [[actionId, action] as const] : [];
    }));
    // JSON.parse gives objects with a prototype: rebuild the id-keyed records without one.
    const approval = head.approval && { ...head.approval, workstreams: dictionary(Object.entries(head.approval.workstreams ?? {})) };
    const updates = head.updates ? { ...head.updates, contacts: dictionary(Object.entries(head.updates.contacts)) } : initialUpdateTracking();
    return { ...head, workstreams: dictionary(Object.entries(head.workstreams)), recommendations: dictionary(Object.entries(head.recommendations)), actions, ...(approval && { approval }), updates, history: [] };
  }
}
