import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CosignatureLog, EvidenceFiles } from '#application';
import { IsoDate, IsoInstant, planStreamName } from '#domain';
import { buildEvidenceBundle, EvidenceBundleError, ledgerGenerator, loadOrCreateSigningKey, nodeSha256, noteVerifierKeyOf, PRIVATE_KEY_FILE, readWitnessPolicy, verifyBundle as verifyBundleBytes, type WitnessPolicy } from '#evidence';
import { planLogOrigin } from '#transparency';
import { UsageError } from './access-commands.js';
import type { CommandContext } from './main.js';
import { ProgressDisplay } from './progress-display.js';

/**
 * The evidence-bundle commands of `ledger`: make a bundle, verify one, show the signing key.
 * `verify` needs nothing but the zip (no ledger file, no key, no network): it is what a regulator runs.
 * Exit codes as the rest of the CLI: 0 fine, 1 a check failed (or no such plan), 2 the command was wrong.
 */

/** The earlier bundle: `--since` in both commands, `--previous` kept as another name for it. */
const EARLIER_BUNDLE = { since: { type: 'string' }, previous: { type: 'string' } } as const;

export const BUNDLE_OPTIONS = {
  'as-at': { type: 'string' },
  time: { type: 'string' },
  out: { type: 'string' },
  'with-files': { type: 'boolean' },
  ...EARLIER_BUNDLE,
  progress: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const VERIFY_OPTIONS = {
  ...EARLIER_BUNDLE,
  fingerprint: { type: 'string' },
  'max-bytes': { type: 'string' },
  witness: { type: 'string', multiple: true },
  quorum: { type: 'string' },
  'log-name': { type: 'string' },
  progress: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** --witness <vkey>[@<url>] (repeatable) and --quorum <n>: the regulator's witness policy, checked before anything is read. */
function witnessPolicyOf(values: Values): WitnessPolicy | undefined {
  const given = (values.witness as unknown as string[] | undefined) ?? [];
  if (given.length === 0 && values.quorum !== undefined) throw new UsageError('--quorum needs the witnesses: --witness <vkey>[@<URL>]');
  const logName = typeof values['log-name'] === 'string' ? values['log-name'] : undefined;
  const read = readWitnessPolicy(given, typeof values.quorum === 'string' ? values.quorum : undefined, logName);
  if (!read.ok) throw new UsageError(read.field === 'witness' ? `--witness ${read.problem}` : `--quorum: ${read.problem}`);
  return read.policy;
}

export const KEY_OPTIONS = { json: { type: 'boolean' } } as const;

type Values = Record<string, string | boolean | undefined>;

/** --since or its other name --previous; both with different files is a mistake. */
function earlierBundle(values: Values): string | undefined {
  const [since, previous] = [values.since, values.previous].map((v) => (typeof v === 'string' ? v : undefined));
  if (since !== undefined && previous !== undefined && since !== previous) throw new UsageError('--since and --previous are two names for the same thing; give one');
  return since ?? previous;
}

export async function makeBundle({ args, values, io, store, config }: CommandContext): Promise<number> {
  const planId = args[0]!;
  const asAt = instantOf(values['as-at']);
  if (!asAt) throw new UsageError(values['as-at'] === undefined ? 'bundle needs --as-at <instant>' : `--as-at ${String(values['as-at'])} is not an ISO-8601 instant or date`);
  const time = values.time ?? 'recorded';
  if (time !== 'recorded' && time !== 'effective') throw new UsageError(`--time must be recorded or effective, not ${String(time)}`);
  const outFile = values.out;
  if (typeof outFile !== 'string' || !outFile) throw new UsageError('bundle needs --out <file.zip>');
  const sinceFile = earlierBundle(values);
  const since = sinceFile !== undefined ? await readFileOrNull(sinceFile) : undefined;
  if (since === null) throw new UsageError(`There is no file ${sinceFile} to build --since`);

  const display = new ProgressDisplay({ command: 'bundle', stream: io.progress, force: values.progress === true });
  try {
    display.update('reading the plan', 0, 3);
    const events = await store().readStream(planStreamName(planId));
    if (events.length === 0) {
      display.finish();
      io.err(`There is no plan ${planId}.`);
      return 1;
    }
    const evidence = new EvidenceFiles(config().evidenceDir);
    let filesRead = 0;
    display.update('building and signing', 1, 3, `${events.length} events`);
    const built = await buildEvidenceBundle({
      planId,
      events,
      asAt,
      time,
      rules: config().ragRules,
      signingKey: await loadOrCreateSigningKey(config().signingKeyDir),
      generator: ledgerGenerator(),
      ...(values['with-files']
        ? {
            readEvidenceFile: (sha256: string) => {
              filesRead += 1;
              display.update('building and signing', 1, 3, `${events.length} events, ${filesRead} evidence files`);
              return evidence.get(sha256);
            },
          }
        : {}),
      ...(since ? { previous: since } : {}),
      ...checkpointsOf(config(), planId),
    });
    display.update('writing the zip', 2, 3);
    await writeFile(outFile, built.zip);
    display.update('writing the zip', 3, 3);
    display.finish();
    const m = built.manifest;
    if (values.json) {
      io.out(JSON.stringify({ file: outFile, bytes: built.zip.length, manifest: m, warnings: built.warnings }, null, 2));
      return 0;
    }
    io.out(`Wrote ${outFile}: plan ${planId} as at ${m.asAt} (${m.time} time), ${m.eventCount} events.`);
    io.out(`  Merkle root ${m.merkle.rootHash}, signed by key ${m.signingKey.fingerprint}.`);
    if (m.since) io.out(`  Proves it extends the bundle made ${m.since.createdAt} (${m.since.treeSize} events).`);
    for (const warning of built.warnings) io.out(`  Warning: ${warning}`);
    return 0;
  } catch (error) {
    display.finish();
    if (error instanceof EvidenceBundleError) {
      io.err(error.message);
      return error.code === 'PLAN_NOT_FOUND' ? 1 : 2;
    }
    throw error;
  }
}

/** checkpoints.json goes in when the ledger has witnesses or holds their cosignatures; a ledger without them makes bundles as before. */
function checkpointsOf(config: ReturnType<CommandContext['config']>, planId: string): { checkpoints?: { origin: string; notes: string[] } } {
  const notes = cosignedNotes(config.cosignaturesPath, planId);
  return config.witnesses.length > 0 || notes.length > 0 ? { checkpoints: { origin: planLogOrigin(config.logName, planId), notes } } : {};
}

function cosignedNotes(file: string, planId: string): string[] {
  const log = CosignatureLog.openIfPresent(file);
  try {
    return log?.cosignedNotes(planId) ?? [];
  } finally {
    log?.close();
  }
}

export async function verifyBundle({ args, values, io }: CommandContext): Promise<number> {
  const file = args[0]!;
  const witnessPolicy = witnessPolicyOf(values);
  const previousFile = earlierBundle(values);
  const display = new ProgressDisplay({ command: 'verify', stream: io.progress, force: values.progress === true });
  display.update('reading the bundle', 0, 2);
  const zip = await readFileOrNull(file);
  if (!zip) {
    display.finish();
    throw new UsageError(`There is no file ${file}`);
  }
  const previous = previousFile !== undefined ? await readFileOrNull(previousFile) : undefined;
  if (previous === null) {
    display.finish();
    throw new UsageError(`There is no file ${previousFile}`);
  }
  display.update('checking', 1, 2, `${describeBytes(zip.length + (previous?.length ?? 0))}`);
  const maxBytes = values['max-bytes'];
  if (maxBytes !== undefined && (typeof maxBytes !== 'string' || !/^[1-9]\d{0,15}$/.test(maxBytes))) {
    display.finish();
    throw new UsageError('--max-bytes must be a whole number of bytes, e.g. 1073741824 for 1 GiB');
  }
  const result = await verifyBundleBytes(zip, {
    file,
    ...(previousFile !== undefined ? { previousFile } : {}),
    ...(previous ? { previous } : {}),
    ...(typeof values.fingerprint === 'string' ? { trustedFingerprint: values.fingerprint } : {}),
    ...(typeof maxBytes === 'string' ? { maxBytes: Number(maxBytes) } : {}),
    ...(witnessPolicy ? { witnessPolicy } : {}),
    // The chain and the Merkle tree hashed by node:crypto: the same checks, several times faster than the pure SHA-256 a browser runs.
    sha256: nodeSha256,
  });
  display.update('checking', 2, 2);
  display.finish();
  const m = result.manifest;
  const failed = result.checks.filter((c) => !c.ok).length;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          file,
          ...(previousFile !== undefined ? { since: previousFile } : {}),
          ok: failed === 0,
          ...(m ? { planId: m.planId, asAt: m.asAt, time: m.time, createdAt: m.createdAt, fingerprint: m.signingKey.fingerprint } : {}),
          checks: result.checks,
        },
        null,
        2,
      ),
    );
    return failed === 0 ? 0 : 1;
  }
  for (const line of result.lines) io.out(line);
  return result.ok ? 0 : 1;
}

