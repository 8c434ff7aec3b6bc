import { beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_RAG_RULES } from '#domain';
import { canonicalJson } from '#integrity';
import { bundleEventLine, parseBundleEvents } from './bundle-events.js';
import { BUNDLE_FILES, BundleEventLine, BundleManifest, FILES_OUTSIDE_MANIFEST, readableJson } from './bundle-format.js';
import { verifyEvidenceBundle } from './bundle-verifier.js';
import { buildEvidenceBundle } from './bundle-writer.js';
import { EVIDENCE_BYTES, EVIDENCE_SHA256, rechain, TEST_PLAN_ID, testPlanEvents, testSigningKey, unzipBundle } from './testing/bundle-test-plan.js';
import { buildTestBundle } from './testing/test-bundle.js';

const events = testPlanEvents();
let files: Map<string, Buffer>;
let manifest: Record<string, unknown>;

beforeAll(async () => {
  const built = await buildEvidenceBundle({
    planId: TEST_PLAN_ID,
    events,
    asAt: '2012-12-31T23:59:59.999Z',
    time: 'effective',
    rules: DEFAULT_RAG_RULES,
    signingKey: testSigningKey(),
    generator: { name: 'safeguarding-evidence-ledger', version: '0.1.0-test' },
    createdAt: '2013-03-01T09:00:00.000Z',
    readEvidenceFile: async () => EVIDENCE_BYTES,
  });
  files = unzipBundle(built.zip);
  manifest = JSON.parse(files.get(BUNDLE_FILES.manifest)!.toString('utf8'));
});

