/**
 * The real ledger API (createLedgerApp) on a copy of a benchmark store, listening on 127.0.0.1 only, in
 * its own process so the load generator does not share its event loop. Prints one JSON line when ready:
 * { url, headers, planId, actionIds, catchUpMs }, then serves until SIGTERM.
 *
 *   node bench/lib/http-server.js <store.sqlite> <work dir> <plan id>
 */
import * as application from '../../dist/libs/application/src/index.js';
import { readPlan, serveUntilTerminated, startLedgerApp } from './ledger-app-process.js';

const [storePath, dir, planId] = process.argv.slice(2);

const facts = await readPlan(storePath, planId, async (store) => ({
  actionIds: (await store.readStream(`plan-${planId}`)).filter((e) => e.type === 'ActionAdded').map((e) => e.data.actionId),
}));
const { app, url, catchUpMs } = await startLedgerApp(storePath, dir);

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

serveUntilTerminated(app, { url, headers, planId, actionIds: facts.actionIds, catchUpMs });