export async function showKey({ values, io, config }: CommandContext): Promise<number> {
  const { signingKeyDir } = config();
  const existed = existsSync(path.join(signingKeyDir, PRIVATE_KEY_FILE));
  const key = await loadOrCreateSigningKey(signingKeyDir);
  if (values.json) {
    io.out(JSON.stringify({ fingerprint: key.fingerprint, keyDir: signingKeyDir, created: !existed, publicKeyPem: key.publicKeyPem, vkey: noteVerifierKeyOf(config().logName, key) }, null, 2));
    return 0;
  }
  if (!existed) io.out(`Created a new signing key in ${signingKeyDir}: keep ${PRIVATE_KEY_FILE} private and backed up; publish the fingerprint.`);
  io.out(`Fingerprint: ${key.fingerprint}`);
  io.out(`Log vkey:    ${noteVerifierKeyOf(config().logName, key)}   (for witnesses' witness.json)`);
  io.out(`Key folder:  ${signingKeyDir}`);
  io.out(key.publicKeyPem.trimEnd());
  return 0;
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

/** An ISO instant, or a date meaning its start (00:00 UTC), as the HTTP API reads asAt. */
function instantOf(value: string | boolean | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (IsoDate.safeParse(text).success) return `${text}T00:00:00.000Z`;
  return IsoInstant.safeParse(text).success ? new Date(text).toISOString() : undefined;
}

async function readFileOrNull(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch {
    return null;
  }
}
