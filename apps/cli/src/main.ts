import { parseArgs } from 'node:util';
import { checkStreamIntegrity, ConfigError, loadConfig } from '#application';
import { PLAN_STREAM_PREFIX, planIdOfStream, planStreamName } from '#domain';
import { openEventStore, type EventStore } from '#event-store';
import { runImportCommand } from './import-command.js';
import { BUNDLE_COMMANDS, BUNDLE_OPTIONS, runBundleCommand } from './bundle-commands.js';
import { tokensIssue, tokensList, tokensRevoke, UsageError, usersAdd } from './access-commands.js';
import { rebuildProjections } from './projection-commands.js';

const ACCESS_OPTIONS = {
  id: { type: 'string' },
  name: { type: 'string' },
  organisation: { type: 'string' },
  user: { type: 'string' },
  role: { type: 'string' },
  expires: { type: 'string' },
  reason: { type: 'string' },
} as const;

/**
 * The `ledger` command: talks to the same store the API uses (LEDGER_DB_PATH), never to the API.
 * Exit codes: 0 fine, 1 a check failed, 2 the command was wrong.
 */
const USAGE = `Usage: ledger <command> [options]

Commands:
  plans                         List the plans in the ledger
  events <planId> [--json]      Print a plan's raw event stream
  verify-chain [planId]         Recompute the hash chain of one plan (or of every stream: plans, access, access logs);
                                name the first broken revision
  import <file> [options]       Import a plan file (pasted text, CSV, XLSX); see \`ledger import --help\`
  bundle <planId> --as-at <instant> [--time recorded|effective] --out <file.zip> [--with-files] [--since <earlier.zip>]
                                Write a signed evidence bundle of the plan as at the instant (a date means 00:00 UTC);
                                --with-files adds the attached evidence files, --since proves it extends an earlier bundle
  verify <bundle.zip> [--previous <older.zip>] [--fingerprint SHA256:<hex>] [--max-bytes <n>]
                                Check a bundle offline: files, signature, hash chain, Merkle root, consistency with
                                the older bundle, and that replaying its events gives its state.json; needs no ledger;
                                unpacks at most 512 MiB (--max-bytes raises it)
  key show                      Print the signing key's fingerprint and public key (LEDGER_SIGNING_KEY_DIR)
  users add --id <id> --name "<name>" --organisation <organisationId>
                                Register a person for local sign-in
  tokens issue --user <id> --role <admin|editor|auditor|inspector|regulator> [--expires 30d]
                                Issue an access token (printed once; only its SHA-256 is kept)
  tokens revoke <tokenId> [--reason "<why>"]
                                Revoke a token; it stops working at once
  tokens list                   List issued tokens and whether they are valid
  rebuild-projections           Drop the read models and rebuild them from the events (the API must be stopped)

Options:
  --db <path>                   The SQLite ledger file (default: LEDGER_DB_PATH or ./data/ledger.sqlite)
  -h, --help                    Show this help
`;

export async function runCli(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  // import has options of its own (see import-command.ts).
  if (argv[0] === 'import') return runImportCommand(argv.slice(1), { out, err: console.error, progress: process.stderr });
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...BUNDLE_OPTIONS, ...ACCESS_OPTIONS } });
  } catch (error) {
    out(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    out(USAGE);
    return command || parsed.values.help ? 0 : 2;
  }
  // Bundle commands open the store only if they need it: `ledger verify` must run with no ledger at all.
  if (BUNDLE_COMMANDS.has(command)) return runBundleCommand(command, rest, parsed.values, out, (problem) => usage(out, problem));
  const config = loadConfig({ ...process.env, ...(parsed.values.db ? { LEDGER_DB_PATH: parsed.values.db } : {}) });
  const store = openEventStore(config.store);
  try {
    switch (command) {
      case 'plans':
        return await listPlans(store, out);
      case 'events':
        if (!rest[0]) return usage(out, 'events needs a plan id');
        return await printEvents(store, rest[0], Boolean(parsed.values.json), out);
      case 'rebuild-projections':
        return await rebuildProjections(store, config.readModelPath, out);
      case 'users':
      case 'tokens':
        return await accessCommand(store, command, rest, parsed.values, out);
      case 'verify-chain':
        return await verifyChains(store, rest[0], out);
      default:
        return usage(out, `Unknown command "${command}"`);
    }
  } finally {
    await store.close();
  }
}

