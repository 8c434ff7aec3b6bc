import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { v7 as uuidv7 } from 'uuid';
import { EvidenceFiles, PlanCommandService, PlanRepository } from '#application';
import { SqliteEventStore } from '#event-store';
import { BUNDLE_CHECKS, chainHash, verifyEvidenceBundle } from '#evidence';
import { importOfstedPlan, MINUTES, recordProgressIn2012 } from './support/ofsted-plan.js';
import { runLedgerCli } from './support/run-cli.js';

/**
 * Evidence bundles end to end, as a regulator meets them: the `ledger` command as a process, and the
 * standard tools (unzip, sha256sum, openssl) on the unzipped files, against the real Central
 * Bedfordshire 2012-13 plan in a real SQLite ledger.
 */

let dir: string;
let db: string;
let env: Record<string, string>;
let planId: string;
let older: string;
let newer: string;
let olderAsAt: string;
let firstOutput: string;

function run(command: string, args: string[], cwd: string, input?: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', input });
  if (result.error) throw new Error(`${command} could not be run (${result.error.message}); the evidence-bundle tests need it on PATH`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function unzipTo(zip: string, name: string): string {
  const target = path.join(dir, name);
  mkdirSync(target);
  expect(run('unzip', ['-q', zip, '-d', target], dir).status).toBe(0);
  return target;
}

function cli(args: string[]) {
  return runLedgerCli(args, env);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-bundle-'));
  db = path.join(dir, 'ledger.sqlite');
  env = { LEDGER_DB_PATH: db, LEDGER_SIGNING_KEY_DIR: path.join(dir, 'keys'), LEDGER_EVIDENCE_DIR: path.join(dir, 'evidence') };
  const store = new SqliteEventStore({ path: db });
  const repository = new PlanRepository(store);
  const service = new PlanCommandService(store, repository, { now: () => new Date(), newId: () => uuidv7() });
  planId = await importOfstedPlan(service);
  await new Promise((resolve) => setTimeout(resolve, 5));
  olderAsAt = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await recordProgressIn2012(service, repository, planId, new EvidenceFiles(env.LEDGER_EVIDENCE_DIR!));
  await store.close();

  older = path.join(dir, 'older.zip');
  newer = path.join(dir, 'newer.zip');
  const first = cli(['bundle', planId, '--as-at', olderAsAt, '--time', 'recorded', '--out', older]);
  expect(first).toMatchObject({ status: 0, stderr: '' });
  firstOutput = first.stdout;
  const second = cli(['bundle', planId, '--as-at', '2013-03-31T23:59:59Z', '--time', 'effective', '--with-files', '--since', older, '--out', newer]);
  expect(second).toMatchObject({ status: 0, stderr: '' });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ledger bundle and ledger verify', () => {
  it('writes a bundle of the Central Bedfordshire plan and says what it holds and who signed it', () => {
    expect(firstOutput).toContain(`Wrote ${older}: plan ${planId} as at ${olderAsAt} (recorded time), 184 events.`);
    expect(firstOutput).toMatch(/Merkle root [0-9a-f]{64}, signed by key SHA256:[0-9a-f]{64}\./);
  });

  it('verifies it, printing each check in plain words, and exits 0', () => {
    const result = cli(['verify', newer]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Verifying ${newer}: plan ${planId} as at 2013-03-31T23:59:59.000Z (effective time), made ${JSON.parse(readFileSync(path.join(unzipTo(newer, 'for-header'), 'manifest.json'), 'utf8')).createdAt}`);
    expect(lines.filter((line) => line.startsWith('PASS  ')).map((line) => line.slice(6).split(':')[0])).toEqual([
      BUNDLE_CHECKS.readable,
      BUNDLE_CHECKS.files,
      BUNDLE_CHECKS.sums,
      BUNDLE_CHECKS.signature,
      BUNDLE_CHECKS.chain,
      BUNDLE_CHECKS.merkle,
      BUNDLE_CHECKS.consistency,
      BUNDLE_CHECKS.replay,
    ]);
    expect(result.stdout).toContain('All 8 checks passed.');
    expect(result.stdout).toContain('Compare the key fingerprint above with the one the ledger operator publishes');
  });

  it('passes sha256sum -c SHA256SUMS, the signed manifest\'s file list and the openssl signature check after unzip', () => {
    const folder = unzipTo(newer, 'standard-tools');
    const sums = run('sha256sum', ['-c', 'SHA256SUMS'], folder);
    expect(sums).toMatchObject({ status: 0 });
    for (const name of ['manifest.json', 'manifest.sig', 'signing-key.pem', 'report.html', 'state.json', 'events.ndjson', 'consistency.json']) expect(sums.stdout).toContain(`${name}: OK`);
    expect(sums.stdout).toMatch(/evidence\/[0-9a-f]{64}: OK/);

    const signature = run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'signing-key.pem', '-rawin', '-in', 'manifest.json', '-sigfile', 'manifest.sig'], folder);
    expect(signature).toMatchObject({ status: 0, stdout: expect.stringContaining('Signature Verified Successfully') });

    // The command report.html prints: the files' hashes as the signed manifest lists them, checked by sha256sum.
    const listed = run('sh', ['-c', `sed -n 's/^    "\\([^"]*[./][^"]*\\)": "\\([0-9a-f]\\{64\\}\\)",\\{0,1\\}$/\\2  \\1/p' manifest.json | sha256sum -c -`], folder);
    expect(listed.status).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(Object.keys(JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8')).files).length);

    // One altered byte and the standard tools say so too.
    writeFileSync(path.join(folder, 'state.json'), readFileSync(path.join(folder, 'state.json'), 'utf8').replace('"green"', '"greeN"'));
    expect(run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], folder)).toMatchObject({ status: 1, stdout: 'state.json: FAILED\n' });
    writeFileSync(path.join(folder, 'manifest.json'), readFileSync(path.join(folder, 'manifest.json'), 'utf8').replace('"effective"', '"recorded"'));
    expect(run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'signing-key.pem', '-rawin', '-in', 'manifest.json', '-sigfile', 'manifest.sig'], folder).status).not.toBe(0);
  });

  it('shows the signing key with ledger key show, whose fingerprint openssl computes from the bundled key', () => {
    const shown = cli(['key', 'show']);
    expect(shown.status).toBe(0);
    const fingerprint = /Fingerprint: (SHA256:[0-9a-f]{64})/.exec(shown.stdout)![1]!;
    expect(shown.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    const folder = unzipTo(newer, 'fingerprint');
    const der = spawnSync('sh', ['-c', 'openssl pkey -pubin -in signing-key.pem -outform DER | sha256sum'], { cwd: folder, encoding: 'utf8' });
    expect(`SHA256:${der.stdout.split(' ')[0]}`).toBe(fingerprint);
    expect(cli(['verify', newer, '--fingerprint', `SHA256:${'0'.repeat(64)}`])).toMatchObject({ status: 1, stdout: expect.stringContaining('FAIL  The signing key is the one you trust') });
  });

  it('proves the newer bundle extends the older one: ledger verify --previous passes', () => {
    const result = cli(['verify', newer, '--previous', older]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/PASS {2}This bundle extends the older one unchanged: The older bundle \(made [^,]+, 184 events, root [0-9a-f]{64}\) verifies, and its events are exactly the first 184 of this one; the consistency proof in consistency.json checks; both signed by the same key/);
  });

  it('bundles what the plan said as at 31 March 2013, with the attached minutes', () => {
    const folder = unzipTo(newer, 'contents');
    const state = JSON.parse(readFileSync(path.join(folder, 'state.json'), 'utf8'));
    expect(state.rag.plan).toMatchObject({ sentence: '1 of 70 recommendations completed in full', actionsTotal: 104, actionsComplete: 7 });
    expect(state.plan).toMatchObject({ title: 'Central Bedfordshire Council Safeguarding and Looked After Children Post Inspection Action Plan', organisation: 'Central Bedfordshire Council' });
    const manifest = JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ eventCount: 184 + 12, evidenceFiles: { included: true, missing: [] }, since: { treeSize: 184 } });
    const minutes = Object.keys(manifest.files).find((name) => name.startsWith('evidence/'))!;
    expect(readFileSync(path.join(folder, minutes)).equals(MINUTES)).toBe(true);
  });

  it('fails when any single byte of any file of the bundle is flipped, naming the file or the event', async () => {
    // Bounded: every file, at its first and last byte and at four seeded positions; the unit tests try many more on a small plan.
    const original = unzipSync(readFileSync(newer));
    let seed = 2013;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const name of Object.keys(original)) {
      const size = original[name]!.length;
      for (const position of [0, size - 1, ...Array.from({ length: 4 }, () => Math.floor(random() * size))]) {
        const bytes = Uint8Array.from(original[name]!);
        bytes[position] = bytes[position]! ^ 0x20;
        const result = await verifyEvidenceBundle(zipSync({ ...original, [name]: [bytes, { level: 0 }] }, { level: 0 }));
        const named = result.checks.some((c) => !c.ok && (c.detail.includes(name) || /revision \d+/.test(c.detail)));
        expect({ name, position, ok: result.ok, named }).toEqual({ name, position, ok: false, named: true });
      }
    }
  }, 120_000);

  it('refuses to verify a newer bundle built after an old event was altered and re-hashed in the store, naming the revision', () => {
    const forgedDb = path.join(dir, 'forged.sqlite');
    copyFileSync(db, forgedDb);
    const raw = new Database(forgedDb);
    raw.exec('DROP TRIGGER events_are_not_updated');
    const rows = raw.prepare('SELECT revision, event_id, type, data, metadata, recorded_at, previous_hash, hash FROM events WHERE stream_id = ? ORDER BY revision').all(`plan-${planId}`) as {
      revision: number;
      event_id: string;
      type: string;
      data: string;
      metadata: string;
      recorded_at: string;
      previous_hash: string;
      hash: string;
    }[];
    // A forger changes who led action 1.1.2, then recomputes that event's hash and every later one so the chain still holds.
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

    expect(runLedgerCli(['verify-chain', planId, '--db', forgedDb], env).stdout).toContain('chain intact');
    const forged = path.join(dir, 'forged.zip');
    const built = runLedgerCli(['bundle', planId, '--as-at', '2013-03-31T23:59:59Z', '--time', 'effective', '--since', older, '--out', forged, '--db', forgedDb], env);
    expect(built.status).toBe(0);
    expect(built.stdout).toContain("Warning: The first 184 events are not the ones the earlier bundle holds: the ledger's history has changed since it was made");

    const alone = cli(['verify', forged]);
    expect(alone.stdout).toContain('PASS  The hash chain over events.ndjson holds');
    const against = cli(['verify', forged, '--previous', older]);
    expect(against.status).toBe(1);
    expect(against.stdout).toContain(`FAIL  ${BUNDLE_CHECKS.consistency}: Revision ${target.revision} differs between the bundles`);
    expect(against.stdout).toContain('and consistency.json does not prove that the older tree (184 events');
    expect(against.stdout).toContain('1 of 8 checks failed: do not rely on this bundle.');
  });

  it('fails clearly, exit 1, on a file that is not a bundle, and needs no ledger to verify', () => {
    const junk = path.join(dir, 'junk.zip');
    writeFileSync(junk, 'this is not a zip file');
    const nowhere = path.join(dir, 'no-ledger', 'ledger.sqlite');
    const result = runLedgerCli(['verify', junk], { LEDGER_DB_PATH: nowhere, LEDGER_SIGNING_KEY_DIR: path.join(dir, 'no-keys') });
    expect(result).toMatchObject({ status: 1, stderr: '' });
    expect(result.stdout).toContain('FAIL  The bundle can be read: The bundle is not a readable zip file');
    expect(runLedgerCli(['verify', newer], { LEDGER_DB_PATH: nowhere, LEDGER_SIGNING_KEY_DIR: path.join(dir, 'no-keys') }).status).toBe(0);
    expect(existsSync(path.dirname(nowhere))).toBe(false);
    expect(existsSync(path.join(dir, 'no-keys'))).toBe(false);
  });

  it('says what is wrong with a bundle command: no such plan (exit 1), bad options (exit 2)', () => {
    expect(cli(['bundle', uuidv7(), '--as-at', '2013-01-01', '--out', path.join(dir, 'x.zip')])).toMatchObject({ status: 1, stderr: expect.stringContaining('There is no plan') });
    expect(cli(['bundle', planId, '--as-at', '2013-01-01', '--time', 'sideways', '--out', path.join(dir, 'x.zip')])).toMatchObject({ status: 2, stderr: expect.stringContaining('--time must be recorded or effective') });
    expect(cli(['bundle', planId, '--as-at', '2001-01-01', '--out', path.join(dir, 'x.zip')])).toMatchObject({ status: 1, stderr: expect.stringContaining('did not exist at 2001-01-01T00:00:00.000Z (recorded time)') });
    expect(cli(['--help']).stdout).toContain('bundle <planId> --as-at <instant> [--time recorded|effective] --out <file.zip> [--with-files] [--since <earlier.zip>]');
  });
});
