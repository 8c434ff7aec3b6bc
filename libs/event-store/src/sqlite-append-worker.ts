import { Worker } from 'node:worker_threads';
import { APPEND_CHUNK, yieldToEventLoop, type ChainedEvent } from './append-batch.js';

/** One event's row as the worker inserts it, after the stream id: the columns of INSERT INTO events, in order. */
export type AppendJobRow = [revision: bigint, eventId: string, type: string, data: string, metadata: string, recordedAt: string, previousHash: string, hash: string];

export type AppendWorkerMessage =
  | { kind: 'rows'; id: number; rows: AppendJobRow[] }
  | { kind: 'commit'; id: number; streamId: string; count: number; headRevision: bigint | null; headHash: string | null; recordedAt: string }
  | { kind: 'checkpoint'; id: number };

export type AppendWorkerAnswer =
  | { id: number; kind: 'appended'; position: bigint }
  | { id: number; kind: 'checkpointed'; busy: boolean; walFrames: number; backfilled: number }
  | { id: number; kind: 'stale'; head: { revision: bigint; hash: string; position: bigint } | null; lastRecordedAt: string | null }
  | { id: number; kind: 'failed'; error: { name: string; code: string | undefined; message: string } };

/** What the chain of a batch was computed against: the worker inserts it only if the file still stands there. */
export interface ChainBase {
  headRevision: bigint | null;
  headHash: string | null;
  /** The instant every event of the batch carries; nothing later may be recorded in the file already. */
  recordedAt: string;
}

/** The worker stopped (or could not start) while it held an append: whether that append committed is for the store to find out. */
export class AppendWorkerLostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppendWorkerLostError';
  }
}

const here = import.meta.url;
/** Running from the TypeScript sources (the tests), the worker compiles them as it loads them; from dist, it is plain JS. */
const fromSources = here.endsWith('.ts');
const entry = new URL(fromSources ? './sqlite-append-worker-main.ts' : './sqlite-append-worker-main.js', here);

interface Pending {
  resolve(answer: AppendWorkerAnswer): void;
  reject(error: unknown): void;
}

/**
 * A thread with its own connection to an event-store file, for the one transaction of a large append: ten
 * thousand inserts take a third of a second, and on the thread that answers requests that is a third of a
 * second of nobody else being answered. The rows are sent chunk by chunk as they are prepared, between which
 * the main thread serves others; the worker then runs the transaction exactly as the main connection would
 * (BEGIN IMMEDIATE, all or nothing, synchronous=FULL). Started on first use, kept, and never keeping the
 * process alive while idle. The store sends one append at a time (its write lock).
 */
export class SqliteAppendWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /** Send the chained batch and ask the worker to insert it if the file still stands where it was chained. */
  async append(streamId: string, chained: readonly ChainedEvent[], base: ChainBase): Promise<AppendWorkerAnswer> {
    const worker = this.running();
    const id = this.nextId++;
    const answer = new Promise<AppendWorkerAnswer>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // Awaited below, after the rows are sent; a thread lost before then must not count as an unhandled rejection.
    answer.catch(() => undefined);
    worker.ref();
    try {
      for (let start = 0; start < chained.length; start += APPEND_CHUNK) {
        if (start > 0) await yieldToEventLoop();
        if (this.worker !== worker) break; // lost meanwhile: the answer says so
        const rows = chained.slice(start, start + APPEND_CHUNK).map(toRow);
        worker.postMessage({ kind: 'rows', id, rows } satisfies AppendWorkerMessage);
      }
      if (this.worker === worker) {
        worker.postMessage({ kind: 'commit', id, streamId, count: chained.length, ...base } satisfies AppendWorkerMessage);
      }
      return await answer;
    } finally {
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
    }
  }

  /**
   * A PASSIVE checkpoint on the worker's connection: the WAL's pages copied into the database file and that file
   * fsynced, on this thread rather than inside the COMMIT of whichever append crossed SQLite's threshold. It
   * waits for no reader or writer (appends go on meanwhile), never keeps the process alive, and a checkpoint
   * that fails or is cut short by close() leaves the file as it was: the next one, or SQLite's own, carries on.
   */
  async checkpoint(): Promise<AppendWorkerAnswer> {
    const worker = this.running();
    const id = this.nextId++;
    const answer = new Promise<AppendWorkerAnswer>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    try {
      worker.postMessage({ kind: 'checkpoint', id } satisfies AppendWorkerMessage);
      return await answer;
    } finally {
      this.pending.delete(id);
    }
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(fromSources ? new URL('./testing/worker-from-sources.js', here) : entry, {
      workerData: { path: this.path, busyTimeoutMs: this.busyTimeoutMs, ...(fromSources ? { entry: entry.href } : {}) },
    });
    worker.unref();
    worker.on('message', (answer: AppendWorkerAnswer) => this.pending.get(answer.id)?.resolve(answer));
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const pending of this.pending.values()) pending.reject(new AppendWorkerLostError(`The event store's append thread stopped: ${error.message}`, { cause: error }));
      this.pending.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

function toRow(event: ChainedEvent): AppendJobRow {
  return [event.revision, event.eventId, event.type, event.storedData ?? JSON.stringify(event.data), event.storedMetadata ?? JSON.stringify(event.metadata), event.recordedAt, event.previousHash, event.hash];
}
