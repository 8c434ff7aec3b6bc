/**
 * The real ledger app on a copy of a benchmark store, with the demo plan imported beside the bench's
 * 10,000-event plan, and a browser session for an administrator of each plan's organisation. Prints one
 * JSON line when ready: { url, target: { planId, cookie }, demo: { planId, cookie } }, then serves until SIGTERM.
 *
 *   node bench/lib/web-server.js <store.sqlite> <work dir> <plan id>
 */
import * as application from '../../dist/libs/application/src/index.js';
import { importDemoPlan } from '../../dist/libs/importer/src/index.js';
import { WebSessions } from '../../dist/apps/api/src/web/web-sessions.js';
import { readPlan, serveUntilTerminated, startLedgerApp } from './ledger-app-process.js';

const [storePath, dir, planId] = process.argv.slice(2);

const { organisationId } = await readPlan(storePath, planId);
const { app, url } = await startLedgerApp(storePath, dir);
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
serveUntilTerminated(app, { url, target, demo: demoSide });
