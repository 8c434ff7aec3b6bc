import { own } from '#domain';
import { bytesToHex, canonicalJson, GENESIS_HASH, isCanonicalJsonOf, isHexOf, sha256 as pureSha256, utf8Bytes, type ChainVerification, type Sha256 } from '#integrity';
import { hashFromHex, hashToHex, merkleRoot, proofFromHex, verifyConsistency } from '../merkle-tree.js';
import { fingerprint, verifyEd25519 } from '../public-key.js';
import { DEFAULT_MAX_UNPACKED_BYTES, readZipDirectory, unpackEntries, type ReadBundleArchive } from './bundle-archive.js';
import { parseBundleEvents, planEventsOfLines, sameBytes, type ParsedBundleEvents } from './bundle-events.js';
import { BUNDLE_FILES, BundleConsistency, BundleManifest, EVIDENCE_FOLDER, FILES_OUTSIDE_MANIFEST, readableJson, type BundleEventLine } from './bundle-format.js';
import { bundledPlanState } from './bundled-plan-state.js';
import { checkWitnessPolicy, type WitnessPolicy } from './bundle-checkpoints.js';
import { publishedRagRules } from './published-rag-rules.js';

/**
 * Verify an evidence bundle offline, trusting nothing in it: every check recomputes from the bytes.
 * Each check says in plain words what held or which file, line or revision did not. Never throws:
 * a malformed zip or JSON is a failed check.
 * Runs anywhere JavaScript does: WebCrypto (globalThis.crypto.subtle) for SHA-256 of the files and for
 * Ed25519, fflate for the zip, no Node built-ins and no Buffer. The same module backs `ledger verify`, the
 * standalone `verify-evidence-bundle` package and the web service's verify page.
 */

export interface BundleCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface EvidenceBundleVerification {
  /** Every check passed. */
  ok: boolean;
  checks: BundleCheck[];
  /** The manifest, when it could be read (whether or not the checks passed). */
  manifest?: BundleManifest;
}

export interface VerifyEvidenceBundleOptions {
  /** An older bundle of the same plan: it must verify, and this one must extend its tree unchanged. */
  previous?: Uint8Array;
  /** The fingerprint the ledger operator publishes ("SHA256:…"): the bundle must be signed by that key. */
  trustedFingerprint?: string;
  /** The most to unpack from the zip, all files together (default 512 MiB): a zip bomb stops here. */
  maxBytes?: number;
  /** Trusted witnesses and how many must have cosigned a checkpoint holding the bundle's events (docs/evidence-bundle.md). */
  witnessPolicy?: WitnessPolicy;
  /**
   * A synchronous SHA-256 of the concatenated parts for the chain and the Merkle tree, in place of the pure one
   * (#integrity's, which a browser runs): `ledger verify` and the package's command pass node:crypto's, several
   * times faster. The same function, so the same checks; the files are hashed with WebCrypto either way.
   */
  sha256?: Sha256;
}

/** manifest.json is read first, alone, to learn which entries may be unpacked: it is never bigger than this. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** The checks, by name, in the order they are reported. */
export const CHECKS = {
  readable: 'The bundle can be read',
  files: 'Every file matches the manifest',
  sums: 'SHA256SUMS agrees with the files and the manifest',
  signature: 'The manifest is signed',
  trustedKey: 'The signing key is the one you trust',
  chain: 'The hash chain over events.ndjson holds',
  merkle: 'The Merkle root matches the events',
  consistency: 'This bundle extends the older one unchanged',
  replay: 'Replaying the events reproduces state.json',
  witnessed: 'Enough trusted witnesses cosigned these events',
} as const;

interface Context {
  files: Map<string, Uint8Array>;
  manifestBytes?: Uint8Array;
  manifest?: BundleManifest;
  events?: BundleEventLine[];
  /** Each event's hash as bytes, once the chain check has shown them to be the hashes the events' contents give. */
  eventHashes?: Uint8Array[];
  /** Each file hashed and events.ndjson read once, though several checks look at them. */
  hashes: Map<string, string>;
  parsedEvents?: ParsedBundleEvents;
  digest: Sha256;
}

