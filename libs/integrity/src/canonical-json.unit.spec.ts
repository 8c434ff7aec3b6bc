/**
 * RFC 8785 conformance. The input/output pairs in ../shared/test-vectors/rfc8785/ come from
 * cyberphone/json-canonicalization (https://github.com/cyberphone/json-canonicalization), the RFC
 * author's reference implementations (licence: ../shared/test-vectors/rfc8785/LICENSE-json-canonicalization).
 * The number table is RFC 8785 Appendix B.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalBytes, canonicalJson } from './canonical-json.js';

// Tests run with cwd = the repo root; the shared vectors sit beside the repo (locally and in CI).
const vectorsDir = path.resolve(process.cwd(), '../shared/test-vectors/rfc8785');
const vectorNames = readdirSync(path.join(vectorsDir, 'input'))
  .filter((name) => name.endsWith('.json'))
  .sort();

function numberFromIeee754Hex(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

describe('canonicalJson against the RFC 8785 reference vectors', () => {
  it('finds every vector the reference implementation ships, each with its expected output', () => {
    expect(vectorNames).toEqual(['arrays.json', 'french.json', 'structures.json', 'unicode.json', 'values.json', 'weird.json']);
    expect(readdirSync(path.join(vectorsDir, 'output')).sort()).toEqual(vectorNames);
  });

  it.each(vectorNames)('canonicalises %s to exactly the bytes of the reference output', (name) => {
    const input: unknown = JSON.parse(readFileSync(path.join(vectorsDir, 'input', name), 'utf8'));
    const expected = readFileSync(path.join(vectorsDir, 'output', name));

    const actual = Buffer.from(canonicalBytes(input));

    // The string comparison gives a readable diff; the byte comparison is the actual requirement.
    expect(actual.toString('utf8')).toBe(expected.toString('utf8'));
    expect(actual.equals(expected)).toBe(true);
  });
});

describe('canonicalJson numbers (RFC 8785 Appendix B)', () => {
  const table: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];

  it.each(table)('serialises the IEEE 754 value 0x%s as %s', (bits, expected) => {
    expect(canonicalJson(numberFromIeee754Hex(bits))).toBe(expected);
  });

  it.each([
    ['NaN', '7fffffffffffffff'],
    ['Infinity', '7ff0000000000000'],
    ['-Infinity', 'fff0000000000000'],
  ])('refuses %s, which JSON cannot represent', (_name, bits) => {
    expect(() => canonicalJson(numberFromIeee754Hex(bits))).toThrow(TypeError);
  });
});

describe('canonicalJson outside the vectors', () => {
  it('sorts keys by UTF-16 code units, not by code point or locale', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB33 in UTF-16 but after it by code point.
    expect(canonicalJson({ '\uFB33': 1, '\u{1F600}': 2, '\u00E9': 3, z: 4 })).toBe('{"z":4,"\u00E9":3,"\u{1F600}":2,"\uFB33":1}');
  });

  it('refuses a lone surrogate in a value or a key, as RFC 8785 requires', () => {
    expect(() => canonicalJson('broken \uD800 text')).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ ['\uDC00']: 1 })).toThrow(/lone surrogate/);
    expect(() => canonicalJson(['\uD83D'])).toThrow(/lone surrogate/);
    expect(canonicalJson('\uD83D\uDE00')).toBe('"😀"');
  });

  it('writes array holes and undefined members as null, as JSON.stringify does', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    expect(canonicalJson(sparse)).toBe('[1,null,3]');
    expect(canonicalJson([undefined, () => 1])).toBe('[null,null]');
  });

  it('omits object members whose value is undefined', () => {
    expect(canonicalJson({ b: undefined, a: 1 })).toBe('{"a":1}');
  });

  it('uses toJSON, so a Date becomes its ISO string', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)) })).toBe('{"at":"2025-01-02T03:04:05.006Z"}');
  });

  it('refuses a bigint rather than guess a representation', () => {
    expect(() => canonicalJson({ revision: 1n })).toThrow(/bigint/);
  });

  it('writes every string exactly as JSON.stringify does, escapes and all', () => {
    const awkward = ['', 'plain', 'say "hi"', 'back\\slash', 'tab\tnew\nline', '\u0000\u001f\u007f', '\u2028\u2029', 'é€😀', '</script>'];
    for (const text of awkward) {
      expect(canonicalJson(text)).toBe(JSON.stringify(text));
      expect(canonicalJson({ [text]: text })).toBe(`{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
    }
    for (let code = 0; code < 0xd800; code++) {
      const text = `a${String.fromCharCode(code)}b`;
      expect(canonicalJson(text)).toBe(JSON.stringify(text));
    }
  });

  it('encodes the canonical form as UTF-8 without a byte order mark', () => {
    expect(Buffer.from(canonicalBytes({ '€': 'ö' })).toString('hex')).toBe('7b22e282ac223a22c3b6227d');
  });
});
