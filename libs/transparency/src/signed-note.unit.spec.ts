import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { base64Decode, base64Encode } from './base64.js';
import { ed25519NoteVerifier, formatVerifierKey, keyIdHex, openNote, parseNote, parseSignerKey, parseVerifierKey, signNote, SIGNATURE_TYPE } from './signed-note.js';

// Go's golang.org/x/mod/sumdb/note reference vector, and the examples in c2sp.org/signed-note itself.
const go = JSON.parse(readFileSync(path.join(process.cwd(), '../shared/test-vectors/c2sp/signed-note-go.json'), 'utf8')) as {
  verifierKey: string;
  signerKey: string;
  text: string;
  note: string;
  expect: { keyId: string };
};
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE = 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

function verifierOf(vkey: string) {
  const key = parseVerifierKey(vkey);
  if (!key.ok) throw new Error(key.problem);
  return ed25519NoteVerifier(key.value);
}

describe('C2SP signed-note', () => {
  it('recomputes the key ID of the Go vector from its name and key', () => {
    const key = parseVerifierKey(go.verifierKey);
    expect(key.ok && keyIdHex(key.value.keyId)).toBe(go.expect.keyId);
    expect(key.ok && formatVerifierKey(key.value.name, SIGNATURE_TYPE.ed25519, key.value.publicKey)).toBe(go.verifierKey);
  });

  it('opens the Go vector note with its verifier key and gives back its text', async () => {
    const opened = await openNote(go.note, [verifierOf(go.verifierKey)]);
    expect(opened.ok && opened.value.text).toBe(go.text);
    expect(opened.ok && opened.value.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
  });

  it('reproduces the Go vector byte for byte by signing its text with the signer key (Ed25519 is deterministic)', async () => {
    const signer = await parseSignerKey(go.signerKey);
    if (!signer.ok) throw new Error(signer.problem);
    expect(await signNote(go.text, [signer.value])).toBe(go.note);
    expect(formatVerifierKey(signer.value.name, SIGNATURE_TYPE.ed25519, signer.value.publicKey)).toBe(go.verifierKey);
  });

  it('opens the example note of the specification with its vkey', async () => {
    const opened = await openNote(SPEC_NOTE, [verifierOf(SPEC_VKEY)]);
    expect(opened.ok && opened.value.text).toBe('This is an example message.\n');
  });

  it('rejects the note with one character of its text changed', async () => {
    const altered = go.note.replace('cryptography', 'cryptographY');
    const opened = await openNote(altered, [verifierOf(go.verifierKey)]);
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.problem).toMatch(/does not verify/);
  });

  it('rejects the note signed under the same name with another key: its ID differs, so no known key signed it', async () => {
    const other = formatVerifierKey('PeterNeumann', SIGNATURE_TYPE.ed25519, new Uint8Array(32).fill(7));
    const opened = await openNote(go.note, [verifierOf(other)]);
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.problem).toMatch(/no signature by a key given/);
  });

  it('rejects a note whose signature line names a known key and ID but carries another signature', async () => {
    const parsed = parseNote(go.note);
    if (!parsed.ok) throw new Error(parsed.problem);
    const line = go.note.split('\n').at(-2)!;
    const sig = base64Decode(line.split(' ').at(-1)!)!;
    sig[10] = sig[10]! ^ 1;
    const forged = go.note.replace(line, `— PeterNeumann ${base64Encode(sig)}`);
    expect((await openNote(forged, [verifierOf(go.verifierKey)])).ok).toBe(false);
  });

  it('refuses the verifier key with any byte changed or truncated', () => {
    for (let i = 0; i < go.verifierKey.length; i++) {
      const ch = go.verifierKey[i]!;
      const changed = go.verifierKey.slice(0, i) + (ch === 'A' ? 'B' : 'A') + go.verifierKey.slice(i + 1);
      const parsed = parseVerifierKey(changed);
      // A changed name letter recomputes another key ID; a changed key changes it too; either way it is refused.
      expect(parsed.ok).toBe(false);
    }
    for (let n = 0; n < go.verifierKey.length; n++) expect(parseVerifierKey(go.verifierKey.slice(0, n)).ok).toBe(false);
  });

  it('ignores signatures from unknown keys and keeps the one that verifies', async () => {
    const withStranger = `${go.note}— someone.else/key ${base64Encode(new Uint8Array(68).fill(1))}\n`;
    const opened = await openNote(withStranger, [verifierOf(go.verifierKey)]);
    expect(opened.ok && opened.value.unknown.map((s) => s.name)).toEqual(['someone.else/key']);
  });

  it.each([
    ['no blank line', 'text\n— a/b AAAAAAAA\n'],
    ['no final newline', go.note.slice(0, -1)],
    ['a control character', go.note.replace('If you', 'If\tyou')],
    ['a signature line without the em dash', go.note.replace('— ', '- ')],
    ['non-canonical base64', go.note.replace('AM=\n', 'AN=\n')],
    ['a key name with a plus', go.note.replace('PeterNeumann', 'Peter+Neumann')],
  ])('refuses a note with %s', (_what, note) => {
    expect(parseNote(note).ok).toBe(false);
  });
});
