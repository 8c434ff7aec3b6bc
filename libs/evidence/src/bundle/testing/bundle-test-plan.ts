import { createHash, generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { unzipSync, zipSync } from 'fflate';
import { decide, eventMetadata, foldPlan, initialPlanState, upcastPlanEvent, type PlanCommand, type PlanState } from '#domain';
import { chainHash, GENESIS_HASH } from '#integrity';
import { fingerprint, type SigningKey } from '../../signing-key.js';
import type { StoredEventRecord } from '../bundle-events.js';
import { readableJson } from '../bundle-format.js';

/**
 * Test support (not built, not exported): a small plan decided by the real domain and hash-chained as
 * the store would chain it, and an in-memory signing key. Plan text holds <, & and quotes on purpose.
 */

export const TEST_PLAN_ID = '018f0000-0000-7000-8000-00000000b0b0';
export const TEST_STREAM_ID = `plan-${TEST_PLAN_ID}`;
export const EVIDENCE_BYTES = Buffer.from('Minutes of the CSSMT meeting, 20 September 2012: chronologies guidance agreed.\n', 'utf8');
export const EVIDENCE_SHA256 = createHash('sha256').update(EVIDENCE_BYTES).digest('hex');

type Step = { at: string; command: (state: PlanState) => PlanCommand; actor?: string };

const byRef = (state: PlanState, ref: string) => Object.values(state.actions).find((a) => a.ref === ref)!.id;

export const TEST_PLAN_STEPS: Step[] = [
  {
    at: '2012-06-01T09:00:00.000Z',
    command: () => ({
      type: 'CreatePlan',
      planId: TEST_PLAN_ID,
      title: 'Post-Inspection <Action> Plan & "Next Steps"',
      organisation: 'Central Bedfordshire Council',
      respondsTo: 'Ofsted inspection of safeguarding and looked after children, 2012',
      period: '2012-2013',
      effectiveAt: '2012-04-01',
    }),
  },
  { at: '2012-06-01T09:00:00.000Z', command: () => ({ type: 'AddWorkstream', number: '1', title: 'Safeguarding – actions in first six months', strategicLead: 'Interim Assistant Director', effectiveAt: '2012-04-01' }) },
  {
    at: '2012-06-01T09:00:00.000Z',
    command: (s) => ({ type: 'AddRecommendation', ref: '1', text: 'Guidance on chronologies <script>alert("x")</script> & case files', workstreamId: s.workstreamOrder[0]!, effectiveAt: '2012-04-01' }),
  },
  {
    at: '2012-06-01T09:00:00.000Z',
    command: (s) => ({ type: 'AddAction', ref: '1.1', recommendationId: s.recommendationOrder[0]!, workstreamId: s.workstreamOrder[0]!, description: 'Revised guidance for practitioners', leads: ['Audit Manager & Head of QA'], startDate: 'May 2012', target: '30 September 2012', dependencies: [], effectiveAt: '2012-04-01' }),
  },
  {
    at: '2012-06-01T09:00:00.000Z',
    command: (s) => ({ type: 'AddAction', ref: '1.2', recommendationId: s.recommendationOrder[0]!, workstreamId: s.workstreamOrder[0]!, description: 'Evaluate impact through audit', leads: ['Audit Manager'], startDate: 'July 2012', target: '31 October 2012', dependencies: [], effectiveAt: '2012-04-01' }),
  },
  {
    at: '2012-06-01T09:00:00.000Z',
    command: (s) => ({ type: 'AddAction', ref: '1.3', workstreamId: s.workstreamOrder[0]!, description: 'Adopt national return-interview guidance', leads: ['Head of Safeguarding'], target: 'Awaiting guidance', dependencies: [], effectiveAt: '2012-04-01' }),
  },
  { at: '2012-07-16T10:00:00.000Z', actor: 'Rachel Deakin', command: (s) => ({ type: 'RecordProgressUpdate', actionId: byRef(s, '1.1'), narrative: 'Draft guidance circulated to team managers for comment', effectiveAt: '2012-07-15' }) },
  { at: '2012-09-21T10:00:00.000Z', actor: 'Rachel Deakin', command: (s) => ({ type: 'CompleteAction', actionId: byRef(s, '1.1'), effectiveAt: '2012-09-20' }) },
  { at: '2012-10-05T10:00:00.000Z', actor: 'Sue Ioannou', command: (s) => ({ type: 'SlipTargetDate', actionId: byRef(s, '1.2'), to: '31 December 2012', reason: 'Audit team short-staffed' }) },
  {
    at: '2012-11-01T10:00:00.000Z',
    actor: 'Rachel Deakin',
    command: (s) => ({ type: 'AttachEvidence', actionId: byRef(s, '1.1'), name: 'CSSMT minutes.txt', mediaType: 'text/plain', size: EVIDENCE_BYTES.length, sha256: EVIDENCE_SHA256 }),
  },
  // Recorded in 2013 but effective in 2012: a back-dated note that only effective time places in 2012.
  { at: '2013-02-01T10:00:00.000Z', actor: 'Sue Ioannou', command: (s) => ({ type: 'RecordProgressUpdate', actionId: byRef(s, '1.2'), narrative: 'First audit completed', effectiveAt: '2012-11-30' }) },
];

/** The plan's stream as the store would hold it after the first `count` steps (default: all). */
export function testPlanEvents(count = TEST_PLAN_STEPS.length, steps: readonly Step[] = TEST_PLAN_STEPS): StoredEventRecord[] {
  let state = initialPlanState();
  const records: StoredEventRecord[] = [];
  let previousHash = GENESIS_HASH;
  let ids = 0;
  const newId = () => `018f0000-0000-7000-8000-${String(++ids).padStart(12, '0')}`;
  for (const step of steps.slice(0, count)) {
    const decided = decide(step.command(state), state, { now: () => new Date(step.at), newId });
    for (const event of decided) {
      const actor = { id: (step.actor ?? 'Plan import').toLowerCase().replace(/\W+/g, '-'), displayName: step.actor ?? 'Plan import' };
      const metadata = eventMetadata(event, { actor, correlationId: `correlation-${records.length}` }) as unknown as Record<string, unknown>;
      const body = { streamId: TEST_STREAM_ID, revision: records.length, eventId: event.eventId, type: event.type, data: event.data as Record<string, unknown>, metadata, recordedAt: step.at };
      const hash = chainHash(previousHash, body);
      records.push({ ...body, revision: BigInt(body.revision), previousHash, hash });
      previousHash = hash;
      state = foldPlan([upcastPlanEvent(body)], state);
    }
  }
  return records;
}

/** Re-chain events from revision `from` on, as a forger who rewrote one would. */
export function rechain(records: readonly StoredEventRecord[], from: number): StoredEventRecord[] {
  const out = records.map((r) => ({ ...r }));
  for (let i = from; i < out.length; i++) {
    const previousHash = i === 0 ? GENESIS_HASH : out[i - 1]!.hash;
    out[i] = { ...out[i]!, previousHash, hash: chainHash(previousHash, { ...out[i]!, revision: Number(out[i]!.revision) }) };
  }
  return out;
}

/** An Ed25519 key held in memory, shaped as loadOrCreateSigningKey returns it. */
export function testSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  return { publicKeyPem, fingerprint: fingerprint(publicKeyPem), sign: (bytes: Buffer) => signBytes(null, bytes, privateKey) };
}

