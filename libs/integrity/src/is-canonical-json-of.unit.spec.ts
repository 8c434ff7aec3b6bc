/**
 * isCanonicalJsonOf(value, text) must answer exactly as `canonicalJson(value) === text` does, or throw the same error:
 * the verifier's state check rests on it. Compared both ways on canonical texts, on texts edited anywhere, and on
 * values canonicalJson treats specially (members it leaves out, toJSON, -0, holes, hostile keys). endOfCanonicalJson, which
 * it rests on and the bundle's reading of each event line uses, must say where canonicalJson(value) ends in a text that
 * holds it at an offset, and -1 whenever the text does not hold it there or canonicalJson would throw.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalJson, endOfCanonicalJson, isCanonicalJsonOf } from './canonical-json.js';

type Answer = { equal: boolean } | { error: string };

function plainAnswer(value: unknown, text: string): Answer {
  try {
    return { equal: canonicalJson(value) === text };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function answer(value: unknown, text: string): Answer {
  try {
    return { equal: isCanonicalJsonOf(value, text) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** What endOfCanonicalJson must answer: where canonicalJson(value) ends when the text holds it at start, else -1. */
function expectedEnd(value: unknown, text: string, start: number): number {
  try {
    const canonical = canonicalJson(value);
    return text.startsWith(canonical, start) ? start + canonical.length : -1;
  } catch {
    return -1;
  }
}

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** An object whose own keys are every Object.prototype name (and "__proto__" as an own member), each a value. */
function hostileRecord(): Record<string, unknown> {
  const record: Record<string, unknown> = JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
  PROTOTYPE_NAMES.filter((name) => name !== '__proto__').forEach((name, i) => {
    record[name] = i % 2 ? name : { [name]: [i, null, name] };
  });
  return record;
}

