import { CHECKS, verifyEvidenceBundle, type BundleCheck, type EvidenceBundleVerification, type VerifyEvidenceBundleOptions } from './bundle-verifier.js';
import { DEFAULT_MAX_UNPACKED_BYTES } from './bundle-archive.js';
import type { BundleManifest } from './bundle-format.js';

/**
 * The verifier's public face, the one entry of the standalone package (packages/bundle-verifier) and of the
 * web service's verify page, and what `ledger verify` prints. Nothing here or below it touches Node: the
 * import-graph test (test/bundle-verifier-portability.unit.spec.ts) fails the build if anything does.
 */

export { CHECKS, DEFAULT_MAX_UNPACKED_BYTES, verifyEvidenceBundle };
export type { BundleCheck, BundleManifest, EvidenceBundleVerification, VerifyEvidenceBundleOptions };
export type { TrustedWitness, WitnessPolicy } from './bundle-checkpoints.js';
export { readWitnessPolicy, type WitnessPolicyRead } from './witness-policy.js';

export interface VerificationReport extends EvidenceBundleVerification {
  /** One sentence: every check passed, or how many failed and that the bundle must not be relied on. */
  summary: string;
  /** What a person reads: a heading, one "PASS|FAIL  check: detail" line per check, the summary and any advice. */
  lines: string[];
}

export interface ReportContext {
  /** How to name the bundle in the heading (a file name); omitted, "the bundle". */
  file?: string;
  /** The name of the older bundle it was checked against, if any. */
  previousFile?: string;
}

/** Verify a bundle (the zip's bytes) and say what was found, check by check, in words. Never throws. */
export async function verifyBundle(zip: Uint8Array, options: VerifyEvidenceBundleOptions & ReportContext = {}): Promise<VerificationReport> {
  const { file, previousFile, ...verifyOptions } = options;
  const result = await verifyEvidenceBundle(zip, verifyOptions);
  return { ...result, ...reportOf(result, { ...(file !== undefined ? { file } : {}), ...(previousFile !== undefined ? { previousFile } : {}) }, verifyOptions.trustedFingerprint !== undefined) };
}

export function reportOf(result: EvidenceBundleVerification, context: ReportContext, fingerprintGiven: boolean): { summary: string; lines: string[] } {
  const m = result.manifest;
  const name = context.file ?? 'the bundle';
  const lines = [m ? `Verifying ${name}: plan ${m.planId} as at ${m.asAt} (${m.time} time), made ${m.createdAt}${context.previousFile ? `, against ${context.previousFile}` : ''}` : `Verifying ${name}`];
  for (const check of result.checks) lines.push(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  const failed = result.checks.filter((c) => !c.ok).length;
  const summary = failed === 0 ? `All ${result.checks.length} checks passed.` : `${failed} of ${result.checks.length} checks failed: do not rely on this bundle.`;
  lines.push(summary);
  if (failed === 0 && !fingerprintGiven) lines.push('Compare the key fingerprint above with the one the ledger operator publishes (or pass it with --fingerprint).');
  return { summary, lines };
}