/** The zip's files, in order, as raw bytes (fflate, so tests need no unzip). */
export function unzipBundle(zip: Uint8Array): Map<string, Buffer> {
  const files = unzipSync(zip);
  return new Map(Object.entries(files).map(([name, bytes]) => [name, Buffer.from(bytes)]));
}

/** Zip files again, as they are: no re-hashing, no re-signing (what a careless or hostile edit leaves). */
export function zipFiles(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  return zipSync(Object.fromEntries([...files].map(([name, bytes]) => [name, [bytes, { level: 0 }]])), { level: 0 });
}

/**
 * Edit a bundle's files and then re-seal it as the writer would: manifest hashes, signature and
 * SHA256SUMS recomputed, signed with `key` (the ledger's own key for an insider, another for an outsider).
 */
export function resealBundle(zip: Uint8Array, key: SigningKey, edit: (files: Map<string, Buffer>, manifest: Record<string, any>) => void): Uint8Array {
  const files = unzipBundle(zip);
  const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Record<string, any>;
  edit(files, manifest);
  files.set('signing-key.pem', Buffer.from(key.publicKeyPem, 'utf8'));
  manifest.signingKey = { file: 'signing-key.pem', fingerprint: key.fingerprint };
  const covered = [...files.keys()].filter((name) => !['manifest.json', 'manifest.sig', 'SHA256SUMS'].includes(name));
  manifest.files = Object.fromEntries(covered.sort().map((name) => [name, sha256(files.get(name)!)]));
  const manifestBytes = Buffer.from(readableJson(manifest), 'utf8');
  files.set('manifest.json', manifestBytes);
  files.set('manifest.sig', Buffer.from(key.sign(manifestBytes)));
  files.delete('SHA256SUMS');
  const sums = [...files.keys()].sort().map((name) => `${sha256(files.get(name)!)}  ${name}\n`).join('');
  files.set('SHA256SUMS', Buffer.from(sums, 'utf8'));
  return zipFiles(files);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A small seeded generator (mulberry32), so "random" byte positions are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
