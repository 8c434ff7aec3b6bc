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

let running = 0;
const waiting: (() => void)[] = [];

/**
 * readPlanFile on a worker thread: reading a workbook and interpreting thousands of rows is seconds of CPU, and
 * on the thread that answers requests it would stop /health and everyone else's requests for as long. The file's
 * bytes are copied to the worker (the caller keeps its own); the result comes back as plain data.
 */
export const readPlanFileInWorker: PlanFileReader = async (request) => {
  await turn();
  try {
    return await runWorker(request);
  } finally {
    running--;
    waiting.shift()?.();
  }
};

async function turn(): Promise<void> {
  if (running < CONCURRENT_READS) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
}

type WorkerAnswer =
  | { ok: true; result: ReadPlanResult }
  | { ok: false; importError: { code: ImportErrorCode; message: string; rows: number[] } }
  | { ok: false; message: string };

function runWorker(request: ReadPlanRequest): Promise<ReadPlanResult> {
  const bytes = new Uint8Array(request.bytes);
  const workerData = { request: { ...request, bytes }, ...(fromSources ? { entry: entry.href } : {}) };
  const worker = new Worker(fromSources ? new URL('./testing/worker-from-sources.js', here) : entry, {
    workerData,
    transferList: [bytes.buffer],
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  return new Promise<ReadPlanResult>((resolve, reject) => {
    let answered = false;
    worker.once('message', (answer: WorkerAnswer) => {
      answered = true;
      if (answer.ok) resolve(answer.result);
      else if ('importError' in answer) reject(new ImportError(answer.importError.code, answer.importError.message, answer.importError.rows));
      else reject(new Error(`Reading ${request.fileName} failed: ${answer.message}`));
    });
    worker.once('error', (error: Error & { code?: string }) => {
      answered = true;
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        reject(
          new ImportError(
            'FILE_TOO_LARGE',
            `${request.fileName} needs more memory to read than the ledger gives one import (${WORKER_HEAP_MB} MB): import the plan sheet on its own, as CSV`,
            [],
            { cause: error },
          ),
        );
      } else {
        reject(error);
      }
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`Reading ${request.fileName} stopped without an answer (worker exit code ${code})`));
    });
  });
}
