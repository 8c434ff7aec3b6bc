import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { preparePrivateDatabaseFile } from '#event-store';
import { ProjectorLease } from './projector-lease.js';

/**
 * The read models live in their own SQLite file, apart from the events: they can be dropped and rebuilt
 * from the events at any time (`ledger rebuild-projections`), and nothing in them is evidence. A file of another
 * version is rebuilt at its first start. Version 5 (round 11) has the tables of 4: it rebuilds the files whose rows a
 * catch-up before it could leave stale (a plan folded again from its stream dropped the changes folded into it
 * earlier in the same catch-up).
 */
export const READ_MODEL_SCHEMA_VERSION = 5;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS checkpoints (
    name TEXT PRIMARY KEY,
    position TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS plans (
    plan_id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    organisation TEXT NOT NULL,
    title TEXT NOT NULL,
    revision INTEGER NOT NULL,
    last_recorded_at TEXT,
    plan_json TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS plan_actions (
    plan_id TEXT NOT NULL,
    action_id TEXT NOT NULL,
    action_json TEXT NOT NULL,
    PRIMARY KEY (plan_id, action_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS audit_log (
    position INTEGER PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    type TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    effective_at TEXT NOT NULL,
    action_id TEXT,
    summary TEXT NOT NULL,
    reason TEXT,
    correlation_id TEXT NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS audit_log_event ON audit_log (event_id);
  CREATE INDEX IF NOT EXISTS audit_log_plan ON audit_log (plan_id, position);
  CREATE INDEX IF NOT EXISTS audit_log_organisation ON audit_log (organisation_id, position);
  CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log (plan_id, action_id, position);
  CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (actor_name, position);
  CREATE INDEX IF NOT EXISTS audit_log_type ON audit_log (type, position);
  CREATE INDEX IF NOT EXISTS audit_log_recorded ON audit_log (recorded_at, position);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  -- Plans the projector could not fold, from the event that stopped it (see PlanProjector, quarantine).
  CREATE TABLE IF NOT EXISTS quarantined_plans (
    plan_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    position TEXT NOT NULL,
    reason TEXT NOT NULL,
    quarantined_at TEXT NOT NULL
  );
`;

export function openReadModelDatabase(file: string): Database.Database {
  preparePrivateDatabaseFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // Read models can always be rebuilt from the events, so NORMAL durability is enough here.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const version = (() => {
    try {
      return (db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined)?.value;
    } catch {
      return undefined;
    }
  })();
  if (version !== undefined && (Number(version) !== READ_MODEL_SCHEMA_VERSION || rebuildUnfinished(db))) {
    // Not from under a projector at work: a rebuild in progress is marked unfinished until it ends.
    try {
      new ProjectorLease(db).assertNotHeldByAnother();
    } catch (error) {
      db.close();
      throw error;
    }
    dropReadModels(db);
    // A partitioned rebuild killed half-way left its staging file.
    removeStageFiles(file);
  }
  db.exec(SCHEMA);
  db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(READ_MODEL_SCHEMA_VERSION));
  return db;
}

export function dropReadModels(db: Database.Database): void {
  db.exec(`DROP TABLE IF EXISTS checkpoints; DROP TABLE IF EXISTS plans; DROP TABLE IF EXISTS plan_actions; DROP TABLE IF EXISTS audit_log; DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS quarantined_plans;`);
}

function recreateReadModels(db: Database.Database): void {
  dropReadModels(db);
  db.exec(SCHEMA);
  db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(READ_MODEL_SCHEMA_VERSION));
}

const REBUILD_UNFINISHED = 'rebuild_unfinished';
const DEFAULT_CACHE_KIB = 2_000;
const REBUILD_CACHE_KIB = 256_000;

/**
 * Empty the read models for a rebuild. Until finishRebuild, writes do not wait for the disk (synchronous=OFF:
 * a third of a rebuild's time went on fsyncs at WAL checkpoints); the file is marked unfinished meanwhile, so
 * if the machine stops half-way the next open starts the read models again from nothing.
 */
export function startRebuild(db: Database.Database): void {
  recreateReadModels(db);
  db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`).run(REBUILD_UNFINISHED, new Date().toISOString());
  db.pragma('synchronous = OFF');
  // Room to sort the audit log's indexes in memory at the end, rather than in temporary files.
  db.pragma(`cache_size = -${REBUILD_CACHE_KIB}`);
  db.pragma('temp_store = MEMORY');
}

/** Back to normal durability: everything written is on disk before the unfinished mark goes. */
export function finishRebuild(db: Database.Database): void {
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${DEFAULT_CACHE_KIB}`);
  db.pragma('temp_store = DEFAULT');
  db.pragma('wal_checkpoint(FULL)');
  db.prepare(`DELETE FROM meta WHERE key = ?`).run(REBUILD_UNFINISHED);
}

/**
 * Where a partitioned rebuild stages the audit rows of its rounds (see PlanProjector.rebuild), beside the read
 * models; for a database in memory, a temporary file of SQLite's own.
 */
export function stageFileOf(readModelFile: string): string {
  return readModelFile === '' || readModelFile === ':memory:' ? '' : `${readModelFile}.rebuild-stage`;
}

export function removeStageFiles(readModelFile: string): void {
  const stage = stageFileOf(readModelFile);
  if (stage === '') return;
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(stage + suffix, { force: true });
}

function rebuildUnfinished(db: Database.Database): boolean {
  return db.prepare(`SELECT 1 FROM meta WHERE key = ?`).get(REBUILD_UNFINISHED) !== undefined;
}
