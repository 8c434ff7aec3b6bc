/**
 * The real ledger API (createLedgerApp) on a copy of a benchmark store, listening on 127.0.0.1 only, in
 * its own process so the load generator does not share its event loop. Prints one JSON line when ready:
 * { url, headers, planId, actionIds, catchUpMs }, then serves until SIGTERM.
 *
 *   node bench/lib/http-server.js <store.sqlite> <work dir> <plan id>
 */
import { join } from 'node:path';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import * as application from '../../dist/libs/application/src/index.js';
import * as domain from '../../dist/libs/domain/src/index.js';
import { createLedgerApp } from '../../dist/apps/api/src/create-app.js';

const [storePath, dir, planId] = process.argv.slice(2);

async function planFacts() {
  const store = new SqliteEventStore({ path: storePath });
  try {
    const [created] = await store.readStream(`plan-${planId}`, { maxCount: 1 });
    const actionIds = (await store.readStream(`plan-${planId}`)).filter((e) => e.type === 'ActionAdded').map((e) => e.data.actionId);
    const organisation = String(created.data.organisation);
    const organisationId = created.data.organisationId ?? domain.organisationIdFromName?.(organisation);
    return { actionIds, organisationId };
  } finally {
    await store.close();
  }
}

const facts = await planFacts();
const config = application.loadConfig({
  LEDGER_DB_PATH: storePath,
  LEDGER_READ_MODEL_PATH: join(dir, 'read-models.sqlite'),
  LEDGER_EVIDENCE_DIR: join(dir, 'evidence'),
  LEDGER_SIGNING_KEY_DIR: join(dir, 'keys'),
  LEDGER_HOST: '127.0.0.1',
  LEDGER_PORT: '0',
  LEDGER_DEMO: 'false',
  // The benchmark measures the ledger, not its rate limiter (builds without one ignore this).
  LEDGER_RATE_LIMIT_PER_MINUTE: '1000000',
});
const started = performance.now();
const app = await createLedgerApp(config, { logLevels: ['error'] });
await app.init();
const catchUpMs = performance.now() - started;
await app.listen(0, '127.0.0.1');
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');

// Who writes: X-Actor in builds before sign-in; a real bearer token (an admin of the plan's organisation) after.
const headers = { 'x-actor': 'Bench Writer' };
if (application.AccessControl) {
  const access = app.get(application.AccessControl);
  const operator = { id: 'bench-setup', displayName: 'Benchmark set-up' };
  const userId = 'bench-writer';
  await access.registerUser({ userId, displayName: 'Bench Writer', organisationId: facts.organisationId }, operator);
  const { token } = await access.issueToken({ userId, role: 'admin', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, operator);
  headers.authorization = `Bearer ${token}`;
}

process.stdout.write(`${JSON.stringify({ url, headers, planId, actionIds: facts.actionIds, catchUpMs })}\n`);
process.on('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