/** Every file's SHA-256 was computed (with WebCrypto) before the checks ran. */
function fileSha256(ctx: Context, path: string, _bytes: Uint8Array): string {
  return ctx.hashes.get(path)!;
}

function parsedEvents(ctx: Context, bytes: Uint8Array): ParsedBundleEvents {
  return (ctx.parsedEvents ??= parseBundleEvents(bytes, ctx.digest));
}

export async function verifyEvidenceBundle(zip: Uint8Array, options: VerifyEvidenceBundleOptions = {}): Promise<EvidenceBundleVerification> {
  const archive = safely(() => readBundleFiles(zip, options.maxBytes ?? DEFAULT_MAX_UNPACKED_BYTES));
  if (!archive.ok) return result([{ name: CHECKS.readable, ok: false, detail: `The bundle ${archive.problem}` }]);

  const ctx: Context = { files: archive.files, hashes: new Map(), digest: options.sha256 ?? pureSha256 };
  try {
    await hashFiles(ctx);
  } catch (error) {
    return result([{ name: CHECKS.readable, ok: false, detail: `The bundle's files could not be hashed: ${(error as Error).message}` }]);
  }
  const checks: BundleCheck[] = [await run(CHECKS.readable, () => readManifest(ctx))];
  checks.push(await run(CHECKS.files, () => checkFiles(ctx)));
  checks.push(await run(CHECKS.sums, () => checkSums(ctx)));
  checks.push(await run(CHECKS.signature, () => checkSignature(ctx)));
  if (options.trustedFingerprint !== undefined) checks.push(await run(CHECKS.trustedKey, () => checkTrustedKey(ctx, options.trustedFingerprint!)));
  checks.push(await run(CHECKS.chain, () => checkChain(ctx)));
  checks.push(await run(CHECKS.merkle, () => checkMerkle(ctx)));
  if (options.previous || ctx.files.has(BUNDLE_FILES.consistency)) {
    checks.push(await run(CHECKS.consistency, () => checkConsistency(ctx, options)));
  }
  checks.push(await run(CHECKS.replay, () => checkReplay(ctx)));
  if (options.witnessPolicy) checks.push(await run(CHECKS.witnessed, () => checkWitnessed(ctx, options.witnessPolicy!)));
  return result(checks, ctx.manifest);
}

/**
 * The zip's files, unpacked under a budget and only those the manifest lists. The central directory is read
 * first and manifest.json unpacked alone; every other entry must be named in its "files" (or be one of the
 * files outside it), or the zip is refused before anything else is inflated. Without a readable manifest only
 * the fixed bundle files may be unpacked, so the other checks can still say what they find.
 */
export function readBundleFiles(zip: Uint8Array, maxBytes: number = DEFAULT_MAX_UNPACKED_BYTES): ReadBundleArchive {
  const directory = readZipDirectory(zip);
  if (!directory.ok) return directory;
  const manifestEntry = directory.entries.filter((e) => e.name === BUNDLE_FILES.manifest);
  const first = unpackEntries(zip, manifestEntry, { maxBytes: Math.min(maxBytes, MAX_MANIFEST_BYTES) });
  if (!first.ok) return first.problem.startsWith('declares') ? { ok: false, problem: `has a manifest.json that claims to be bigger than a manifest may be (${MAX_MANIFEST_BYTES} bytes)` } : first;
  const manifestBytes = first.files.get(BUNDLE_FILES.manifest);
  const listed = manifestBytes ? listedFiles(manifestBytes) : undefined;
  const fixed = new Set<string>(Object.values(BUNDLE_FILES));
  const expect = (name: string) => FILES_OUTSIDE_MANIFEST.includes(name) || (listed ? hasOwn(listed, name) : fixed.has(name));
  const rest = unpackEntries(
    zip,
    directory.entries.filter((e) => e.name !== BUNDLE_FILES.manifest),
    { expect, maxBytes, alreadyUnpacked: first.unpackedBytes },
  );
  if (!rest.ok) return rest;
  if (manifestBytes) rest.files.set(BUNDLE_FILES.manifest, manifestBytes);
  return rest;
}

