import { ConfigError, loadConfig } from '#application';
import { createLedgerApp } from './create-app.js';
import { prepareDemo } from './demo.js';

/**
 * Start the API as configured by the environment and say where it is; on a start that fails, say why and exit 1.
 * `npm start` runs it from the bundle (dist/api/main.js), `node dist/apps/api/src/main.js` from tsc's files.
 */
export async function serveLedgerApi(): Promise<void> {
  try {
    await serve();
  } catch (error: unknown) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  }
}

async function serve(): Promise<void> {
  const config = loadConfig();
  // Warnings and errors only: a newcomer should see the URL and the tokens, not every route Nest maps.
  const app = await createLedgerApp(config, { logLevels: ['error', 'warn'] });
  await app.init();
  const demo = config.demo ? await prepareDemo(app) : undefined;
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  console.log(`\nThe safeguarding evidence ledger is running at ${url}`);
  console.log(`  Store:     ${config.store.kind === 'sqlite' ? `SQLite file ${config.store.path}` : 'EventStoreDB'}`);
  console.log(`  API docs:  ${url}/api/docs  (OpenAPI document: ${url}/api/openapi.json)`);
  if (demo) {
    if (demo.planId) console.log(`  Demo plan: ${url}/web/plans/${demo.planId}  (${demo.title}; JSON at ${url}/plans/${demo.planId})`);
    console.log('\n  Sign in in your browser (each link works once):');
    console.log(`    As the demo administrator:  ${url}/sign-in/link/${demo.adminSignInCode}`);
    console.log(`    As the demo inspector:      ${url}/sign-in/link/${demo.inspectorSignInCode}`);
    console.log('\n  Demo access tokens (valid for a week; send as "Authorization: Bearer <token>"):');
    console.log(`    Administrator:  ${demo.adminToken}`);
    console.log(`    Inspector:      ${demo.inspectorToken}`);
    if (demo.planId) console.log(`\n  Try: curl -H "Authorization: Bearer ${demo.inspectorToken}" "${url}/plans/${demo.planId}?asAt=2009-10-01&time=effective"`);
  }
  console.log('');
}
