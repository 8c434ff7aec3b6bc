import { createHash } from 'node:crypto';
import type { RagRuleSet } from '#domain';
import { canonicalBytes } from '#integrity';
import { consistencyProof, hashToHex, merkleRoot, proofToHex } from '../merkle-tree.js';
import { nodeSha256 } from '../node-sha256.js';
import type { SigningKey } from '../signing-key.js';
import { readBundleArchive, writeBundleArchive } from './bundle-archive.js';
import { bundleEventLine, parseBundleEvents, planEventsOfLines, readOwnLines, type StoredEventRecord } from './bundle-events.js';
import {
  BUNDLE_FILE_ORDER,
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BundleManifest,
  CONSISTENCY_ALGORITHM,
  EVIDENCE_FOLDER,
  HASH_ALGORITHMS,
  readableJson,
  type BundleConsistency,
} from './bundle-format.js';
import type { BundleGenerator } from './bundle-generator.js';
import { verifyEvidenceBundle } from './bundle-verifier.js';
import { bundledPlanStateAndFold } from './bundled-plan-state.js';
import { bundleCheckpointsOf } from './bundle-checkpoints.js';
import { renderBundleReport } from './report-html.js';

export type EvidenceBundleErrorCode = 'PLAN_NOT_FOUND' | 'INVALID_BUNDLE_REQUEST' | 'PREVIOUS_BUNDLE_REJECTED';

export class EvidenceBundleError extends Error {
  constructor(
    readonly code: EvidenceBundleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EvidenceBundleError';
  }
}

export interface EvidenceBundleRequest {
  planId: string;
  /** The plan's stream as stored, from revision 0 in order (EventStore.readStream). Events after the cut-off are left out here. */
  events: readonly StoredEventRecord[];
  /** The cut-off instant (any ISO-8601 instant; normalised to UTC). */
  asAt: string;
  time: 'recorded' | 'effective';
  rules: RagRuleSet;
  signingKey: SigningKey;
  generator: BundleGenerator;
  /** When the bundle is made; defaults to now. In effective time, every event given counts as known by then. */
  createdAt?: string;
  /** Include the attached files: read one by its SHA-256 (EvidenceFiles.get), or null when the ledger does not hold it. */
  readEvidenceFile?: (sha256: string) => Promise<Uint8Array | null>;
  /** An earlier bundle of the same plan: add consistency.json proving this one extends it. It must verify. */
  previous?: Uint8Array;
  /** The plan log's cosigned checkpoint notes the ledger holds: added as checkpoints.json, each with its proof. */
  checkpoints?: { origin: string; notes: readonly string[] };
}

export interface BuiltEvidenceBundle {
  zip: Uint8Array;
  manifest: BundleManifest;
  /** A file name for the zip: evidence-bundle-<plan>-<asAt>-<time>.zip. */
  fileName: string;
  /** Things the person asking should know: missing evidence files, an earlier bundle this one does not extend. */
  warnings: string[];
}

/**
 * Build a signed, self-verifying evidence bundle of one plan as at an instant (see bundle-format.ts
 * and docs/evidence-bundle.md). Deterministic: the same events, request and createdAt give the same bytes.
 */
