#!/usr/bin/env node
// verify-evidence-bundle <bundle.zip> [--previous <older.zip>] [--fingerprint SHA256:<hex>] [--max-bytes <n>] [--witness <vkey>[@<url>] ... --quorum <n>]
// The Node front of the verifier: read the files, print the report. Everything that checks lives in
// ../dist/verify-bundle.js, which runs unchanged in a browser. Exit 0: every check passed; 1: a check failed; 2: usage.
import { createHash, hash as oneShotHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { verifyBundle } from '../dist/verify-bundle.js';

const USAGE = `Usage: verify-evidence-bundle <bundle.zip> [--previous <older.zip>] [--fingerprint SHA256:<hex>] [--max-bytes <n>]
                              [--witness <vkey>[@<url>] ... --quorum <n> [--log-name <ledger name>]]

Checks an evidence bundle offline: every file against the signed manifest, SHA256SUMS, the Ed25519 signature,
the hash chain, the Merkle root, consistency with an older bundle (--previous), and that replaying its events
gives its state.json. --fingerprint: the key fingerprint the ledger operator publishes. --max-bytes: the most to
unpack from the zip, all files together (default 512 MiB). --witness (repeatable) and --quorum: at least that
many of these witnesses must have cosigned a checkpoint holding the bundle's events; with a URL each witness is
also asked what it holds now (the only time the verifier uses the network).`;

function usage(problem) {
  process.stderr.write(`${problem}\n\n${USAGE}\n`);
  return 2;
}

/** node:crypto's SHA-256 of the concatenated parts, for the chain and the Merkle tree: this command runs on Node, where it is several times faster than the pure one a browser runs. */
function nodeSha256(...parts) {
  // One call on the parts copied together (Node 20.12 and later) costs about half a Hash object fed part by part.
  if (typeof oneShotHash === 'function') return new Uint8Array(oneShotHash('sha256', parts.length === 1 ? parts[0] : Buffer.concat(parts), 'buffer'));
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

async function readOrNull(file) {
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    return null;
  }
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        previous: { type: 'string' },
        fingerprint: { type: 'string' },
        'max-bytes': { type: 'string' },
        witness: { type: 'string', multiple: true },
        quorum: { type: 'string' },
        'log-name': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usage(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) return usage(positionals.length === 0 ? 'Give the bundle to verify.' : 'Give one bundle at a time.');
  const file = positionals[0];
  const maxBytes = values['max-bytes'];
  if (maxBytes !== undefined && !/^[1-9]\d{0,15}$/.test(maxBytes)) return usage('--max-bytes must be a whole number of bytes, e.g. 1073741824 for 1 GiB');
  const witnesses = (values.witness ?? []).map((entry) => {
    const at = entry.indexOf('@');
    return at < 0 ? { vkey: entry } : { vkey: entry.slice(0, at), url: entry.slice(at + 1) };
  });
  if (values.quorum !== undefined && (witnesses.length === 0 || !/^[1-9]\d{0,2}$/.test(values.quorum))) return usage('--quorum needs --witness, and is a whole number of witnesses');
  const zip = await readOrNull(file);
  if (!zip) return usage(`There is no file ${file}`);
  const previous = values.previous === undefined ? undefined : await readOrNull(values.previous);
  if (previous === null) return usage(`There is no file ${values.previous}`);
  const report = await verifyBundle(zip, {
    file,
    ...(values.previous !== undefined ? { previousFile: values.previous, previous } : {}),
    ...(values.fingerprint !== undefined ? { trustedFingerprint: values.fingerprint } : {}),
    ...(maxBytes !== undefined ? { maxBytes: Number(maxBytes) } : {}),
    ...(witnesses.length > 0
      ? { witnessPolicy: { witnesses, quorum: Number(values.quorum ?? 1), ...(values['log-name'] !== undefined ? { logName: values['log-name'] } : {}) } }
      : {}),
    sha256: nodeSha256,
  });
  process.stdout.write(`${report.lines.join('\n')}\n`);
  return report.ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