/** The manifest's "files" object, read leniently (the readable check judges the manifest properly later). */
function listedFiles(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(strictUtf8(bytes, BUNDLE_FILES.manifest)) as { files?: unknown } | null;
    const files = value !== null && typeof value === 'object' ? value.files : undefined;
    return files !== null && typeof files === 'object' && !Array.isArray(files) ? (files as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function hashFiles(ctx: Context): Promise<void> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('this platform has no WebCrypto (globalThis.crypto.subtle)');
  for (const [path, bytes] of ctx.files) ctx.hashes.set(path, bytesToHex(new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))));
}

function result(checks: BundleCheck[], manifest?: BundleManifest): EvidenceBundleVerification {
  return { ok: checks.every((c) => c.ok), checks, ...(manifest ? { manifest } : {}) };
}

type Outcome = { ok: boolean; detail: string };
const pass = (detail: string): Outcome => ({ ok: true, detail });
const fail = (detail: string): Outcome => ({ ok: false, detail });

async function run(name: string, check: () => Outcome | Promise<Outcome>): Promise<BundleCheck> {
  try {
    return { name, ...(await check()) };
  } catch (error) {
    return { name, ok: false, detail: `Could not be checked: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function safely<T extends { ok: boolean }>(fn: () => T): T | { ok: false; problem: string } {
  try {
    return fn();
  } catch (error) {
    return { ok: false, problem: `cannot be read (${(error as Error).message})` };
  }
}

// ---------------------------------------------------------------------------------------------
// 0. The manifest

function readManifest(ctx: Context): Outcome {
  const bytes = ctx.files.get(BUNDLE_FILES.manifest);
  if (!bytes) return fail('manifest.json is missing from the bundle');
  ctx.manifestBytes = bytes;
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8(bytes, BUNDLE_FILES.manifest));
  } catch (error) {
    return fail(`manifest.json is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = BundleManifest.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail(`manifest.json is not a version 1 evidence bundle manifest: ${issue.path.map(String).join('.') || '(manifest)'} ${issue.message}`);
  }
  // One layout only (sorted keys, two-space indent): no duplicate keys or trailing text that other JSON readers might read differently.
  if (!sameBytes(utf8Bytes(readableJson(value)), bytes)) {
    return fail('manifest.json is not laid out as the format writes it (keys sorted, two-space indent, one final newline): it may hold duplicate keys or other text that readers could take differently');
  }
  ctx.manifest = parsed.data;
  const m = parsed.data;
  return pass(`manifest.json describes plan ${m.planId} as at ${m.asAt} (${m.time} time): ${m.eventCount} events, made ${m.createdAt} by ${m.generator.name} ${m.generator.version}`);
}

// ---------------------------------------------------------------------------------------------
// 1. Files against the manifest

function checkFiles(ctx: Context): Outcome {
  const manifest = ctx.manifest;
  if (!manifest) return fail('Not checked: manifest.json could not be read, so no file can be checked against it');
  const problems: string[] = [];
  for (const [path, expected] of Object.entries(manifest.files)) {
    const bytes = ctx.files.get(path);
    if (!bytes) problems.push(`${path} is listed in the manifest but missing from the bundle`);
    else if (fileSha256(ctx, path, bytes) !== expected) problems.push(`${path} does not match the manifest: its SHA-256 is ${fileSha256(ctx, path, bytes)}, the manifest says ${expected}`);
  }
  for (const path of ctx.files.keys()) {
    if (!FILES_OUTSIDE_MANIFEST.includes(path) && !hasOwn(manifest.files, path)) problems.push(`${path} is in the bundle but not in the manifest`);
  }
  for (const required of [BUNDLE_FILES.events, BUNDLE_FILES.state, BUNDLE_FILES.report, BUNDLE_FILES.signingKey]) {
    if (!hasOwn(manifest.files, required)) problems.push(`the manifest does not list ${required}, which every bundle has`);
  }
  if (hasOwn(manifest.files, BUNDLE_FILES.consistency) !== Boolean(manifest.since)) problems.push('consistency.json and the manifest\'s "since" must come together');
  // Evidence files are named by their content: the name must be the hash, and an event must name the file.
  const evidencePaths = Object.keys(manifest.files).filter((p) => p.startsWith(EVIDENCE_FOLDER));
  if (evidencePaths.length > 0) {
    const parsed = ctx.files.has(BUNDLE_FILES.events) ? parsedEvents(ctx, ctx.files.get(BUNDLE_FILES.events)!) : undefined;
    const named = new Set(parsed?.ok ? parsed.lines.flatMap((l) => (l.type === 'EvidenceAttached' && typeof l.data.sha256 === 'string' ? [l.data.sha256] : [])) : []);
    for (const path of evidencePaths) {
      const sha = path.slice(EVIDENCE_FOLDER.length);
      if (manifest.files[path] !== sha) problems.push(`${path} is listed with a hash other than its name`);
      if (parsed?.ok && !named.has(sha)) problems.push(`${path} is not named by any EvidenceAttached event in events.ndjson`);
    }
  }
  if (problems.length > 0) return fail(listed(problems));
  return pass(`All ${Object.keys(manifest.files).length} files listed in manifest.json are present with the SHA-256 it gives, and nothing else is in the bundle`);
}

// 1b. SHA256SUMS: what `sha256sum -c` will check, agreeing with the manifest

function checkSums(ctx: Context): Outcome {
  const bytes = ctx.files.get(BUNDLE_FILES.sums);
  if (!bytes) return fail('SHA256SUMS is missing from the bundle');
  const text = strictUtf8(bytes, BUNDLE_FILES.sums);
  const listedHashes = new Map<string, string>();
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines.pop() !== '') problems.push('SHA256SUMS does not end with a newline');
  lines.forEach((line, i) => {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) problems.push(`line ${i + 1} of SHA256SUMS is not "<sha256>  <file>"`);
    else if (listedHashes.has(match[2]!)) problems.push(`SHA256SUMS lists ${match[2]} twice`);
    else listedHashes.set(match[2]!, match[1]!);
  });
  for (const [path, hash] of listedHashes) {
    const file = ctx.files.get(path);
    if (path === BUNDLE_FILES.sums) problems.push('SHA256SUMS lists itself');
    else if (!file) problems.push(`SHA256SUMS lists ${path}, which is not in the bundle`);
    else if (fileSha256(ctx, path, file) !== hash) problems.push(`SHA256SUMS gives ${path} the SHA-256 ${hash}, but the file's is ${fileSha256(ctx, path, file)}`);
    const inManifest = ctx.manifest && hasOwn(ctx.manifest.files, path) ? ctx.manifest.files[path] : undefined;
    if (inManifest !== undefined && inManifest !== hash) problems.push(`SHA256SUMS and manifest.json disagree about ${path}`);
  }
  for (const path of ctx.files.keys()) if (path !== BUNDLE_FILES.sums && !listedHashes.has(path)) problems.push(`SHA256SUMS does not list ${path}`);
  if (problems.length > 0) return fail(listed(problems));
  return pass(`SHA256SUMS lists all ${listedHashes.size} other files with their true SHA-256, as manifest.json does (sha256sum -c SHA256SUMS will pass)`);
}

