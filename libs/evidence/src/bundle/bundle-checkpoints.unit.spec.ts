import { describe, expect, it } from '@jest/globals';
import { cosign, planLogOrigin } from '#transparency';
import { cosignerVerifierKeyOf, rawPublicKey } from '../note-keys.js';
import { signPlanCheckpoint } from '../plan-checkpoint.js';
import type { SigningKey } from '../signing-key.js';
import { BUNDLE_FILES } from './bundle-format.js';
import { checkWitnessPolicy } from './bundle-checkpoints.js';
import { CHECKS, verifyEvidenceBundle } from './bundle-verifier.js';
import { testPlanEvents, testSigningKey, TEST_PLAN_ID, TEST_PLAN_STEPS, unzipBundle } from './testing/bundle-test-plan.js';
import { buildTestBundle } from './testing/test-bundle.js';

/** The witness policy over checkpoints.json: coverage and quorum, and forks and truncations named by witness. */

const LEDGER = 'ledger.test/council';
const ORIGIN = planLogOrigin(LEDGER, TEST_PLAN_ID);
const ledgerKey = testSigningKey();
const witnesses = ['witness.one.test/w1', 'witness.two.test/w1'].map((name) => ({ name, key: testSigningKey() }));
const vkeys = witnesses.map((w) => cosignerVerifierKeyOf(w.name, w.key));
const EVENTS = testPlanEvents();
const SHORTER = testPlanEvents(TEST_PLAN_STEPS.length - 1);

async function cosigned(hashes: readonly string[], by: readonly { name: string; key: SigningKey }[], timestamp = 1_362_128_400): Promise<string> {
  const checkpoint = await signPlanCheckpoint({ ledgerName: LEDGER, planId: TEST_PLAN_ID, eventHashes: hashes }, ledgerKey);
  let note = checkpoint.note;
  for (const w of by) note += (await cosign(checkpoint.text, timestamp, { name: w.name, publicKey: rawPublicKey(w.key), sign: (m) => w.key.sign(m) })).line;
  return note;
}

async function witnessCheck(zip: Uint8Array, quorum: number) {
  const result = await verifyEvidenceBundle(zip, { witnessPolicy: { witnesses: vkeys.map((vkey) => ({ vkey })), quorum } });
  return { ok: result.ok, check: result.checks.find((c) => c.name === CHECKS.witnessed)! };
}

describe('the witness policy', () => {
  it('passes a bundle whose tree both witnesses cosigned, and a quorum of 2 needs both', async () => {
    const both = await buildTestBundle(ledgerKey, { signingKey: ledgerKey, checkpoints: { origin: ORIGIN, notes: [await cosigned(EVENTS.map((e) => e.hash), witnesses)] } });
    expect(await witnessCheck(both.zip, 2)).toMatchObject({ ok: true, check: { ok: true } });
    const one = await buildTestBundle(ledgerKey, { checkpoints: { origin: ORIGIN, notes: [await cosigned(EVENTS.map((e) => e.hash), witnesses.slice(0, 1))] } });
    expect(await witnessCheck(one.zip, 1)).toMatchObject({ ok: true });
    const short = await witnessCheck(one.zip, 2);
    expect(short.ok).toBe(false);
    expect(short.check.detail).toMatch(/^1 of the 2 trusted witness\(es\) required/);
  });

  it('covers a recorded-time bundle of an earlier cut-off with the proof to the larger witnessed tree', async () => {
    const earlier = await buildTestBundle(ledgerKey, { time: 'recorded', asAt: SHORTER.at(-1)!.recordedAt, checkpoints: { origin: ORIGIN, notes: [await cosigned(EVENTS.map((e) => e.hash), witnesses)] } });
    expect(earlier.manifest.eventCount).toBeLessThan(EVENTS.length);
    const check = await witnessCheck(earlier.zip, 2);
    expect(check.check.detail).toContain(`provably holds this bundle's ${earlier.manifest.eventCount} events`);
    expect(check.ok).toBe(true);
  });

  it('reports a truncation, naming the witness and the size it saw, when the ledger holds fewer events than were witnessed', async () => {
    const cut = await buildTestBundle(ledgerKey, { events: SHORTER, checkpoints: { origin: ORIGIN, notes: [await cosigned(EVENTS.map((e) => e.hash), witnesses)] } });
    const check = await witnessCheck(cut.zip, 1);
    expect(check.ok).toBe(false);
    expect(check.check.detail).toContain(`TRUNCATION: witness witness.one.test/w1 cosigned a tree of ${EVENTS.length} events`);
    expect(check.check.detail).toContain(`but the bundle holds ${SHORTER.length}`);
  });

  it('reports a fork when a witness cosigned another history of the same size', async () => {
    const other = EVENTS.map((e, i) => (i === 3 ? 'ab'.repeat(32) : e.hash));
    const forked = await buildTestBundle(ledgerKey, { checkpoints: { origin: ORIGIN, notes: [await cosigned(other, witnesses.slice(1))] } });
    const check = await witnessCheck(forked.zip, 1);
    expect(check.ok).toBe(false);
    expect(check.check.detail).toMatch(new RegExp(`^FORK: witness witness\\.two\\.test/w1 cosigned a tree of ${EVENTS.length} events`));
  });

  it('fails a bundle without checkpoints.json under a policy, and verifies it as before without one', async () => {
    const plain = await buildTestBundle(ledgerKey);
    expect(unzipBundle(plain.zip).has(BUNDLE_FILES.checkpoints)).toBe(false);
    expect((await verifyEvidenceBundle(plain.zip)).ok).toBe(true);
    const check = await witnessCheck(plain.zip, 1);
    expect(check.check.detail).toMatch(/^0 of the 1 trusted witness/);
  });

  it('does not count a cosignature that does not verify, nor a witness key of the wrong type, nor a quorum the witnesses cannot meet', async () => {
    const note = await cosigned(EVENTS.map((e) => e.hash), witnesses);
    const lines = note.split('\n');
    const last = lines.at(-2)!;
    const broken = [...lines.slice(0, -2), `${last.slice(0, -6)}AAAAA=`, ''].join('\n');
    const file = new TextEncoder().encode(JSON.stringify({ format: 'C2SP tlog-checkpoint signed notes with tlog-cosignature (cosignature/v1) lines', origin: ORIGIN, checkpoints: [{ note: broken, proof: [] }] }));
    const bundle = { planId: TEST_PLAN_ID, eventHashes: EVENTS.map((e) => e.hash), createdAt: '2013-03-01T09:00:00.000Z', checkpointsFile: file };
    const outcome = await checkWitnessPolicy(bundle, { witnesses: vkeys.map((vkey) => ({ vkey })), quorum: 1 });
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(/does not verify/);
    expect((await checkWitnessPolicy(bundle, { witnesses: [{ vkey: vkeys[0]!.replace('+B', '+A') }] })).ok).toBe(false);
    expect((await checkWitnessPolicy(bundle, { witnesses: [{ vkey: vkeys[0]! }], quorum: 2 })).detail).toMatch(/cannot be met/);
    const elsewhere = await checkWitnessPolicy({ ...bundle, checkpointsFile: new TextEncoder().encode(JSON.stringify({ format: 'C2SP tlog-checkpoint signed notes with tlog-cosignature (cosignature/v1) lines', origin: planLogOrigin(LEDGER, 'constructor'), checkpoints: [] })) }, { witnesses: [{ vkey: vkeys[0]! }] });
    expect(elsewhere.detail).toMatch(/is of log .*constructor, not plan/);
  });
});
