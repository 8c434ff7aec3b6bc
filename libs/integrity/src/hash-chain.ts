import { canonicalJson } from './canonical-json.js';
import { hexToBytes, sha256, bytesToHex, utf8Bytes } from './sha256.js';

/** The previous hash of a stream's first event: 32 zero bytes, hex. */
export const GENESIS_HASH = '0'.repeat(64);

/** The part of a stored event that the chain covers: everything but the hashes themselves. */
export interface ChainedEventBody {
  streamId: string;
  revision: number;
  eventId: string;
  type: string;
  data: unknown;
  metadata: unknown;
  recordedAt: string;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** A SHA-256 of the concatenated parts: this lib's pure one, or (on Node) node:crypto's, which is several times faster. */
export type Sha256 = (...parts: readonly Uint8Array[]) => Uint8Array;

/**
 * hash = SHA-256(previousHash (32 raw bytes) ‖ RFC 8785 canonical JSON of the event body), hex-encoded.
 * `digest` lets a Node-only caller (the event store, hashing ten thousand events in one import) use a native
 * SHA-256; the verifier and the browser keep the pure one. Both give the same bytes (hash-chain.unit.spec).
 */
export function chainHash(previousHashHex: string, body: ChainedEventBody, digest: Sha256 = sha256): string {
  // A lenient hex parser silently drops what it cannot read, which would chain onto garbage.
  if (!HEX_SHA256.test(previousHashHex)) throw new TypeError(`previousHash must be 64 lowercase hex characters, got ${JSON.stringify(previousHashHex)}`);
  // Only the named fields: a stored row often carries more (a global position, the hashes
  // themselves), and hashing whatever happened to be on the object would make the chain depend on the store.
  const covered: ChainedEventBody = {
    streamId: body.streamId,
    revision: body.revision,
    eventId: body.eventId,
    type: body.type,
    data: body.data,
    metadata: body.metadata,
    recordedAt: body.recordedAt,
  };
  return bytesToHex(digest(hexToBytes(previousHashHex), utf8Bytes(canonicalJson(covered))));
}

export interface ChainLink extends ChainedEventBody {
  previousHash: string;
  hash: string;
}

/** A stored event as a store hands it back: like a link, with the revision as a bigint or a number. */
export type StoredChainLink = Omit<ChainLink, 'revision'> & { revision: bigint | number };

/** The link verifyChain recomputes, from a stored event (revision as a number, as the hash body has it). */
export function chainLinkOf(event: StoredChainLink): ChainLink {
  return {
    streamId: event.streamId,
    revision: Number(event.revision),
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt,
    previousHash: event.previousHash,
    hash: event.hash,
  };
}

export type ChainVerification =
  | { ok: true; length: number; head: string }
  | { ok: false; length: number; brokenAtRevision: number; problem: string };

/** Recompute a stream's chain in revision order; name the first revision that does not hold. */
export function verifyChain(links: Iterable<ChainLink>): ChainVerification {
  let expectedPrevious = GENESIS_HASH;
  let expectedRevision = 0;
  for (const link of links) {
    if (link.revision !== expectedRevision) {
      return { ok: false, length: expectedRevision, brokenAtRevision: expectedRevision, problem: `expected revision ${expectedRevision} next but found ${link.revision}: an event is missing or out of order` };
    }
    if (link.previousHash !== expectedPrevious) {
      return { ok: false, length: expectedRevision, brokenAtRevision: link.revision, problem: `revision ${link.revision} does not point at the hash of the event before it` };
    }
    const recomputed = chainHash(link.previousHash, link);
    if (recomputed !== link.hash) {
      return { ok: false, length: expectedRevision, brokenAtRevision: link.revision, problem: `revision ${link.revision} has been altered: its content no longer matches its stored hash` };
    }
    expectedPrevious = link.hash;
    expectedRevision += 1;
  }
  return { ok: true, length: expectedRevision, head: expectedPrevious };
}
