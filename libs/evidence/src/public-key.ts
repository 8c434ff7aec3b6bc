import { sha256, bytesToHex } from '#integrity';

/**
 * The Ed25519 public key of a bundle, read and used with nothing but the platform: WebCrypto for the signature,
 * this module for the PEM and the fingerprint. No node:crypto, no Buffer, so the same code checks a bundle in
 * `ledger verify`, the standalone verifier and a browser.
 */

export type SigningKeyErrorCode = 'SIGNING_KEY_UNPROTECTED' | 'SIGNING_KEY_INVALID' | 'SIGNING_KEY_MISMATCH';

/** Why a key could not be used. Not evidence of tampering by itself: a broken bundle or a caller's mistake. */
export class SigningKeyError extends Error {
  constructor(
    readonly code: SigningKeyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/** DER of SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 (1.3.101.112) }, BIT STRING (32 bytes) }, RFC 8410. */
const ED25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);
const SPKI_LENGTH = ED25519_SPKI_PREFIX.length + 32;
const PEM = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\r?\n?$/;

/**
 * The DER SubjectPublicKeyInfo of an Ed25519 public key in SPKI PEM. A private key, another algorithm or any
 * other text is refused: a "public" key that is really the private one must never be published or trusted.
 */
export function ed25519SpkiDer(pem: string, source = 'public key'): Uint8Array {
  const match = PEM.exec(pem.trim() + '\n');
  if (!match) {
    if (!pem.includes('-----BEGIN PUBLIC KEY-----')) throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not an SPKI PEM public key (expected -----BEGIN PUBLIC KEY-----)`);
    throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not a PEM public key: it holds text other than one PUBLIC KEY block`);
  }
  let der: Uint8Array;
  try {
    const binary = atob(match[1]!.replace(/\r?\n/g, ''));
    der = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not a PEM public key: its base64 cannot be read`);
  }
  if (der.length !== SPKI_LENGTH || !ED25519_SPKI_PREFIX.every((byte, i) => der[i] === byte)) {
    throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not an Ed25519 public key (it is not the 44-byte RFC 8410 SubjectPublicKeyInfo of one)`);
  }
  return der;
}

/**
 * "SHA256:" + lowercase hex SHA-256 of the DER-encoded SubjectPublicKeyInfo, the same digest as
 * `openssl pkey -pubin -in signing-key.pub.pem -outform DER | sha256sum`.
 */
export function fingerprint(publicKeyPem: string): string {
  return `SHA256:${bytesToHex(sha256(ed25519SpkiDer(publicKeyPem)))}`;
}

/**
 * Does signature (raw 64 bytes, RFC 8032) verify over bytes with this Ed25519 public key (SPKI PEM)?
 * A bad signature is false; a key that is not an Ed25519 public key throws SigningKeyError.
 */
export async function verifyEd25519(publicKeyPem: string, bytes: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const der = ed25519SpkiDer(publicKeyPem);
  if (signature.length !== 64) return false;
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('this platform has no WebCrypto (globalThis.crypto.subtle), which the verifier needs for Ed25519');
  const key = await subtle.importKey('spki', der as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
  return subtle.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, bytes as Uint8Array<ArrayBuffer>);
}
