/**
 * The standalone verifier as a regulator runs it: node on the package's built file
 * (packages/bundle-verifier/dist/verify-bundle.js), nothing of the ledger loaded. Two untimed verifications
 * (the JIT warms up, as it has in the CLI's process by then), then `runs` timed ones of the same bundle; prints their times (ms) as JSON. Any failed check fails the run.
 *
 *   node bench/lib/standalone-verifier.js <bundle.zip> <runs>
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const { verifyBundle } = await import(join(ROOT, 'packages/bundle-verifier/dist/verify-bundle.js'));
const [file, runs] = process.argv.slice(2);
const zip = new Uint8Array(readFileSync(file));
const times = [];
const WARM_UP = 2;
// As the package's command (bin/verify-evidence-bundle.js) does on Node: the chain and the Merkle tree hashed by node:crypto.
const sha256 = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
for (let r = 0; r < WARM_UP + Number(runs); r++) {
  const started = performance.now();
  const report = await verifyBundle(zip, { sha256 });
  const ms = performance.now() - started;
  if (!report.ok) throw new Error(`The standalone verifier failed the bundle: ${report.lines.join('\n')}`);
  if (r >= WARM_UP) times.push(ms);
}
process.stdout.write(JSON.stringify(times));
