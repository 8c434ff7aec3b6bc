import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ImportError, type ImportErrorCode } from './import-error.js';
import type { PlanFileReader, ReadPlanRequest, ReadPlanResult } from './read-plan-file.js';

/**
 * The most memory one worker's heap may take. A file within the import limits needs a small part of it; a
 * file that finds a way round them ends that worker (a 413), never the server.
 */
const WORKER_HEAP_MB = 768;

/** Files read at once; others wait their turn. One core stays free for the requests the workers must not hold up. */
const CONCURRENT_READS = Math.max(1, Math.min(4, availableParallelism() - 1));

const here = import.meta.url;
/** Running from the TypeScript sources (the tests), the worker compiles them as it loads them; from dist, it is plain JS. */
const fromSources = here.endsWith('.ts');
const entry = new URL(fromSources ? './plan-file-worker-main.ts' : './plan-file-worker-main.js', here);

type WorkerAnswer = { id: number } & (
  | { ok: true; result: ReadPlanResult }
  | { ok: false; importError: { code: ImportErrorCode; message: string; rows: number[] } }
  | { ok: false; message: string }
);

interface Job {
  readonly id: number;
  readonly request: ReadPlanRequest;
  resolve(result: ReadPlanResult): void;
  reject(error: unknown): void;
}

/**
 * A few worker threads that read plan files, started when first needed and kept for the next file (starting
 * one costs more than reading most plans). An idle worker does not keep the process alive. A worker that
 * dies (its heap limit reached) fails only its own file and is replaced by the next file that needs one.
 */
class PlanFileWorkers {
  private readonly idle: Worker[] = [];
  private readonly current = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 1;

  read(request: ReadPlanRequest): Promise<ReadPlanResult> {
    return new Promise<ReadPlanResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.current.size < CONCURRENT_READS)) {
      const worker = this.idle.pop() ?? this.spawn();
      const job = this.queue.shift()!;
      this.current.set(worker, job);
      worker.ref();
      // The worker gets its own copy of the bytes; the caller keeps its buffer (multer's, or a file read from disk).
      const bytes = new Uint8Array(job.request.bytes);
      worker.postMessage({ id: job.id, request: { ...job.request, bytes } }, [bytes.buffer]);
    }
  }

  private spawn(): Worker {
    // From the sources (tests only), the event store's test starter compiles the worker: one copy of those hooks (#event-store/testing is a test helper any room's tests may borrow).
    const worker = new Worker(fromSources ? new URL('../../event-store/src/testing/worker-from-sources.js', here) : entry, {
      ...(fromSources ? { workerData: { entry: entry.href } } : {}),
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.on('message', (answer: WorkerAnswer) => {
      const job = this.current.get(worker);
      if (!job || job.id !== answer.id) return;
      this.current.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (answer.ok) job.resolve(answer.result);
      else if ('importError' in answer) job.reject(new ImportError(answer.importError.code, answer.importError.message, answer.importError.rows));
      else job.reject(new Error(`Reading ${job.request.fileName} failed: ${answer.message}`));
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the worker stopped (exit code ${code})`)));
    return worker;
  }

  /** A worker that failed or stopped: its file is refused, and it is never given another. */
  private lost(worker: Worker, error: Error & { code?: string }): void {
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    const job = this.current.get(worker);
    this.current.delete(worker);
    if (job) {
      const { fileName } = job.request;
      job.reject(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new ImportError(
              'FILE_TOO_LARGE',
              `${fileName} needs more memory to read than the ledger gives one import (${WORKER_HEAP_MB} MB): import the plan sheet on its own, as CSV`,
              [],
              { cause: error },
            )
          : new Error(`Reading ${fileName} failed: ${error.message}`, { cause: error }),
      );
    }
    this.dispatch();
  }
}

const workers = new PlanFileWorkers();

/**
 * readPlanFile on a worker thread: reading a workbook and interpreting thousands of rows is seconds of CPU, and
 * on the thread that answers requests it would stop /health and everyone else's requests for as long. The
 * result comes back as plain data; an ImportError as an ImportError.
 */
export const readPlanFileInWorker: PlanFileReader = (request) => workers.read(request);
