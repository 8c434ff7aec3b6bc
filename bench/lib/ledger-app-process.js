/**
 * The real ledger app (createLedgerApp) as the bench's server processes start it: on a copy of a benchmark store,
 * listening on 127.0.0.1 only, with no demo plan and no rate limit (the bench measures the ledger, not its
 * limiter; builds without one ignore it). One start for bench/lib/http-server.js and bench/lib/web-server.js.
 */
import { join } from 'node:path';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import * as application from '../../dist/libs/application/src/index.js';
import * as domain from '../../dist/libs/domain/src/index.js';
import { createLedgerApp } from '../../dist/apps/api/src/create-app.js';

/** The plan's organisation id, from its first event, and the plan's stream (the caller reads what else it needs). */
export async function readPlan(storePath, planId, read = async () => undefined) {
  const store = new SqliteEventStore({ path: storePath });
  try {
    const [created] = await store.readStream(`plan-${planId}`, { maxCount: 1 });
    // Builds before organisation ids named the organisation only.
    const organisationId = created.data.organisationId ?? domain.organisationIdFromName?.(String(created.data.organisation));
    return { organisationId, ...(await read(store)) };
  } finally {
    await store.close();
  }
}

/**
 * Starts and initialises the app on `storePath`, its read models and files in `dir`, and listens on a free port.
 * catchUpMs: from before the app was made to after init (the projector's catch-up on start).
 */
export async function startLedgerApp(storePath, dir) {
  const config = application.loadConfig({
    LEDGER_DB_PATH: storePath,
    LEDGER_READ_MODEL_PATH: join(dir, 'read-models.sqlite'),
    LEDGER_EVIDENCE_DIR: join(dir, 'evidence'),
    LEDGER_SIGNING_KEY_DIR: join(dir, 'keys'),
    LEDGER_HOST: '127.0.0.1',
    LEDGER_PORT: '0',
    LEDGER_DEMO: 'false',
    LEDGER_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const started = performance.now();
  const app = await createLedgerApp(config, { logLevels: ['error'] });
  await app.init();
  const catchUpMs = performance.now() - started;
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url, catchUpMs };
}

/** Prints the ready line the bench's startServer waits for, then serves until SIGTERM closes the app. */
export function serveUntilTerminated(app, ready) {
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.on('SIGTERM', () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
