import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CheckpointPublisher, EvidenceFiles, PlanCommandService, PlanRepository, type WitnessHealth } from '#application';
import { SqliteEventStore } from '#event-store';
import { consistencyProof, hashFromHex, loadOrCreateSigningKey, signPlanCheckpoint } from '#evidence';
import { chainHash } from '#integrity';
import { formatAddCheckpointRequest } from '#transparency';
import { importOfstedPlan, recordProgressIn2012 } from './support/ofsted-plan.js';
import { runLedgerCli } from './support/run-cli.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

/**
 * Witnessed checkpoints end to end (issue 20): two witnesses run as the real `ledger witness serve` processes on
 * loopback; the real app pushes its plan logs' checkpoints to them; then the ledger's files are cut short, and
 * forked under a new key, by hand, and `ledger verify` with a witness policy catches both, naming the witness.
 */

const ROOT = process.cwd();
const LOG_NAME = 'ledger.central-bedfordshire.test';

interface RunningWitness {
  /** Its name in its cosignatures, from its vkey. */
  name: string;
  config: string;
  port: number;
  url: string;
  vkey: string;
  process: ChildProcess;
}

let dir: string;
let ledgerEnv: Record<string, string>;
let ledger: RunningLedger | undefined;
let planId: string;
let w1: RunningWitness;
let w2: RunningWitness;
let fullSize: number;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Start `ledger witness serve` and read its address and vkey from what it prints. */
function serve(config: string, port: number): Promise<RunningWitness> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/ledger.js'), 'witness', 'serve', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (\S+)/.exec(out)?.[1];
      const vkey = /^vkey (\S+)$/m.exec(out)?.[1];
      if (url && vkey) resolve({ name: vkey.split('+')[0]!, config, port, url, vkey, process: child });
    });
    child.once('exit', (code) => reject(new Error(`witness ${config} exited (${code}): ${out}${err}`)));
  });
}

async function stopWitness(witness: RunningWitness): Promise<void> {
  if (witness.process.exitCode !== null) return;
  const exited = new Promise((resolve) => witness.process.once('exit', resolve));
  witness.process.kill('SIGTERM');
  await exited;
}

function witnessConfig(name: string, port: number, ledgerVkey: string): string {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, 'witness.json');
  writeFileSync(file, JSON.stringify({ name: `witness.${name}.test/w1`, listen: { host: '127.0.0.1', port }, keyDir: 'key', database: 'witness.sqlite', ledgers: [{ vkey: ledgerVkey, description: 'Central Bedfordshire' }] }, null, 2));
  return file;
}

/** A consistent copy of a SQLite file, its WAL included (a plain file copy would miss what is still in the WAL). */
function copyDatabase(from: string, to: string): void {
  const source = new Database(from, { readonly: true });
  source.exec(`VACUUM INTO '${to.replace(/'/g, "''")}'`);
  source.close();
}

function cli(args: string[], env: Record<string, string> = ledgerEnv) {
  return runLedgerCli(args, env);
}

function envFor(folder: string, keys = path.join(dir, 'ledger', 'keys')): Record<string, string> {
  return {
    LEDGER_DB_PATH: path.join(folder, 'ledger.sqlite'),
    LEDGER_SIGNING_KEY_DIR: keys,
    LEDGER_EVIDENCE_DIR: path.join(folder, 'evidence'),
    LEDGER_LOG_NAME: LOG_NAME,
    LEDGER_WITNESSES: `${w1.vkey}@${w1.url},${w2.vkey}@${w2.url}`,
  };
}

async function health(): Promise<WitnessHealth> {
  const res = await ledger!.request('GET', '/health', { actor: null });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('ok');
  return res.body.witnesses as WitnessHealth;
}

async function witnessSize(witness: RunningWitness): Promise<number | null> {
  const { originHash, planLogOrigin } = await import('#transparency');
  const res = await fetch(`${witness.url}/${originHash(planLogOrigin(LOG_NAME, planId))}/checkpoint`);
  if (res.status !== 200) return null;
  return Number((await res.text()).split('\n')[1]);
}

