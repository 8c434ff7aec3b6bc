import { z } from 'zod';
import { ragRulesSchema } from '#domain';

/**
 * The evidence bundle format, version 1: what each file in the zip holds, as zod schemas the writer
 * fills and the verifier checks. docs/evidence-bundle.md describes the same thing in words, precisely
 * enough for someone to write their own verifier; change both together, and bump the version when
 * a file's meaning changes (a verifier must keep reading old versions for as long as bundles are kept).
 */

export const BUNDLE_FORMAT = 'safeguarding-evidence-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

/** Every file name the format uses, at the top of the zip (no folders except evidence/). */
export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  signature: 'manifest.sig',
  sums: 'SHA256SUMS',
  signingKey: 'signing-key.pem',
  report: 'report.html',
  state: 'state.json',
  events: 'events.ndjson',
  consistency: 'consistency.json',
  checkpoints: 'checkpoints.json',
} as const;

/** An attached evidence file is stored under its own SHA-256: evidence/<64 hex>. */
export const EVIDENCE_FOLDER = 'evidence/';

/**
 * The manifest lists every file in the zip except these three: itself (it cannot hold its own hash),
 * its signature (made over it), and SHA256SUMS (which lists the manifest and signature in turn, for
 * `sha256sum -c`). Everything else, signing-key.pem included, is covered by the signature through
 * the manifest. The key file is NOT a trust root: anyone can make a key and sign a bundle with it.
 * Trust comes from comparing the key's fingerprint with the one the ledger operator publishes.
 */
export const FILES_OUTSIDE_MANIFEST: readonly string[] = [BUNDLE_FILES.manifest, BUNDLE_FILES.signature, BUNDLE_FILES.sums];

/** The order files are written to the zip (evidence files follow, sorted by hash): fixed, so the bytes are reproducible. */
export const BUNDLE_FILE_ORDER: readonly string[] = [
  BUNDLE_FILES.manifest,
  BUNDLE_FILES.signature,
  BUNDLE_FILES.signingKey,
  BUNDLE_FILES.sums,
  BUNDLE_FILES.report,
  BUNDLE_FILES.state,
  BUNDLE_FILES.events,
  BUNDLE_FILES.consistency,
  BUNDLE_FILES.checkpoints,
];

export const HASH_ALGORITHMS = {
  files: 'SHA-256',
  chain: 'SHA-256(previousHash bytes || RFC 8785 canonical event body)',
  merkle: 'RFC 6962 Merkle tree, SHA-256; leaf = SHA-256(0x00 || event hash bytes)',
  signature: 'Ed25519 (RFC 8032) over the bytes of manifest.json',
  canonicalJson: 'RFC 8785',
} as const;

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** An instant exactly as Date.prototype.toISOString writes it, so that equal instants are equal strings. */
export const NormalisedInstant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, 'must be a UTC instant written as 2013-03-31T23:59:59.999Z');

export const TimeAxisSchema = z.enum(['recorded', 'effective']);

const KeyFingerprint = z.string().regex(/^SHA256:[0-9a-f]{64}$/, 'must be SHA256: and 64 lower-case hex digits');

/** The names a manifest may list: the fixed files, and evidence files named by their hash. No paths elsewhere, no "..". */
export const BundlePath = z
  .string()
  .refine(
    (p) => p === BUNDLE_FILES.signingKey || p === BUNDLE_FILES.report || p === BUNDLE_FILES.state || p === BUNDLE_FILES.events || p === BUNDLE_FILES.consistency || p === BUNDLE_FILES.checkpoints || /^evidence\/[0-9a-f]{64}$/.test(p),
    'is not a file name the bundle format uses',
  );

