import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor } from '#domain';
import { ImportError } from './import-error.js';
import { importFile, type ImportResult, type PlanBatches } from './import-file.js';

export const DEMO_PLAN_FILE = 'central-bedfordshire-laming-2009-progress.txt';

/**
 * The repository's `demo/` folder, found from this file's own place (source or dist) whatever the working
 * folder: the demo plans ship with the ledger, so a clone needs nothing beside it.
 */
export function demoPlansDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'demo');
    if (path.dirname(dir) === dir) return path.resolve('demo');
  }
}

/** The folder of real plans: LEDGER_FIXTURES_DIR if set, else `defaultDir`, else the repository's `demo/` folder. */
export function resolveFixturesDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), defaultDir?: string): string {
  const configured = env.LEDGER_FIXTURES_DIR?.trim();
  const fallback = defaultDir ?? demoPlansDir();
  const dir = configured ? path.resolve(cwd, configured) : fallback;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ImportError(
      'FIXTURES_NOT_FOUND',
      `The demo plan's folder ${dir} does not exist` +
        (configured ? ' (from LEDGER_FIXTURES_DIR)' : `; set LEDGER_FIXTURES_DIR to the folder that holds ${DEMO_PLAN_FILE}`),
    );
  }
  return dir;
}

/**
 * Imports Central Bedfordshire's response to Lord Laming (2009), with its progress as at 1 October 2009,
 * as a new plan: what a new ledger shows so a visitor has something real to look at.
 */
export async function importDemoPlan(service: PlanBatches, actor: Actor, env: NodeJS.ProcessEnv = process.env, defaultDir?: string): Promise<ImportResult> {
  const filePath = path.join(resolveFixturesDir(env, process.cwd(), defaultDir), DEMO_PLAN_FILE);
  if (!existsSync(filePath)) {
    throw new ImportError('FIXTURES_NOT_FOUND', `The demo plan ${filePath} is missing; set LEDGER_FIXTURES_DIR to the folder that holds ${DEMO_PLAN_FILE}`);
  }
  return importFile({
    service,
    filePath,
    newPlan: {
      organisation: 'Central Bedfordshire Council',
      respondsTo: 'Lord Laming, The Protection of Children in England (2009)',
    },
    actor,
  });
}
