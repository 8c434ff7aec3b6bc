#!/usr/bin/env node
// Checks package-lock.json is one `npm ci` accepts on every platform: each optional dependency any locked
// package declares (the @swc/core-*, @unrs/resolver-binding-*, @parcel/watcher-* binaries for macOS,
// Windows, Linux…) has its own entry, and the lock names the same dependencies as package.json. npm only
// installs the binaries for the machine it runs on, but `npm ci` refuses a lock that lacks the others.
// Regenerate with `npm run lock` (docs/operations.md, "The lock file"). Usage: node .ci/check-lock.js [project folder]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.argv[2] ? path.resolve(process.argv[2]) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const packages = new Map(Object.entries(lock.packages ?? {}));
const problems = [];

if (lock.lockfileVersion !== 3) problems.push(`lockfileVersion is ${lock.lockfileVersion}, not 3`);

/** Where Node would find `name` from the package at `location`: its own node_modules, then each folder above. */
function resolves(location, name) {
  for (let at = location; ; ) {
    if (packages.has(`${at ? `${at}/` : ''}node_modules/${name}`)) return true;
    if (!at) return false;
    const cut = at.lastIndexOf('/node_modules/');
    at = cut === -1 ? '' : at.slice(0, cut);
  }
}

for (const [location, entry] of packages) {
  if (entry.link) continue;
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    if (!resolves(location, name)) problems.push(`${location || 'the project'} declares the optional ${name}, which has no entry`);
  }
}

const rootEntry = packages.get('') ?? {};
for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
  const wanted = JSON.stringify(Object.entries(manifest[field] ?? {}).sort());
  const locked = JSON.stringify(Object.entries(rootEntry[field] ?? {}).sort());
  if (wanted !== locked) problems.push(`package.json's ${field} differ from the lock's`);
}

if (problems.length > 0) {
  console.error(`package-lock.json will not work with npm ci on every platform (${problems.length} problems); run \`npm run lock\`:`);
  for (const problem of problems.slice(0, 20)) console.error(`  ${problem}`);
  if (problems.length > 20) console.error(`  … and ${problems.length - 20} more`);
  process.exit(1);
}
console.log(`package-lock.json: ${packages.size - 1} packages, every platform's optional binaries present, in step with package.json`);
