import { sha256Hex } from '#integrity';

/**
 * What a log is here: one per plan, all under the ledger's name. Plan P's log has origin
 * "<ledger name>/plans/<P, percent-encoded>" and its leaves are the plan's events in revision order (the same
 * RFC 6962 tree an evidence bundle's manifest gives), so a bundle's tree head is a checkpoint of its plan's log.
 * A witness is configured once with the ledger's name and key and follows every plan under that name.
 */

export const PLAN_LOG_SEGMENT = '/plans/';

export function planLogOrigin(ledgerName: string, planId: string): string {
  // encodeURIComponent leaves no space, plus sign, slash or control character: an origin cannot be spoofed from a plan id.
  return `${ledgerName}${PLAN_LOG_SEGMENT}${encodeURIComponent(planId)}`;
}

/** The plan a ledger's origin names, or undefined when the origin is not one of this ledger's plan logs. */
export function planIdOfOrigin(ledgerName: string, origin: string): string | undefined {
  const prefix = `${ledgerName}${PLAN_LOG_SEGMENT}`;
  if (!origin.startsWith(prefix)) return undefined;
  const encoded = origin.slice(prefix.length);
  if (encoded.length === 0 || encoded.length > 400) return undefined;
  let planId: string;
  try {
    planId = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  // One spelling per plan: the origin must be exactly the one planLogOrigin writes.
  return encodeURIComponent(planId) === encoded ? planId : undefined;
}

/** tlog-witness's monitoring path segment: the lower-case hex SHA-256 of the origin. */
export function originHash(origin: string): string {
  return sha256Hex(origin);
}
