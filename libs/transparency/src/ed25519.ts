/**
 * Ed25519 over raw 32-byte keys with WebCrypto (globalThis.crypto.subtle), which Node 20 and browsers both have:
 * the note formats use raw RFC 8032 keys, not PEM. Verification never throws; a key that cannot be imported is false.
 */

/** PKCS#8 PrivateKeyInfo for an Ed25519 seed (RFC 8410): this fixed prefix, then the 32-byte seed. */
const PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

function subtle(): (typeof globalThis.crypto)['subtle'] {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('this platform has no WebCrypto (globalThis.crypto.subtle), which Ed25519 needs');
  return s;
}

type Bytes = Uint8Array<ArrayBuffer>;

export async function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = await subtle().importKey('raw', publicKey as Bytes, { name: 'Ed25519' }, false, ['verify']);
    return await subtle().verify({ name: 'Ed25519' }, key, signature as Bytes, message as Bytes);
  } catch {
    return false;
  }
}

/** Sign with a 32-byte seed (the form Go's note signer keys hold). */
export async function ed25519SignWithSeed(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(seed, PKCS8_PREFIX.length);
  const key = await subtle().importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  return new Uint8Array(await subtle().sign({ name: 'Ed25519' }, key, message as Bytes));
}

/** The raw public key of a seed, by way of a JWK export (WebCrypto has no direct call). */
export async function ed25519PublicKeyOfSeed(seed: Uint8Array): Promise<Uint8Array> {
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(seed, PKCS8_PREFIX.length);
  const key = await subtle().importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
  const jwk = await subtle().exportKey('jwk', key);
  const x = jwk.x!.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(x + '='.repeat((4 - (x.length % 4)) % 4)), (c) => c.charCodeAt(0));
}
