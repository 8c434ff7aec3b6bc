import { utf8Bytes } from '#integrity';
import { ed25519Verify } from './ed25519.js';
import { formatSignatureLine, noteKeyId, SIGNATURE_TYPE, type NoteSignature, type NoteVerifier, type VerifierKey } from './signed-note.js';

/**
 * C2SP tlog-cosignature (c2sp.org/tlog-cosignature), the Ed25519 "cosignature/v1" type (0x04): a witness's
 * timestamped statement that the checkpoint is the largest consistent tree it has seen for the origin. The
 * signature is 8 bytes of big-endian POSIX seconds then 64 bytes of Ed25519 over
 * "cosignature/v1\ntime <seconds>\n" followed by the checkpoint text.
 */

export function cosignatureMessage(checkpointText: string, timestamp: number): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('a cosignature timestamp is a non-negative whole number of seconds');
  return utf8Bytes(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`);
}

export function cosignatureKeyId(name: string, publicKey: Uint8Array): number {
  return noteKeyId(name, SIGNATURE_TYPE.cosignatureV1, publicKey);
}

/** The timestamp (seconds) a cosignature carries, or undefined when it is not the 72 bytes of one. */
export function cosignatureTimestamp(signature: Uint8Array): number | undefined {
  if (signature.length !== 72) return undefined;
  const view = new DataView(signature.buffer, signature.byteOffset, 8);
  const high = view.getUint32(0, false);
  const low = view.getUint32(4, false);
  // Past 2^53 seconds is not a time anyone will see; refuse rather than round.
  if (high >= 0x200000) return undefined;
  return high * 0x100000000 + low;
}

/** A verifier for a cosignature/v1 vkey (type 0x04): opens the same note as the log's own signature does. */
export function cosignatureVerifier(key: VerifierKey): NoteVerifier {
  if (key.type !== SIGNATURE_TYPE.cosignatureV1) throw new TypeError(`${key.name} is not a cosignature/v1 key (type 0x04)`);
  return {
    ...key,
    verify: async (text, signature) => {
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === undefined) return false;
      return ed25519Verify(key.publicKey, cosignatureMessage(new TextDecoder().decode(text), timestamp), signature.slice(8));
    },
  };
}

/** Cosign: the timestamp and signature, as a note signature line ending in a newline. */
export async function cosign(checkpointText: string, timestamp: number, signer: { name: string; publicKey: Uint8Array; sign(message: Uint8Array): Promise<Uint8Array> | Uint8Array }): Promise<{ line: string; signature: NoteSignature }> {
  const raw = await signer.sign(cosignatureMessage(checkpointText, timestamp));
  const bytes = new Uint8Array(72);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(timestamp / 0x100000000), false);
  view.setUint32(4, timestamp >>> 0, false);
  bytes.set(raw, 8);
  const signature = { name: signer.name, keyId: cosignatureKeyId(signer.name, signer.publicKey), signature: bytes };
  return { line: formatSignatureLine(signature), signature };
}