export const BundleManifest = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
    planId: z.string().min(1).max(100),
    /** The event-store stream the events come from: "plan-" + planId. */
    streamId: z.string().min(1).max(200),
    /** The cut-off instant. */
    asAt: NormalisedInstant,
    /** recorded: the events recorded up to asAt; effective: every event known at createdAt, read as effective at asAt. */
    time: TimeAxisSchema,
    /** Lines in events.ndjson: revisions 0 to eventCount - 1. */
    eventCount: z.number().int().positive(),
    /** The hash of the last event: the chain head. */
    headHash: Sha256Hex,
    merkle: z.object({ treeSize: z.number().int().positive(), rootHash: Sha256Hex }).strict(),
    hashAlgorithms: z
      .object({
        files: z.literal(HASH_ALGORITHMS.files),
        chain: z.literal(HASH_ALGORITHMS.chain),
        merkle: z.literal(HASH_ALGORITHMS.merkle),
        signature: z.literal(HASH_ALGORITHMS.signature),
        canonicalJson: z.literal(HASH_ALGORITHMS.canonicalJson),
      })
      .strict(),
    /** The RAG rule set state.json was computed with; its version names the rules a verifier must implement. */
    ragRules: ragRulesSchema,
    generator: z.object({ name: z.string().min(1).max(200), version: z.string().min(1).max(100) }).strict(),
    createdAt: NormalisedInstant,
    signingKey: z.object({ file: z.literal(BUNDLE_FILES.signingKey), fingerprint: KeyFingerprint }).strict(),
    evidenceFiles: z
      .object({
        /** Were the attached files asked for (--with-files)? */
        included: z.boolean(),
        /** Files the events name that the ledger could not supply. */
        missing: z.array(Sha256Hex),
      })
      .strict(),
    /** Set when the bundle was built --since an earlier one: consistency.json proves this tree extends that one. */
    since: z
      .object({
        treeSize: z.number().int().positive(),
        rootHash: Sha256Hex,
        manifestSha256: Sha256Hex,
        asAt: NormalisedInstant,
        time: TimeAxisSchema,
        createdAt: NormalisedInstant,
      })
      .strict()
      .optional(),
    /** path → SHA-256 of every file in the zip except FILES_OUTSIDE_MANIFEST. */
    files: z.record(BundlePath, Sha256Hex),
  })
  .strict();
export type BundleManifest = z.infer<typeof BundleManifest>;

/**
 * One line of events.ndjson: the stored event (the fields the hash chain covers, plus previousHash
 * and hash) and, for readers, effectiveAt and actor copied out of the metadata. Each line is the
 * RFC 8785 canonical JSON of this object, followed by "\n".
 */
export const BundleEventLine = z
  .object({
    streamId: z.string().min(1),
    revision: z.number().int().nonnegative(),
    eventId: z.string().min(1),
    type: z.string().min(1),
    data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
    recordedAt: z.string().min(1),
    previousHash: Sha256Hex,
    hash: Sha256Hex,
    /** metadata.effectiveAt if it is a string, else recordedAt. Not covered by the chain, so a verifier checks it against metadata. */
    effectiveAt: z.string().min(1),
    /** metadata.actor, or null. Not covered by the chain, so a verifier checks it against metadata. */
    actor: z.record(z.string(), z.unknown()).nullable(),
  })
  .strict();
export type BundleEventLine = z.infer<typeof BundleEventLine>;

export const CONSISTENCY_ALGORITHM = 'RFC 6962 section 2.1.2 consistency proof (RFC 9162 section 2.1.4)';

/** consistency.json: the proof that the older bundle's tree is an unchanged prefix of this one. */
export const BundleConsistency = z
  .object({
    algorithm: z.literal(CONSISTENCY_ALGORITHM),
    from: z
      .object({
        treeSize: z.number().int().positive(),
        rootHash: Sha256Hex,
        /** SHA-256 of the older bundle's manifest.json: which bundle this proof was made against. */
        manifestSha256: Sha256Hex,
        createdAt: NormalisedInstant,
      })
      .strict(),
    to: z.object({ treeSize: z.number().int().positive(), rootHash: Sha256Hex }).strict(),
    /** Hex hashes, in the order RFC 6962 SUBPROOF produces them. Empty when the sizes are equal. */
    proof: z.array(Sha256Hex),
  })
  .strict();
export type BundleConsistency = z.infer<typeof BundleConsistency>;

/**
 * JSON for people to read (manifest.json, consistency.json): keys sorted as RFC 8785 sorts them, two-space
 * indented, with a final newline. The signature is over the bytes as written, so a verifier never
 * needs to reproduce this layout; state.json and events.ndjson, which are recomputed, are canonical instead.
 */
export function readableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
