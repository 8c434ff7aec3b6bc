import { describe, expect, it } from '@jest/globals';
import { copyDictionary, dictionary, own, setOwn } from './dictionary.js';

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

describe('copyDictionary', () => {
  it('copies every own entry of a record keyed by every Object.prototype name, in order, into a record without a prototype', () => {
    const record = dictionary<number>();
    PROTOTYPE_NAMES.forEach((name, i) => setOwn(record, name, i));
    setOwn(record, 'after', -1);
    const copy = copyDictionary(record);
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect(Object.keys(copy)).toEqual([...PROTOTYPE_NAMES, 'after']);
    PROTOTYPE_NAMES.forEach((name, i) => {
      expect(Object.getOwnPropertyDescriptor(copy, name)).toEqual({ value: i, writable: true, enumerable: true, configurable: true });
    });
    expect(own(copy, 'after')).toBe(-1);
  });

  it('copies a record that came back from JSON.parse, `__proto__` included, without bringing Object.prototype back', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "toString": 2, "b": 3, "a": 4}') as Record<string, unknown>;
    const copy = copyDictionary(parsed);
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect(Object.keys(copy)).toEqual(['__proto__', 'constructor', 'toString', 'b', 'a']);
    expect(own(copy, '__proto__')).toEqual({ polluted: true });
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(own(copy, 'constructor')).toBe(1);
  });

  it('is a copy: adding to it leaves the record it was made from alone, and the values are the same objects', () => {
    const value = { id: 'x' };
    const record = dictionary([['x', value]]);
    const copy = copyDictionary(record);
    setOwn(copy, 'y', { id: 'y' });
    expect(Object.keys(record)).toEqual(['x']);
    expect(own(copy, 'x')).toBe(value);
  });

  it('keeps integer-like keys in the order Object.keys gives them, as the copy it replaced (Object.entries) did', () => {
    const record = dictionary<string>([['b', 'b'], ['2', 'two'], ['a', 'a'], ['1', 'one']]);
    expect(Object.entries(copyDictionary(record))).toEqual(Object.entries(record));
  });
});
