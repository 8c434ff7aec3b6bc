import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { configureRagRules, DEFAULT_RAG_RULES, type RagRuleSet } from '#domain';
import { canonicalJson } from '#integrity';
import { nodeSha256 } from '../node-sha256.js';
import { BUNDLE_FILES } from './bundle-format.js';
import { buildEvidenceBundle, EvidenceBundleError, type EvidenceBundleRequest } from './bundle-writer.js';
import { CHECKS, verifyEvidenceBundle, type EvidenceBundleVerification } from './bundle-verifier.js';
import {
  EVIDENCE_BYTES,
  EVIDENCE_SHA256,
  rechain,
  resealBundle,
  seededRandom,
  TEST_PLAN_ID,
  TEST_PLAN_STEPS,
  testPlanEvents,
  testSigningKey,
  unzipBundle,
  zipFiles,
} from './testing/bundle-test-plan.js';

const ledgerKey = testSigningKey();
const outsiderKey = testSigningKey();
const EVENTS = testPlanEvents();
/** Everything but the back-dated note of Feb 2013: the plan as the ledger held it at the end of 2012. */
const EVENTS_2012 = testPlanEvents(TEST_PLAN_STEPS.length - 1);

function request(overrides: Partial<EvidenceBundleRequest> = {}): EvidenceBundleRequest {
  return {
    planId: TEST_PLAN_ID,
    events: EVENTS,
    asAt: '2012-12-31T23:59:59.999Z',
    time: 'effective',
    rules: DEFAULT_RAG_RULES,
    signingKey: ledgerKey,
    generator: { name: 'safeguarding-evidence-ledger', version: '0.1.0-test' },
    createdAt: '2013-03-01T09:00:00.000Z',
    ...overrides,
  };
}

async function zipOf(overrides: Partial<EvidenceBundleRequest> = {}): Promise<Uint8Array> {
  return (await buildEvidenceBundle(request(overrides))).zip;
}

function check(result: EvidenceBundleVerification, name: string) {
  const found = result.checks.find((c) => c.name === name);
  if (!found) throw new Error(`No check "${name}" in ${JSON.stringify(result.checks.map((c) => c.name))}`);
  return found;
}

function failures(result: EvidenceBundleVerification): string {
  return result.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('\n');
}

let bundle: Uint8Array;
let withFiles: Uint8Array;

beforeAll(async () => {
  bundle = await zipOf();
  withFiles = await zipOf({ readEvidenceFile: async (sha) => (sha === EVIDENCE_SHA256 ? EVIDENCE_BYTES : null) });
});