export async function buildEvidenceBundle(request: EvidenceBundleRequest): Promise<BuiltEvidenceBundle> {
  const asAt = normalisedInstant(request.asAt, 'asAt');
  const streamId = request.events[0]?.streamId;
  if (!streamId) throw new EvidenceBundleError('PLAN_NOT_FOUND', `There is no plan ${request.planId}`);
  request.events.forEach((event, index) => {
    if (Number(event.revision) !== index || event.streamId !== streamId) {
      throw new EvidenceBundleError('INVALID_BUNDLE_REQUEST', `The events must be one stream from revision 0 in order; found revision ${String(event.revision)} of ${event.streamId} at position ${index}`);
    }
  });

  // Made now, or when the store says its last event was recorded if its clock runs ahead of ours: a bundle never holds an event from its future.
  const lastRecorded = request.events.at(-1)?.recordedAt;
  const createdAt = request.createdAt
    ? normalisedInstant(request.createdAt, 'createdAt')
    : new Date(Math.max(Date.now(), lastRecorded ? Date.parse(lastRecorded) : 0)).toISOString();
  // Recorded time: the stream's prefix recorded by the cut-off. Effective time: everything known when made. Either way a prefix, chained from revision 0.
  const until = Math.min(Date.parse(createdAt), request.time === 'recorded' ? Date.parse(asAt) : Number.POSITIVE_INFINITY);
  const firstAfter = request.events.findIndex((e) => !(Date.parse(e.recordedAt) <= until));
  const included = firstAfter >= 0 ? request.events.slice(0, firstAfter) : [...request.events];
  if (included.length === 0) {
    throw new EvidenceBundleError(
      'PLAN_NOT_FOUND',
      request.time === 'recorded' ? `The plan did not exist at ${asAt} (recorded time): the ledger had recorded nothing of it yet` : `The ledger had recorded nothing of the plan by ${createdAt}, when the bundle is made`,
    );
  }

  const lines = included.map(bundleEventLine);
  const eventsBytes = ndjsonBytes(lines);
  // Our own lines read back as the verifier reads them: the state is computed from exactly the bytes a verifier will replay.
  let ownLines = readOwnLines(lines);
  if (!ownLines) {
    const parsed = parseBundleEvents(eventsBytes);
    if (!parsed.ok) throw new EvidenceBundleError('INVALID_BUNDLE_REQUEST', `The stored events cannot be bundled: ${parsed.problem}`);
    ownLines = parsed.lines;
  }
  const planEvents = planEventsOfLines(ownLines);
  const cutOff = { planId: request.planId, asAt, time: request.time };
  const bundled = bundledPlanStateAndFold(planEvents, cutOff, request.rules);
  if (!bundled) throw new EvidenceBundleError('PLAN_NOT_FOUND', `The plan did not exist at ${asAt} (${request.time} time)`);
  const state = bundled.state;
  const stateBytes = canonicalBytes(state);

  const leaves = included.map((e) => Buffer.from(e.hash, 'hex'));
  const rootHash = hashToHex(merkleRoot(leaves, nodeSha256));
  const headHash = included[included.length - 1]!.hash;
  const warnings: string[] = [];

  const evidence: [string, Uint8Array][] = [];
  const missing: string[] = [];
  if (request.readEvidenceFile) {
    const named = [...new Set(planEvents.flatMap((e) => (e.type === 'EvidenceAttached' ? [e.data.sha256] : [])))].sort();
    for (const sha256 of named) {
      const bytes = await request.readEvidenceFile(sha256);
      if (bytes && sha256Hex(bytes) === sha256) {
        evidence.push([`${EVIDENCE_FOLDER}${sha256}`, bytes]);
      } else {
        missing.push(sha256);
        warnings.push(bytes ? `The stored evidence file ${sha256} does not match its own hash; it was left out` : `The ledger does not hold evidence file ${sha256}; it was left out`);
      }
    }
  }

  let since: BundleManifest['since'];
  let consistency: BundleConsistency | undefined;
  if (request.previous) {
    const earlier = await previousTreeHead(request.previous, request.planId);
    if (earlier.treeSize > leaves.length) {
      throw new EvidenceBundleError('PREVIOUS_BUNDLE_REJECTED', `The earlier bundle holds ${earlier.treeSize} events, more than the ${leaves.length} of this one: it is not earlier`);
    }
    since = { treeSize: earlier.treeSize, rootHash: earlier.rootHash, manifestSha256: earlier.manifestSha256, asAt: earlier.asAt, time: earlier.time, createdAt: earlier.createdAt };
    consistency = {
      algorithm: CONSISTENCY_ALGORITHM,
      from: { treeSize: earlier.treeSize, rootHash: earlier.rootHash, manifestSha256: earlier.manifestSha256, createdAt: earlier.createdAt },
      to: { treeSize: leaves.length, rootHash },
      proof: proofToHex(consistencyProof(leaves, earlier.treeSize)),
    };
    if (hashToHex(merkleRoot(leaves.slice(0, earlier.treeSize))) !== earlier.rootHash) {
      warnings.push(`The first ${earlier.treeSize} events are not the ones the earlier bundle holds: the ledger's history has changed since it was made, and this bundle will not verify against it`);
    }
  }

  const checkpoints = request.checkpoints ? bundleCheckpointsOf(request.checkpoints.origin, request.checkpoints.notes, request.events.map((e) => e.hash), included.length) : undefined;

  const fileName = `evidence-bundle-${safeName(request.planId)}-${asAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${request.time}.zip`;
  // In recorded time every bundled event was recorded by the cut-off, so the state there is the fold of them all, which the report's references need.
  const report = renderBundleReport(state, planEvents, {
    bundleFileName: fileName,
    createdAt,
    generator: request.generator,
    keyFingerprint: request.signingKey.fingerprint,
    eventCount: included.length,
    headHash,
    merkleRootHash: rootHash,
    rules: request.rules,
    evidenceFiles: { included: Boolean(request.readEvidenceFile), missing, bundled: evidence.map(([path]) => path.slice(EVIDENCE_FOLDER.length)) },
    ...(since ? { since } : {}),
  }, request.time === 'recorded' ? bundled.plan : undefined);

  const covered = new Map<string, Uint8Array>([
    [BUNDLE_FILES.report, Buffer.from(report, 'utf8')],
    [BUNDLE_FILES.state, stateBytes],
    [BUNDLE_FILES.events, eventsBytes],
    ...(consistency ? ([[BUNDLE_FILES.consistency, Buffer.from(readableJson(consistency), 'utf8')]] as [string, Uint8Array][]) : []),
    ...(checkpoints ? ([[BUNDLE_FILES.checkpoints, Buffer.from(readableJson(checkpoints), 'utf8')]] as [string, Uint8Array][]) : []),
    [BUNDLE_FILES.signingKey, Buffer.from(request.signingKey.publicKeyPem, 'utf8')],
    ...evidence,
  ]);

  // Each file hashed once: the manifest lists these hashes and SHA256SUMS lists them again.
  const coveredHashes = new Map([...covered].map(([path, bytes]) => [path, sha256Hex(bytes)]));
  const manifest = BundleManifest.parse({
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    planId: request.planId,
    streamId,
    asAt,
    time: request.time,
    eventCount: included.length,
    headHash,
    merkle: { treeSize: leaves.length, rootHash },
    hashAlgorithms: HASH_ALGORITHMS,
    ragRules: request.rules,
    generator: request.generator,
    createdAt,
    signingKey: { file: BUNDLE_FILES.signingKey, fingerprint: request.signingKey.fingerprint },
    evidenceFiles: { included: Boolean(request.readEvidenceFile), missing },
    ...(since ? { since } : {}),
    files: Object.fromEntries(coveredHashes),
  } satisfies BundleManifest);
  const manifestBytes = Buffer.from(readableJson(manifest), 'utf8');
  const signature = request.signingKey.sign(manifestBytes);

  const all = new Map<string, Uint8Array>([[BUNDLE_FILES.manifest, manifestBytes], [BUNDLE_FILES.signature, signature], ...covered]);
  const sums = [...all]
    .map(([path, bytes]) => [path, coveredHashes.get(path) ?? sha256Hex(bytes)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, hash]) => `${hash}  ${path}\n`)
    .join('');
  all.set(BUNDLE_FILES.sums, Buffer.from(sums, 'utf8'));

  const ordered = [
    ...BUNDLE_FILE_ORDER.filter((path) => all.has(path)).map((path) => [path, all.get(path)!] as const),
    ...evidence.map(([path, bytes]) => [path, bytes] as const),
  ];
  return { zip: writeBundleArchive(ordered), manifest, fileName, warnings };
}