describe('isCanonicalJsonOf', () => {
  it('agrees with comparing canonicalJson for any JSON value and its canonical text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(isCanonicalJsonOf(value, text)).toBe(true);
        expect(isCanonicalJsonOf(JSON.parse(text), text)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with comparing canonicalJson when the text is edited anywhere or the value differs', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.nat(), fc.nat(3), fc.string({ minLength: 0, maxLength: 3, unit: 'binary' }), (value, other, at, removed, inserted) => {
        const text = canonicalJson(value);
        const i = at % (text.length + 1);
        const edited = text.slice(0, i) + inserted + text.slice(i + removed);
        expect(answer(value, edited)).toEqual(plainAnswer(value, edited));
        expect(answer(other, text)).toEqual(plainAnswer(other, text));
        // Not canonical: the same data in another layout (JSON.stringify's key order, indented).
        const loose = JSON.stringify(value, null, 1);
        expect(answer(value, loose)).toEqual(plainAnswer(value, loose));
      }),
      { numRuns: 1500 },
    );
  });

  it('follows canonicalJson for members it leaves out or writes as null, toJSON, -0 and other special values', () => {
    const date = new Date(Date.UTC(2012, 6, 30));
    class Point {
      constructor(
        readonly x: number,
        readonly y?: number,
      ) {}
    }
    const cases: [unknown, string][] = [
      [{ a: 1, b: undefined, c: () => 1, d: Symbol('d') }, '{"a":1}'],
      [{ a: 1, b: undefined }, '{"a":1,"b":null}'],
      [[1, undefined, () => 1, Symbol('s')], '[1,null,null,null]'],
      // eslint-disable-next-line no-sparse-arrays
      [[1, , 3], '[1,null,3]'],
      [[1, undefined], '[1]'],
      [-0, '0'],
      [{ z: -0 }, '{"z":0}'],
      [date, JSON.stringify(date.toISOString())],
      [{ when: date }, `{"when":${JSON.stringify(date.toISOString())}}`],
      [{ when: date.toISOString() }, `{"when":${JSON.stringify(date.toISOString())}}`],
      [{ toJSON: () => ({ a: 1 }) }, '{"a":1}'],
      [{ toJSON: 'not a function' }, '{"toJSON":"not a function"}'],
      [new Point(1), '{"x":1}'],
      [new Point(1, 2), '{"x":1,"y":2}'],
      [new Map([['a', 1]]), '{}'],
      [Object.assign(Object.create(null) as object, { b: 2, a: 1 }), '{"a":1,"b":2}'],
      [new String('ab'), '"ab"'],
      [new String('ab'), '{"0":"a","1":"b"}'],
      [Number.NaN, 'null'],
      [{ n: Number.POSITIVE_INFINITY }, '{"n":null}'],
      [10n, '10'],
      ['\ud800', '"\\ud800"'],
      ['\ud83d\ude00', '"\ud83d\ude00"'],
      ['\ud83d\ude00', '"\\ud83d\\ude00"'],
      ['\\ud800', '"\\\\ud800"'],
      ['a\u2028b', '"a\u2028b"'],
      ['\u0000\u001f"\\', JSON.stringify('\u0000\u001f"\\')],
      [{ b: 1, a: 2 }, '{"b":1,"a":2}'],
      [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
      [{ 10: 'x', 9: 'y' }, '{"9":"y","10":"x"}'],
      [{ 10: 'x', 9: 'y' }, '{"10":"x","9":"y"}'],
      [{ a: 1 }, '{"a":1,"a":1}'],
      [{ a: 1 }, '\ufeff{"a":1}'],
      [{ a: 1 }, ' {"a":1}'],
      [{ a: 1.5 }, '{"a":15e-1}'],
      [{ a: 1 }, '{"a":1.0}'],
      [[], '[]'],
      [{}, '{}'],
      [{}, '[]'],
      [[], '{}'],
      [null, 'null'],
      [undefined, 'null'],
      ['x', '"x"'],
      [true, 'true'],
      [1, '1'],
      [1, '"1"'],
      [{ a: [{ b: [1, { c: 'd' }] }] }, '{"a":[{"b":[1,{"c":"d"}]}]}'],
      [{ a: [{ b: [1, { c: 'd' }] }] }, '{"a":[{"b":[1,{"c":"e"}]}]}'],
    ];
    for (const [value, text] of cases) expect([value, text, answer(value, text)]).toEqual([value, text, plainAnswer(value, text)]);
    expect(cases.filter(([value, text]) => answer(value, text).hasOwnProperty('equal') && (answer(value, text) as { equal: boolean }).equal).length).toBeGreaterThan(25);
  });

  it('reads every Object.prototype name as an ordinary key, an own "__proto__" included', () => {
    const record = hostileRecord();
    const text = canonicalJson(record);
    expect(text).toContain('"__proto__":{"polluted":true}');
    expect(isCanonicalJsonOf(record, text)).toBe(true);
    expect(isCanonicalJsonOf(JSON.parse(text), text)).toBe(true);
    for (const name of [...PROTOTYPE_NAMES, '__proto__']) {
      // The same record with one member gone or changed is not that text; nor is the text with a member gone.
      const without = JSON.parse(text) as Record<string, unknown>;
      delete without[name];
      expect(answer(without, text)).toEqual({ equal: false });
      const changed = JSON.parse(text) as Record<string, unknown>;
      changed[name] = 'changed';
      expect(answer(changed, text)).toEqual({ equal: false });
      const shorter = canonicalJson(without);
      expect(answer(record, shorter)).toEqual({ equal: false });
      expect(answer(without, shorter)).toEqual({ equal: true });
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('finds where the canonical form ends inside a longer text, and nowhere else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), fc.nat(), fc.nat(3), fc.string({ minLength: 0, maxLength: 3, unit: 'binary' }), (value, other, before, after, at, removed, inserted) => {
        const text = `${before}${canonicalJson(value)}${after}`;
        expect(endOfCanonicalJson(value, text, before.length)).toBe(before.length + canonicalJson(value).length);
        expect(endOfCanonicalJson(other, text, before.length)).toBe(expectedEnd(other, text, before.length));
        const i = at % (text.length + 1);
        const edited = text.slice(0, i) + inserted + text.slice(i + removed);
        expect(endOfCanonicalJson(value, edited, before.length)).toBe(expectedEnd(value, edited, before.length));
      }),
      { numRuns: 1500 },
    );
  });

  it('ends where canonicalJson ends for the values it treats specially, and gives -1 where canonicalJson throws', () => {
    const hostile = hostileRecord();
    const values: unknown[] = [
      { a: 1, b: undefined, c: () => 1 },
      [1, undefined, () => 1],
      -0,
      { 10: 'x', 9: 'y' },
      { toJSON: () => ({ b: 1, a: [2] }) },
      new Map([['a', 1]]),
      'quote " backslash \\ tab \t line \u2028 pair \ud83d\ude00',
      { 'k"ey': 1, 'k\\ey': 2, 'k\u0001ey': 3, '\ud83d\ude00': 4 },
      hostile,
    ];
    for (const value of values) {
      const text = `[${canonicalJson(value)},0]`;
      expect(endOfCanonicalJson(value, text, 1)).toBe(text.length - 3);
      expect(endOfCanonicalJson(value, text.slice(0, -4), 1)).toBe(-1);
    }
    for (const thrower of [Number.NaN, 10n, '\ud800', { a: '\udc00' }, { '\ud800': 1 }, undefined, () => 1]) {
      expect(() => canonicalJson(thrower)).toThrow();
      expect(endOfCanonicalJson(thrower, 'null', 0)).toBe(-1);
      expect(endOfCanonicalJson(thrower, '"\\ud800"', 0)).toBe(-1);
    }
    // A hostile key must be read as the record's own member, never found on Object.prototype.
    const without = { ...hostile } as Record<string, unknown>;
    Reflect.deleteProperty(without, 'toString');
    expect(endOfCanonicalJson(without, canonicalJson(hostile), 0)).toBe(-1);
    expect(endOfCanonicalJson({ constructor: 1 }, '{}', 0)).toBe(-1);
    expect(endOfCanonicalJson({}, '{"constructor":1}', 0)).toBe(-1);
  });
});
