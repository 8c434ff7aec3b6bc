import { sha256, utf8Bytes } from '#integrity';
import { base64Decode, base64Encode } from './base64.js';
import { ed25519PublicKeyOfSeed, ed25519SignWithSeed, ed25519Verify } from './ed25519.js';

/**
 * C2SP signed-note (c2sp.org/signed-note): text ending in a newline, a blank line, then one or more lines
 * "— <key name> base64(key ID || signature)". Parse, verify and sign, with verifier keys ("vkeys") in the
 * spec's text form. Pure: WebCrypto for Ed25519, #integrity for SHA-256, so the browser verifier uses it too.
 */

/** Signature type bytes the ledger uses (signed-note's registry). */
export const SIGNATURE_TYPE = { ed25519: 0x01, cosignatureV1: 0x04 } as const;

/** Budgets: the spec asks verifiers to accept at least 16 signatures; a note bigger than this is refused unread. */
export const MAX_NOTE_BYTES = 1024 * 1024;
export const MAX_NOTE_SIGNATURES = 100;

const EM_DASH = '\u2014';
// Unicode spaces (White_Space) and '+' are not allowed in a key name.
const BAD_NAME_CHARACTER = /[\s+\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
// Every ASCII control character but newline.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;

export interface NoteSignature {
  name: string;
  /** The uint32 key ID, from the first four bytes of the decoded signature. */
  keyId: number;
  /** The bytes after the key ID: the signature proper (for a cosignature, the timestamp and then the signature). */
  signature: Uint8Array;
}

export interface Note {
  /** The signed text, its final newline included. */
  text: string;
  signatures: NoteSignature[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !BAD_NAME_CHARACTER.test(name) && !CONTROL.test(name) && !name.includes('\n');
}

/** key ID = SHA-256(name || 0x0A || type || public key)[:4], big-endian. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const digest = sha256(utf8Bytes(name), Uint8Array.of(0x0a, type), publicKey);
  return ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
}

export function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/** Split a note into its text and signature lines. Says what is wrong rather than guess. */
export function parseNote(note: string): Parsed<Note> {
  if (utf8Bytes(note).length > MAX_NOTE_BYTES) return { ok: false, problem: `the note is larger than ${MAX_NOTE_BYTES} bytes` };
  if (CONTROL.test(note)) return { ok: false, problem: 'the note holds a control character other than newline' };
  if (note.includes('\uFFFD')) return { ok: false, problem: 'the note is not valid UTF-8' };
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return { ok: false, problem: 'the note has no blank line before its signatures' };
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) return { ok: false, problem: 'the note does not end with a newline after its last signature' };
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) return { ok: false, problem: `the note has more than ${MAX_NOTE_SIGNATURES} signatures` };
  const signatures: NoteSignature[] = [];
  for (const [i, line] of lines.entries()) {
    const parsed = parseSignatureLine(line);
    if (!parsed.ok) return { ok: false, problem: `signature line ${i + 1}: ${parsed.problem}` };
    signatures.push(parsed.value);
  }
  return { ok: true, value: { text, signatures } };
}

/** One line "— <name> <base64>" (without its newline). */
export function parseSignatureLine(line: string): Parsed<NoteSignature> {
  if (!line.startsWith(`${EM_DASH} `)) return { ok: false, problem: 'does not start with an em dash and a space' };
  const rest = line.slice(2);
  const space = rest.indexOf(' ');
  if (space < 0) return { ok: false, problem: 'has no space between the key name and the signature' };
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) return { ok: false, problem: `the key name ${JSON.stringify(name)} is empty or holds a space or a plus` };
  const bytes = base64Decode(rest.slice(space + 1));
  if (!bytes) return { ok: false, problem: 'the signature is not canonical base64' };
  if (bytes.length < 5) return { ok: false, problem: 'the signature is too short to hold a key ID and a signature' };
  const keyId = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  return { ok: true, value: { name, keyId, signature: bytes.slice(4) } };
}

export function formatSignatureLine(signature: NoteSignature): string {
  const bytes = new Uint8Array(4 + signature.signature.length);
  new DataView(bytes.buffer).setUint32(0, signature.keyId, false);
  bytes.set(signature.signature, 4);
  return `${EM_DASH} ${signature.name} ${base64Encode(bytes)}\n`;
}

