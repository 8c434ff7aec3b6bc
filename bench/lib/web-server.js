/**
 * The real ledger app on a copy of a benchmark store, with the demo plan imported beside the bench's
 * 10,000-event plan, and a browser session for an administrator of each plan's organisation. Prints one
 * JSON line when ready: { url, target: { planId, cookie }, demo: { planId, cookie } }, then serves until SIGTERM.
 *
 *   node bench/lib/web-server.js <store.sqlite> <work dir> <plan id>
 */
import { join } from 'node:path';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import * as application from '../../dist/libs/application/src/index.js';
import * as domain from '../../dist/libs/domain/src/index.js';
import { importDemoPlan } from '../../dist/libs/importer/src/index.js';
import { createLedgerApp } from '../../dist/apps/api/src/create-app.js';
import { WebSessions } from '../../dist/apps/api/src/web/web-sessions.js';

const [storePath, dir, planId] = process.argv.slice(2);

async function organisationOf() {
  const store = new SqliteEventStore({ path: storePath });
  try {
    const [created] = await store.readStream(`plan-${planId}`, { maxCount: 1 });
    return created.data.organisationId ?? domain.organisationIdFromName(String(created.data.organisation));
  } finally {
    await store.close();
  }
}

const organisationId = await organisationOf();
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
const app = await createLedgerApp(config, { logLevels: ['error'] });
await app.init();
await app.listen(0, '127.0.0.1');
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
const demo = await importDemoPlan(app.get(application.PlanCommandService), { id: 'bench-import', displayName: 'Benchmark import' });
const demoOrganisation = (await app.get(application.PlanRepository).load(demo.planId)).organisationId;

// Wait until the projector has the demo plan, so the first page is not a 404.
const access = app.get(application.AccessControl);
const operator = { id: 'bench-setup', displayName: 'Benchmark set-up' };
const sessions = app.get(WebSessions);
async function cookieFor(userId, org) {
  await access.registerUser({ userId, displayName: userId, organisationId: org }, operator);
  const code = sessions.issueSignInLink({ userId, displayName: userId, organisationId: org, role: 'admin', via: 'sign-in-link' });
  const response = await fetch(`${url}/sign-in/link/${code}`, { redirect: 'manual' });
  return response.headers.get('set-cookie').split(';')[0];
}
const target = { planId, cookie: await cookieFor('bench-reader', organisationId) };
const demoSide = { planId: demo.planId, cookie: await cookieFor('bench-demo-reader', demoOrganisation) };
for (let i = 0; i < 200; i++) {
  const r = await fetch(`${url}/web/plans/${demo.planId}`, { headers: { cookie: demoSide.cookie } });
  await r.arrayBuffer();
  if (r.status === 200) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write(`${JSON.stringify({ url, target, demo: demoSide })}\n`);
process.on('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
