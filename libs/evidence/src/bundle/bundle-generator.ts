import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What made a bundle: written into its manifest so a reader years later knows which software to ask about it. */
export interface BundleGenerator {
  name: string;
  version: string;
}

let cached: BundleGenerator | undefined;

/**
 * This ledger's name and version, from the nearest package.json above this module (the same file
 * whether running from source or from dist/). Falls back to an explicit "unknown" rather than guess.
 */
export function ledgerGenerator(): BundleGenerator {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (typeof pkg.name === 'string' && typeof pkg.version === 'string') return (cached = { name: pkg.name, version: pkg.version });
    } catch {
      /* not here: look one folder up */
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return (cached = { name: 'safeguarding-evidence-ledger', version: 'unknown' });
}