// 2. The signature

async function checkSignature(ctx: Context): Promise<Outcome> {
  const manifestBytes = ctx.files.get(BUNDLE_FILES.manifest);
  const signature = ctx.files.get(BUNDLE_FILES.signature);
  const keyBytes = ctx.files.get(BUNDLE_FILES.signingKey);
  if (!manifestBytes || !signature || !keyBytes) {
    return fail(`Not checked: ${[!manifestBytes && 'manifest.json', !signature && 'manifest.sig', !keyBytes && 'signing-key.pem'].filter(Boolean).join(' and ')} missing from the bundle`);
  }
  let pem: string;
  let keyFingerprint: string;
  try {
    pem = strictUtf8(keyBytes, BUNDLE_FILES.signingKey);
    keyFingerprint = fingerprint(pem);
  } catch (error) {
    return fail(`signing-key.pem is not a usable Ed25519 public key: ${(error as Error).message}`);
  }
  if (signature.length !== 64) return fail(`manifest.sig is ${signature.length} bytes, not the 64 of an Ed25519 signature`);
  if (!(await verifyEd25519(pem, manifestBytes, signature))) {
    return fail('manifest.sig does not verify over manifest.json with signing-key.pem: the manifest, the signature or the key has been altered');
  }
  if (ctx.manifest && ctx.manifest.signingKey.fingerprint !== keyFingerprint) {
    return fail(`signing-key.pem has fingerprint ${keyFingerprint}, but manifest.json names ${ctx.manifest.signingKey.fingerprint}`);
  }
  return pass(`manifest.json is signed by the key in signing-key.pem, fingerprint ${keyFingerprint}. Compare it with the fingerprint the ledger operator publishes: anyone can make a key`);
}

