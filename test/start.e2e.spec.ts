import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadOrCreateSigningKey } from '#evidence';
import { Witness, WitnessRecord } from '#witness';
import { runLedgerCli } from './support/run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ledger-start-'));
let child: ChildProcess | undefined;
// Every ledger started, so that a failed expectation between a start and its stop leaves no server behind.
const started: ChildProcess[] = [];

afterAll(() => {
  for (const each of started) if (each.exitCode === null) each.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function stop(): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Start the built app the way `npm start` does (the bundle apps/api/build.mjs makes), and read what it prints
 * until it is listening. It runs in the data folder, not the project, so nothing can come from ../shared by way
 * of the working folder.
 */
function start(env: Record<string, string> = {}, folder = dir): Promise<string> {
  const main = path.join(process.cwd(), 'dist/api/main.js');
  if (!existsSync(main)) throw new Error('The app is not built: run `npm run build` (npm test does it before jest)');
  mkdirSync(folder, { recursive: true });
  child = spawn(process.execPath, [main], {
    env: { ...process.env, LEDGER_PORT: '0', LEDGER_DB_PATH: path.join(folder, 'ledger.sqlite'), LEDGER_EVIDENCE_DIR: path.join(folder, 'evidence'), LEDGER_SIGNING_KEY_DIR: path.join(folder, 'keys'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: folder,
  });
  started.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`The ledger did not start in time. It printed:\n${output}`)), 60_000);
    child!.stdout!.on('data', (chunk) => {
      output += chunk;
      if (/Inspector:\s+\S+/.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child!.stderr!.on('data', (chunk) => (output += chunk));
    child!.on('exit', (code) => reject(new Error(`The ledger exited (${code}). It printed:\n${output}`)));
  });
}

describe('npm start', () => {
  it('starts on the embedded store with the demo plan imported from the repository, and prints the URL and tokens that work', async () => {
    const output = await start();
    const url = /running at (http:\/\/\S+)/.exec(output)![1]!;
    const planId = /Demo plan: \S+\/plans\/(\S+)/.exec(output)![1]!;
    const admin = /Administrator:\s+(\S+)/.exec(output)![1]!;
    const inspector = /Inspector:\s+(\S+)/.exec(output)![1]!;
    expect(output).toContain(`Imported the demo plan "Laming Recommendations 2009`);
    expect(output).toContain('from central-bedfordshire-laming-2009-progress.txt');
    expect(output).toContain(`SQLite file ${path.join(dir, 'ledger.sqlite')}`);

    const asInspector = await fetch(`${url}/plans/${planId}?asAt=2009-10-01&time=effective&view=full`, { headers: { Authorization: `Bearer ${inspector}` } });
    expect(asInspector.status).toBe(200);
    const plan = (await asInspector.json()) as { actions: { progress: { asAt: string }[] }[]; recommendations: unknown[] };
    expect(plan.recommendations).toHaveLength(17);
    expect(plan.actions.some((a) => a.progress.some((p) => p.asAt === '2009-10-01'))).toBe(true);

    const plans = await fetch(`${url}/plans`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(((await plans.json()) as { id: string }[]).map((p) => p.id)).toEqual([planId]);
    const write = await fetch(`${url}/plans/${planId}/workstreams`, { method: 'POST', headers: { Authorization: `Bearer ${inspector}`, 'Content-Type': 'application/json' }, body: '{"number":"9","title":"x"}' });
    expect(write.status).toBe(403);

    // The browser tour: the start page answers at the printed URL, and each printed sign-in link signs in once.
    const startPage = await fetch(`${url}/`);
    expect(startPage.status).toBe(200);
    expect(await startPage.text()).toContain('Safeguarding evidence ledger');
    const inspectorLink = /As the demo inspector:\s+(\S+)/.exec(output)![1]!;
    const signedIn = await fetch(inspectorLink, { redirect: 'manual' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/web/plans');
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${url}/web/plans/${planId}`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('recommendations completed in full');
    expect((await fetch(inspectorLink, { redirect: 'manual' })).status).toBe(404);
    // The administrator's link: signed in as the council's administrator, with its pages.
    const adminLink = /As the demo administrator:\s+(\S+)/.exec(output)![1]!;
    const adminSignedIn = await fetch(adminLink, { redirect: 'manual' });
    expect(adminSignedIn.status).toBe(303);
    const adminPage = await fetch(`${url}/web/admin/grants`, { headers: { Cookie: adminSignedIn.headers.get('set-cookie')!.split(';')[0]! } });
    expect(adminPage.status).toBe(200);
    expect(await adminPage.text()).toContain('demo-inspector');
    await stop();

    // A second start on the same ledger: the plan is not imported again, and only the new tokens work.
    const again = await start();
    const url2 = /running at (http:\/\/\S+)/.exec(again)![1]!;
    const admin2 = /Administrator:\s+(\S+)/.exec(again)![1]!;
    expect(again).not.toContain('Imported the demo plan');
    expect(again).toContain(`/plans/${planId}`);
    for (const old of [admin, inspector]) {
      const refused = await fetch(`${url2}/plans`, { headers: { Authorization: `Bearer ${old}` } });
      expect(refused.status).toBe(401);
      expect(await refused.text()).toContain('TOKEN_REVOKED');
    }
    const fresh = await fetch(`${url2}/plans`, { headers: { Authorization: `Bearer ${admin2}` } });
    expect(((await fresh.json()) as { id: string }[]).map((p) => p.id)).toEqual([planId]);
    await stop();
  }, 120_000);

  it('from the bundle, prepares on first use what it no longer prepares at start (stylesheets, the verify page and its verifier, the API explorer), makes a bundle that verifies, reads an upload on its worker thread, and catches up on a plan imported while it was down', async () => {
    const folder = path.join(dir, 'lazy');
    const output = await start({}, folder);
    const url = /running at (http:\/\/\S+)/.exec(output)![1]!;
    const planId = /Demo plan: \S+\/plans\/(\S+)/.exec(output)![1]!;
    const admin = /Administrator:\s+(\S+)/.exec(output)![1]!;

    // The Design System's stylesheet, its typeface swapped when first asked for; the same bytes the second time and gzipped.
    const css = await fetch(`${url}/assets/css/govuk-frontend.css`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    const cssText = await css.text();
    expect(cssText).toContain('.govuk-button');
    expect(cssText).not.toContain('GDS Transport');
    expect(await (await fetch(`${url}/assets/css/govuk-frontend.css`, { headers: { 'Accept-Encoding': 'identity' } })).text()).toBe(cssText);
    const zipped = await fetch(`${url}/assets/css/govuk-frontend.css`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(await zipped.text()).toBe(cssText);
    expect((await fetch(`${url}/assets/css/constructor`)).status).toBe(404);

    // The verify page and the two scripts it runs, found from the bundle's place in dist/.
    const verifyPage = await fetch(`${url}/web/verify`);
    expect(verifyPage.status).toBe(200);
    expect(await verifyPage.text()).toContain('/assets/js/verify-page.js');
    const pageScript = await fetch(`${url}/assets/js/verify-page.js`);
    expect(pageScript.status).toBe(200);
    expect(await pageScript.text()).toContain("from './verify-bundle.js'");
    const verifier = await fetch(`${url}/assets/js/verify-bundle.js`);
    expect(verifier.status).toBe(200);
    expect(await verifier.text()).toMatch(/export \{[^}]*verifyBundle/);
    const explorer = await fetch(`${url}/api/docs`);
    expect(explorer.status).toBe(200);
    expect(await explorer.text()).toContain('swagger-ui');
    // The OpenAPI document, whose module (and response schemas) the bundle loads when first asked for.
    const document = await fetch(`${url}/api/openapi.json`);
    expect(document.status).toBe(200);
    const openApi = (await document.json()) as { openapi: string; paths: Record<string, unknown>; components?: unknown };
    expect(openApi.openapi).toMatch(/^3\./);
    expect(Object.keys(openApi.paths)).toContain('/plans/{planId}');
    // A write's answer, from the response schemas: the document was built from them, not without them.
    expect(JSON.stringify(openApi)).toContain("The plan's revision after the write: send it back as If-Match");

    // A bundle made by the bundled app (its generator named from package.json) verifies offline with the CLI.
    const bundle = await fetch(`${url}/plans/${planId}/bundle?asAt=2010-01-01&time=effective`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('application/zip');
    const zip = path.join(folder, 'bundle.zip');
    writeFileSync(zip, new Uint8Array(await bundle.arrayBuffer()));

    // An upload is read on a worker thread, whose script is found from the importer's own place in dist/.
    const ofsted = path.join(process.cwd(), 'demo', 'central-bedfordshire-ofsted-action-plan-2012-13.txt');
    const respondsTo = 'Ofsted inspection of safeguarding and looked after children services (2012)';
    const form = new FormData();
    form.set('file', new Blob([readFileSync(ofsted)]), path.basename(ofsted));
    form.set('organisation', 'Central Bedfordshire Council');
    form.set('respondsTo', respondsTo);
    const uploaded = await fetch(`${url}/plans/import`, { method: 'POST', headers: { Authorization: `Bearer ${admin}` }, body: form });
    expect(uploaded.status).toBe(201);
    const second = (await uploaded.json()) as { planId: string; counts: { actions: number } };
    expect(second.counts.actions).toBe(104);
    await stop();

    // The bundle verified offline by the CLI (with the server stopped: spawnSync holds this thread, and a
    // kept-alive connection the server closed meanwhile would fail the next fetch).
    const verified = runLedgerCli(['verify', zip, '--json']);
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
    expect(JSON.stringify(JSON.parse(verified.stdout))).toContain('safeguarding-evidence-ledger');

    // A plan imported while the API was down is in its read models after the next start (the catch-up).
    const imported = runLedgerCli(
      ['import', ofsted, '--new-plan', 'Ofsted 2012 (a copy for training)', '--organisation', 'Central Bedfordshire Council', '--responds-to', respondsTo, '--json', '--db', path.join(folder, 'ledger.sqlite')],
      { LEDGER_SIGNING_KEY_DIR: path.join(folder, 'keys'), LEDGER_EVIDENCE_DIR: path.join(folder, 'evidence') },
    );
    expect(imported.status).toBe(0);
    const third = JSON.parse(imported.stdout) as { planId: string };
    const again = await start({}, folder);
    const url2 = /running at (http:\/\/\S+)/.exec(again)![1]!;
    const admin2 = /Administrator:\s+(\S+)/.exec(again)![1]!;
    const plans = (await (await fetch(`${url2}/plans`, { headers: { Authorization: `Bearer ${admin2}` } })).json()) as { id: string; title: string }[];
    expect(plans.map((p) => p.id).sort()).toEqual([planId, second.planId, third.planId].sort());
    expect(plans.find((p) => p.id === third.planId)?.title).toBe('Ofsted 2012 (a copy for training)');
    await stop();
  }, 120_000);

  it('loads the bundle with the code cache the build made of it (this Node accepts it), and loading it starts nothing', () => {
    const loader = path.join(process.cwd(), 'dist/api/load-ledger-api.js');
    if (!existsSync(loader)) throw new Error('The app is not built: run `npm run build` (npm test does it before jest)');
    // No process.exit: the process must end by itself, so nothing the bundle's modules run on loading keeps it alive.
    const loaded = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', 'const { loadLedgerApi } = await import(process.argv[1]); const { exports, cacheRejected } = loadLedgerApi(); console.log(JSON.stringify({ cacheRejected, exports: Object.keys(exports) }));', pathToFileURL(loader).href],
      { encoding: 'utf8', timeout: 60_000, cwd: dir },
    );
    expect(loaded.stderr).toBe('');
    expect(loaded.status).toBe(0);
    expect(JSON.parse(loaded.stdout)).toEqual({ cacheRejected: false, exports: ['serveLedgerApi'] });
  });

  it('with a witness it cannot reach, pushes the demo plan the witness lacks, and Nest logs the warning with its timestamp (the formatter the bundle makes when first used)', async () => {
    const folder = path.join(dir, 'witnessed');
    mkdirSync(folder, { recursive: true });
    const record = new WitnessRecord(path.join(folder, 'witness.sqlite'));
    const witness = new Witness({ name: 'witness.start.test/w1', key: await loadOrCreateSigningKey(path.join(folder, 'witness-key')), record, ledgerVkeys: [] });
    record.close();
    // Port 9 (discard) on loopback: nothing listens, so every push is refused at once.
    const output = await start({ LEDGER_WITNESSES: `${witness.vkey}@http://127.0.0.1:9`, NO_COLOR: '1' }, folder);
    let printed = output;
    child!.stdout!.on('data', (chunk) => (printed += chunk));
    child!.stderr!.on('data', (chunk) => (printed += chunk));
    for (let i = 0; i < 600 && !printed.includes('cannot be reached'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const line = printed.split('\n').find((l) => l.includes('cannot be reached'));
    expect(line).toContain('WARN [Witnesses] Witness witness.start.test/w1 at http://127.0.0.1:9 cannot be reached');
    // The same options as Nest's ConsoleLogger, in this process's locale (the child's), read part by part: each
    // number may differ, and so may the day period (AM before noon, PM after: the line is stamped when it is logged).
    const parts = new Intl.DateTimeFormat(undefined, { year: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', day: '2-digit', month: '2-digit' }).formatToParts(new Date(2001, 10, 22, 13, 14, 15));
    const sample = parts.map((part) => (part.type === 'literal' ? part.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+') : part.type === 'dayPeriod' ? '\\S+' : '\\d+')).join('');
    const stamp = new RegExp(`\\[Nest\\] ${child!.pid}\\s+-\\s+${sample}\\s+WARN \\[Witnesses\\]`);
    expect(line).toMatch(stamp);
    await stop();
  }, 120_000);

  it('still starts, and says why, when the demo plan cannot be found', async () => {
    const output = await start({ LEDGER_FIXTURES_DIR: path.join(dir, 'no-such-folder') }, path.join(dir, 'second'));
    expect(output).toContain('No demo plan: ');
    expect(output).toMatch(/running at http:\/\/\S+/);
    expect(output).not.toContain('Demo plan:');
    await stop();
  }, 90_000);
});