interface PreviousTreeHead {
  treeSize: number;
  rootHash: string;
  manifestSha256: string;
  asAt: string;
  time: 'recorded' | 'effective';
  createdAt: string;
}

async function previousTreeHead(previous: Uint8Array, planId: string): Promise<PreviousTreeHead> {
  const verification = await verifyEvidenceBundle(previous);
  if (!verification.ok || !verification.manifest) {
    const failed = verification.checks.find((check) => !check.ok);
    throw new EvidenceBundleError('PREVIOUS_BUNDLE_REJECTED', `The earlier bundle does not verify, so nothing can be proved against it: ${failed ? `${failed.name}: ${failed.detail}` : 'it cannot be read'}`);
  }
  const manifest = verification.manifest;
  if (manifest.planId !== planId) throw new EvidenceBundleError('PREVIOUS_BUNDLE_REJECTED', `The earlier bundle is of plan ${manifest.planId}, not ${planId}`);
  const archive = readBundleArchive(previous);
  const manifestBytes = archive.ok ? archive.files.get(BUNDLE_FILES.manifest) : undefined;
  if (!manifestBytes) throw new EvidenceBundleError('PREVIOUS_BUNDLE_REJECTED', 'The earlier bundle has no manifest.json');
  return {
    treeSize: manifest.merkle.treeSize,
    rootHash: manifest.merkle.rootHash,
    manifestSha256: sha256Hex(manifestBytes),
    asAt: manifest.asAt,
    time: manifest.time,
    createdAt: manifest.createdAt,
  };
}

function normalisedInstant(value: string, name: string): string {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new EvidenceBundleError('INVALID_BUNDLE_REQUEST', `${name} must be an ISO-8601 instant such as 2013-03-31T23:59:59Z, not ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/**
 * events.ndjson's bytes: every line and its "\n" written into one buffer of the exact size. Joining the ten thousand
 * lines first made one 8.7 MB string, two bytes a character as soon as one line was not ASCII, only to encode it
 * and drop it: about five times the CPU of writing the lines one by one, and garbage the collector then walked.
 */
function ndjsonBytes(lines: readonly string[]): Buffer {
  let size = lines.length;
  for (const line of lines) size += Buffer.byteLength(line, 'utf8');
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (const line of lines) {
    at += bytes.write(line, at, 'utf8');
    bytes[at++] = NEWLINE;
  }
  if (at !== size) throw new Error(`events.ndjson came to ${at} bytes, not the ${size} its lines measure`);
  return bytes;
}

const NEWLINE = 0x0a;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function safeName(text: string): string {
  return text.replace(/[^\w.-]+/g, '_').slice(0, 100);
}
