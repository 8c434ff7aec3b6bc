import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import { SqliteEventStore, type RecordedEvent } from '#event-store';
import { runLedgerCli } from './support/run-cli.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const OFSTED = path.join(FIXTURES, 'central-bedfordshire-ofsted-action-plan-2012-13.txt');
const LAMING = path.join(FIXTURES, 'central-bedfordshire-laming-2009-progress.txt');

let dir: string;
let source: string;
let n = 0;
const freshFile = () => path.join(dir, `target-${++n}.sqlite`);

/** Everything a store holds, stream by stream, without the positions (those are each store's own). */
async function contentsOf(file: string): Promise<Map<string, Array<Omit<RecordedEvent, 'position'>>>> {
  const store = new SqliteEventStore({ path: file });
  try {
    const out = new Map<string, Array<Omit<RecordedEvent, 'position'>>>();
    for (const streamId of await store.listStreams('')) out.set(streamId, (await store.readStream(streamId)).map(({ position: _position, ...event }) => event));
    return out;
  } finally {
    await store.close();
  }
}

async function eventCount(file: string): Promise<number> {
  const store = new SqliteEventStore({ path: file });
  try {
    return (await store.readAll()).length;
  } finally {
    await store.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-migrate-'));
  source = path.join(dir, 'source.sqlite');
  const must = (args: string[]) => {
    const result = runLedgerCli([...args, '--db', source]);
    if (result.status !== 0) throw new Error(`ledger ${args.join(' ')} → ${result.status}: ${result.stderr}`);
  };
  must(['import', OFSTED, '--organisation', 'Central Bedfordshire Council', '--responds-to', 'Ofsted inspection (2012)']);
  must(['users', 'add', '--id', 'sue.ioannou', '--name', 'Sue Ioannou', '--organisation', 'central-bedfordshire-council']);
  must(['tokens', 'issue', '--user', 'sue.ioannou', '--role', 'admin']);
  must(['import', LAMING, '--organisation', 'Central Bedfordshire Council', '--responds-to', 'Lord Laming (2009)']);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ledger migrate', () => {
  it('copies a SQLite ledger into another with every revision, recorded time and hash, and verifies every chain there', async () => {
    const target = freshFile();
    const keys = { LEDGER_SIGNING_KEY_DIR: path.join(dir, 'keys'), LEDGER_EVIDENCE_DIR: path.join(dir, 'evidence') };
    const planIds = JSON.parse(runLedgerCli(['plans', '--json', '--db', source]).stdout).map((p: { planId: string }) => p.planId);
    const before = path.join(dir, 'before-the-move.zip');
    expect(runLedgerCli(['bundle', planIds[0], '--as-at', '2100-01-01', '--out', before, '--db', source], keys).status).toBe(0);

    const result = runLedgerCli(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${target}`]);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const total = await eventCount(source);
    expect(total).toBeGreaterThan(300);
    expect(result.stdout).toContain(`${total} events in 3 streams; ${total} copied now, 0 already there and identical.`);
    expect(result.stdout).toContain('Every chain on the target verifies and ends at the same head as the source (3 streams).');

    const [copied, original] = [await contentsOf(target), await contentsOf(source)];
    expect([...copied.keys()]).toEqual([...original.keys()]);
    expect(copied).toEqual(original);

    const chains = JSON.parse(runLedgerCli(['verify-chain', '--json', '--db', target]).stdout);
    expect(chains.ok).toBe(true);
    expect(chains.streams.map((s: { head: string }) => s.head)).toEqual([...original.values()].map((events) => events.at(-1)!.hash));
    expect(runLedgerCli(['plans', '--db', target]).stdout).toBe(runLedgerCli(['plans', '--db', source]).stdout);

    // A bundle made after the move proves it extends one made before it: same hashes, same Merkle tree.
    const after = path.join(dir, 'after-the-move.zip');
    const rebuilt = runLedgerCli(['bundle', planIds[0], '--as-at', '2100-01-01', '--out', after, '--since', before, '--json', '--db', target], keys);
    expect(rebuilt.status).toBe(0);
    const verified = runLedgerCli(['verify', after, '--since', before, '--json']);
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout).ok).toBe(true);

    // Running it again finds everything there, identical, and appends nothing.
    const again = runLedgerCli(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${target}`, '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, events: total, copied: 0, alreadyThere: total, extraOnTarget: [] });
    expect(await eventCount(target)).toBe(total);
  }, 60_000);

  it('resumes after being killed half-way: copies only the rest, and ends with the same hashes', async () => {
    const target = freshFile();
    const child = spawn(process.execPath, ['bin/ledger.js', 'migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${target}`, '--batch-size', '25'], {
      env: { ...process.env, LEDGER_MIGRATE_PAUSE_AFTER_BATCHES: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('paused after 5 batches')) resolve();
      });
      child.on('exit', () => reject(new Error(`migrate ended before pausing: ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const total = await eventCount(source);
    const copiedBeforeKill = await eventCount(target);
    expect(copiedBeforeKill).toBeGreaterThan(0);
    expect(copiedBeforeKill).toBeLessThan(total);

    const resumed = runLedgerCli(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${target}`, '--json']);
    expect(resumed.status).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report).toMatchObject({ ok: true, events: total, alreadyThere: copiedBeforeKill, copied: total - copiedBeforeKill });
    expect(report.streams.every((s: { ok: boolean }) => s.ok)).toBe(true);
    expect(await contentsOf(target)).toEqual(await contentsOf(source));
  }, 60_000);

  it('refuses a target that holds a different history, and copies nothing into it', async () => {
    const target = freshFile();
    const [firstPlan] = [...(await contentsOf(source)).keys()].filter((s) => s.startsWith('plan-'));
    const other = new SqliteEventStore({ path: target });
    await other.appendToStream(firstPlan!, [{ eventId: uuidv7(), type: 'PlanCreated', data: { title: 'Not the same plan' }, metadata: {} }], { expectedRevision: 'no_stream' });
    await other.close();

    const result = runLedgerCli(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${target}`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`The target already holds stream ${firstPlan} at revision 0, and it is not the source's event (a different hash)`);
    expect(await eventCount(target)).toBe(1);

    const foreign = freshFile();
    const unrelated = new SqliteEventStore({ path: foreign });
    await unrelated.appendToStream('plan-someone-else', [{ eventId: uuidv7(), type: 'PlanCreated', data: {}, metadata: {} }], { expectedRevision: 'no_stream' });
    await unrelated.close();
    const refused = runLedgerCli(['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${foreign}`]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('The target holds 1 stream(s) the source does not (plan-someone-else)');
    expect(await eventCount(foreign)).toBe(1);
  }, 60_000);

  it('says what is wrong with the command, and exits 2 without touching anything', () => {
    const copy = path.join(dir, 'copy-of-source.sqlite');
    copyFileSync(source, copy);
    const cases: Array<[string[], string]> = [
      [['migrate', '--to', `sqlite:${freshFile()}`], 'migrate needs --from <store> and --to <store>'],
      [['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${source}`], '--from and --to name the same file'],
      [['migrate', '--from', `sqlite:${source}`, '--to', `postgres://localhost/ledger`], '--to must be sqlite:<file> or eventstoredb:<connection string>'],
      [['migrate', '--from', `sqlite:${source}`, '--to', 'eventstoredb:localhost:2113'], '--to must be sqlite:<file> or eventstoredb:<connection string>'],
      [['migrate', '--from', `sqlite:${path.join(dir, 'nowhere.sqlite')}`, '--to', `sqlite:${freshFile()}`], 'There is no ledger file'],
      [['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${freshFile()}`, '--batch-size', '0'], '--batch-size must be a whole number from 1 to 10000'],
      [['migrate', '--from', `sqlite:${source}`, '--to', `sqlite:${freshFile()}`, '--db', copy], 'ledger migrate does not take --db'],
    ];
    for (const [args, message] of cases) {
      const result = runLedgerCli(args);
      expect({ args, status: result.status, stdout: result.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(result.stderr).toContain(message);
    }
  }, 60_000);
});