function checkTrustedKey(ctx: Context, trusted: string): Outcome {
  const keyBytes = ctx.files.get(BUNDLE_FILES.signingKey);
  if (!keyBytes) return fail('Not checked: signing-key.pem is missing');
  const actual = fingerprint(strictUtf8(keyBytes, BUNDLE_FILES.signingKey));
  const wanted = trusted.trim().toLowerCase().replace(/^sha256:/, 'SHA256:');
  return actual === (wanted.startsWith('SHA256:') ? wanted : `SHA256:${wanted}`)
    ? pass(`signing-key.pem has the fingerprint you gave, ${actual}`)
    : fail(`signing-key.pem has fingerprint ${actual}, not the ${trusted} you trust`);
}

// 3. The hash chain

function checkChain(ctx: Context): Outcome {
  const bytes = ctx.files.get(BUNDLE_FILES.events);
  if (!bytes) return fail('events.ndjson is missing from the bundle');
  const parsed = parsedEvents(ctx, bytes);
  if (!parsed.ok) return fail(parsed.problem);
  const lines = parsed.lines;
  const verification = chainOf(lines, parsed.recomputedHashes);
  if (!verification.ok) {
    const line = lines.find((l) => l.revision === verification.brokenAtRevision);
    return fail(`events.ndjson: the chain breaks at revision ${verification.brokenAtRevision}${line ? ` (line ${lines.indexOf(line) + 1}, ${line.type}, event ${line.eventId})` : ''}: ${verification.problem}`);
  }
  const m = ctx.manifest;
  const problems: string[] = [];
  const streams = new Set(lines.map((l) => l.streamId));
  if (streams.size !== 1) problems.push(`events.ndjson mixes ${streams.size} streams`);
  if (m) {
    if (lines[0]!.streamId !== m.streamId) problems.push(`events.ndjson is of stream ${lines[0]!.streamId}, but the manifest says ${m.streamId}`);
    if (m.streamId !== `plan-${m.planId}`) problems.push(`the manifest's stream ${m.streamId} is not plan ${m.planId}'s`);
    if (lines.length !== m.eventCount) problems.push(`events.ndjson holds ${lines.length} events, but the manifest says ${m.eventCount}: events have been added or removed`);
    if (verification.head !== m.headHash) problems.push(`the chain ends at hash ${verification.head}, but the manifest's head is ${m.headHash}`);
    const cut = Date.parse(m.asAt);
    const created = Date.parse(m.createdAt);
    for (const line of lines) {
      const recorded = Date.parse(line.recordedAt);
      if (m.time === 'recorded' && !(recorded <= cut)) {
        problems.push(`revision ${line.revision} was recorded at ${line.recordedAt}, after the cut-off ${m.asAt}, so it does not belong in a recorded-time bundle`);
        break;
      }
      if (!(recorded <= created)) {
        problems.push(`revision ${line.revision} was recorded at ${line.recordedAt}, after the bundle was made (${m.createdAt})`);
        break;
      }
    }
  }
  ctx.events = lines;
  ctx.eventHashes = parsed.recomputedHashes;
  if (problems.length > 0) return fail(listed(problems));
  return pass(`events.ndjson holds revisions 0 to ${lines.length - 1} of ${lines[0]!.streamId}; every event's hash recomputes and points at the one before; the head is ${verification.head}`);
}

/**
 * verifyChain of #integrity, over hashes the reading of events.ndjson already recomputed from each line's bytes
 * (parseBundleEvents: the chain's formula, without canonicalising every event a second time). The same walk and the
 * same words: revisions 0, 1, 2… in order, each pointing at the hash before it, each hash the one its content gives.
 */