const policy = () => ['--witness', `${w1.vkey}@${w1.url}`, '--witness', `${w2.vkey}@${w2.url}`, '--quorum', '2'];
const offlinePolicy = () => ['--witness', w1.vkey, '--witness', w2.vkey, '--quorum', '2'];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-witness-'));
  mkdirSync(path.join(dir, 'ledger'));
  const key = cli(['key', 'show', '--json'], { LEDGER_DB_PATH: path.join(dir, 'ledger', 'ledger.sqlite'), LEDGER_SIGNING_KEY_DIR: path.join(dir, 'ledger', 'keys'), LEDGER_LOG_NAME: LOG_NAME });
  expect(key.status).toBe(0);
  const ledgerVkey = JSON.parse(key.stdout).vkey as string;
  const [p1, p2] = [await freePort(), await freePort()];
  w1 = await serve(witnessConfig('partnership', p1, ledgerVkey), p1);
  w2 = await serve(witnessConfig('regulator', p2, ledgerVkey), p2);
  ledgerEnv = envFor(path.join(dir, 'ledger'));
  ledger = await startLedger(ledgerEnv);
}, 60_000);

afterAll(async () => {
  await ledger?.stop();
  for (const w of [w1, w2]) if (w) await stopWitness(w);
  rmSync(dir, { recursive: true, force: true });
});

