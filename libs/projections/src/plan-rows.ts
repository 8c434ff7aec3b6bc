import type Database from 'better-sqlite3';
import { dictionary, initialUpdateTracking, own, type Action, type PlanState } from '#domain';

/**
 * What changed in a plan since its rows were last written: some of its actions, or (after a correction,
 * which re-folds the plan) everything. The plan's own row is always rewritten: it is small.
 */
export class PlanChanges {
  readonly actions = new Set<string>();
  everything = false;

  clear(): void {
    this.actions.clear();
    this.everything = false;
  }
}

/** The plan without its actions and history: what the `plans` row holds. */
type PlanHead = Omit<PlanState, 'actions' | 'history'>;

/**
 * The current-state read model of plans, as rows: one per plan (everything but its actions) and one per
 * action. A write touches only the actions that changed, so recording a progress note on a plan of 300
 * actions rewrites one action, not the plan's every note (which made writes to large plans slow and a
 * rebuild spend its time serialising JSON). Reads put the plan back together in the order it was written.
 */
export class PlanRows {
  private readonly upsertPlan: Database.Statement;
  private readonly upsertAction: Database.Statement;
  private readonly deleteActions: Database.Statement;
  private readonly selectPlan: Database.Statement<[string], { plan_json: string }>;
  private readonly selectActions: Database.Statement<[string], { action_json: string }>;

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
    this.deleteActions = db.prepare(`DELETE FROM plan_actions WHERE plan_id = ?`);
    this.selectPlan = db.prepare(`SELECT plan_json FROM plans WHERE plan_id = ?`);
    this.selectActions = db.prepare(`SELECT action_json FROM plan_actions WHERE plan_id = ?`);
  }

  /** Write what changed; the caller holds the transaction. */
  write(plan: PlanState, changes: PlanChanges): void {
    const { actions, history: _history, ...head } = plan;
    this.upsertPlan.run(plan.id, plan.organisationId, plan.organisation, plan.title, plan.revision, plan.lastRecordedAt ?? null, JSON.stringify(head));
    if (changes.everything) this.deleteActions.run(plan.id);
    const changed = changes.everything ? Object.keys(actions) : changes.actions;
    for (const actionId of changed) {
      const action = own(actions, actionId);
      if (action) this.upsertAction.run(plan.id, actionId, JSON.stringify(action));
    }
  }

  /** The plan as projected (without history), or null. */
  read(planId: string): PlanState | null {
    const row = this.selectPlan.get(planId);
    return row ? this.assemble(row.plan_json, this.selectActions.all(planId)) : null;
  }

  /** Every plan whose row matches `where` (SQL over the plans table), ordered by title. */
  readWhere(where: string, params: readonly unknown[]): PlanState[] {
    const rows = this.db
      .prepare(`SELECT plan_id, plan_json FROM plans ${where ? `WHERE ${where}` : ''} ORDER BY title, plan_id`)
      .all(...params) as { plan_id: string; plan_json: string }[];
    return rows.map((row) => this.assemble(row.plan_json, this.selectActions.all(row.plan_id)));
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
    const updates = head.updates ? { ...head.updates, contacts: dictionary(Object.entries(head.updates.contacts)) } : initialUpdateTracking();
    return { ...head, workstreams: dictionary(Object.entries(head.workstreams)), recommendations: dictionary(Object.entries(head.recommendations)), actions, updates, history: [] };
  }
}