function chainOf(lines: readonly BundleEventLine[], recomputed: readonly Uint8Array[]): ChainVerification {
  let expectedPrevious = GENESIS_HASH;
  let expectedRevision = 0;
  for (let i = 0; i < lines.length; i++) {
    const link = lines[i]!;
    if (link.revision !== expectedRevision) {
      return { ok: false, length: expectedRevision, brokenAtRevision: expectedRevision, problem: `expected revision ${expectedRevision} next but found ${link.revision}: an event is missing or out of order` };
    }
    if (link.previousHash !== expectedPrevious) {
      return { ok: false, length: expectedRevision, brokenAtRevision: link.revision, problem: `revision ${link.revision} does not point at the hash of the event before it` };
    }
    if (!isHexOf(link.hash, recomputed[i]!)) {
      return { ok: false, length: expectedRevision, brokenAtRevision: link.revision, problem: `revision ${link.revision} has been altered: its content no longer matches its stored hash` };
    }
    expectedPrevious = link.hash;
    expectedRevision += 1;
  }
  return { ok: true, length: expectedRevision, head: expectedPrevious };
}

// 4. The Merkle root

function checkMerkle(ctx: Context): Outcome {
  const m = ctx.manifest;
  if (!m) return fail('Not checked: manifest.json could not be read');
  if (!ctx.events || !ctx.eventHashes) return fail('Not checked: events.ndjson did not pass the hash-chain check');
  // The leaves are the events' hashes: the chain check recomputed each from its line and found it equal to the line's.
  const root = hashToHex(merkleRoot(ctx.eventHashes, ctx.digest));
  if (m.merkle.treeSize !== ctx.events.length) return fail(`the manifest's tree size is ${m.merkle.treeSize}, but events.ndjson holds ${ctx.events.length} events`);
  if (root !== m.merkle.rootHash) return fail(`the Merkle root of the events is ${root}, but the manifest says ${m.merkle.rootHash}`);
  return pass(`The RFC 6962 Merkle root over the ${ctx.events.length} event hashes is ${root}, as the manifest says`);
}

// 5. Consistency with an older bundle

