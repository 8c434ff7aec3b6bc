import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { resealBundle, TEST_PLAN_ID, testSigningKey, unzipBundle, zipFiles } from '../libs/evidence/src/bundle/testing/bundle-test-plan.js';
import { buildTestBundle } from '../libs/evidence/src/bundle/testing/test-bundle.js';

/**
 * The standalone verifier as a regulator gets it: packed with `npm pack`, installed from the tarball into an
 * empty folder (no better-sqlite3, no Nest, nothing of the ledger), and run on a real bundle and a tampered one.
 */

const ROOT = process.cwd();
const PACKAGE_DIR = path.join(ROOT, 'packages/bundle-verifier');
let work: string;
let app: string;
let bundlePath: string;
let tamperedPath: string;
const key = testSigningKey();

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ledger-verifier-package-'));
  const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], PACKAGE_DIR);
  expect(packed).toMatchObject({ status: 0 });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))!;
  app = path.join(work, 'regulator');
  spawnSync('mkdir', [app]);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'regulator-desk', private: true, type: 'module' }));
  const installed = run('npm', ['install', path.join(work, tarball), '--no-audit', '--no-fund', '--prefer-offline'], app);
  expect(installed).toMatchObject({ status: 0 });

  const built = await buildTestBundle(key);
  bundlePath = path.join(work, 'bundle.zip');
  writeFileSync(bundlePath, built.zip);
  // One word of one event changed and the manifest re-signed with the ledger's own key: only the chain can tell.
  const files = unzipBundle(built.zip);
  const events = files.get('events.ndjson')!.toString('utf8').replace('Draft guidance circulated', 'Final guidance published');
  tamperedPath = path.join(work, 'tampered.zip');
  writeFileSync(tamperedPath, resealBundle(zipFiles(new Map([...files, ['events.ndjson', Buffer.from(events, 'utf8')]])), key, () => {}));
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the standalone verify-evidence-bundle package', () => {
  it('installs with nothing of the ledger: no native module, no Nest, no dependencies at all', () => {
    const installed = readdirSync(path.join(app, 'node_modules'), { withFileTypes: true }).flatMap((entry) =>
      entry.name.startsWith('@') ? readdirSync(path.join(app, 'node_modules', entry.name)).map((name) => `${entry.name}/${name}`) : [entry.name],
    );
    expect(installed.filter((name) => !name.startsWith('.'))).toEqual(['@safeguarding-evidence-ledger/verify-evidence-bundle']);
    expect(existsSync(path.join(app, 'node_modules/better-sqlite3'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/@nestjs'))).toBe(false);
  });

  it('verifies a real bundle with npx, printing each check in words, and exits 0', () => {
    const result = run('npx', ['--no-install', 'verify-evidence-bundle', bundlePath, '--fingerprint', key.fingerprint], app);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Verifying ${bundlePath}: plan ${TEST_PLAN_ID}`);
    expect(result.stdout).toContain('PASS  The manifest is signed');
    expect(result.stdout).toContain(`PASS  The signing key is the one you trust: signing-key.pem has the fingerprint you gave, ${key.fingerprint}`);
    expect(result.stdout).toContain('PASS  Replaying the events reproduces state.json');
    expect(result.stdout).toContain('All 8 checks passed.');
  });

  it('fails a tampered bundle, naming the broken revision, and exits 1', () => {
    const result = run('npx', ['--no-install', 'verify-evidence-bundle', tamperedPath], app);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAIL {2}The hash chain over events\.ndjson holds: events\.ndjson: the chain breaks at revision 6/);
    expect(result.stdout).toContain('checks failed: do not rely on this bundle.');
  });

  it('says how to use it, exit 2, when given no bundle', () => {
    const result = run('npx', ['--no-install', 'verify-evidence-bundle'], app);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: verify-evidence-bundle <bundle.zip>');
  });

  it('exposes verifyBundle from the installed ESM file, the one the web page loads', async () => {
    const entry = path.join(app, 'node_modules/@safeguarding-evidence-ledger/verify-evidence-bundle/dist/verify-bundle.js');
    const verifier = (await import(pathToFileURL(entry).href)) as typeof import('../libs/evidence/src/bundle/verify-bundle.js');
    // Exactly what dist/verify-bundle.d.ts declares, so the hand-written types cannot drift from the module.
    expect(Object.keys(verifier).sort()).toEqual(['CHECKS', 'DEFAULT_MAX_UNPACKED_BYTES', 'readWitnessPolicy', 'reportOf', 'verifyBundle', 'verifyEvidenceBundle']);
    const declared = readFileSync(path.join(path.dirname(entry), 'verify-bundle.d.ts'), 'utf8');
    for (const name of Object.keys(verifier)) expect(declared).toMatch(new RegExp(`export declare (const|function) ${name}\\b`));
    const good = await verifier.verifyBundle(new Uint8Array(readFileSync(bundlePath)));
    expect({ ok: good.ok, summary: good.summary }).toEqual({ ok: true, summary: 'All 7 checks passed.' });
    const bad = await verifier.verifyBundle(new Uint8Array(readFileSync(tamperedPath)));
    expect(bad.ok).toBe(false);
    expect(bad.checks.filter((c) => !c.ok).map((c) => c.name)).toContain('The hash chain over events.ndjson holds');
    expect(bad.summary).toMatch(/checks failed: do not rely on this bundle\.$/);
  });
});
