import Database from 'better-sqlite3';

/**
 * Every row of a read-model file that a projection writes, in a fixed order, for comparing two files row for
 * row. Left out: when a quarantine was recorded (a clock reading, not a projection), and the lease and meta rows.
 */
export function readModelRows(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).raw().all();
    return {
      checkpoints: all(`SELECT name, position FROM checkpoints WHERE name = 'plans-and-audit-log'`),
      plans: all(`SELECT * FROM plans ORDER BY plan_id`),
      planActions: all(`SELECT * FROM plan_actions ORDER BY plan_id, action_id`),
      auditLog: all(`SELECT * FROM audit_log ORDER BY position`),
      quarantinedPlans: all(`SELECT plan_id, revision, event_id, position, reason FROM quarantined_plans ORDER BY plan_id`),
      indexes: all(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' ORDER BY name`),
    };
  } finally {
    db.close();
  }
}
