import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = process.cwd();

/** Run the real `ledger` command as a process, from the compiled build (npm test builds first). */
export function runLedgerCli(args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  if (!existsSync(path.join(ROOT, 'dist/apps/cli/src/main.js'))) {
    throw new Error('The CLI is not built: run `npm run build` (npm test does it before jest)');
  }
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/ledger.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
