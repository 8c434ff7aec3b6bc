import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

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
 * Start the built app the way `npm start` does, and read what it prints until it is listening. It runs in the
 * data folder, not the project, so nothing can come from ../shared by way of the working folder.
 */
function start(env: Record<string, string> = {}, folder = dir): Promise<string> {
  const main = path.join(process.cwd(), 'dist/apps/api/src/main.js');
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

  it('still starts, and says why, when the demo plan cannot be found', async () => {
    const output = await start({ LEDGER_FIXTURES_DIR: path.join(dir, 'no-such-folder') }, path.join(dir, 'second'));
    expect(output).toContain('No demo plan: ');
    expect(output).toMatch(/running at http:\/\/\S+/);
    expect(output).not.toContain('Demo plan:');
    await stop();
  }, 90_000);
});
