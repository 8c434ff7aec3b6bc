import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openPrivateDatabase } from '#event-store';

/**
 * What the ledger's witnesses said, in a file of its own: every cosignature received (append-only), the size each
 * witness last cosigned per plan log (what the next add-checkpoint sends as its old size), and every refusal,
 * an alarm until the same witness cosigns that log again. Bundles carry the latest cosignatures from here.
 */

export interface StoredCosignature {
  witness: string;
  origin: string;
  planId: string;
  size: number;
  /** Hex RFC 6962 root the witness cosigned. */
  rootHash: string;
  /** POSIX seconds in the cosignature. */
  timestamp: number;
  /** The ledger-signed checkpoint note the witness cosigned. */
  checkpoint: string;
  /** The witness's signature line, newline included. */
  line: string;
  receivedAt: string;
}

export interface WitnessAlarm {
  witness: string;
  origin: string;
  planId: string;
  /** The HTTP status of the refusal, or 0 when the ledger itself saw the problem (a witness holds more than the ledger). */
  status: number;
  detail: string;
  at: string;
}

export class CosignatureLog {
  private readonly db: Database.Database;

  /** Opens (creating) the file; use openIfPresent where a ledger without witnesses should leave no file. */
  constructor(file: string) {
    this.db = openPrivateDatabase(file, { schema: SCHEMA });
  }

  static openIfPresent(file: string): CosignatureLog | undefined {
    return existsSync(file) ? new CosignatureLog(file) : undefined;
  }

  /** The size this witness last cosigned (or told us, with a 409) for the log; 0 when it never did. */
  witnessSize(witness: string, origin: string): number {
    return (this.db.prepare<[string, string], number>('SELECT size FROM witness_views WHERE witness = ? AND origin = ?').pluck().get(witness, origin) ?? 0);
  }

  setWitnessSize(witness: string, origin: string, size: number): void {
    this.db.prepare('INSERT INTO witness_views (witness, origin, size) VALUES (?, ?, ?) ON CONFLICT (witness, origin) DO UPDATE SET size = excluded.size').run(witness, origin, size);
  }

  record(c: StoredCosignature): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO cosignatures (witness, origin, plan_id, size, root_hash, timestamp, checkpoint, line, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(c.witness, c.origin, c.planId, c.size, c.rootHash, c.timestamp, c.checkpoint, c.line, c.receivedAt);
      this.setWitnessSize(c.witness, c.origin, c.size);
    })();
  }

  /** Each witness's latest cosignature of the plan's log: the largest tree, the newest timestamp. */
  latestOf(planId: string): StoredCosignature[] {
    return this.db
      .prepare<[string], Row>(
        `SELECT * FROM cosignatures c WHERE plan_id = ? AND id = (
           SELECT id FROM cosignatures d WHERE d.plan_id = c.plan_id AND d.witness = c.witness ORDER BY size DESC, timestamp DESC, id DESC LIMIT 1)
         ORDER BY witness`,
      )
      .all(planId)
      .map(fromRow);
  }

  /** The plan log's checkpoints as the witnesses cosigned them: one note per checkpoint, every witness's latest cosignature on it. */
  cosignedNotes(planId: string): string[] {
    const groups = new Map<string, string[]>();
    for (const c of this.latestOf(planId)) groups.set(c.checkpoint, [...(groups.get(c.checkpoint) ?? []), c.line]);
    return [...groups].map(([note, lines]) => note + lines.join(''));
  }

  alarm(alarm: WitnessAlarm): void {
    this.db.prepare('INSERT INTO alarms (witness, origin, plan_id, status, detail, at) VALUES (?, ?, ?, ?, ?, ?)').run(alarm.witness, alarm.origin, alarm.planId, alarm.status, alarm.detail, alarm.at);
  }

  /** Refusals not followed by a cosignature from the same witness for the same log, newest first. */
  openAlarms(limit = 20): WitnessAlarm[] {
    return this.db
      .prepare<[number], { witness: string; origin: string; plan_id: string; status: number; detail: string; at: string }>(
        `SELECT witness, origin, plan_id, status, detail, at FROM alarms a
         WHERE NOT EXISTS (SELECT 1 FROM cosignatures c WHERE c.witness = a.witness AND c.origin = a.origin AND c.received_at > a.at)
         ORDER BY id DESC LIMIT ?`,
      )
      .all(limit)
      .map((r) => ({ witness: r.witness, origin: r.origin, planId: r.plan_id, status: r.status, detail: r.detail, at: r.at }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface Row {
  witness: string;
  origin: string;
  plan_id: string;
  size: number;
  root_hash: string;
  timestamp: number;
  checkpoint: string;
  line: string;
  received_at: string;
}

function fromRow(r: Row): StoredCosignature {
  return { witness: r.witness, origin: r.origin, planId: r.plan_id, size: r.size, rootHash: r.root_hash, timestamp: r.timestamp, checkpoint: r.checkpoint, line: r.line, receivedAt: r.received_at };
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS cosignatures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    witness     TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    plan_id     TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    root_hash   TEXT    NOT NULL,
    timestamp   INTEGER NOT NULL,
    checkpoint  TEXT    NOT NULL,
    line        TEXT    NOT NULL,
    received_at TEXT    NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS cosignatures_by_plan ON cosignatures (plan_id, witness, size);
  CREATE TRIGGER IF NOT EXISTS cosignatures_are_not_updated BEFORE UPDATE ON cosignatures
    BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;
  CREATE TRIGGER IF NOT EXISTS cosignatures_are_not_deleted BEFORE DELETE ON cosignatures
    BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;
  CREATE TABLE IF NOT EXISTS witness_views (
    witness TEXT    NOT NULL,
    origin  TEXT    NOT NULL,
    size    INTEGER NOT NULL,
    PRIMARY KEY (witness, origin)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS alarms (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    witness TEXT    NOT NULL,
    origin  TEXT    NOT NULL,
    plan_id TEXT    NOT NULL,
    status  INTEGER NOT NULL,
    detail  TEXT    NOT NULL,
    at      TEXT    NOT NULL
  ) STRICT;
`;
