/**
 * Other processes writing to the same SQLite file, for the adapter's multi-process tests:
 * - `runAppendersInChildProcesses` runs the real SqliteEventStore in child processes. The adapter is TypeScript
 *   and the children are plain Node, so its module graph is transpiled once with @swc/core (already installed
 *   for Jest) into a temp folder whose node_modules links to the project's.
 * - `holdWriteLockInChildProcess` is a foreign writer: raw SQL through its own better-sqlite3 connection, holding
 *   the write lock for a while, to prove the adapter waits for it and then reports a conflict, not an SQLite error.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from '@swc/core';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const adapterEntry = join(projectRoot, 'libs/event-store/src/sqlite-event-store.ts');

export interface ChildAppenderReport {
  writer: string;
  eventIds: string[];
  conflicts: number;
}

export interface ChildAppenders {
  /** Resolves with each child's report once all have exited successfully. */
  finished: Promise<ChildAppenderReport[]>;
}

const APPENDER_SCRIPT = `
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from './libs/event-store/src/sqlite-event-store.js';

const [path, streamId, writer, count, startAt] = process.argv.slice(2);
const store = new SqliteEventStore({ path });
const eventIds = [];
let conflicts = 0;
// Start together, so the processes really race.
while (Date.now() < Number(startAt)) await new Promise((resolve) => setTimeout(resolve, 1));
for (let sequence = 0; sequence < Number(count); sequence += 1) {
  const eventId = randomUUID();
  for (;;) {
    const head = await store.streamSummary(streamId);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    try {
      await store.appendToStream(streamId, [{ eventId, type: 'ProgressRecorded', data: { writer, sequence }, metadata: { process: process.pid } }], {
        expectedRevision: head ? head.revision : 'no_stream',
      });
      break;
    } catch (error) {
      // Only the port's conflict error may be retried: a raw SQLite error fails the child, and so the test.
      if (error?.name !== 'WrongExpectedRevisionError') throw error;
      conflicts += 1;
    }
  }
  eventIds.push(eventId);
}
await store.close();
process.stdout.write(JSON.stringify({ writer, eventIds, conflicts }) + '\\n');
`;

const GROUPED_APPENDER_SCRIPT = `
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from './libs/event-store/src/sqlite-event-store.js';

const [path, streams] = process.argv.slice(2);
const store = new SqliteEventStore({ path });
let request = 0;
// Until killed: passes of eight requests of three events each, made at once so that they share a group commit,
// one of them a conflict (stream 0 exists after the first pass). Each acknowledged request is reported at once,
// on a pipe, which Node writes synchronously on Linux: a line out means the append was acknowledged to us.
for (let pass = 0; ; pass += 1) {
  const requests = Array.from({ length: 8 }, (_, index) => {
    const streamId = 'crash-' + (index % Number(streams));
    const events = Array.from({ length: 3 }, (_, part) => ({ eventId: randomUUID(), type: 'GroupedWrite', data: { request, part }, metadata: {} }));
    const expectedRevision = index === 7 && pass > 0 ? 'no_stream' : 'any';
    request += 1;
    return store.appendToStream(streamId, events, { expectedRevision }).then(
      (result) => process.stdout.write(JSON.stringify({ streamId, eventIds: events.map((e) => e.eventId), revision: String(result.nextExpectedRevision) }) + '\\n'),
      (error) => {
        if (error?.name !== 'WrongExpectedRevisionError') throw error;
      },
    );
  });
  await Promise.all(requests);
}
`;

export interface AcknowledgedAppend {
  streamId: string;
  eventIds: string[];
}

/**
 * A child process appending grouped requests (see GROUPED_APPENDER_SCRIPT) to `path` until it is killed with
 * SIGKILL once it has acknowledged `killAfter` requests. Resolves with every append it acknowledged.
 */
