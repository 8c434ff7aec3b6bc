import { formatVerifierKey, noteKeyId, SIGNATURE_TYPE, type NoteSigner } from '#transparency';
import { ed25519SpkiDer } from './public-key.js';
import type { SigningKey } from './signing-key.js';

/**
 * An Ed25519 key kept as PEM files (the ledger's signing key, a witness's key) seen as signed-note keys: the raw
 * 32-byte public key, its vkey under a name, and a signer. One key file, two roles, never two key formats on disk.
 */

export function rawPublicKey(key: Pick<SigningKey, 'publicKeyPem'>): Uint8Array {
  return ed25519SpkiDer(key.publicKeyPem).slice(-32);
}

/** The log's key: type 0x01 signatures over the checkpoint text. */
export function noteSignerOf(name: string, key: SigningKey): NoteSigner {
  return { name, keyId: noteKeyId(name, SIGNATURE_TYPE.ed25519, rawPublicKey(key)), sign: (text) => key.sign(text) };
}

export function noteVerifierKeyOf(name: string, key: Pick<SigningKey, 'publicKeyPem'>): string {
  return formatVerifierKey(name, SIGNATURE_TYPE.ed25519, rawPublicKey(key));
}

/** A witness's key: type 0x04 cosignatures. */
export function cosignerVerifierKeyOf(name: string, key: Pick<SigningKey, 'publicKeyPem'>): string {
  return formatVerifierKey(name, SIGNATURE_TYPE.cosignatureV1, rawPublicKey(key));
}