async function accessCommand(store: EventStore, command: string, rest: string[], values: Record<string, unknown>, out: (line: string) => void): Promise<number> {
  const v = values as { id?: string; name?: string; organisation?: string; user?: string; role?: string; expires?: string; reason?: string };
  try {
    if (command === 'users' && rest[0] === 'add') return await usersAdd(store, v, out);
    if (command === 'tokens' && rest[0] === 'issue') return await tokensIssue(store, v, out);
    if (command === 'tokens' && rest[0] === 'revoke') return await tokensRevoke(store, rest[1], v.reason, out);
    if (command === 'tokens' && rest[0] === 'list') return await tokensList(store, out);
    return usage(out, `Unknown command "${[command, ...rest].join(' ')}"`);
  } catch (error) {
    if (error instanceof UsageError) return usage(out, error.message);
    const problem = error as { message?: string; details?: { path: string; problem: string }[] };
    out(`Refused: ${problem.message ?? String(error)}${problem.details?.length ? ` (${problem.details.map((d) => `${d.path} ${d.problem}`).join('; ')})` : ''}`);
    return 1;
  }
}

function usage(out: (line: string) => void, problem: string): number {
  out(`${problem}\n\n${USAGE}`);
  return 2;
}

async function listPlans(store: EventStore, out: (line: string) => void): Promise<number> {
  const streams = await store.listStreams(PLAN_STREAM_PREFIX);
  if (streams.length === 0) out('The ledger holds no plans yet.');
  for (const stream of streams) {
    const [created] = await store.readStream(stream, { maxCount: 1 });
    const summary = await store.streamSummary(stream);
    const title = created?.type === 'PlanCreated' ? String(created.data.title) : '(untitled)';
    out(`${planIdOfStream(stream)}  ${title}  (${Number(summary!.revision) + 1} events)`);
  }
  return 0;
}

async function printEvents(store: EventStore, planId: string, json: boolean, out: (line: string) => void): Promise<number> {
  const events = await store.readStream(planStreamName(planId));
  if (events.length === 0) {
    out(`There is no plan ${planId}.`);
    return 1;
  }
  for (const e of events) {
    if (json) {
      out(JSON.stringify({ ...e, revision: Number(e.revision), position: Number(e.position) }));
    } else {
      const actor = (e.metadata.actor as { displayName?: string } | undefined)?.displayName ?? '?';
      const effective = typeof e.metadata.effectiveAt === 'string' && e.metadata.effectiveAt !== e.recordedAt ? `  (effective ${e.metadata.effectiveAt})` : '';
      out(`#${e.revision}  ${e.recordedAt}  ${e.type.padEnd(24)} by ${actor}${effective}`);
    }
  }
  return 0;
}

/** One plan's chain, or (with no plan id) every stream in the ledger: plans, access and access logs. */
async function verifyChains(store: EventStore, planId: string | undefined, out: (line: string) => void): Promise<number> {
  const streams = planId ? [planStreamName(planId)] : await store.listStreams('');
  let failures = 0;
  for (const streamId of streams) {
    const result = await checkStreamIntegrity(store, streamId);
    const name = planIdOfStream(streamId) ?? streamId;
    if (result.ok && result.length === 0) {
      out(`${name}: no such plan`);
      failures++;
    } else if (result.ok) {
      out(`${name}: chain intact, ${result.length} events, head ${result.head}`);
    } else {
      out(`${name}: CHAIN BROKEN at revision ${result.brokenAtRevision}: ${result.problem}`);
      failures++;
    }
  }
  if (streams.length === 0) out('The ledger holds nothing yet.');
  return failures === 0 ? 0 : 1;
}

// Run when executed as a program (bin/ledger.js imports this module and calls runCli itself).
export async function main(): Promise<void> {
  try {
    process.exitCode = await runCli(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `ledger: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
