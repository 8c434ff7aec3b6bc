import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EvidenceFiles, loadConfig } from '#application';
import { IsoDate, IsoInstant, planStreamName } from '#domain';
import { openEventStore } from '#event-store';
import { buildEvidenceBundle, EvidenceBundleError, ledgerGenerator, loadOrCreateSigningKey, PRIVATE_KEY_FILE, verifyBundle as verifyBundleBytes } from '#evidence';

/**
 * The evidence-bundle commands of `ledger`: make a bundle, verify one, show the signing key.
 * `verify` needs nothing but the zip (no ledger file, no key, no network): it is what a regulator runs.
 * Exit codes as the rest of the CLI: 0 fine, 1 a check failed (or no such plan), 2 the command was wrong.
 */

export const BUNDLE_COMMANDS: ReadonlySet<string> = new Set(['bundle', 'verify', 'key']);

/** The options these commands add to the CLI's parseArgs table. */
export const BUNDLE_OPTIONS = {
  'as-at': { type: 'string' },
  time: { type: 'string' },
  out: { type: 'string' },
  'with-files': { type: 'boolean' },
  since: { type: 'string' },
  previous: { type: 'string' },
  fingerprint: { type: 'string' },
  'max-bytes': { type: 'string' },
} as const;

type Values = Record<string, string | boolean | undefined>;
type Out = (line: string) => void;

export async function runBundleCommand(command: string, args: string[], values: Values, out: Out, usage: (problem: string) => number): Promise<number> {
  switch (command) {
    case 'bundle':
      return makeBundle(args, values, out, usage);
    case 'verify':
      return verifyBundle(args, values, out, usage);
    case 'key':
      if (args[0] !== 'show') return usage(args[0] ? `Unknown key command "${args[0]}"` : 'key needs a subcommand: key show');
      return showKey(values, out);
    default:
      return usage(`Unknown command "${command}"`);
  }
}

async function makeBundle(args: string[], values: Values, out: Out, usage: (problem: string) => number): Promise<number> {
  const planId = args[0];
  if (!planId) return usage('bundle needs a plan id');
  const asAt = instantOf(values['as-at']);
  if (!asAt) return usage(values['as-at'] === undefined ? 'bundle needs --as-at <instant>' : `--as-at ${String(values['as-at'])} is not an ISO-8601 instant or date`);
  const time = values.time ?? 'recorded';
  if (time !== 'recorded' && time !== 'effective') return usage(`--time must be recorded or effective, not ${String(time)}`);
  const outFile = values.out;
  if (typeof outFile !== 'string' || !outFile) return usage('bundle needs --out <file.zip>');
  const since = typeof values.since === 'string' ? await readFileOrNull(values.since) : undefined;
  if (since === null) return usage(`There is no file ${String(values.since)} to build --since`);

  const config = loadConfig({ ...process.env, ...(typeof values.db === 'string' ? { LEDGER_DB_PATH: values.db } : {}) });
  const store = openEventStore(config.store);
  try {
    const events = await store.readStream(planStreamName(planId));
    if (events.length === 0) {
      out(`There is no plan ${planId}.`);
      return 1;
    }
    const evidence = new EvidenceFiles(config.evidenceDir);
    const built = await buildEvidenceBundle({
      planId,
      events,
      asAt,
      time,
      rules: config.ragRules,
      signingKey: await loadOrCreateSigningKey(config.signingKeyDir),
      generator: ledgerGenerator(),
      ...(values['with-files'] ? { readEvidenceFile: (sha256: string) => evidence.get(sha256) } : {}),
      ...(since ? { previous: since } : {}),
    });
    await writeFile(outFile, built.zip);
    const m = built.manifest;
    out(`Wrote ${outFile}: plan ${planId} as at ${m.asAt} (${m.time} time), ${m.eventCount} events.`);
    out(`  Merkle root ${m.merkle.rootHash}, signed by key ${m.signingKey.fingerprint}.`);
    if (m.since) out(`  Proves it extends the bundle made ${m.since.createdAt} (${m.since.treeSize} events).`);
    for (const warning of built.warnings) out(`  Warning: ${warning}`);
    return 0;
  } catch (error) {
    if (error instanceof EvidenceBundleError) {
      out(error.message);
      return error.code === 'PLAN_NOT_FOUND' ? 1 : 2;
    }
    throw error;
  } finally {
    await store.close();
  }
}

async function verifyBundle(args: string[], values: Values, out: Out, usage: (problem: string) => number): Promise<number> {
  const file = args[0];
  if (!file) return usage('verify needs the bundle: ledger verify <bundle.zip>');
  const zip = await readFileOrNull(file);
  if (!zip) return usage(`There is no file ${file}`);
  const previousFile = typeof values.previous === 'string' ? values.previous : undefined;
  const previous = previousFile ? await readFileOrNull(previousFile) : undefined;
  if (previous === null) return usage(`There is no file ${previousFile}`);

  const maxBytes = values['max-bytes'];
  if (maxBytes !== undefined && (typeof maxBytes !== 'string' || !/^[1-9]\d{0,15}$/.test(maxBytes))) return usage('--max-bytes must be a whole number of bytes, e.g. 1073741824 for 1 GiB');
  const report = await verifyBundleBytes(zip, {
    file,
    ...(previousFile ? { previousFile } : {}),
    ...(previous ? { previous } : {}),
    ...(typeof values.fingerprint === 'string' ? { trustedFingerprint: values.fingerprint } : {}),
    ...(typeof maxBytes === 'string' ? { maxBytes: Number(maxBytes) } : {}),
  });
  for (const line of report.lines) out(line);
  return report.ok ? 0 : 1;
}

async function showKey(values: Values, out: Out): Promise<number> {
  const config = loadConfig({ ...process.env, ...(typeof values.db === 'string' ? { LEDGER_DB_PATH: values.db } : {}) });
  const existed = existsSync(path.join(config.signingKeyDir, PRIVATE_KEY_FILE));
  const key = await loadOrCreateSigningKey(config.signingKeyDir);
  if (!existed) out(`Created a new signing key in ${config.signingKeyDir}: keep ${PRIVATE_KEY_FILE} private and backed up; publish the fingerprint.`);
  out(`Fingerprint: ${key.fingerprint}`);
  out(`Key folder:  ${config.signingKeyDir}`);
  out(key.publicKeyPem.trimEnd());
  return 0;
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