describe('witnessed checkpoints', () => {
  it('pushes each plan log checkpoint to both witnesses after the appends, and a bundle then carries their cosignatures', async () => {
    const service = ledger!.app.get(PlanCommandService);
    planId = await importOfstedPlan(service);
    const publisher = ledger!.app.get(CheckpointPublisher);
    publisher.planChanged(planId);
    await publisher.flush();
    const events = await new SqliteEventStore({ path: ledgerEnv.LEDGER_DB_PATH! }).readStream(`plan-${planId}`);
    expect(await witnessSize(w1)).toBe(events.length);
    expect(await witnessSize(w2)).toBe(events.length);
    // (Not pending: the event log's subscription may be marking the plan again meanwhile; it is pushed again, harmlessly.)
    expect(await health()).toMatchObject({ configured: 2, ok: true, unreachable: [], alarms: [] });

    const zip = path.join(dir, 'first.zip');
    expect(cli(['bundle', planId, '--as-at', '2013-03-31', '--time', 'effective', '--out', zip]).status).toBe(0);
    const verified = cli(['verify', zip, ...offlinePolicy()]);
    expect(verified.stdout).toContain(`PASS  Enough trusted witnesses cosigned these events: 2 trusted witness(es) cosigned a tree that provably holds this bundle's ${events.length} events (quorum 2)`);
    expect(verified.status).toBe(0);
    // A bundle with no witness policy verifies as it always did.
    expect(cli(['verify', zip]).status).toBe(0);
  }, 120_000);

  it('with a witness down, loses no write: the appends succeed, the other witness cosigns, and the one that was down catches up when it is back', async () => {
    const before = await witnessSize(w2);
    await stopWitness(w2);
    const service = ledger!.app.get(PlanCommandService);
    const repository = ledger!.app.get(PlanRepository);
    await recordProgressIn2012(service, repository, planId, new EvidenceFiles(ledgerEnv.LEDGER_EVIDENCE_DIR!));
    const publisher = ledger!.app.get(CheckpointPublisher);
    publisher.planChanged(planId);
    await publisher.flush();
    fullSize = (await new SqliteEventStore({ path: ledgerEnv.LEDGER_DB_PATH! }).readStream(`plan-${planId}`)).length;
    expect(fullSize).toBeGreaterThan(before!);
    expect(await witnessSize(w1)).toBe(fullSize);
    const whileDown = await health();
    expect(whileDown).toMatchObject({ ok: true, unreachable: [w2.name] });
    expect(whileDown.pending).toBeGreaterThan(0);

    w2 = await serve(w2.config, w2.port);
    await publisher.flush();
    expect(await witnessSize(w2)).toBe(fullSize);
    expect(await health()).toMatchObject({ ok: true, unreachable: [], alarms: [] });
  }, 120_000);

  it('catches the newest events deleted by hand: verify-chain alone passes, verify with the witness policy fails naming the witness and the longer size', async () => {
    await ledger!.stop();
    ledger = undefined;
    // The cut-down ledger, without its own record of signed heads (the forger removed that too).
    const cut = path.join(dir, 'cut');
    mkdirSync(cut);
    copyDatabase(path.join(dir, 'ledger', 'ledger.sqlite'), path.join(cut, 'ledger.sqlite'));
    copyDatabase(path.join(dir, 'ledger', 'cosignatures.sqlite'), path.join(cut, 'cosignatures.sqlite'));
    const raw = new Database(path.join(cut, 'ledger.sqlite'));
    raw.exec('DROP TRIGGER events_are_not_deleted');
    raw.prepare('DELETE FROM events WHERE stream_id = ? AND revision >= ?').run(`plan-${planId}`, fullSize - 5);
    raw.close();
    const env = envFor(cut);

    const chain = cli(['verify-chain', planId], env);
    expect(chain.stdout).toContain(`chain intact, ${fullSize - 5} events`);
    expect(chain.status).toBe(0);

    const zip = path.join(cut, 'cut.zip');
    expect(cli(['bundle', planId, '--as-at', '2013-03-31', '--time', 'effective', '--out', zip], env).status).toBe(0);
    expect(cli(['verify', zip]).status).toBe(0);
    // Offline: the bundle carries the cosigned checkpoint the ledger cannot prove it is a prefix of.
    const offline = cli(['verify', zip, ...offlinePolicy()]);
    expect(offline.status).toBe(1);
    expect(offline.stdout).toContain(`FAIL  Enough trusted witnesses cosigned these events: TRUNCATION: witness ${w1.name} cosigned a tree of ${fullSize} events`);
    expect(offline.stdout).toContain(`but the bundle holds ${fullSize - 5}`);

    // The forger wipes the cosignatures too: the witnesses themselves still remember.
    rmSync(path.join(cut, 'cosignatures.sqlite'));
    const wiped = path.join(cut, 'wiped.zip');
    expect(cli(['bundle', planId, '--as-at', '2013-03-31', '--time', 'effective', '--out', wiped], env).status).toBe(0);
    expect(cli(['verify', wiped, ...offlinePolicy()]).stdout).toContain('0 of the 2 trusted witness(es) required cosigned a tree holding this bundle');
    const online = cli(['verify', wiped, ...policy(), '--log-name', LOG_NAME]);
    expect(online.status).toBe(1);
    expect(online.stdout).toContain(`TRUNCATION: witness ${w1.name} cosigned a tree of ${fullSize} events`);
    expect(online.stdout).toContain(`TRUNCATION: witness ${w2.name} cosigned a tree of ${fullSize} events`);
    expect(online.stdout).toContain('(from the witness itself)');

    const monitored = cli(['monitor', '--json'], env);
    expect(monitored.status).toBe(1);
    expect(JSON.parse(monitored.stdout).disagreements.map((d: { kind: string; witness: string }) => `${d.kind} ${d.witness}`)).toEqual([`truncation ${w1.name}`, `truncation ${w2.name}`]);
    const agreed = cli(['monitor', '--witness', w1.url, '--witness', `${w2.vkey}@${w2.url}`], ledgerEnv);
    expect(agreed.stdout).toContain('The 2 witness(es) agree with the ledger.');
    expect(agreed.status).toBe(0);
  }, 120_000);

  it('catches a forked history re-signed with a new key: the witnesses refuse it (an alarm), and verify names the witness that saw the other history', async () => {
    const forked = path.join(dir, 'forked');
    mkdirSync(forked);
    copyDatabase(path.join(dir, 'ledger', 'ledger.sqlite'), path.join(forked, 'ledger.sqlite'));
    const raw = new Database(path.join(forked, 'ledger.sqlite'));
    raw.exec('DROP TRIGGER events_are_not_updated');
    const rows = raw.prepare('SELECT revision, event_id, type, data, metadata, recorded_at, previous_hash FROM events WHERE stream_id = ? ORDER BY revision').all(`plan-${planId}`) as {
      revision: number;
      event_id: string;
      type: string;
      data: string;
      metadata: string;
      recorded_at: string;
      previous_hash: string;
    }[];
    const target = rows.find((r) => r.type === 'ActionAdded' && JSON.parse(r.data).ref === '1.1.2')!;
    const update = raw.prepare('UPDATE events SET data = ?, previous_hash = ?, hash = ? WHERE stream_id = ? AND revision = ?');
    let previousHash = target.previous_hash;
    for (const row of rows.filter((r) => r.revision >= target.revision)) {
      const data = row.revision === target.revision ? { ...JSON.parse(row.data), leads: ['Somebody Else'] } : JSON.parse(row.data);
      const hash = chainHash(previousHash, { streamId: `plan-${planId}`, revision: row.revision, eventId: row.event_id, type: row.type, data, metadata: JSON.parse(row.metadata), recordedAt: row.recorded_at });
      update.run(JSON.stringify(data), previousHash, hash, `plan-${planId}`, row.revision);
      previousHash = hash;
    }
    raw.close();
    const env = envFor(forked, path.join(forked, 'new-keys'));

    expect(cli(['verify-chain', planId], env).status).toBe(0);
    const zip = path.join(forked, 'forked.zip');
    expect(cli(['bundle', planId, '--as-at', '2013-03-31', '--time', 'effective', '--out', zip], env).status).toBe(0);
    expect(cli(['verify', zip]).status).toBe(0);
    const verified = cli(['verify', zip, ...policy()]);
    expect(verified.status).toBe(1);
    expect(verified.stdout).toContain(`FORK: witness ${w1.name} cosigned a tree of ${fullSize} events`);
    expect(verified.stdout).toContain(`FORK: witness ${w2.name} cosigned a tree of ${fullSize} events`);

    // The forged ledger pushes its checkpoint: both witnesses refuse it, and that is an alarm.
    const store = new SqliteEventStore({ path: env.LEDGER_DB_PATH! });
    const newKey = await loadOrCreateSigningKey(env.LEDGER_SIGNING_KEY_DIR!);
    const publisher = new CheckpointPublisher(store, async () => newKey, { logName: LOG_NAME, witnesses: [w1, w2].map((w) => ({ name: w.name, vkey: w.vkey, url: w.url })), cosignaturesPath: path.join(forked, 'cosignatures.sqlite'), warn: () => {} });
    publisher.planChanged(planId);
    await publisher.flush();
    const alarms = publisher.health().alarms;
    expect(alarms.map((a) => [a.witness, a.status])).toEqual([
      [w2.name, 403],
      [w1.name, 403],
    ]);
    await publisher.stop();

    // Even signed with the true key (an insider), the forked checkpoint is refused, and still after a restart.
    const oldKey = await loadOrCreateSigningKey(path.join(dir, 'ledger', 'keys'));
    const hashes = (await store.readStream(`plan-${planId}`)).map((e) => e.hash);
    await store.close();
    const checkpoint = await signPlanCheckpoint({ ledgerName: LOG_NAME, planId, eventHashes: hashes }, oldKey);
    const body = formatAddCheckpointRequest({ oldSize: fullSize, proof: consistencyProof(hashes.map(hashFromHex), fullSize), note: checkpoint.note });
    const first = await fetch(`${w1.url}/add-checkpoint`, { method: 'POST', body });
    expect(first.status).toBe(422);
    await stopWitness(w1);
    w1 = await serve(w1.config, w1.port);
    const again = await fetch(`${w1.url}/add-checkpoint`, { method: 'POST', body });
    expect(again.status).toBe(422);
    const stale = await fetch(`${w1.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpointRequest({ oldSize: 0, proof: [], note: checkpoint.note }) });
    expect([stale.status, await stale.text(), stale.headers.get('content-type')]).toEqual([409, `${fullSize}\n`, 'text/x.tlog.size']);
  }, 120_000);
});
