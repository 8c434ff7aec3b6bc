import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkStreamIntegrity, ConfigError, loadConfig, openLedgerStore } from '#application';
import { PLAN_STREAM_PREFIX, planIdOfStream, planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { ledgerGenerator } from '#evidence';
import { runImportCommand } from './import-command.js';
import { BUNDLE_OPTIONS, KEY_OPTIONS, makeBundle, showKey, VERIFY_OPTIONS, verifyBundle } from './bundle-commands.js';
import { tokensIssue, tokensList, tokensRevoke, UsageError, usersAdd, usersSetPassword } from './access-commands.js';
import { rebuildProjections } from './projection-commands.js';
import { availableParallelism } from 'node:os';
import { doctor, repairVoidEvent } from './repair-commands.js';
import { MIGRATE_OPTIONS, MigrateUsageError, runMigrate } from './migrate-command.js';
import { monitor, MONITOR_OPTIONS, WITNESS_OPTIONS, witnessServe, witnessVkey } from './witness-commands.js';
import type { ProgressStream } from './progress-display.js';
import { approvalQueue } from './approval-queue-command.js';
import { APPROVAL_DECISION_OPTIONS, approvalDecide, listSubmissions } from './approval-commands.js';
import { remindersSend, ROUND_OPEN_OPTIONS, roundsClose, roundsOpen, roundsShow, UPDATE_REQUEST_OPTIONS, updateRequests } from './update-request-commands.js';

/**
 * The `ledger` command: talks to the same store the API uses (LEDGER_DB_PATH), never to the API.
 * Exit codes: 0 fine, 1 a check failed, 2 the command was wrong.
 */
const USAGE = `Usage: ledger <command> [options]

Commands:
  plans [--json]                List the plans in the ledger
  events <planId> [--json]      Print a plan's raw event stream
  approval-queue <planId> [--as-at <instant>] [--json]
                                The updates awaiting approval on a plan, oldest first, or what was pending at an instant
  approval accept <submissionId> --plan <planId> [--reason "<why>"] [--effective-at <instant>]
                                Accept someone else's submitted update (you, the operator, are the approver): it then counts
  approval reject <submissionId> --plan <planId> --reason "<why>" [--effective-at <instant>]
                                Reject a submitted update, with the reason the submitter is shown
  submissions <planId> [--by <userId>] [--json]
                                Submitted updates still open: awaiting approval, or rejected and not resubmitted (one person's with --by)
  update-requests [--as-at <instant>] [--time recorded|effective] [--plan <planId>] [--lead "<lead>"] [--escalated] [--json]
                                What each action owes an update, by lead, with the reason and due date (every plan, or one)
  rounds open --plan <planId> --title "<title>" --due-by <YYYY-MM-DD> [--reason "<why>"]
                                Open an update round: ask every lead with an action due an update for one
  rounds close <roundId> --plan <planId> [--reason "<why>"]
                                Close a round, recording what was not received
  rounds show <roundId> --plan <planId> [--json]
                                Who was asked for what, what came back, what is missing
  reminders send [--as-at <instant>] [--json]
                                Send the reminder digests once (LEDGER_SMTP_*); without SMTP nothing is attempted;
                                exit 1 if a delivery failed (it is recorded and tried again next time)
  verify-chain [planId] [--json]
                                Recompute the hash chain of one plan (or of every stream: plans, access, access logs);
                                name the first broken revision
  import <file> [options]       Import a plan file (pasted text, CSV, XLSX); see \`ledger import --help\`
  bundle <planId> --as-at <instant> [--time recorded|effective] --out <file.zip> [--with-files] [--since <earlier.zip>]
                                Write a signed evidence bundle of the plan as at the instant (a date means 00:00 UTC);
                                --with-files adds the attached evidence files, --since proves it extends an earlier bundle
  verify <bundle.zip> [--since <older.zip>] [--fingerprint SHA256:<hex>] [--max-bytes <n>]
                                Check a bundle offline: files, signature, hash chain, Merkle root, consistency with
                                the older bundle, and that replaying its events gives its state.json; needs no ledger
                                (--previous is another name for --since, in both commands); unpacks at most
                                512 MiB (--max-bytes raises it)
                                --witness <vkey>[@<URL>] (repeatable) --quorum <n>: enough of these witnesses must
                                have cosigned a checkpoint holding the bundle's events; with a URL each is also asked
                                what it holds now, to catch a truncated or forked history (--log-name <ledger name>
                                names the plan's log without trusting the bundle)
  key show [--json]             Print the signing key's fingerprint and public key (LEDGER_SIGNING_KEY_DIR)
  witness serve --config <witness.json>
                                Run a witness (C2SP tlog-witness) that cosigns the ledger's plan logs; see docs/operations.md
  witness vkey --config <witness.json>
                                Print the witness's verifier key (creating its key on first use)
  monitor [--witness <vkey>@<URL>|<URL> ...] [--json]
                                Compare what each witness holds (default LEDGER_WITNESSES) with every plan's log; exit 1
                                on any fork, truncation or witness that went back
  users add --id <id> --name "<name>" --organisation <organisationId>
                                Register a person for local sign-in
  users set-password --user <id> --role <admin|editor|auditor|inspector|regulator|approver>
                                Give them a password for the web pages (from LEDGER_PASSWORD or standard input)
  tokens issue --user <id> --role <admin|editor|auditor|inspector|regulator|approver> [--expires 30d]
                                Issue an access token (printed once; only its SHA-256 is kept)
  tokens revoke <tokenId> [--reason "<why>"]
                                Revoke a token; it stops working at once
  tokens list [--json]          List issued tokens and whether they are valid
  rebuild-projections           Drop the read models and rebuild them from the events (the API must be stopped)
  doctor                        Check every hash chain, fold every plan, list quarantined plans and unreadable
                                access events; exit 1 if anything is wrong
  repair void-event --plan <planId> --event <eventId> --reason "<why>"
                                Void a stored entry that cannot be folded (a quarantined plan): recorded as an
                                EventVoided entry; nothing is deleted
  repair void-event --access --event <eventId> --reason "<why>"
                                Void an unreadable event of the access stream (AccessEventVoided)
  migrate --from sqlite:<file> --to <sqlite:<file>|eventstoredb:<connection>> [--batch-size 500]
                                Copy every stream with its revisions, recorded times and hashes to another store,
                                then verify every chain there; run it again to resume after an interruption

Options (after the command; each command refuses the ones it does not take):
  --db <path>                   The SQLite ledger file (default: LEDGER_DB_PATH or ./data/ledger.sqlite)
  --json                        Print the result as JSON (every command that prints)
  --progress                    Show progress on stderr even when it is not a terminal (import, rebuild-projections,
                                bundle, verify, migrate; on a terminal it is shown anyway)
  -h, --help                    Show this help
  --version                     Print the ledger's version
`;

export interface CliIo {
  /** Results: what a script reads. */
  out: (line: string) => void;
  /** Usage errors and refusals. */
  err: (line: string) => void;
  /** Where progress is drawn (stderr). */
  progress: ProgressStream;
}

type OptionTable = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

export interface CommandContext {
  args: string[];
  values: Values;
  io: CliIo;
  /** The store the configuration (and --db) names, opened on first use and closed after the command. */
  store(): EventStore;
  /** The configuration, with --db applied. */
  config(): ReturnType<typeof loadConfig>;
}

export interface CliCommand {
  /** One word, or two for a subcommand ("tokens list"). */
  name: string;
  /** Positional arguments after the name: [fewest, most]. */
  positionals: [number, number];
  /** What to say when a positional is missing. */
  needs?: string;
  options: OptionTable;
  run(context: CommandContext): Promise<number>;
}

const DB = { db: { type: 'string' } } as const;

/** `--workers <n>`: threads folding plans in a rebuild; one per core unless told. */
function rebuildWorkers(value: unknown): number {
  if (value === undefined) return availableParallelism();
  const workers = typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : NaN;
  if (!(workers >= 1 && workers <= 8)) throw new UsageError(`--workers must be a whole number from 1 to 8, not "${String(value)}"`);
  return workers;
}
const JSON_OPTION = { json: { type: 'boolean' } } as const;

/**
 * Every command, with the options it takes. A new command is one entry here (and a line in USAGE);
 * `import` keeps its own parser and help (see import-command.ts).
 */
export const COMMANDS: readonly CliCommand[] = [
  { name: 'plans', positionals: [0, 0], options: { ...DB, ...JSON_OPTION }, run: (c) => listPlans(c) },
  { name: 'events', positionals: [1, 1], needs: 'events needs a plan id', options: { ...DB, ...JSON_OPTION }, run: (c) => printEvents(c) },
  {
    name: 'approval-queue',
    positionals: [1, 1],
    needs: 'approval-queue needs a plan id',
    options: { ...DB, ...JSON_OPTION, 'as-at': { type: 'string' } },
    run: (c) => approvalQueue(c.store(), c.args[0]!, typeof c.values['as-at'] === 'string' ? c.values['as-at'] : undefined, c.values.json === true, c.io.out, c.io.err),
  },
  { name: 'approval accept', positionals: [1, 1], needs: 'approval accept needs the submission id', options: { ...DB, ...JSON_OPTION, ...APPROVAL_DECISION_OPTIONS }, run: (c) => approvalDecide('accept', c.store(), c.args[0]!, c.values, c.io.out, c.values.json === true) },
  { name: 'approval reject', positionals: [1, 1], needs: 'approval reject needs the submission id', options: { ...DB, ...JSON_OPTION, ...APPROVAL_DECISION_OPTIONS }, run: (c) => approvalDecide('reject', c.store(), c.args[0]!, c.values, c.io.out, c.values.json === true) },
  { name: 'submissions', positionals: [1, 1], needs: 'submissions needs a plan id', options: { ...DB, ...JSON_OPTION, by: { type: 'string' } }, run: (c) => listSubmissions(c.store(), c.args[0]!, c.values, c.io.out, c.io.err, c.values.json === true) },
  { name: 'update-requests', positionals: [0, 0], options: { ...DB, ...JSON_OPTION, ...UPDATE_REQUEST_OPTIONS }, run: (c) => updateRequests(c.store(), c.config(), c.values, c.io.out, c.io.err) },
  { name: 'rounds open', positionals: [0, 0], options: { ...DB, ...JSON_OPTION, ...ROUND_OPEN_OPTIONS }, run: (c) => roundsOpen(c.store(), c.values, c.io.out, c.values.json === true) },
  {
    name: 'rounds close',
    positionals: [1, 1],
    needs: 'rounds close needs the round id',
    options: { ...DB, ...JSON_OPTION, plan: { type: 'string' }, reason: { type: 'string' } },
    run: (c) => roundsClose(c.store(), c.args[0]!, c.values, c.io.out, c.values.json === true),
  },
  {
    name: 'rounds show',
    positionals: [1, 1],
    needs: 'rounds show needs the round id',
    options: { ...DB, ...JSON_OPTION, plan: { type: 'string' } },
    run: (c) => roundsShow(c.store(), c.args[0]!, c.values, c.io.out, c.io.err, c.values.json === true),
  },
  { name: 'reminders send', positionals: [0, 0], options: { ...DB, ...JSON_OPTION, 'as-at': { type: 'string' } }, run: (c) => remindersSend(c.store(), c.config(), c.values, c.io.out, c.io.err) },
  { name: 'verify-chain', positionals: [0, 1], options: { ...DB, ...JSON_OPTION }, run: (c) => verifyChains(c) },
  { name: 'bundle', positionals: [1, 1], needs: 'bundle needs a plan id', options: { ...DB, ...BUNDLE_OPTIONS }, run: (c) => makeBundle(c) },
  { name: 'verify', positionals: [1, 1], needs: 'verify needs the bundle: ledger verify <bundle.zip>', options: VERIFY_OPTIONS, run: (c) => verifyBundle(c) },
  { name: 'key show', positionals: [0, 0], options: { ...DB, ...KEY_OPTIONS }, run: (c) => showKey(c) },
  { name: 'witness serve', positionals: [0, 0], options: WITNESS_OPTIONS, run: (c) => witnessServe(c) },
  { name: 'witness vkey', positionals: [0, 0], options: WITNESS_OPTIONS, run: (c) => witnessVkey(c) },
  { name: 'monitor', positionals: [0, 0], options: MONITOR_OPTIONS, run: (c) => monitor(c) },
  {
    name: 'users add',
    positionals: [0, 0],
    options: { ...DB, ...JSON_OPTION, id: { type: 'string' }, name: { type: 'string' }, organisation: { type: 'string' } },
    run: (c) => usersAdd(c.store(), c.values, c.io.out, c.values.json === true),
  },
  {
    name: 'users set-password',
    positionals: [0, 0],
    options: { ...DB, user: { type: 'string' }, role: { type: 'string' } },
    run: (c) => usersSetPassword(c.store(), c.values as { user?: string; role?: string }, c.io.out, readPassword),
  },
  {
    name: 'tokens issue',
    positionals: [0, 0],
    options: { ...DB, ...JSON_OPTION, user: { type: 'string' }, role: { type: 'string' }, expires: { type: 'string' } },
    run: (c) => tokensIssue(c.store(), c.values, c.io.out, c.values.json === true),
  },
  {
    name: 'tokens revoke',
    positionals: [1, 1],
    needs: 'tokens revoke needs the token id (shown when it was issued, and by `ledger tokens list`)',
    options: { ...DB, ...JSON_OPTION, reason: { type: 'string' } },
    run: (c) => tokensRevoke(c.store(), c.args[0], typeof c.values.reason === 'string' ? c.values.reason : undefined, c.io.out, c.values.json === true),
  },
  { name: 'tokens list', positionals: [0, 0], options: { ...DB, ...JSON_OPTION }, run: (c) => tokensList(c.store(), c.io.out, c.values.json === true) },
  {
    name: 'rebuild-projections',
    positionals: [0, 0],
    options: { ...DB, ...JSON_OPTION, progress: { type: 'boolean' }, workers: { type: 'string' } },
    run: (c) => {
      const config = c.config();
      return rebuildProjections(c.store(), config.readModelPath, c.io, {
        json: c.values.json === true,
        forceProgress: c.values.progress === true,
        workers: rebuildWorkers(c.values.workers),
        storePath: config.store.kind === 'sqlite' ? config.store.path : undefined,
      });
    },
  },
  { name: 'migrate', positionals: [0, 0], options: MIGRATE_OPTIONS, run: (c) => runMigrate(c.values, c.io) },
  { name: 'doctor', positionals: [0, 0], options: { ...DB }, run: (c) => doctor(c.store(), c.config().readModelPath, c.io.out) },
  {
    name: 'repair void-event',
    positionals: [0, 0],
    options: { ...DB, plan: { type: 'string' }, access: { type: 'boolean' }, event: { type: 'string' }, reason: { type: 'string' } },
    run: (c) => repairVoidEvent(c.store(), c.values as { plan?: string; access?: boolean; event?: string; reason?: string }, c.io.out),
  },
];

const COMMAND_TABLE: ReadonlyMap<string, CliCommand> = new Map(COMMANDS.map((command) => [command.name, command]));
const GROUPS: ReadonlySet<string> = new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!));

const defaultIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line), progress: process.stderr };

export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [first, second] = argv;
  if (first === '--version') {
    if (argv.length > 1) return usage(io, '--version takes nothing else');
    io.out(ledgerGenerator().version);
    return 0;
  }
  if (first === undefined) return usage(io, 'Say which command to run');
  if (first === '--help' || first === '-h' || first === 'help') {
    io.out(USAGE);
    return 0;
  }
  // import has options of its own (see import-command.ts).
  if (first === 'import') return runImportCommand(argv.slice(1), { out: io.out, err: io.err, progress: io.progress });
  if (first.startsWith('-')) return usage(io, `Options come after the command (ledger <command> [options]); "${first}" came first`);

  const twoWords = second !== undefined && GROUPS.has(first) ? COMMAND_TABLE.get(`${first} ${second}`) : undefined;
  const command = twoWords ?? COMMAND_TABLE.get(first);
  if (!command) {
    if (GROUPS.has(first)) {
      const subcommands = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
      return usage(io, second === undefined || second.startsWith('-') ? `${first} needs a subcommand: ${subcommands.join(', ')}` : `Unknown command "${first} ${second}"`);
    }
    return usage(io, `Unknown command "${first}"`);
  }
  const rest = argv.slice(command.name.split(' ').length);

  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { ...command.options, help: { type: 'boolean', short: 'h' } } }) as { values: Values; positionals: string[] };
  } catch (error) {
    return usage(io, describeParseError(command, error as Error & { code?: string }));
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  const [fewest, most] = command.positionals;
  if (parsed.positionals.length < fewest) return usage(io, command.needs ?? `${command.name} needs ${fewest} argument(s)`);
  if (parsed.positionals.length > most) {
    const extra = parsed.positionals.slice(most);
    return usage(io, `${command.name} takes ${most === 0 ? 'no arguments' : `at most ${most}`}; also given: ${extra.join(' ')}`);
  }

  let store: EventStore | undefined;
  let config: ReturnType<typeof loadConfig> | undefined;
  const context: CommandContext = {
    args: parsed.positionals,
    values: parsed.values,
    io,
    config: () => (config ??= loadConfig({ ...process.env, ...(typeof parsed.values.db === 'string' ? { LEDGER_DB_PATH: parsed.values.db } : {}) })),
    store: () => (store ??= openLedgerStore(context.config())),
  };
  try {
    return await command.run(context);
  } catch (error) {
    if (error instanceof UsageError || error instanceof MigrateUsageError) return usage(io, error.message);
    const problem = error as { code?: unknown; message?: string; details?: { path: string; problem: string }[] };
    // The application's refusals (a user that does not exist, a token already revoked): exit 1, saying why.
    if (typeof problem.code === 'string' && /^[A-Z_]+$/.test(problem.code) && !(error instanceof ConfigError)) {
      io.err(`Refused: ${problem.message ?? String(error)}${problem.details?.length ? ` (${problem.details.map((d) => `${d.path} ${d.problem}`).join('; ')})` : ''}`);
      return 1;
    }
    throw error;
  } finally {
    await store?.close();
  }
}

