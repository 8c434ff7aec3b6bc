import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as signBytes, verify as verifyBytes, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fingerprint, SigningKeyError, type SigningKeyErrorCode } from './public-key.js';

export { fingerprint, SigningKeyError, type SigningKeyErrorCode };

/**
 * The ledger's Ed25519 signing key (Node only: it reads and writes key files; bundles are checked with the
 * platform-neutral public-key.ts), kept as two PEM files so that anyone can check a signature
 * with stock OpenSSL: `openssl pkeyutl -verify -pubin -inkey signing-key.pub.pem -rawin -in manifest.json -sigfile manifest.sig`.
 */

export const PRIVATE_KEY_FILE = 'signing-key.pem';
export const PUBLIC_KEY_FILE = 'signing-key.pub.pem';

export interface SigningKey {
  /** SPKI PEM, as stored in signing-key.pub.pem: publish it, put it in every bundle. */
  readonly publicKeyPem: string;
  /** "SHA256:" + hex SHA-256 of the DER SPKI; see fingerprint(). */
  readonly fingerprint: string;
  /** Raw 64-byte Ed25519 signature (RFC 8032) over exactly these bytes. */
  sign(manifestBytes: Uint8Array): Uint8Array;
}

/**
 * Load the key pair from dir, or create the directory and a fresh pair on first use.
 * The private key file must not be readable by group or others (as ssh insists): a signing key
 * anyone on the machine can read proves nothing.
 */
export async function loadOrCreateSigningKey(dir: string): Promise<SigningKey> {
  const privatePath = path.join(dir, PRIVATE_KEY_FILE);
  const publicPath = path.join(dir, PUBLIC_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });

  let privatePem = await readIfExists(privatePath);
  if (privatePem === undefined) {
    const created = generateKeyPairSync('ed25519');
    const pem = created.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    try {
      // 'wx': if another process created the key meanwhile, keep theirs rather than overwrite it.
      await writeFile(privatePath, pem, { mode: 0o600, flag: 'wx' });
      await chmod(privatePath, 0o600); // in case a umask or ACL widened what open() applied
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    privatePem = await readFile(privatePath, 'utf8');
  }
  await requireOwnerOnly(privatePath);

  const privateKey = parsePrivateKey(privatePem, privatePath);
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;

  const storedPublicPem = await readIfExists(publicPath);
  if (storedPublicPem === undefined) {
    // Derivable from the private key, so a crash between the two writes loses nothing.
    await writeFile(publicPath, publicKeyPem, { mode: 0o644 });
  } else if (spkiDer(storedPublicPem, publicPath).compare(spkiDer(publicKeyPem, privatePath)) !== 0) {
    throw new SigningKeyError('SIGNING_KEY_MISMATCH', `${publicPath} is not the public half of ${privatePath}; restore the right pair or remove the public file to have it rewritten`);
  }

  return {
    publicKeyPem,
    fingerprint: fingerprint(publicKeyPem),
    sign: (manifestBytes: Uint8Array) => signBytes(null, manifestBytes, privateKey),
  };
}

/**
 * Does signature (raw 64 bytes) verify over bytes with this Ed25519 public key (SPKI PEM)?
 * A bad signature is false; a key that is not an Ed25519 public key throws, because that is a
 * broken bundle or a caller's mistake, not evidence of tampering.
 */
export function verify(publicKeyPem: string, bytes: Uint8Array, signature: Uint8Array): boolean {
  const publicKey = parsePublicKey(publicKeyPem, 'public key');
  if (signature.length !== 64) return false;
  return verifyBytes(null, bytes, publicKey, signature);
}

function spkiDer(publicKeyPem: string, source: string): Buffer {
  return parsePublicKey(publicKeyPem, source).export({ type: 'spki', format: 'der' });
}

function parsePublicKey(pem: string, source: string): KeyObject {
  // createPublicKey would also accept a private key and derive its public half; a "public" key
  // that is really the private one must never be published or trusted, so insist on SPKI.
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not an SPKI PEM public key (expected -----BEGIN PUBLIC KEY-----)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not a PEM public key: ${(error as Error).message}`);
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not an Ed25519 public key (found ${key.type} ${key.asymmetricKeyType ?? 'unknown'})`);
  }
  return key;
}

function parsePrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not a PEM private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError('SIGNING_KEY_INVALID', `${source} is not an Ed25519 private key (found ${key.asymmetricKeyType ?? 'unknown'})`);
  }
  return key;
}

async function requireOwnerOnly(file: string): Promise<void> {
  if (process.platform === 'win32') return; // POSIX modes mean nothing there; NTFS ACLs are the admin's job
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    throw new SigningKeyError('SIGNING_KEY_UNPROTECTED', `${file} is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

// Duck-typed: errors from node:fs can come from another realm (jest's VM modules), where instanceof Error is false.
function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}
