import { parseArgs } from 'node:util';
import { checkPlanIntegrity, ConfigError, loadConfig } from '#application';
import { PLAN_STREAM_PREFIX, planIdOfStream, planStreamName } from '#domain';
import { openEventStore, type EventStore } from '#event-store';

/**
 * The `ledger` command: talks to the same store the API uses (LEDGER_DB_PATH), never to the API.
 * Exit codes: 0 fine, 1 a check failed, 2 the command was wrong.
 */
const USAGE = `Usage: ledger <command> [options]

Commands:
  plans                         List the plans in the ledger
  events <planId> [--json]      Print a plan's raw event stream
  verify-chain [planId]         Recompute the hash chain of one plan (or every plan); name the first broken revision

Options:
  --db <path>                   The SQLite ledger file (default: LEDGER_DB_PATH or ./data/ledger.sqlite)
  -h, --help                    Show this help
`;

export async function runCli(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    out(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    out(USAGE);
    return command || parsed.values.help ? 0 : 2;
  }
  const config = loadConfig({ ...process.env, ...(parsed.values.db ? { LEDGER_DB_PATH: parsed.values.db } : {}) });
  const store = openEventStore(config.store);
  try {
    switch (command) {
      case 'plans':
        return await listPlans(store, out);
      case 'events':
        if (!rest[0]) return usage(out, 'events needs a plan id');
        return await printEvents(store, rest[0], Boolean(parsed.values.json), out);
      case 'verify-chain':
        return await verifyChains(store, rest[0], out);
      default:
        return usage(out, `Unknown command "${command}"`);
    }
  } finally {
    await store.close();
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

async function verifyChains(store: EventStore, planId: string | undefined, out: (line: string) => void): Promise<number> {
  const planIds = planId ? [planId] : (await store.listStreams(PLAN_STREAM_PREFIX)).map((s) => planIdOfStream(s)!);
  let failures = 0;
  for (const id of planIds) {
    const result = await checkPlanIntegrity(store, id);
    if (result.ok && result.length === 0) {
      out(`${id}: no such plan`);
      failures++;
    } else if (result.ok) {
      out(`${id}: chain intact, ${result.length} events, head ${result.head}`);
    } else {
      out(`${id}: CHAIN BROKEN at revision ${result.brokenAtRevision}: ${result.problem}`);
      failures++;
    }
  }
  if (planIds.length === 0) out('The ledger holds no plans yet.');
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
