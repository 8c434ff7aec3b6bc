import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { canonicalBytes } from '#integrity';
import { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, SigningKeyError, fingerprint, loadOrCreateSigningKey, verify } from './signing-key.js';

// The whole point of the key format is that an auditor needs nothing but OpenSSL, so this test
// runs the real thing. A machine without it must fail loudly: skipping would hide exactly the
// incompatibility this test exists to catch.
function requireOpenssl(): void {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `openssl is required by signing-key.int.spec.ts (it checks that our Ed25519 signatures verify with stock OpenSSL 3) but could not be run: ${probe.error?.message ?? probe.stderr}. Install OpenSSL 3 and put it on PATH.`,
    );
  }
}

function openssl(args: string[], cwd: string, input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('openssl', args, { cwd, input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let root: string;
let counter = 0;
/** A fresh directory per test that does not exist yet, so first-use creation is exercised. */
function freshKeyDir(): string {
  counter += 1;
  return path.join(root, `case-${counter}`, 'keys');
}

beforeAll(async () => {
  requireOpenssl();
  root = await mkdtemp(path.join(os.tmpdir(), 'evidence-signing-key-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('loadOrCreateSigningKey', () => {
  it('creates the directory and an Ed25519 key pair on first use, with the private key readable by its owner only', async () => {
    const dir = freshKeyDir();
    const key = await loadOrCreateSigningKey(dir);

    const privatePem = await readFile(path.join(dir, PRIVATE_KEY_FILE), 'utf8');
    const publicPem = await readFile(path.join(dir, PUBLIC_KEY_FILE), 'utf8');
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(publicPem).toBe(key.publicKeyPem);
    expect((await stat(path.join(dir, PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(openssl(['pkey', '-in', PRIVATE_KEY_FILE, '-noout', '-text'], dir).stdout).toMatch(/ED25519 Private-Key/);
  });

  it('loads the same key pair on later uses', async () => {
    const dir = freshKeyDir();
    const first = await loadOrCreateSigningKey(dir);
    const second = await loadOrCreateSigningKey(dir);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
    expect(second.fingerprint).toBe(first.fingerprint);
    const manifest = Buffer.from('{"a":1}');
    expect(Buffer.from(second.sign(manifest)).equals(first.sign(manifest))).toBe(true); // Ed25519 is deterministic
  });

  it('rewrites a missing public key file from the private key', async () => {
    const dir = freshKeyDir();
    const first = await loadOrCreateSigningKey(dir);
    await unlink(path.join(dir, PUBLIC_KEY_FILE));
    const second = await loadOrCreateSigningKey(dir);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
    expect(await readFile(path.join(dir, PUBLIC_KEY_FILE), 'utf8')).toBe(first.publicKeyPem);
  });

  it('refuses a private key file that group or others can read', async () => {
    const dir = freshKeyDir();
    await loadOrCreateSigningKey(dir);
    await chmod(path.join(dir, PRIVATE_KEY_FILE), 0o644);
    await expect(loadOrCreateSigningKey(dir)).rejects.toMatchObject({ name: 'SigningKeyError', code: 'SIGNING_KEY_UNPROTECTED' });
  });

  it('refuses a public key file that is not the public half of the private key', async () => {
    const dir = freshKeyDir();
    await loadOrCreateSigningKey(dir);
    const stranger = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    await writeFile(path.join(dir, PUBLIC_KEY_FILE), stranger);
    await expect(loadOrCreateSigningKey(dir)).rejects.toMatchObject({ code: 'SIGNING_KEY_MISMATCH' });
  });

  it('refuses a private key that is not Ed25519', async () => {
    const dir = freshKeyDir();
    await loadOrCreateSigningKey(dir);
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeFile(path.join(dir, PRIVATE_KEY_FILE), ecKey, { mode: 0o600 });
    await expect(loadOrCreateSigningKey(dir)).rejects.toMatchObject({ code: 'SIGNING_KEY_INVALID' });
  });
});

describe('Ed25519 manifest signatures', () => {
  it('produce raw 64-byte signatures that our verify accepts and rejects once the manifest or signature changes', async () => {
    const key = await loadOrCreateSigningKey(freshKeyDir());
    const manifest = canonicalBytes({ bundle: 'plan-1', merkleRoot: 'e3b0c442', files: ['events.jsonl'] });
    const signature = key.sign(manifest);

    expect(signature).toHaveLength(64);
    expect(verify(key.publicKeyPem, manifest, signature)).toBe(true);

    const alteredManifest = Buffer.from(manifest);
    alteredManifest[5] ^= 0x01;
    expect(verify(key.publicKeyPem, alteredManifest, signature)).toBe(false);
    const alteredSignature = Buffer.from(signature);
    alteredSignature[10] ^= 0x01;
    expect(verify(key.publicKeyPem, manifest, alteredSignature)).toBe(false);
    expect(verify(key.publicKeyPem, manifest, signature.subarray(0, 63))).toBe(false);

    const other = await loadOrCreateSigningKey(freshKeyDir());
    expect(verify(other.publicKeyPem, manifest, signature)).toBe(false);
  });

  it('verify with openssl pkeyutl -rawin against the public key file, and fail there once the manifest changes', async () => {
    const dir = freshKeyDir();
    const key = await loadOrCreateSigningKey(dir);
    const manifest = canonicalBytes({ bundle: 'plan-1', recordedUpTo: '2025-06-30T23:59:59.999Z', streams: { 'plan-1': { head: 'ab'.repeat(32), length: 42 } } });
    await writeFile(path.join(dir, 'manifest.json'), manifest);
    await writeFile(path.join(dir, 'manifest.sig'), key.sign(manifest));

    const verified = openssl(['pkeyutl', '-verify', '-pubin', '-inkey', PUBLIC_KEY_FILE, '-rawin', '-in', 'manifest.json', '-sigfile', 'manifest.sig'], dir);
    expect(verified).toMatchObject({ status: 0, stdout: expect.stringMatching(/Signature Verified Successfully/) });

    await writeFile(path.join(dir, 'manifest.json'), Buffer.concat([manifest, Buffer.from(' ')]));
    const tampered = openssl(['pkeyutl', '-verify', '-pubin', '-inkey', PUBLIC_KEY_FILE, '-rawin', '-in', 'manifest.json', '-sigfile', 'manifest.sig'], dir);
    expect(tampered.status).not.toBe(0);
    expect(tampered.stdout).toMatch(/Signature Verification Failure/);
  });

  it('are the same bytes openssl produces with the private key file, and ours verifies them', async () => {
    const dir = freshKeyDir();
    const key = await loadOrCreateSigningKey(dir);
    const manifest = canonicalBytes({ note: 'signed by openssl' });
    await writeFile(path.join(dir, 'manifest.json'), manifest);

    const signed = openssl(['pkeyutl', '-sign', '-inkey', PRIVATE_KEY_FILE, '-rawin', '-in', 'manifest.json', '-out', 'openssl.sig'], dir);
    expect(signed.status).toBe(0);
    const opensslSignature = await readFile(path.join(dir, 'openssl.sig'));

    expect(verify(key.publicKeyPem, manifest, opensslSignature)).toBe(true);
    expect(opensslSignature.equals(key.sign(manifest))).toBe(true);
  });
});

describe('fingerprint', () => {
  it('is SHA256: and the hex SHA-256 of the DER public key, as openssl computes it', async () => {
    const dir = freshKeyDir();
    const key = await loadOrCreateSigningKey(dir);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', PUBLIC_KEY_FILE, '-outform', 'DER'], { cwd: dir });
    const digest = openssl(['dgst', '-sha256', '-r'], dir, der).stdout.split(' ')[0];

    expect(der).toHaveLength(44); // 12-byte SPKI header + 32-byte Ed25519 key
    expect(key.fingerprint).toBe(`SHA256:${digest}`);
    expect(fingerprint(key.publicKeyPem)).toBe(key.fingerprint);
  });
});

describe('verify and fingerprint with the wrong kind of key', () => {
  it('refuse a private key offered as the public key, so it can never be published by mistake', () => {
    const privatePem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => fingerprint(privatePem)).toThrow(SigningKeyError);
    expect(() => verify(privatePem, Buffer.from('x'), Buffer.alloc(64))).toThrow(SigningKeyError);
  });

  it('refuse a public key that is not Ed25519', () => {
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => verify(rsaPem, Buffer.from('x'), Buffer.alloc(64))).toThrow(/not an Ed25519 public key/);
  });
});
