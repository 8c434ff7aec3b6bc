import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A lease not renewed for this long is taken over: its holder stopped without saying so. */
export const LEASE_EXPIRY_MS = 30_000;
const RENEW_EVERY_MS = 5_000;
const LEASE_TABLE = `CREATE TABLE IF NOT EXISTS projector_lease (
  id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL, renewed_at INTEGER NOT NULL)`;

export class ReadModelsInUseError extends Error {
  readonly code = 'READ_MODELS_IN_USE';
}

interface LeaseRow {
  token: string;
  pid: number;
  host: string;
  since: string;
  renewed_at: number;
}

export interface LeaseOptions {
  now?: () => number;
  pid?: number;
  host?: string;
}

/**
 * One projector writes a read-model file at a time. Two would each fold the plans from their own place in
 * the log and overwrite each other's rows; a rebuild under a running API would be undone by the API's next
 * write. A projector holds this lease (a row in the file itself, so it works across processes) while it
 * runs; another that finds it held refuses to start and says by whom. A holder that stopped without
 * releasing it (killed, or its machine lost) is taken over once its process is gone (same host) or it has not
 * renewed the lease for LEASE_EXPIRY_MS.
 */
export class ProjectorLease {
  private readonly token = randomUUID();
  private readonly now: () => number;
  private readonly pid: number;
  private readonly host: string;
  private renewedAt = Number.NEGATIVE_INFINITY;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database.Database,
    options: LeaseOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.pid = options.pid ?? process.pid;
    this.host = options.host ?? hostname();
  }

  /** Take the lease, or throw ReadModelsInUseError naming the process that holds it. */
  claim(): void {
    this.db.exec(LEASE_TABLE);
    const now = this.now();
    this.db
      .transaction(() => {
        this.assertNotHeldByAnother(now);
        this.db
          .prepare(`INSERT OR REPLACE INTO projector_lease (id, token, pid, host, since, renewed_at) VALUES (1, ?, ?, ?, ?, ?)`)
          .run(this.token, this.pid, this.host, new Date(now).toISOString(), now);
      })
      .immediate();
    this.renewedAt = now;
  }

  /** Throw ReadModelsInUseError if another projector holds the lease (without taking it). */
  assertNotHeldByAnother(now = this.now()): void {
    const exists = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projector_lease'`).get();
    if (!exists) return;
    const held = this.db.prepare(`SELECT token, pid, host, since, renewed_at FROM projector_lease WHERE id = 1`).get() as LeaseRow | undefined;
    if (held && held.token !== this.token && this.stillHeld(held, now)) {
      throw new ReadModelsInUseError(
        `The read models are being written by another ledger process (pid ${held.pid} on ${held.host}, since ${held.since}). ` +
          `Stop it first (a rebuild needs the API stopped). A process that stopped without saying so is taken over once it is gone, or after ${LEASE_EXPIRY_MS / 1000} s of silence.`,
      );
    }
  }

  /** Renew the lease if it is due. The catch-up loop calls this between pages: its synchronous work can keep timers from firing. */
  renewIfDue(): void {
    const now = this.now();
    if (now - this.renewedAt < RENEW_EVERY_MS) return;
    this.db.prepare(`UPDATE projector_lease SET renewed_at = ? WHERE id = 1 AND token = ?`).run(now, this.token);
    this.renewedAt = now;
  }

  /** Renew on a timer while the projector follows the log live. */
  keepAlive(): void {
    this.timer ??= setInterval(() => this.renewIfDue(), RENEW_EVERY_MS).unref();
  }

  release(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!Number.isFinite(this.renewedAt) || !this.db.open) return;
    this.db.prepare(`DELETE FROM projector_lease WHERE id = 1 AND token = ?`).run(this.token);
    this.renewedAt = Number.NEGATIVE_INFINITY;
  }

  private stillHeld(held: LeaseRow, now: number): boolean {
    if (now - held.renewed_at >= LEASE_EXPIRY_MS) return false;
    return held.host !== this.host || held.pid === this.pid || processIsRunning(held.pid);
  }
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