export async function appendInGroupsUntilKilled(options: { path: string; streams: number; killAfter: number }): Promise<AcknowledgedAppend[]> {
  const root = compileAdapter();
  try {
    const child = spawn(process.execPath, [join(root, 'grouped-appender.mjs'), options.path, String(options.streams)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: AcknowledgedAppend[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolveExit) => child.on('exit', (code, signal) => resolveExit(signal ?? code)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) acknowledged.push(JSON.parse(line) as AcknowledgedAppend);
      if (acknowledged.length >= options.killAfter && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const how = await exited;
    if (how !== 'SIGKILL') throw new Error(`The grouped appender ended with ${String(how)} before it was killed:\n${stderr}`);
    // A line cut short by the kill was never a whole acknowledgement.
    return acknowledged;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Transpile the adapter and everything it imports, relatively or by a project alias (#integrity), into a new temp folder (a few ms). */
function compileAdapter(): string {
  const outRoot = mkdtempSync(join(tmpdir(), 'ledger-sqlite-adapter-'));
  const pending = [adapterEntry];
  const done = new Set<string>();
  const projectImports = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { imports: Record<string, { types: string }> }).imports;
  const aliases = new Map<string, string>();
  while (pending.length > 0) {
    const source = pending.pop()!;
    if (done.has(source)) continue;
    done.add(source);
    const code = readFileSync(source, 'utf8');
    for (const match of code.matchAll(/from\s+'(\.{1,2}\/[^']+)\.js'/g)) pending.push(resolve(dirname(source), `${match[1]}.ts`));
    for (const match of code.matchAll(/from\s+'(#[\w-]+)'/g)) {
      const target = new Map(Object.entries(projectImports)).get(match[1]!);
      if (!target) continue;
      aliases.set(match[1]!, target.types.replace(/\.ts$/, '.js'));
      pending.push(resolve(projectRoot, target.types));
    }
    const output = transformSync(code, {
      filename: source,
      swcrc: false,
      configFile: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    const target = join(outRoot, relative(projectRoot, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.code);
  }
  writeFileSync(join(outRoot, 'package.json'), JSON.stringify({ type: 'module', imports: Object.fromEntries(aliases) }));
  symlinkSync(join(projectRoot, 'node_modules'), join(outRoot, 'node_modules'), 'dir');
  writeFileSync(join(outRoot, 'appender.mjs'), APPENDER_SCRIPT);
  writeFileSync(join(outRoot, 'grouped-appender.mjs'), GROUPED_APPENDER_SCRIPT);
  return outRoot;
}

export function runAppendersInChildProcesses(options: { path: string; streamId: string; processes: number; appendsPerProcess: number; startAt: number }): ChildAppenders {
  const root = compileAdapter();
  const children = Array.from({ length: options.processes }, (_, index) =>
    runNode(join(root, 'appender.mjs'), [options.path, options.streamId, `process-${index}`, String(options.appendsPerProcess), String(options.startAt)]).then(
      (stdout) => JSON.parse(stdout.trim()) as ChildAppenderReport,
    ),
  );
  const finished = Promise.all(children);
  void finished.catch(() => undefined).finally(() => rmSync(root, { recursive: true, force: true }));
  return { finished };
}

const LOCK_HOLDER_SCRIPT = `
import { createRequire } from 'node:module';
const [betterSqlite3, path, streamId, eventId, holdMs] = process.argv.slice(2);
const Database = createRequire(import.meta.url)(betterSqlite3);
const db = new Database(path);
db.pragma('busy_timeout = 5000');
db.exec('BEGIN IMMEDIATE');
db.prepare(\`INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash)
            VALUES (?, 0, ?, 'WrittenByAnotherProcess', '{}', '{}', ?, ?, ?)\`)
  .run(streamId, eventId, new Date().toISOString(), '0'.repeat(64), 'f'.repeat(64));
process.stdout.write('locked\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(holdMs));
db.exec('COMMIT');
db.close();
`;

/**
 * Starts a child that takes the write lock, inserts revision 0 of `streamId` with plain SQL and holds the lock for
 * `holdMs` before committing. `locked` resolves once the lock is held; `exited` when the child is done.
 */
export function holdWriteLockInChildProcess(options: { path: string; streamId: string; eventId: string; holdMs: number }): { locked: Promise<void>; exited: Promise<string> } {
  const folder = mkdtempSync(join(tmpdir(), 'ledger-lock-holder-'));
  const script = join(folder, 'hold-write-lock.mjs');
  writeFileSync(script, LOCK_HOLDER_SCRIPT);
  const betterSqlite3 = createRequire(join(projectRoot, 'package.json')).resolve('better-sqlite3');
  let signalLocked!: () => void;
  const locked = new Promise<void>((resolveLocked) => {
    signalLocked = resolveLocked;
  });
  const exited = runNode(script, [betterSqlite3, options.path, options.streamId, options.eventId, String(options.holdMs)], (chunk) => {
    if (chunk.includes('locked')) signalLocked();
  });
  void exited.catch(() => undefined).finally(() => rmSync(folder, { recursive: true, force: true }));
  return { locked: Promise.race([locked, exited.then(() => undefined)]), exited };
}

function runNode(script: string, args: string[], onStdout?: (chunk: string) => void): Promise<string> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout?.(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', rejectRun);
    child.on('close', (code) => {
      if (code === 0) resolveRun(stdout);
      else rejectRun(new Error(`${script} exited with ${code}:\n${stderr}`));
    });
  });
}