function readPassword(): string | undefined {
  if (process.env.LEDGER_PASSWORD) return process.env.LEDGER_PASSWORD;
  if (process.stdin.isTTY) return undefined;
  return readFileSync(0, 'utf8').split(/\r?\n/)[0] || undefined;
}

function describeParseError(command: CliCommand, error: Error & { code?: string }): string {
  const takes = Object.keys(command.options)
    .map((name) => `--${name}`)
    .join(', ');
  const takesText = takes ? `It takes ${takes}.` : 'It takes no options.';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(error.message)?.[1] ?? 'that option';
    return `ledger ${command.name} does not take ${option}. ${takesText}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(--?[^' ]+)/.exec(error.message)?.[1];
    return `ledger ${command.name}: ${option ? `${option} ` : ''}${/argument missing/.test(error.message) ? 'needs a value' : error.message}`;
  }
  return `ledger ${command.name}: ${error.message}`;
}

function usage(io: CliIo, problem: string): number {
  io.err(`${problem}\n\nRun \`ledger --help\` for the commands and their options.`);
  return 2;
}

async function listPlans({ store, values, io }: CommandContext): Promise<number> {
  const streams = await store().listStreams(PLAN_STREAM_PREFIX);
  const plans = [];
  for (const stream of streams) {
    const [created] = await store().readStream(stream, { maxCount: 1 });
    const summary = await store().streamSummary(stream);
    const title = created?.type === 'PlanCreated' ? String(created.data.title) : null;
    plans.push({ planId: planIdOfStream(stream) ?? stream, title, events: Number(summary!.revision) + 1, head: summary!.headHash });
  }
  if (values.json) {
    io.out(JSON.stringify(plans, null, 2));
    return 0;
  }
  if (plans.length === 0) io.out('The ledger holds no plans yet.');
  for (const plan of plans) io.out(`${plan.planId}  ${plan.title ?? '(untitled)'}  (${plan.events} events)`);
  return 0;
}