export function formatNote(note: Note): string {
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

/** A key that can check signatures: identified by name and key ID, as signed-note requires. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
  verify(text: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

export interface VerifierKey {
  name: string;
  keyId: number;
  type: number;
  publicKey: Uint8Array;
}

/** "<name>+<hex key ID>+base64(type || public key)". The key ID must be the one the spec derives. */
export function parseVerifierKey(vkey: string): Parsed<VerifierKey> {
  // The key is base64 and may hold plus signs itself: split at the first two only, as Go's note package does.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) return { ok: false, problem: 'a verifier key is <name>+<key ID>+<key>, three parts separated by plus signs' };
  const [name, idHex, keyText] = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
  if (!isValidKeyName(name)) return { ok: false, problem: `the key name ${JSON.stringify(name)} is empty or holds a space` };
  if (!/^[0-9a-f]{8}$/.test(idHex)) return { ok: false, problem: 'the key ID is not 8 lower-case hex digits' };
  const bytes = base64Decode(keyText);
  if (!bytes || bytes.length < 2) return { ok: false, problem: 'the key is not canonical base64' };
  const type = bytes[0]!;
  const publicKey = bytes.slice(1);
  if ((type === SIGNATURE_TYPE.ed25519 || type === SIGNATURE_TYPE.cosignatureV1) && publicKey.length !== 32) return { ok: false, problem: `an Ed25519 key is 32 bytes, not ${publicKey.length}` };
  if (type !== SIGNATURE_TYPE.ed25519 && type !== SIGNATURE_TYPE.cosignatureV1) return { ok: false, problem: `signature type 0x${type.toString(16).padStart(2, '0')} is not one this verifier supports (0x01 Ed25519, 0x04 cosignature/v1)` };
  const keyId = parseInt(idHex, 16) >>> 0;
  if (noteKeyId(name, type, publicKey) !== keyId) return { ok: false, problem: `the key ID ${idHex} is not the one the name and key give (${keyIdHex(noteKeyId(name, type, publicKey))})` };
  return { ok: true, value: { name, keyId, type, publicKey } };
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  const bytes = new Uint8Array(1 + publicKey.length);
  bytes[0] = type;
  bytes.set(publicKey, 1);
  return `${name}+${keyIdHex(noteKeyId(name, type, publicKey))}+${base64Encode(bytes)}`;
}

/** A verifier for an Ed25519 (type 0x01) vkey: the signature is over the note text itself. */
export function ed25519NoteVerifier(key: VerifierKey): NoteVerifier {
  if (key.type !== SIGNATURE_TYPE.ed25519) throw new TypeError(`${key.name} is not an Ed25519 note key (type 0x01)`);
  return { ...key, verify: (text, signature) => ed25519Verify(key.publicKey, text, signature) };
}

/** Go's signer key text: "PRIVATE+KEY+<name>+<hex key ID>+base64(type || 32-byte seed)". */
export async function parseSignerKey(skey: string): Promise<Parsed<NoteSigner & { publicKey: Uint8Array }>> {
  if (!skey.startsWith('PRIVATE+KEY+')) return { ok: false, problem: 'a signer key is PRIVATE+KEY+<name>+<key ID>+<key>' };
  const rest = skey.slice('PRIVATE+KEY+'.length);
  const first = rest.indexOf('+');
  const second = first < 0 ? -1 : rest.indexOf('+', first + 1);
  if (second < 0) return { ok: false, problem: 'a signer key is PRIVATE+KEY+<name>+<key ID>+<key>' };
  const [name, idHex, keyText] = [rest.slice(0, first), rest.slice(first + 1, second), rest.slice(second + 1)];
  const bytes = base64Decode(keyText);
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(idHex) || !bytes || bytes.length !== 33 || bytes[0] !== SIGNATURE_TYPE.ed25519) return { ok: false, problem: 'not an Ed25519 signer key' };
  const seed = bytes.slice(1);
  const publicKey = await ed25519PublicKeyOfSeed(seed);
  const keyId = noteKeyId(name, SIGNATURE_TYPE.ed25519, publicKey);
  if (keyIdHex(keyId) !== idHex) return { ok: false, problem: 'the key ID does not match the key' };
  return { ok: true, value: { name, keyId, publicKey, sign: (text) => ed25519SignWithSeed(seed, text) } };
}

/** Sign the text (which must end in a newline) with each signer, after any signatures it already has. */
export async function signNote(text: string, signers: readonly NoteSigner[], existing: readonly NoteSignature[] = []): Promise<string> {
  if (!text.endsWith('\n')) throw new TypeError('a note text ends with a newline');
  if (text.includes('\n\n') || text.startsWith('\n')) throw new TypeError('a note text holds no empty line');
  if (CONTROL.test(text)) throw new TypeError('a note text holds no control character but newline');
  const bytes = utf8Bytes(text);
  const signatures = [...existing];
  for (const signer of signers) signatures.push({ name: signer.name, keyId: signer.keyId, signature: await signer.sign(bytes) });
  return formatNote({ text, signatures });
}

export interface OpenedNote {
  text: string;
  /** Signatures by the verifiers given that verified, in note order. */
  verified: (NoteSignature & { verifier: NoteVerifier })[];
  /** Signatures from keys not given (ignored, as the spec says). */
  unknown: NoteSignature[];
}

/**
 * Open a note as signed-note says: ignore signatures from unknown keys (name and ID must both match), reject the
 * note if a known key's signature fails, and reject it if no known key signed it.
 */
export async function openNote(note: string, verifiers: readonly NoteVerifier[]): Promise<Parsed<OpenedNote>> {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const { text, signatures } = parsed.value;
  const bytes = utf8Bytes(text);
  const verified: OpenedNote['verified'] = [];
  const unknown: NoteSignature[] = [];
  for (const signature of signatures) {
    const verifier = verifiers.find((v) => v.name === signature.name && v.keyId === signature.keyId);
    if (!verifier) {
      unknown.push(signature);
      continue;
    }
    if (!(await verifier.verify(bytes, signature.signature))) return { ok: false, problem: `the signature by ${signature.name} (key ${keyIdHex(signature.keyId)}) does not verify: the note has been altered or was signed by another key` };
    verified.push({ ...signature, verifier });
  }
  if (verified.length === 0) return { ok: false, problem: `no signature by a key given (${verifiers.map((v) => `${v.name}+${keyIdHex(v.keyId)}`).join(', ') || 'none'})` };
  return { ok: true, value: { text, verified, unknown } };
}
