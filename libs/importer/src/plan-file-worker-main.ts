// The entry of the worker threads readPlanFileInWorker keeps: read each plan file it is sent, answer, wait for the next.
import { parentPort } from 'node:worker_threads';
import { ImportError } from './import-error.js';
import { readPlanFile, type ReadPlanRequest } from './read-plan-file.js';

parentPort!.on('message', async ({ id, request }: { id: number; request: ReadPlanRequest }) => {
  try {
    parentPort!.postMessage({ id, ok: true, result: await readPlanFile(request) });
  } catch (error) {
    // An ImportError crosses the thread as its fields; anything else as its message (the caller answers 500).
    parentPort!.postMessage(
      error instanceof ImportError
        ? { id, ok: false, importError: { code: error.code, message: error.message, rows: error.rows } }
        : { id, ok: false, message: error instanceof Error ? error.message : String(error) },
    );
  }
});
