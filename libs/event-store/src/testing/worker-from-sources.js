// Starts a worker thread from the TypeScript sources, as the tests run the app (jest compiles the sources for
// its own thread, not for the threads the app starts): the event store's append worker and the importer's plan-file worker.
// Production runs the compiled workers from dist instead.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

register('./typescript-hooks.js', import.meta.url);
await import(workerData.entry);