async function checkConsistency(ctx: Context, options: VerifyEvidenceBundleOptions): Promise<Outcome> {
  const { previous, trustedFingerprint } = options;
  const m = ctx.manifest;
  if (!m) return fail('Not checked: manifest.json could not be read');
  if (!ctx.events || !ctx.eventHashes) return fail('Not checked: events.ndjson did not pass the hash-chain check');
  const leaves = ctx.eventHashes;
  const newRoot = hashFromHex(m.merkle.rootHash);

  let proofFile: BundleConsistency | undefined;
  let proofProblem: string | undefined;
  const proofBytes = ctx.files.get(BUNDLE_FILES.consistency);
  if (proofBytes) {
    let value: unknown;
    try {
      value = JSON.parse(strictUtf8(proofBytes, BUNDLE_FILES.consistency));
    } catch (error) {
      return fail(`consistency.json is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = BundleConsistency.safeParse(value);
    if (!parsed.success) return fail(`consistency.json is not a consistency proof: ${parsed.error.issues[0]!.path.map(String).join('.')} ${parsed.error.issues[0]!.message}`);
    proofFile = parsed.data;
    if (proofFile.to.treeSize !== m.merkle.treeSize || proofFile.to.rootHash !== m.merkle.rootHash) return fail("consistency.json proves a different tree from this bundle's manifest");
    if (!m.since || m.since.treeSize !== proofFile.from.treeSize || m.since.rootHash !== proofFile.from.rootHash) return fail('consistency.json and the manifest\'s "since" name different older trees');
    if (!verifyConsistency(proofFile.from.treeSize, proofFile.to.treeSize, hashFromHex(proofFile.from.rootHash), newRoot, proofFromHex(proofFile.proof))) {
      proofProblem = `consistency.json does not prove that the older tree (${proofFile.from.treeSize} events, root ${proofFile.from.rootHash}) is an unchanged prefix of this one: history has been rewritten`;
    }
  }
  // Without the older bundle a failed proof is all there is to say; with it, the events themselves can name the change.
  if (proofProblem && !previous) return fail(proofProblem);
  if (!previous) {
    return pass(
      `consistency.json proves that this bundle's ${m.merkle.treeSize} events extend, unchanged, the tree of ${proofFile!.from.treeSize} events with root ${proofFile!.from.rootHash} (the bundle made ${proofFile!.from.createdAt}). Give that bundle as the previous one to check its tree head too`,
    );
  }

  const older = await verifyEvidenceBundle(previous, { ...(trustedFingerprint ? { trustedFingerprint } : {}), ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}), ...(options.sha256 ? { sha256: options.sha256 } : {}) });
  if (!older.ok || !older.manifest) {
    const failed = older.checks.find((c) => !c.ok);
    return fail(`The older bundle does not verify, so nothing can be proved against it: ${failed ? `${failed.name}: ${failed.detail}` : 'it cannot be read'}`);
  }
  const o = older.manifest;
  if (o.planId !== m.planId) return fail(`The older bundle is of plan ${o.planId}, this one of ${m.planId}`);
  if (o.merkle.treeSize > m.merkle.treeSize) return fail(`The older bundle holds ${o.merkle.treeSize} events, more than the ${m.merkle.treeSize} of this one: it is not older`);
  if (proofFile && (proofFile.from.treeSize !== o.merkle.treeSize || proofFile.from.rootHash !== o.merkle.rootHash)) {
    return fail(`consistency.json was made against a tree of ${proofFile.from.treeSize} events with root ${proofFile.from.rootHash}, not the older bundle's (${o.merkle.treeSize} events, root ${o.merkle.rootHash})`);
  }
  // With both bundles in hand, compare the events themselves, to name the first one that changed.
  const olderEvents = readEvents(previous, options.maxBytes);
  const firstChanged = olderEvents.findIndex((line, i) => ctx.events![i]?.hash !== line.hash);
  if (firstChanged >= 0 || hashToHex(merkleRoot(leaves.slice(0, o.merkle.treeSize))) !== o.merkle.rootHash) {
    const i = firstChanged >= 0 ? firstChanged : 0;
    return fail(
      `Revision ${i} differs between the bundles (the older one holds hash ${olderEvents[i]?.hash ?? '?'}, this one ${ctx.events[i]?.hash ?? '?'}): the events of the older bundle are not an unchanged prefix of this one, so history has been rewritten since ${o.createdAt}${proofProblem ? `; and ${proofProblem}` : ''}`,
    );
  }
  if (proofProblem) return fail(proofProblem);
  const keyNote = o.signingKey.fingerprint === m.signingKey.fingerprint ? 'both signed by the same key' : `signed by different keys (older ${o.signingKey.fingerprint}, newer ${m.signingKey.fingerprint}): check both are the operator's`;
  return pass(
    `The older bundle (made ${o.createdAt}, ${o.merkle.treeSize} events, root ${o.merkle.rootHash}) verifies, and its events are exactly the first ${o.merkle.treeSize} of this one${proofFile ? '; the consistency proof in consistency.json checks' : ''}; ${keyNote}`,
  );
}

function readEvents(zip: Uint8Array, maxBytes: number | undefined): BundleEventLine[] {
  const archive = readBundleFiles(zip, maxBytes);
  const bytes = archive.ok ? archive.files.get(BUNDLE_FILES.events) : undefined;
  const parsed = bytes ? parseBundleEvents(bytes) : undefined;
  return parsed?.ok ? parsed.lines : [];
}

// 6. Witnesses

async function checkWitnessed(ctx: Context, policy: WitnessPolicy): Promise<Outcome> {
  const m = ctx.manifest;
  if (!m) return fail('Not checked: manifest.json could not be read');
  if (!ctx.events) return fail('Not checked: events.ndjson did not pass the hash-chain check');
  const file = ctx.files.get(BUNDLE_FILES.checkpoints);
  const outcome = await checkWitnessPolicy({ planId: m.planId, eventHashes: ctx.events.map((l) => l.hash), createdAt: m.createdAt, ...(file ? { checkpointsFile: file } : {}) }, policy);
  return outcome.ok ? pass(outcome.detail) : fail(outcome.detail);
}

