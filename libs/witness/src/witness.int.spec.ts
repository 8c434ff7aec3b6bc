import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { consistencyProof, hashFromHex, loadOrCreateSigningKey, noteVerifierKeyOf, signPlanCheckpoint, type SigningKey } from '#evidence';
import { cosignatureVerifier, formatAddCheckpointRequest, openNote, originHash, parseVerifierKey, planLogOrigin } from '#transparency';
import { Witness } from './witness.js';
import { WitnessRecord } from './witness-record.js';
import { startWitnessServer } from './witness-server.js';

/** The witness's rules against a real SQLite record and real keys: what it cosigns, what it refuses, across a restart. */

let dir: string;
let ledgerKey: SigningKey;
let otherKey: SigningKey;
let witnessKey: SigningKey;
const LEDGER = 'ledger.test/council';
const hashes = Array.from({ length: 12 }, (_, i) => (i + 1).toString(16).padStart(64, '0'));
const forked = hashes.map((h, i) => (i === 4 ? 'f'.repeat(64) : h));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'witness-'));
  ledgerKey = await loadOrCreateSigningKey(path.join(dir, 'ledger-key'));
  otherKey = await loadOrCreateSigningKey(path.join(dir, 'forger-key'));
  witnessKey = await loadOrCreateSigningKey(path.join(dir, 'witness-key'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(file = 'witness.sqlite') {
  const record = new WitnessRecord(path.join(dir, file));
  return { record, witness: new Witness({ name: 'witness.test/w1', key: witnessKey, record, ledgerVkeys: [noteVerifierKeyOf(LEDGER, ledgerKey)] }) };
}

async function request(of: readonly string[], oldSize: number, key = ledgerKey, planId = 'plan-a', proofOf: readonly string[] = of) {
  const checkpoint = await signPlanCheckpoint({ ledgerName: LEDGER, planId, eventHashes: of }, key);
  const proof = oldSize > 0 && oldSize < of.length ? consistencyProof(proofOf.map(hashFromHex), oldSize) : [];
  return { checkpoint, body: formatAddCheckpointRequest({ oldSize, proof, note: checkpoint.note }) };
}

describe('the witness', () => {
  it('cosigns a first checkpoint from size 0 with a timestamped cosignature/v1 that its vkey verifies, and keeps its key owner-only', async () => {
    const { record, witness } = open();
    const { checkpoint, body } = await request(hashes.slice(0, 5), 0);
    const answer = await witness.addCheckpoint(body);
    expect(answer.status).toBe(200);
    const key = parseVerifierKey(witness.vkey);
    if (!key.ok) throw new Error(key.problem);
    const opened = await openNote(checkpoint.note + answer.body, [cosignatureVerifier(key.value)]);
    expect(opened.ok).toBe(true);
    expect(statSync(path.join(dir, 'witness-key', 'signing-key.pem')).mode & 0o777).toBe(0o600);
    record.close();
  });

  it('cosigns an extension proved consistent, and answers 409 with the size it knows to a stale old size', async () => {
    const { record, witness } = open();
    expect((await witness.addCheckpoint((await request(hashes.slice(0, 9), 5)).body)).status).toBe(200);
    const stale = await witness.addCheckpoint((await request(hashes.slice(0, 10), 5)).body);
    expect(stale).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '9\n' });
    record.close();
  });

  it('refuses (422) a checkpoint whose proof does not verify: a rewritten revision 4 cannot extend the 9 it cosigned', async () => {
    const { record, witness } = open();
    const answer = await witness.addCheckpoint((await request(forked.slice(0, 11), 9)).body);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatch(/history has changed/);
    const sameSize = await witness.addCheckpoint((await request(forked.slice(0, 9), 9)).body);
    expect(sameSize.status).toBe(422);
    record.close();
  });

  it('after a restart, still knows the 9 it cosigned: a smaller tree or a fork is refused, the true extension is cosigned', async () => {
    const { record, witness } = open();
    expect((await witness.addCheckpoint((await request(hashes.slice(0, 7), 9)).body)).status).toBe(400);
    expect((await witness.addCheckpoint((await request(hashes.slice(0, 7), 0)).body)).body).toBe('9\n');
    expect((await witness.addCheckpoint((await request(forked, 9, ledgerKey, 'plan-a', forked)).body)).status).toBe(422);
    expect((await witness.addCheckpoint((await request(hashes, 9)).body)).status).toBe(200);
    expect(record.latest(planLogOrigin(LEDGER, 'plan-a'))?.size).toBe(12);
    expect(record.refusals().map((r) => r.status)).toEqual([422, 422, 422]);
    record.close();
  });

  it('answers 403 to a checkpoint signed with another key under the ledger name, and 404 to a log it does not follow', async () => {
    const { record, witness } = open();
    expect((await witness.addCheckpoint((await request(hashes, 12, otherKey)).body)).status).toBe(403);
    const stranger = await signPlanCheckpoint({ ledgerName: 'other.test', planId: 'plan-a', eventHashes: hashes }, ledgerKey);
    expect((await witness.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, proof: [], note: stranger.note }))).status).toBe(404);
    record.close();
  });

  it('follows a new plan of the ledger without being told of it', async () => {
    const { record, witness } = open();
    expect((await witness.addCheckpoint((await request(hashes.slice(0, 3), 0, ledgerKey, 'constructor')).body)).status).toBe(200);
    expect((await witness.addCheckpoint((await request(hashes.slice(0, 3), 0, ledgerKey, '__proto__')).body)).status).toBe(200);
    record.close();
  });

  it('over HTTP: serves the latest cosigned checkpoint by origin hash, refuses bodies that are not requests with 400, and too large with 413', async () => {
    const { record, witness } = open();
    const server = await startWitnessServer(witness, { host: '127.0.0.1', port: 0 });
    try {
      const served = await fetch(`${server.url}/${originHash(planLogOrigin(LEDGER, 'plan-a'))}/checkpoint`);
      expect(served.status).toBe(200);
      expect(await served.text()).toMatch(/^ledger\.test\/council\/plans\/plan-a\n12\n/);
      expect((await fetch(`${server.url}/${'0'.repeat(64)}/checkpoint`)).status).toBe(404);
      expect((await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body: 'hello' })).status).toBe(400);
      expect((await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body: Buffer.from([0x6f, 0x6c, 0x64, 0x20, 0xff]) })).status).toBe(400);
      expect((await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body: 'x'.repeat(70_000) })).status).toBe(413);
      expect((await fetch(`${server.url}/add-checkpoint`)).status).toBe(405);
      const stale = await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body: (await request(hashes, 3)).body });
      expect(stale.status).toBe(409);
      expect(stale.headers.get('content-type')).toBe('text/x.tlog.size');
    } finally {
      await server.close();
      record.close();
    }
  });
});