describe('verifyEvidenceBundle on a bundle the writer made', () => {
  it('passes every check with the SHA-256 of node:crypto as with the pure one, in the same words', async () => {
    for (const zip of [bundle, withFiles]) expect(await verifyEvidenceBundle(zip, { sha256: nodeSha256 })).toEqual(await verifyEvidenceBundle(zip));
  });

  it('passes every check, each named and explained in plain words', async () => {
    const result = await verifyEvidenceBundle(bundle);
    expect(failures(result)).toBe('');
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual([CHECKS.readable, CHECKS.files, CHECKS.sums, CHECKS.signature, CHECKS.chain, CHECKS.merkle, CHECKS.replay]);
    expect(check(result, CHECKS.signature).detail).toContain(ledgerKey.fingerprint);
    expect(check(result, CHECKS.replay).detail).toContain('byte for byte');
  });

  it('gives the same bytes for the same events, request and creation time', async () => {
    expect(Buffer.from(await zipOf()).equals(Buffer.from(bundle))).toBe(true);
  });

  it('holds, in recorded time, only the events recorded by the cut-off, still chained from revision 0', async () => {
    const built = await buildEvidenceBundle(request({ time: 'recorded', asAt: '2012-09-30T00:00:00Z' }));
    const lines = unzipBundle(built.zip).get(BUNDLE_FILES.events)!.toString('utf8').trimEnd().split('\n');
    const recordedBy = EVENTS.filter((e) => e.recordedAt <= '2012-09-30T00:00:00.000Z');
    expect(lines).toHaveLength(recordedBy.length);
    expect(JSON.parse(lines[0]!)).toMatchObject({ revision: 0, type: 'PlanCreated' });
    expect(built.manifest).toMatchObject({ asAt: '2012-09-30T00:00:00.000Z', time: 'recorded', eventCount: recordedBy.length });
    expect((await verifyEvidenceBundle(built.zip)).ok).toBe(true);
  });

  it('holds, in effective time, every event known when made, with the state as effective at the instant', async () => {
    const state = (zip: Uint8Array) => JSON.parse(unzipBundle(zip).get(BUNDLE_FILES.state)!.toString('utf8'));
    const action12 = (s: any) => s.plan.actions.find((a: { ref: string }) => a.ref === '1.2');
    // The note about 30 Nov 2012 was recorded in Feb 2013: effective time shows it at the end of 2012, recorded time does not.
    expect(action12(state(bundle)).progress.map((p: { narrative: string }) => p.narrative)).toEqual(['First audit completed']);
    const recorded = await zipOf({ time: 'recorded', events: EVENTS_2012 });
    expect(action12(state(recorded)).progress).toEqual([]);
    expect(unzipBundle(bundle).get(BUNDLE_FILES.events)!.toString('utf8').trimEnd().split('\n')).toHaveLength(EVENTS.length);
  });

  it('writes state.json as canonical JSON of the plan view, every RAG rating with its reasons, and the roll-ups', () => {
    const text = unzipBundle(bundle).get(BUNDLE_FILES.state)!.toString('utf8');
    const state = JSON.parse(text);
    expect(canonicalJson(state)).toBe(text);
    expect(state).toMatchObject({ planId: TEST_PLAN_ID, asAt: '2012-12-31T23:59:59.999Z', time: 'effective', rulesVersion: 'cbc-2012.1' });
    expect(state.rag.plan.sentence).toBe('0 of 1 recommendation completed in full');
    const ratings = Object.values(state.rag.actions as Record<string, { ref: string; rating: string }>).map((a) => [a.ref, a.rating]);
    expect(ratings).toEqual([
      ['1.1', 'green'],
      ['1.2', 'amber'],
      ['1.3', 'awaiting'],
    ]);
    expect(state.trend.points.at(-1)).toMatchObject({ at: '2012-12-31T23:59:59.999Z', green: 1, amber: 1, awaiting: 1, complete: 1, actions: 3 });
  });

  it('never holds an event recorded after the bundle was made, even in effective time', async () => {
    const built = await buildEvidenceBundle(request({ createdAt: '2012-10-01T00:00:00Z' }));
    expect(built.manifest.eventCount).toBe(EVENTS.filter((e) => e.recordedAt <= '2012-10-01T00:00:00.000Z').length);
    expect((await verifyEvidenceBundle(built.zip)).ok).toBe(true);
    const now = await buildEvidenceBundle(request({ createdAt: undefined }));
    expect(Date.parse(now.manifest.createdAt)).toBeGreaterThanOrEqual(Date.parse(EVENTS.at(-1)!.recordedAt));
    expect(now.manifest.eventCount).toBe(EVENTS.length);
  });

  it('refuses a plan that did not exist at the instant, in either time', async () => {
    await expect(zipOf({ time: 'recorded', asAt: '2012-05-31T00:00:00Z' })).rejects.toMatchObject({ code: 'PLAN_NOT_FOUND', message: expect.stringContaining('recorded time') });
    await expect(zipOf({ time: 'effective', asAt: '2012-03-01T00:00:00Z' })).rejects.toThrow(EvidenceBundleError);
    await expect(zipOf({ events: [] })).rejects.toMatchObject({ code: 'PLAN_NOT_FOUND' });
  });

  it('includes attached evidence files under evidence/<sha256> when asked, and lists those the ledger cannot supply', async () => {
    const files = unzipBundle(withFiles);
    expect(files.get(`evidence/${EVIDENCE_SHA256}`)!.equals(EVIDENCE_BYTES)).toBe(true);
    expect((await verifyEvidenceBundle(withFiles)).ok).toBe(true);
    const missing = await buildEvidenceBundle(request({ readEvidenceFile: async () => null }));
    expect(missing.manifest.evidenceFiles).toEqual({ included: true, missing: [EVIDENCE_SHA256] });
    expect(missing.warnings).toEqual([expect.stringContaining(EVIDENCE_SHA256)]);
    const wrong = await buildEvidenceBundle(request({ readEvidenceFile: async () => Buffer.from('not the file') }));
    expect(wrong.manifest.evidenceFiles.missing).toEqual([EVIDENCE_SHA256]);
    expect((await verifyEvidenceBundle(missing.zip)).ok).toBe(true);
  });
});