// 7. Deterministic replay

function checkReplay(ctx: Context): Outcome {
  const m = ctx.manifest;
  if (!m) return fail('Not checked: manifest.json could not be read');
  if (!ctx.events) return fail('Not checked: events.ndjson did not pass the hash-chain check');
  const stateBytes = ctx.files.get(BUNDLE_FILES.state);
  if (!stateBytes) return fail('state.json is missing from the bundle');
  const rules = publishedRagRules(m.ragRules);
  if (!rules.ok) return fail(`state.json cannot be reproduced: ${rules.problem}`);
  let events;
  try {
    events = planEventsOfLines(ctx.events);
  } catch (error) {
    return fail(`events.ndjson: ${(error as Error).message}`);
  }
  // Compared as text: state.json read as strict UTF-8 (a byte-order mark kept) equals the replay's canonical text
  // exactly when its bytes equal that text's UTF-8, which canonical JSON (no lone surrogate) always has. Encoding the
  // 3.4 MB replay to bytes first, then comparing byte by byte, cost about as much again as making the text; and
  // isCanonicalJsonOf answers without making the text when state.json is canonical JSON (any bundle not tampered
  // with), by comparing the replay with what state.json parses to.
  const state = bundledPlanState(events, { planId: m.planId, asAt: m.asAt, time: m.time }, rules.rules);
  const stateText = strictUtf8OrUndefined(stateBytes);
  if (stateText !== undefined && isCanonicalJsonOf(state, stateText)) {
    return pass(`Replaying the ${ctx.events.length} events as at ${m.asAt} (${m.time} time) under RAG rules ${m.ragRules.version} gives state.json byte for byte`);
  }
  const replayed = canonicalJson(state);
  let bundled: unknown;
  try {
    bundled = JSON.parse(strictUtf8(stateBytes, BUNDLE_FILES.state));
  } catch {
    return fail('state.json is not valid JSON, so it is not what replaying the events gives');
  }
  const difference = firstDifference(bundled, JSON.parse(replayed), '');
  return fail(
    difference
      ? `state.json differs from the replay at ${difference.path || '(the top)'}: state.json says ${difference.bundled}, the replay gives ${difference.replayed}`
      : 'state.json holds the same values as the replay but not in RFC 8785 canonical form: it has been altered',
  );
}

function firstDifference(bundled: unknown, replayed: unknown, path: string): { path: string; bundled: string; replayed: string } | undefined {
  // A member only one side has is a difference (canonicalJson cannot write the missing side: brief says "nothing").
  if (bundled === undefined || replayed === undefined) return bundled === replayed ? undefined : { path, bundled: brief(bundled), replayed: brief(replayed) };
  if (canonicalJson(bundled) === canonicalJson(replayed)) return undefined;
  const bothObjects = bundled !== null && replayed !== null && typeof bundled === 'object' && typeof replayed === 'object' && Array.isArray(bundled) === Array.isArray(replayed);
  if (bothObjects) {
    const keys = [...new Set([...Object.keys(bundled as object), ...Object.keys(replayed as object)])].sort();
    for (const key of keys) {
      // Own members only: a key state.json names ("constructor", "toString") must not find Object.prototype's.
      const found = firstDifference(own(bundled as Record<string, unknown>, key), own(replayed as Record<string, unknown>, key), path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return { path, bundled: brief(bundled), replayed: brief(replayed) };
}

function brief(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = canonicalJson(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

// ---------------------------------------------------------------------------------------------

/** UTF-8 text, refusing bytes that are not UTF-8 (which toString would silently replace). */
function strictUtf8(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${name} is not valid UTF-8 text`);
  }
}

// ignoreBOM keeps a leading byte-order mark in the text, so state.json with one is never equal to canonical text.
const strictUtf8KeepingBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, or undefined when they are not UTF-8. */
function strictUtf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8KeepingBom.decode(bytes);
  } catch {
    return undefined;
  }
}

function hasOwn(record: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

function listed(problems: string[]): string {
  const shown = problems.slice(0, 5).join('; ');
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more problems` : shown;
}
