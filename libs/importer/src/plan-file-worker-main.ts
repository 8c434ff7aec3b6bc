// The entry of the worker thread readPlanFileInWorker starts: read one plan file, post the result, end.
import { parentPort, workerData } from 'node:worker_threads';
import { ImportError } from './import-error.js';
import { readPlanFile, type ReadPlanRequest } from './read-plan-file.js';

const { request } = workerData as { request: ReadPlanRequest };
try {
  parentPort!.postMessage({ ok: true, result: await readPlanFile(request) });
} catch (error) {
  // An ImportError crosses the thread as its fields; anything else as its message (the caller answers 500).
  parentPort!.postMessage(
    error instanceof ImportError
      ? { ok: false, importError: { code: error.code, message: error.message, rows: error.rows } }
      : { ok: false, message: error instanceof Error ? error.message : String(error) },
  );
}