describe('the manifest', () => {
  it('lists every file but itself, its signature and SHA256SUMS, signing-key.pem included', () => {
    expect([...files.keys()]).toEqual(['manifest.json', 'manifest.sig', 'signing-key.pem', 'SHA256SUMS', 'report.html', 'state.json', 'events.ndjson', `evidence/${EVIDENCE_SHA256}`]);
    expect(FILES_OUTSIDE_MANIFEST).toEqual(['manifest.json', 'manifest.sig', 'SHA256SUMS']);
    expect(Object.keys(manifest.files as object).sort()).toEqual([...files.keys()].filter((name) => !FILES_OUTSIDE_MANIFEST.includes(name)).sort());
  });

  it('names the format, the plan, the cut-off, the events, the Merkle tree, the algorithms, the rules, the generator and the key', () => {
    expect(BundleManifest.parse(manifest)).toMatchObject({
      format: 'safeguarding-evidence-bundle',
      formatVersion: 1,
      planId: TEST_PLAN_ID,
      streamId: `plan-${TEST_PLAN_ID}`,
      asAt: '2012-12-31T23:59:59.999Z',
      time: 'effective',
      eventCount: events.length,
      headHash: events.at(-1)!.hash,
      merkle: { treeSize: events.length, rootHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      hashAlgorithms: { files: 'SHA-256', canonicalJson: 'RFC 8785' },
      ragRules: { version: 'cbc-2012.1' },
      generator: { name: 'safeguarding-evidence-ledger', version: '0.1.0-test' },
      createdAt: '2013-03-01T09:00:00.000Z',
      signingKey: { file: 'signing-key.pem', fingerprint: expect.stringMatching(/^SHA256:[0-9a-f]{64}$/) },
      evidenceFiles: { included: true, missing: [] },
    });
  });

  it('is written with sorted keys, two-space indents and a final newline', () => {
    const text = files.get(BUNDLE_FILES.manifest)!.toString('utf8');
    expect(text).toBe(readableJson(JSON.parse(text)));
    expect(text.startsWith('{\n  "asAt": "2012-12-31T23:59:59.999Z",\n  "createdAt"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it.each([
    ['a path that climbs out of the bundle', '../events.ndjson'],
    ['an absolute path', '/etc/passwd'],
    ['a name the format does not use', 'notes.txt'],
    ['an evidence file not named by a hash', 'evidence/minutes.pdf'],
    ['the manifest itself', 'manifest.json'],
  ])('refuses %s in the file list', (_what, path) => {
    expect(BundleManifest.safeParse({ ...manifest, files: { ...(manifest.files as object), [path]: '0'.repeat(64) } }).success).toBe(false);
  });

  it('refuses fields it does not know, and instants not written as toISOString writes them', () => {
    expect(BundleManifest.safeParse({ ...manifest, comment: 'trust me' }).success).toBe(false);
    expect(BundleManifest.safeParse({ ...manifest, asAt: '2012-12-31T23:59:59Z' }).success).toBe(false);
    expect(BundleManifest.safeParse({ ...manifest, time: 'sideways' }).success).toBe(false);
  });
});

describe('events.ndjson', () => {
  it('holds one canonical JSON object per line: the stored event with its hashes, plus effectiveAt and actor', () => {
    const text = files.get(BUNDLE_FILES.events)!.toString('utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(events.length);
    const first = JSON.parse(lines[0]!);
    expect(BundleEventLine.parse(first)).toEqual({
      streamId: `plan-${TEST_PLAN_ID}`,
      revision: 0,
      eventId: events[0]!.eventId,
      type: 'PlanCreated',
      data: events[0]!.data,
      metadata: events[0]!.metadata,
      recordedAt: '2012-06-01T09:00:00.000Z',
      previousHash: '0'.repeat(64),
      hash: events[0]!.hash,
      effectiveAt: '2012-04-01T00:00:00.000Z',
      actor: { id: 'plan-import', displayName: 'Plan import' },
    });
    for (const line of lines) expect(canonicalJson(JSON.parse(line))).toBe(line);
    expect(lines[6]).toBe(bundleEventLine(events[6]!));
  });

  it('is the UTF-8 of every line and its newline, byte for byte, whatever characters the lines hold', async () => {
    // Actors named with characters of two, three and four UTF-8 bytes (and U+2028, which JSON does not escape) on
    // every other event, the rest ASCII: the writer sizes the file from each line's UTF-8 length and writes the lines
    // one after another, so a line measured in characters, or written short, shows here as bytes that differ.
    const names = ['Zoë Ó Briain', 'Siân “Chair” – Board', 'Priya 😀 Shah', 'Line\u2028Separator'];
    const awkward = rechain(
      events.map((e, i) => (i % 2 === 1 ? { ...e, metadata: { ...e.metadata, actor: { id: `a-${i}`, displayName: names[i % names.length]! } } } : e)),
      0,
    );
    const built = await buildTestBundle(testSigningKey(), { events: awkward });
    const made = Date.parse('2013-03-01T09:00:00.000Z');
    const lines = awkward.filter((e) => Date.parse(e.recordedAt) <= made).map(bundleEventLine);
    expect(lines.filter((line) => /[^\x00-\x7f]/.test(line)).length).toBeGreaterThan(2);
    const written = unzipBundle(built.zip).get(BUNDLE_FILES.events)!;
    expect(written.equals(Buffer.from(`${lines.join('\n')}\n`, 'utf8'))).toBe(true);
    // Its hash, listed once in the manifest and again in SHA256SUMS, is the file's: the bundle verifies.
    expect((await verifyEvidenceBundle(built.zip)).checks.filter((check) => !check.ok)).toEqual([]);
  });

  const valid = () => Buffer.from(events.slice(0, 3).map(bundleEventLine).join('\n') + '\n', 'utf8');

  it('reads back as written', () => {
    expect(parseBundleEvents(valid())).toMatchObject({ ok: true, lines: [{ revision: 0 }, { revision: 1 }, { revision: 2 }] });
  });

  it.each([
    ['a missing final newline', (text: string) => text.slice(0, -1), /line 3 of events\.ndjson, the last, does not end with a newline/],
    ['a blank line', (text: string) => text.replace('\n', '\n\n'), /line 2 of events\.ndjson is blank/],
    ['a line that is not JSON', (text: string) => text.replace('{"actor"', '{actor'), /line 1 of events\.ndjson is not valid JSON/],
    ['whitespace that canonical JSON does not have', (text: string) => text.replace('{"actor":', '{ "actor":'), /line 1 of events\.ndjson \(revision 0\) is not in RFC 8785 canonical form/],
    ['an effectiveAt that the metadata does not give', (text: string) => text.replace('"effectiveAt":"2012-04-01T00:00:00.000Z","eventId"', '"effectiveAt":"2011-04-01T00:00:00.000Z","eventId"'), /revision 0\) gives effectiveAt 2011-04-01/],
    ['an actor that the metadata does not name', (text: string) => text.replace('{"actor":{"displayName":"Plan import"', '{"actor":{"displayName":"Someone else"'), /revision 0\) names an actor its metadata does not/],
    ['a field the format does not have', (text: string) => text.replace('{"actor":', '{"$note":"x","actor":'), /line 1 of events\.ndjson \(revision 0\) is not an event line/],
  ])('refuses %s, naming the line', (_what, edit, problem) => {
    const result = parseBundleEvents(Buffer.from(edit(valid().toString('utf8')), 'utf8'));
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(problem) });
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = valid();
    bytes[bytes.indexOf('Plan import')] = 0xff;
    expect(parseBundleEvents(bytes)).toMatchObject({ ok: false, problem: expect.stringMatching(/line 1 .*(canonical form|not valid UTF-8)/) });
  });
});