describe('flipping one byte of one file', () => {
  // Every file of the bundle with its attached evidence file, at its first and last byte and at 24 seeded random positions.
  const random = seededRandom(20121231);
  const names = ['manifest.json', 'manifest.sig', 'signing-key.pem', 'SHA256SUMS', 'report.html', 'state.json', 'events.ndjson', `evidence/${EVIDENCE_SHA256}`];

  it.each(names)('makes verification fail, naming %s (or the event in it)', async (name) => {
    const original = unzipBundle(withFiles);
    const size = original.get(name)!.length;
    const positions = [0, size - 1, ...Array.from({ length: 24 }, () => Math.floor(random() * size))];
    for (const position of positions) {
      const files = unzipBundle(withFiles);
      const bytes = Buffer.from(files.get(name)!);
      bytes[position] = bytes[position]! ^ (1 + Math.floor(random() * 255));
      files.set(name, bytes);
      const zip = zipFiles(files);
      const result = await verifyEvidenceBundle(zip);
      const where = `${name} byte ${position}`;
      expect({ where, ok: result.ok }).toEqual({ where, ok: false });
      // node:crypto's SHA-256 for the chain and the Merkle tree (what `ledger verify` passes) finds exactly the same.
      expect({ where, result: await verifyEvidenceBundle(zip, { sha256: nodeSha256 }) }).toEqual({ where, result });
      const named = result.checks.filter((c) => !c.ok && (c.detail.includes(name) || (name === 'manifest.json' && c.name === CHECKS.readable)));
      expect({ where, named: named.length > 0 }).toEqual({ where, named: true });
      if (name === 'events.ndjson') expect(check(result, CHECKS.chain).detail).toMatch(/(line|revision) \d+/);
    }
  });
});

