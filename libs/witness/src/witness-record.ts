import Database from 'better-sqlite3';
import { openPrivateDatabase } from '#event-store';

/**
 * The witness's memory: for each log, the latest checkpoint it cosigned, and every refusal (evidence that a log
 * misbehaved). synchronous = FULL: a cosignature is only returned once its record is on disk, so a restart can
 * never forget a larger tree it vouched for. Checking the old size and storing the new checkpoint happen in one
 * IMMEDIATE transaction, so two requests (or two processes on the file) cannot roll the record back.
 */

export interface CosignedCheckpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** The checkpoint as served: the log's signature and this witness's cosignature. */
  note: string;
  /** POSIX seconds of the cosignature. */
  timestamp: number;
}

export interface Refusal {
  origin: string;
  status: number;
  reason: string;
  at: string;
}

export class WitnessRecord {
  private readonly db: Database.Database;
  private readonly selectLatest: Database.Statement<[string], Row>;
  private readonly selectByHash: Database.Statement<[string], Row>;
  private readonly upsert: Database.Statement<[string, string, number, Buffer, string, number]>;
  private readonly insertRefusal: Database.Statement<[string, number, string, string, string]>;
  private readonly selectRefusals: Database.Statement<[number], Refusal>;

  constructor(file: string) {
    this.db = openPrivateDatabase(file, { schema: SCHEMA, synchronous: 'FULL' });
    this.selectLatest = this.db.prepare<[string], Row>('SELECT origin, size, root_hash, note, timestamp FROM latest WHERE origin = ?');
    this.selectByHash = this.db.prepare<[string], Row>('SELECT origin, size, root_hash, note, timestamp FROM latest WHERE origin_hash = ?');
    this.upsert = this.db.prepare(
      `INSERT INTO latest (origin, origin_hash, size, root_hash, note, timestamp) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root_hash = excluded.root_hash, note = excluded.note, timestamp = excluded.timestamp`,
    );
    this.insertRefusal = this.db.prepare('INSERT INTO refusals (origin, status, reason, note, at) VALUES (?, ?, ?, ?, ?)');
    this.selectRefusals = this.db.prepare<[number], Refusal>('SELECT origin, status, reason, at FROM refusals ORDER BY id DESC LIMIT ?');
  }

  latest(origin: string): CosignedCheckpoint | undefined {
    return rowToCheckpoint(this.selectLatest.get(origin));
  }

  latestByOriginHash(originHash: string): CosignedCheckpoint | undefined {
    return rowToCheckpoint(this.selectByHash.get(originHash));
  }

  /**
   * Run decide against the latest record inside one IMMEDIATE transaction; store what it returns to store.
   * decide must be synchronous: nothing else touches the record until it returns.
   */
  compareAndStore<T>(origin: string, decide: (latest: CosignedCheckpoint | undefined) => { store?: CosignedCheckpoint & { originHash: string }; result: T }): T {
    return this.db
      .transaction(() => {
        const { store, result } = decide(this.latest(origin));
        if (store) this.upsert.run(store.origin, store.originHash, store.size, Buffer.from(store.rootHash), store.note, store.timestamp);
        return result;
      })
      .immediate();
  }

  refuse(origin: string, status: number, reason: string, note: string): void {
    this.insertRefusal.run(origin, status, reason, note, new Date().toISOString());
  }

  refusals(limit = 20): Refusal[] {
    return this.selectRefusals.all(limit);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface Row {
  origin: string;
  size: number;
  root_hash: Buffer;
  note: string;
  timestamp: number;
}

function rowToCheckpoint(row: Row | undefined): CosignedCheckpoint | undefined {
  return row ? { origin: row.origin, size: row.size, rootHash: new Uint8Array(row.root_hash), note: row.note, timestamp: row.timestamp } : undefined;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS latest (
    origin      TEXT    PRIMARY KEY,
    origin_hash TEXT    NOT NULL UNIQUE,
    size        INTEGER NOT NULL CHECK (size >= 0),
    root_hash   BLOB    NOT NULL CHECK (length(root_hash) = 32),
    note        TEXT    NOT NULL,
    timestamp   INTEGER NOT NULL
  ) STRICT;
  -- A witness never goes back: a smaller tree, or a different root at the same size, cannot be written.
  CREATE TRIGGER IF NOT EXISTS latest_never_shrinks BEFORE UPDATE ON latest
    WHEN NEW.size < OLD.size OR (NEW.size = OLD.size AND NEW.root_hash != OLD.root_hash)
    BEGIN SELECT RAISE(ABORT, 'a witness never records a smaller or different tree after a larger one'); END;
  CREATE TRIGGER IF NOT EXISTS latest_is_not_deleted BEFORE DELETE ON latest
    BEGIN SELECT RAISE(ABORT, 'a witness never forgets a log it cosigned'); END;
  CREATE TABLE IF NOT EXISTS refusals (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT    NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT    NOT NULL,
    note   TEXT    NOT NULL,
    at     TEXT    NOT NULL
  ) STRICT;
`;
