import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';

// `npm test` on a machine without Chromium must stop before the type-check and build, with one line saying
// what to install. `--listTests` keeps a broken check from running the whole suite inside this test.
describe('npm test without Chromium', () => {
  it('stops at once with one line saying how to install it', () => {
    const run = spawnSync('npm', ['test', '--', '--listTests'], {
      env: { ...process.env, CHROMIUM_PATH: '/nowhere/chromium' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status).toBe(1);
    const said = run.stderr.split('\n').filter((line) => line.trim() && !line.startsWith('npm error'));
    expect(said).toEqual([
      'npm test needs Chromium for the browser tests and found none at CHROMIUM_PATH=/nowhere/chromium: install it (Debian/Ubuntu: sudo apt-get install chromium; elsewhere set CHROMIUM_PATH to a Chromium or Chrome executable, e.g. /Applications/Chromium.app/Contents/MacOS/Chromium after brew install --cask chromium).',
    ]);
    expect(run.stdout).toContain('> node test/check-chromium.js');
    expect(run.stdout).not.toContain('tsc -p');
  }, 150_000);

  it('passes the check when Chromium is where CHROMIUM_PATH says', () => {
    const run = spawnSync(process.execPath, ['test/check-chromium.js'], { env: { ...process.env, CHROMIUM_PATH: process.execPath }, encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