describe('what the checks catch', () => {
  it('refuses, before unpacking anything else, a file in the zip that the manifest does not list', async () => {
    const files = unzipBundle(bundle);
    files.set('notes.txt', Buffer.from('added later'));
    const result = await verifyEvidenceBundle(zipFiles(files));
    expect(result.ok).toBe(false);
    expect(result.checks).toEqual([
      { name: CHECKS.readable, ok: false, detail: 'The bundle holds notes.txt, which manifest.json does not list: refused without unpacking anything' },
    ]);
  });

  it('names a file the manifest lists that is missing from the zip', async () => {
    const files = unzipBundle(bundle);
    files.delete(BUNDLE_FILES.report);
    const result = await verifyEvidenceBundle(zipFiles(files));
    expect(check(result, CHECKS.files).detail).toContain('report.html is listed in the manifest but missing');
    expect(check(result, CHECKS.sums).ok).toBe(false);
  });

  it('names the first broken revision when an event is altered in events.ndjson', async () => {
    const files = unzipBundle(bundle);
    const lines = files.get(BUNDLE_FILES.events)!.toString('utf8').split('\n');
    lines[6] = lines[6]!.replace('Draft guidance circulated', 'Final guidance published');
    files.set(BUNDLE_FILES.events, Buffer.from(lines.join('\n'), 'utf8'));
    const result = await verifyEvidenceBundle(zipFiles(files));
    expect(check(result, CHECKS.chain).detail).toMatch(/^events\.ndjson: the chain breaks at revision 6 \(line 7, ProgressUpdateRecorded/);
    expect(check(result, CHECKS.files).detail).toContain('events.ndjson does not match the manifest');
  });

  it('refuses an event line that is not in canonical form even when its content is unchanged', async () => {
    const result = (await verifyEvidenceBundle(
      resealBundle(bundle, ledgerKey, (files) => {
        const lines = files.get(BUNDLE_FILES.events)!.toString('utf8').split('\n');
        lines[2] = JSON.stringify(JSON.parse(lines[2]!), null, 1).replace(/\n/g, '');
        files.set(BUNDLE_FILES.events, Buffer.from(lines.join('\n'), 'utf8'));
      }),
    ));
    expect(check(result, CHECKS.chain).detail).toContain('line 3 of events.ndjson (revision 2) is not in RFC 8785 canonical form');
  });

  it('shows that a forger who re-signs with their own key passes every check but the trusted fingerprint', async () => {
    const forged = resealBundle(bundle, outsiderKey, () => {});
    expect((await verifyEvidenceBundle(forged)).ok).toBe(true);
    const trusted = await verifyEvidenceBundle(forged, { trustedFingerprint: ledgerKey.fingerprint });
    expect(check(trusted, CHECKS.trustedKey)).toMatchObject({ ok: false, detail: expect.stringContaining(`not the ${ledgerKey.fingerprint} you trust`) });
    expect((await verifyEvidenceBundle(bundle, { trustedFingerprint: ledgerKey.fingerprint })).ok).toBe(true);
  });

  it('catches a state.json that says more than the events do, even in a bundle signed with the ledger key, and names where', async () => {
    const result = (await verifyEvidenceBundle(
      resealBundle(bundle, ledgerKey, (files) => {
        const state = JSON.parse(files.get(BUNDLE_FILES.state)!.toString('utf8'));
        state.rag.plan.sentence = '1 of 1 recommendation completed in full';
        files.set(BUNDLE_FILES.state, Buffer.from(canonicalJson(state), 'utf8'));
      }),
    ));
    expect(result.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([CHECKS.replay]);
    expect(check(result, CHECKS.replay).detail).toBe(
      'state.json differs from the replay at rag.plan.sentence: state.json says "1 of 1 recommendation completed in full", the replay gives "0 of 1 recommendation completed in full"',
    );
  });

  it('refuses a re-signed state.json holding the replay in another layout, or with a member added, dropped or changed, in the same words', async () => {
    const replayCheck = async (edit: (state: Record<string, unknown>) => string) =>
      check(
        await verifyEvidenceBundle(
          resealBundle(bundle, ledgerKey, (files) => {
            files.set(BUNDLE_FILES.state, Buffer.from(edit(JSON.parse(files.get(BUNDLE_FILES.state)!.toString('utf8')) as Record<string, unknown>), 'utf8'));
          }),
        ),
        CHECKS.replay,
      );
    const sameValues = 'state.json holds the same values as the replay but not in RFC 8785 canonical form: it has been altered';
    expect(await replayCheck((state) => canonicalJson(state))).toMatchObject({ ok: true });
    // The same values with the keys in another order (JSON.stringify keeps the order they were set in), or indented.
    expect(await replayCheck((state) => JSON.stringify(Object.fromEntries(Object.entries(state).reverse())))).toEqual({ name: CHECKS.replay, ok: false, detail: sameValues });
    expect(await replayCheck((state) => JSON.stringify({ ...state, plan: Object.fromEntries(Object.entries(state.plan as object).reverse()) }))).toEqual({ name: CHECKS.replay, ok: false, detail: sameValues });
    expect(await replayCheck((state) => JSON.stringify(state, null, 1))).toEqual({ name: CHECKS.replay, ok: false, detail: sameValues });
    expect(await replayCheck((state) => `${canonicalJson(state)}\n`)).toEqual({ name: CHECKS.replay, ok: false, detail: sameValues });
    // A byte-order mark is not canonical JSON (JSON.parse alone would refuse it); read past it, the values are the replay's.
    expect(await replayCheck((state) => `\ufeff${canonicalJson(state)}`)).toEqual({ name: CHECKS.replay, ok: false, detail: sameValues });
    // A member the replay does not have is named (the last of a duplicated key is the one JSON.parse keeps).
    expect(await replayCheck((state) => canonicalJson(state).replace('{', '{"a":1,"a":2,'))).toEqual({ name: CHECKS.replay, ok: false, detail: 'state.json differs from the replay at a: state.json says 2, the replay gives nothing' });
    expect(await replayCheck((state) => canonicalJson({ ...state, extra: null }))).toEqual({ name: CHECKS.replay, ok: false, detail: 'state.json differs from the replay at extra: state.json says null, the replay gives nothing' });
    for (const name of [...Object.getOwnPropertyNames(Object.prototype), 'planId']) {
      const detail = (await replayCheck((state) => {
        const plan = state.plan as Record<string, unknown>;
        if (name === 'planId') delete state.planId;
        else Object.defineProperty(plan, name, { value: name, enumerable: true, writable: true, configurable: true });
        return canonicalJson(state);
      })).detail;
      expect(detail).toMatch(name === 'planId' ? /^state\.json differs from the replay at planId: state\.json says nothing, the replay gives "/ : new RegExp(`^state\\.json differs from the replay at plan\\.${name.replace(/_/g, '_')}: state\\.json says "${name}", the replay gives nothing$`));
    }
  });

  it('catches an event dropped from the end, with the manifest re-signed, by the event count and head', async () => {
    const result = (await verifyEvidenceBundle(
      resealBundle(bundle, ledgerKey, (files) => {
        const lines = files.get(BUNDLE_FILES.events)!.toString('utf8').trimEnd().split('\n');
        files.set(BUNDLE_FILES.events, Buffer.from(`${lines.slice(0, -1).join('\n')}\n`, 'utf8'));
      }),
    ));
    expect(check(result, CHECKS.chain).detail).toContain(`events.ndjson holds ${EVENTS.length - 1} events, but the manifest says ${EVENTS.length}`);
  });

  it('names an evidence file that no event attached', async () => {
    const result = (await verifyEvidenceBundle(
      resealBundle(withFiles, ledgerKey, (files) => {
        const extra = Buffer.from('an unrelated file');
        const sha = createHash('sha256').update(extra).digest('hex');
        files.set(`evidence/${sha}`, extra);
      }),
    ));
    expect(check(result, CHECKS.files).detail).toMatch(/evidence\/[0-9a-f]{64} is not named by any EvidenceAttached event/);
  });
});

describe('the RAG rules a bundle names', () => {
  it('fails replay clearly for a rules version this verifier does not know, while the other checks pass', async () => {
    const unknown: RagRuleSet = { ...DEFAULT_RAG_RULES, version: 'acme-2099.1' };
    const result = await verifyEvidenceBundle(await zipOf({ rules: unknown }));
    expect(result.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([CHECKS.replay]);
    expect(check(result, CHECKS.replay).detail).toBe(
      'state.json cannot be reproduced: this verifier does not know RAG rules version "acme-2099.1" (it knows cbc-2012.1, and versions configured from them); use a verifier that implements that version',
    );
  });

  it('replays a deployment\'s configured variant of a published version', async () => {
    const configured = configureRagRules({ dueSoonDays: 21 });
    expect(configured.version).not.toBe(DEFAULT_RAG_RULES.version);
    expect((await verifyEvidenceBundle(await zipOf({ rules: configured }))).ok).toBe(true);
  });

  it('refuses settings that differ from the published ones under the same version', async () => {
    const result = await verifyEvidenceBundle(await zipOf({ rules: { ...DEFAULT_RAG_RULES, dueSoonDays: 60 } }));
    expect(check(result, CHECKS.replay).detail).toContain('settings for RAG rules version cbc-2012.1 differ from the published ones');
  });
});

describe('malformed bundles', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['no bytes at all', () => new Uint8Array(), /not a readable zip file/],
    ['text that is not a zip', () => Buffer.from('PK this is not really a zip file'), /not a readable zip file/],
    ['a zip without a manifest', () => zipFiles(new Map([['state.json', Buffer.from('{}')]])), /manifest\.json is missing/],
    ['a manifest that is not JSON', () => zipFiles(new Map([['manifest.json', Buffer.from('{"format":')]])), /manifest\.json is not valid JSON/],
    ['a manifest of another format', () => zipFiles(new Map([['manifest.json', Buffer.from('{"format":"something-else"}\n')]])), /manifest\.json is not a version 1 evidence bundle manifest: format/],
    ['a manifest that is not UTF-8', () => zipFiles(new Map([['manifest.json', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]])), /manifest\.json is not valid UTF-8/],
  ];

  it.each(cases)('fails clearly, never throwing, for %s', async (_what, make, expected) => {
    const result = await verifyEvidenceBundle(make());
    expect(result.ok).toBe(false);
    expect(result.checks[0]).toMatchObject({ name: CHECKS.readable, ok: false, detail: expect.stringMatching(expected) });
  });

  it('refuses a zip that holds the same name twice', async () => {
    const one = Buffer.from(zipFiles(new Map([['state.json', Buffer.from('{"a":1}')]])));
    // Rename the second of two entries so both are called state.json (same name length, so offsets stay valid).
    const two = Buffer.from(zipFiles(new Map([['state.json', Buffer.from('{"a":1}')], ['stateXjson', Buffer.from('{"a":2}')]])));
    for (let i = two.indexOf('stateXjson'); i >= 0; i = two.indexOf('stateXjson', i + 1)) two.write('state.json', i, 'latin1');
    expect(one.length).toBeGreaterThan(0);
    expect((await verifyEvidenceBundle(two)).checks[0]!.detail).toContain('holds state.json twice');
  });

  it('never throws whatever byte of the zip container is corrupted', async () => {
    const random = seededRandom(6962);
    for (let i = 0; i < 100; i++) {
      const bytes = Buffer.from(bundle);
      const position = Math.floor(random() * bytes.length);
      bytes[position] = bytes[position]! ^ (1 + Math.floor(random() * 255));
      const result = await verifyEvidenceBundle(bytes);
      // A flip in the container's bookkeeping (a timestamp, say) changes no file and still verifies; anything else must fail.
      if (result.ok) expect(unzipBundle(bytes)).toEqual(unzipBundle(bundle));
    }
  });
});

describe('an older and a newer bundle', () => {
  let older: Uint8Array;

  beforeAll(async () => {
    older = await zipOf({ events: EVENTS_2012, time: 'recorded', asAt: '2012-12-31T23:59:59.999Z', createdAt: '2013-01-02T09:00:00.000Z' });
  });

  it('carries a consistency proof from the older tree that verifies against the older bundle', async () => {
    const newer = await buildEvidenceBundle(request({ previous: older }));
    expect(newer.manifest.since).toMatchObject({ treeSize: EVENTS_2012.length, time: 'recorded' });
    const proof = JSON.parse(unzipBundle(newer.zip).get(BUNDLE_FILES.consistency)!.toString('utf8'));
    expect(proof).toMatchObject({ from: { treeSize: EVENTS_2012.length }, to: { treeSize: EVENTS.length }, proof: expect.any(Array) });
    const result = await verifyEvidenceBundle(newer.zip, { previous: older });
    expect(failures(result)).toBe('');
    expect(check(result, CHECKS.consistency).detail).toContain(`its events are exactly the first ${EVENTS_2012.length} of this one; the consistency proof in consistency.json checks`);
  });

  it('checks the proof against the tree head it names when the older bundle is not given', async () => {
    const newer = await zipOf({ previous: older });
    const result = await verifyEvidenceBundle(newer);
    expect(check(result, CHECKS.consistency)).toMatchObject({ ok: true, detail: expect.stringContaining('Give that bundle as the previous one') });
  });

  it('checks a bundle built without --since against an older one by comparing their events', async () => {
    expect(check((await verifyEvidenceBundle(bundle, { previous: older })), CHECKS.consistency).ok).toBe(true);
  });

  it('does not verify a newer bundle whose history was rewritten and re-hashed, and names the first changed revision', async () => {
    const forged = rechain(
      EVENTS.map((e) => (Number(e.revision) === 4 ? { ...e, data: { ...e.data, leads: ['Someone Else'] } } : e)),
      4,
    );
    const newer = await buildEvidenceBundle(request({ events: forged, previous: older }));
    expect(newer.warnings).toEqual([expect.stringContaining("the ledger's history has changed")]);
    // On its own the rewritten bundle is self-consistent: only the older bundle (or a signed tree head) exposes it.
    expect((await verifyEvidenceBundle(await zipOf({ events: forged }))).ok).toBe(true);
    const result = await verifyEvidenceBundle(newer.zip, { previous: older });
    expect(result.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([CHECKS.consistency]);
    expect(check(result, CHECKS.consistency).detail).toMatch(/^Revision 4 differs between the bundles .*; and consistency\.json does not prove that the older tree/);
    expect(check((await verifyEvidenceBundle(newer.zip)), CHECKS.consistency).detail).toMatch(/^consistency\.json does not prove that the older tree \(10 events/);
    const direct = await verifyEvidenceBundle(await zipOf({ events: forged }), { previous: older });
    expect(check(direct, CHECKS.consistency).detail).toMatch(/^Revision 4 differs between the bundles/);
  });

  it('refuses an older bundle that does not itself verify, or is of another plan, or holds more events', async () => {
    const files = unzipBundle(older);
    files.set(BUNDLE_FILES.report, Buffer.from('<p>edited</p>'));
    const broken = zipFiles(files);
    expect(check((await verifyEvidenceBundle(bundle, { previous: broken })), CHECKS.consistency).detail).toMatch(/^The older bundle does not verify, so nothing can be proved against it: Every file matches the manifest: report\.html/);
    await expect(zipOf({ previous: broken })).rejects.toMatchObject({ code: 'PREVIOUS_BUNDLE_REJECTED' });

    const otherPlan = resealBundle(older, ledgerKey, (_files, manifest) => {
      manifest.planId = 'another-plan';
    });
    expect(check((await verifyEvidenceBundle(bundle, { previous: otherPlan })), CHECKS.consistency).ok).toBe(false);
    expect(check((await verifyEvidenceBundle(older, { previous: bundle })), CHECKS.consistency).detail).toContain('is not older');
  });
});