async function printEvents({ store, args, values, io }: CommandContext): Promise<number> {
  const planId = args[0]!;
  const events = await store().readStream(planStreamName(planId));
  if (events.length === 0) {
    io.err(`There is no plan ${planId}.`);
    return 1;
  }
  for (const e of events) {
    if (values.json) {
      io.out(JSON.stringify({ ...e, revision: Number(e.revision), position: Number(e.position) }));
    } else {
      const actor = (e.metadata.actor as { displayName?: string } | undefined)?.displayName ?? '?';
      const effective = typeof e.metadata.effectiveAt === 'string' && e.metadata.effectiveAt !== e.recordedAt ? `  (effective ${e.metadata.effectiveAt})` : '';
      io.out(`#${e.revision}  ${e.recordedAt}  ${e.type.padEnd(24)} by ${actor}${effective}`);
    }
  }
  return 0;
}

/** One plan's chain, or (with no plan id) every stream in the ledger: plans, access and access logs. */
async function verifyChains({ store, args, values, io }: CommandContext): Promise<number> {
  const planId = args[0];
  const streams = planId ? [planStreamName(planId)] : await store().listStreams('');
  const results = [];
  for (const streamId of streams) {
    const result = await checkStreamIntegrity(store(), streamId);
    const name = planIdOfStream(streamId) ?? streamId;
    results.push(result.ok && result.length === 0 ? { name, ...result, ok: false as const, problem: 'no such plan' } : { name, ...result });
  }
  const failures = results.filter((r) => !r.ok).length;
  if (values.json) {
    io.out(JSON.stringify({ ok: failures === 0, streams: results.map(({ name: _name, ...r }) => ({ ...(planIdOfStream(r.streamId) ? { planId: planIdOfStream(r.streamId) } : {}), ...r })) }, null, 2));
    return failures === 0 ? 0 : 1;
  }
  for (const result of results) {
    if (result.ok) {
      const signed = result.signedHead ? `; reaches the head the ledger signed at ${result.signedHead.signedAt} (${result.signedHead.size} events)` : '; no signed head recorded for it yet';
      io.out(`${result.name}: chain intact, ${result.length} events, head ${result.head}${signed}`);
    }
    else if ('brokenAtRevision' in result) io.out(`${result.name}: CHAIN BROKEN at revision ${result.brokenAtRevision}: ${result.problem}`);
    else io.out(`${result.name}: ${result.problem}`);
  }
  if (streams.length === 0) io.out('The ledger holds nothing yet.');
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
