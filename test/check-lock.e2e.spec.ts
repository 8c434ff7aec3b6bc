import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// .ci/check-lock.js guards `npm ci` on other platforms; these run it as CI does, on the real lock and on
// copies of it with what went missing before.
const dir = mkdtempSync(path.join(tmpdir(), 'ledger-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(folder?: string) {
  return spawnSync(process.execPath, ['.ci/check-lock.js', ...(folder ? [folder] : [])], { encoding: 'utf8' });
}

function copyWith(name: string, change: (lock: { packages: Record<string, unknown> }, manifest: Record<string, Record<string, string>>) => void): string {
  const folder = path.join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  change(lock, manifest);
  writeFileSync(path.join(folder, 'package-lock.json'), JSON.stringify(lock));
  writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest));
  return folder;
}

describe('.ci/check-lock.js', () => {
  it('accepts the committed lock', () => {
    const run = check();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('names every other-platform binary the lock lacks', () => {
    const folder = copyWith('no-darwin', (lock) => {
      delete lock.packages['node_modules/@swc/core-darwin-arm64'];
      delete lock.packages['node_modules/@unrs/resolver-binding-win32-x64-msvc'];
    });
    const run = check(folder);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('node_modules/@swc/core declares the optional @swc/core-darwin-arm64, which has no entry');
    expect(run.stderr).toContain('node_modules/unrs-resolver declares the optional @unrs/resolver-binding-win32-x64-msvc, which has no entry');
    expect(run.stderr).toContain('run `npm run lock`');
  });

  it('refuses a lock out of step with package.json', () => {
    const folder = copyWith('new-dependency', (_lock, manifest) => {
      manifest.dependencies = { ...manifest.dependencies, 'left-pad': '1.3.0' };
    });
    const run = check(folder);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("package.json's dependencies differ from the lock's");
  });
});
