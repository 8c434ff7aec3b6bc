import { describe, expect, it } from '@jest/globals';
import { base64Decode } from './base64.js';
import { EMPTY_TREE_ROOT, formatCheckpoint, parseCheckpoint } from './checkpoint.js';
import { cosign, cosignatureKeyId, cosignatureMessage, cosignatureTimestamp, cosignatureVerifier } from './cosignature.js';
import { formatAddCheckpointRequest, parseAddCheckpointRequest } from './add-checkpoint.js';
import { formatVerifierKey, keyIdHex, openNote, parseSignatureLine, parseSignerKey, parseVerifierKey, signNote, SIGNATURE_TYPE } from './signed-note.js';
import { planIdOfOrigin, planLogOrigin } from './plan-log.js';
import { ed25519PublicKeyOfSeed, ed25519SignWithSeed } from './ed25519.js';

// The examples of c2sp.org/tlog-checkpoint, tlog-cosignature and tlog-witness.
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_COSIGNATURE_LINE = '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';

describe('C2SP tlog-checkpoint bodies', () => {
  it('reads the example checkpoint of the specification', () => {
    const parsed = parseCheckpoint(SPEC_BODY);
    expect(parsed.ok && { origin: parsed.value.origin, size: parsed.value.size, extensions: parsed.value.extensions }).toEqual({ origin: 'example.com/behind-the-sofa', size: 20852163, extensions: [] });
    expect(parsed.ok && formatCheckpoint(parsed.value)).toBe(SPEC_BODY);
  });

  it('keeps extension lines, and writes the empty tree with size 0 and the hash of nothing', () => {
    const withExtension = `${SPEC_BODY}extension one\n`;
    const parsed = parseCheckpoint(withExtension);
    expect(parsed.ok && parsed.value.extensions).toEqual(['extension one']);
    expect(formatCheckpoint({ origin: 'o', size: 0, rootHash: EMPTY_TREE_ROOT, extensions: [] })).toBe('o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n');
  });

  it.each([
    ['two lines', 'example.com/log\n5\n'],
    ['an empty origin', '\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['a leading zero', 'o\n05\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['a negative size', 'o\n-5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['a short root', 'o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n'],
    ['a hex root', 'o\n5\n0a c5\n'],
    ['an empty extension line', `${SPEC_BODY}\n`],
    ['no final newline', SPEC_BODY.slice(0, -1)],
  ])('refuses a body with %s', (_what, body) => {
    expect(parseCheckpoint(body).ok).toBe(false);
  });
});

describe('C2SP tlog-cosignature (cosignature/v1, type 0x04)', () => {
  it('reads the timestamp of the example cosignature line and builds the signed message the specification shows', () => {
    const parsed = parseSignatureLine(SPEC_COSIGNATURE_LINE);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.value.signature.length).toBe(72);
    expect(cosignatureTimestamp(parsed.value.signature)).toBe(1679315147);
    expect(new TextDecoder().decode(cosignatureMessage(SPEC_BODY, 1679315147))).toBe(
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
  });

  it('cosigns, and verifies its own cosignature with the vkey; a changed body, timestamp or type-0x01 key fails', async () => {
    const seed = new Uint8Array(32).map((_, i) => i + 1);
    const publicKey = await ed25519PublicKeyOfSeed(seed);
    const name = 'witness.example/w1';
    const vkey = formatVerifierKey(name, SIGNATURE_TYPE.cosignatureV1, publicKey);
    const parsedKey = parseVerifierKey(vkey);
    if (!parsedKey.ok) throw new Error(parsedKey.problem);
    expect(keyIdHex(cosignatureKeyId(name, publicKey))).toBe(vkey.split('+')[1]);
    const { line, signature } = await cosign(SPEC_BODY, 1700000000, { name, publicKey, sign: (m) => ed25519SignWithSeed(seed, m) });
    expect(cosignatureTimestamp(signature.signature)).toBe(1700000000);
    const note = `${SPEC_BODY}\n${line}`;
    const opened = await openNote(note, [cosignatureVerifier(parsedKey.value)]);
    expect(opened.ok).toBe(true);
    expect((await openNote(note.replace('20852163', '20852164'), [cosignatureVerifier(parsedKey.value)])).ok).toBe(false);
    // The timestamp is signed: moving it breaks the signature.
    const moved = parseSignatureLine(line.trimEnd());
    if (!moved.ok) throw new Error(moved.problem);
    moved.value.signature[7] = moved.value.signature[7]! ^ 1;
    expect(await cosignatureVerifier(parsedKey.value).verify(new TextEncoder().encode(SPEC_BODY), moved.value.signature)).toBe(false);
    // The same key as a plain Ed25519 note key has another key ID, so it never matches a cosignature line.
    expect(formatVerifierKey(name, SIGNATURE_TYPE.ed25519, publicKey).split('+')[1]).not.toBe(vkey.split('+')[1]);
  });

  it('signs a checkpoint with the log key and carries a witness cosignature beside it in one note', async () => {
    const log = await parseSignerKey('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz');
    if (!log.ok) throw new Error(log.problem);
    const note = await signNote(SPEC_BODY, [log.value]);
    expect(note.startsWith(`${SPEC_BODY}\n— PeterNeumann `)).toBe(true);
  });
});

describe('C2SP tlog-witness add-checkpoint bodies', () => {
  it('reads the example request of the specification', () => {
    const body = [
      'old 20852014',
      'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=',
      'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=',
      '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=',
      '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=',
      '',
      'example.com/behind-the-sofa',
      '20852163',
      'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
      '',
      '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=',
      '',
    ].join('\n');
    const parsed = parseAddCheckpointRequest(body);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.value.oldSize).toBe(20852014);
    expect(parsed.value.proof).toHaveLength(4);
    expect(parsed.value.note.startsWith('example.com/behind-the-sofa\n')).toBe(true);
    expect(formatAddCheckpointRequest(parsed.value)).toBe(body);
  });

  it.each([
    ['no old line', 'example.com/log\n'],
    ['a leading zero in the old size', 'old 01\n\nnote'],
    ['a proof line that is not a hash', 'old 1\nAAAA\n\nnote'],
    ['64 proof lines', `old 1\n${'47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n'.repeat(64)}\nnote`],
    ['no blank line', 'old 1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='],
  ])('refuses a request with %s', (_what, body) => {
    expect(parseAddCheckpointRequest(body).ok).toBe(false);
  });
});

describe('plan logs', () => {
  it('gives each plan one origin under the ledger name, and reads only that spelling back', () => {
    expect(planLogOrigin('ledger.example', 'plan 1+2/3')).toBe('ledger.example/plans/plan%201%2B2%2F3');
    expect(planIdOfOrigin('ledger.example', 'ledger.example/plans/plan%201%2B2%2F3')).toBe('plan 1+2/3');
    expect(planIdOfOrigin('ledger.example', 'ledger.example/plans/a%2fb')).toBeUndefined();
    expect(planIdOfOrigin('ledger.example', 'other.example/plans/x')).toBeUndefined();
    expect(planIdOfOrigin('ledger.example', 'ledger.example/plans/')).toBeUndefined();
    expect(planIdOfOrigin('ledger.example', 'ledger.example/plans/%E0%A4%A')).toBeUndefined();
    expect(base64Decode('not base64!')).toBeUndefined();
  });
});
