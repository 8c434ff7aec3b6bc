import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { openEventStore, type EventStore, type EventStoreConfig } from '#event-store';
import { MigrationConflictError, MigrationTargetError, migrateEventStore, type MigrationReport } from './migrate-event-store.js';
import { ProgressDisplay, type ProgressStream } from './progress-display.js';

export const MIGRATE_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'batch-size': { type: 'string' },
  progress: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export interface MigrateIo {
  out: (line: string) => void;
  err: (line: string) => void;
  progress: ProgressStream;
}

export class MigrateUsageError extends Error {}

/** `sqlite:<file>` or `eventstoredb:<connection string>`, as --from and --to take them. */
export function parseStoreLocation(text: string, option: string): EventStoreConfig {
  const colon = text.indexOf(':');
  const scheme = colon < 0 ? '' : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (scheme === 'sqlite' && rest.trim()) return { kind: 'sqlite', path: rest };
  if (scheme === 'eventstoredb' && /^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/./.test(rest)) return { kind: 'eventstoredb', connectionString: rest };
  throw new MigrateUsageError(`${option} must be sqlite:<file> or eventstoredb:<connection string> (e.g. eventstoredb:esdb://localhost:2113?tls=false), not ${JSON.stringify(text)}`);
}

function describeLocation(config: EventStoreConfig): string {
  return config.kind === 'sqlite' ? `SQLite file ${config.path}` : `EventStoreDB at ${config.connectionString.replace(/\/\/[^@/]*@/, '//…@')}`;
}

function sameSqliteFile(a: string, b: string): boolean {
  const resolve = (file: string) => (existsSync(file) ? realpathSync(file) : path.resolve(file));
  return resolve(a) === resolve(b);
}

/**
 * `ledger migrate --from <store> --to <store>`. Exit 0 when every chain on the target verifies and matches the
 * source, 1 when it does not (or the target holds something else), 2 when the command was wrong.
 */
export async function runMigrate(values: Record<string, unknown>, io: MigrateIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (typeof values.from !== 'string' || typeof values.to !== 'string') throw new MigrateUsageError('migrate needs --from <store> and --to <store> (sqlite:<file> or eventstoredb:<connection string>)');
  const from = parseStoreLocation(values.from, '--from');
  const to = parseStoreLocation(values.to, '--to');
  if (from.kind === 'sqlite' && !existsSync(from.path)) throw new MigrateUsageError(`There is no ledger file ${from.path} to migrate from`);
  if (from.kind === 'sqlite' && to.kind === 'sqlite' && sameSqliteFile(from.path, to.path)) throw new MigrateUsageError('--from and --to name the same file');
  if (from.kind === 'eventstoredb' && to.kind === 'eventstoredb' && from.connectionString === to.connectionString) throw new MigrateUsageError('--from and --to name the same server');
  let batchSize = 500;
  if (values['batch-size'] !== undefined) {
    batchSize = Number(values['batch-size']);
    if (!/^\d+$/.test(String(values['batch-size'])) || !Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new MigrateUsageError(`--batch-size must be a whole number from 1 to 10000, not ${JSON.stringify(values['batch-size'])}`);
    }
  }
  // A test hook, not a feature: stop (without exiting) after N committed batches, so a test can kill the process
  // at a known point and prove the next run resumes. Nothing is left half-written by the pause itself.
  const pauseAfter = env.LEDGER_MIGRATE_PAUSE_AFTER_BATCHES ? Number(env.LEDGER_MIGRATE_PAUSE_AFTER_BATCHES) : undefined;

  const source = openEventStore(from);
  let target: EventStore | undefined;
  const display = new ProgressDisplay({ command: 'migrate', stream: io.progress, force: values.progress === true });
  try {
    target = openEventStore(to);
    const report = await migrateEventStore(source, target, {
      batchSize,
      onProgress: (step, done, total) => display.update(step, done, total, step === 'copying' ? 'events' : 'streams'),
      ...(pauseAfter !== undefined && Number.isSafeInteger(pauseAfter)
        ? {
            afterBatch: async (batches: number) => {
              if (batches !== pauseAfter) return;
              io.err(`migrate: paused after ${batches} batches (LEDGER_MIGRATE_PAUSE_AFTER_BATCHES)`);
              await new Promise(() => undefined);
            },
          }
        : {}),
    });
    display.finish();
    if (values.json === true) io.out(JSON.stringify(report, null, 2));
    else for (const line of describeReport(report, describeLocation(from), describeLocation(to))) io.out(line);
    return report.ok ? 0 : 1;
  } catch (error) {
    display.finish();
    if (error instanceof MigrationConflictError || error instanceof MigrationTargetError) {
      io.err(`ledger migrate: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await source.close();
    await target?.close();
  }
}

function describeReport(report: MigrationReport, from: string, to: string): string[] {
  const broken = report.streams.filter((s) => !s.ok);
  const lines = [
    `Migrated ${from} to ${to}: ${report.events} events in ${report.streams.length} streams; ${report.copied} copied now, ${report.alreadyThere} already there and identical.`,
  ];
  for (const stream of broken) lines.push(`  ${stream.streamId}: ${stream.problem}`);
  for (const streamId of report.extraOnTarget) lines.push(`  ${streamId}: on the target but not in the source`);
  lines.push(
    report.ok
      ? `Every chain on the target verifies and ends at the same head as the source (${report.streams.length} streams).`
      : `The target is not an exact copy: ${broken.length} stream(s) differ, ${report.extraOnTarget.length} extra. Do not switch to it yet.`,
  );
  return lines;
}
