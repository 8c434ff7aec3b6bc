import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalJson, chainHash, GENESIS_HASH } from '#integrity';
import { chainAppendBatch, prepareAppendBatch } from './append-batch.js';
import { InvalidEventError } from './event-store.js';

/** The store chains with node:crypto end to end; the verifier (and browsers) with the integrity lib's pure code. */
describe('the store\'s hash chain (issue 21: node:crypto does the hex and UTF-8 too)', () => {
  const awkward = prepareAppendBatch('plan-ü', [
    { eventId: '018f0000-0000-7000-8000-000000000001', type: 'PlanCreated', data: { title: 'Café — “quotes”, emoji 🧒🏽, CJK 児童', z: 1, a: [1.5, -0, 1e21, null, true] }, metadata: { actor: { id: 'ö', displayName: 'Zoë' } } },
    { eventId: '018F0000-0000-7000-8000-000000000002', type: 'ProgressRecorded', data: { '\u0000': 'nul key', '__proto__': 'an ordinary key', nested: { b: { c: 'line\nbreak\ttab\\' } } }, metadata: {} },
    { eventId: '018f0000-0000-7000-8000-000000000003', type: 'RagAssessed', data: {}, metadata: { big: 9007199254740991, small: 5e-324 } },
  ]);

  it('gives exactly the hashes the portable chainHash gives, link for link, from the genesis and from a head', () => {
    for (const head of [null, { revision: 41n, hash: 'c0ffee'.repeat(10) + 'beef' }]) {
      const chained = chainAppendBatch('plan-ü', head, awkward, '2026-12-01T16:00:00.000Z');
      let previous = head?.hash ?? GENESIS_HASH;
      chained.forEach((link, index) => {
        expect(link.previousHash).toBe(previous);
        expect(link.revision).toBe((head?.revision ?? -1n) + 1n + BigInt(index));
        expect(link.hash).toBe(chainHash(previous, { ...link, revision: Number(link.revision) }));
        previous = link.hash;
      });
    }
  });

  it('refuses to chain onto a head whose hash is not 64 lowercase hex characters', () => {
    for (const hash of ['C0FFEE'.repeat(10) + 'BEEF', 'zz'.repeat(32), 'ab'.repeat(31), '']) {
      expect(() => chainAppendBatch('plan-x', { revision: 0n, hash }, awkward, '2026-12-01T16:00:00.000Z')).toThrow(TypeError);
    }
  });
});

/**
 * Issue 21, round 4: the copying walk makes the RFC 8785 form of data and metadata as it copies, and the chain
 * assembles each link's canonical body from those parts. Both must be byte for byte what the integrity lib's
 * canonicalJson and chainHash (the verifiers' code) give, whatever the data.
 */
describe('the canonical forms made while copying (issue 21, round 4)', () => {
  const uuid = (n: number) => `018f0000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
  const jsonValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }).filter((text) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)),
      fc.array(tie('value'), { maxLength: 5 }),
      tie('object'),
    ),
    object: fc.dictionary(fc.oneof(fc.string({ unit: 'binary' }).filter((key) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(key)), fc.constantFrom('__proto__', 'constructor', 'toString', 'b', 'a', 'é', '\uFF01', '😀', '10', '9')), tie('value'), { maxKeys: 20 }),
  }));

  it('gives canonicalJson\'s bytes for data and metadata, and chainHash\'s hashes, for any JSON', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(jsonValue.object, jsonValue.object), { minLength: 1, maxLength: 4 }), (bodies) => {
        const given = bodies.map(([data, metadata], index) => ({ eventId: uuid(index + 1), type: 'ProgressRecorded', data: data as Record<string, unknown>, metadata: metadata as Record<string, unknown> }));
        const prepared = prepareAppendBatch('plan-1', given);
        prepared.forEach((event) => {
          expect(event.canonicalData).toBe(canonicalJson(event.data));
          expect(event.canonicalMetadata).toBe(canonicalJson(event.metadata));
          // The copy keeps the given key order: the store gives back what it was given.
          expect(JSON.stringify(event.data)).toBe(JSON.stringify(JSON.parse(JSON.stringify(given[prepared.indexOf(event)]!.data))));
          // Round 5: the stored JSON made by the walk is JSON.stringify's, byte for byte.
          expect(event.storedData).toBe(JSON.stringify(event.data));
          expect(event.storedMetadata).toBe(JSON.stringify(event.metadata));
        });
        const chained = chainAppendBatch('plan-1', { revision: 6n, hash: 'ab'.repeat(32) }, prepared, '2026-12-01T19:00:00.000Z');
        let previous = 'ab'.repeat(32);
        for (const link of chained) {
          expect(link.hash).toBe(chainHash(previous, { ...link, revision: Number(link.revision) }));
          previous = link.hash;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('orders keys by UTF-16 code units, past the insertion sort for large objects too, and keeps __proto__ an ordinary key', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7919) % 40}`, i]));
    const data = JSON.parse('{"\uFF01":1,"😀":2,"é":3,"B":4,"a":5,"__proto__":{"z":1,"y":[{"d":1,"c":2}]},"":6}') as Record<string, unknown>;
    const [event] = prepareAppendBatch('plan-1', [{ eventId: uuid(1), type: 'T', data: { ...data, many }, metadata: {} }]);
    expect(event!.canonicalData).toBe(canonicalJson(event!.data));
    expect(Object.keys(event!.data)).toEqual([...Object.keys(data), 'many']);
    expect(Object.prototype.hasOwnProperty.call(event!.data, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(event!.data)).toBe(Object.prototype);
  });

  it('copies deep data, and shares no object with the caller', () => {
    let deep: Record<string, unknown> = { leaf: 'bottom' };
    for (let i = 0; i < 200; i++) deep = { level: i, next: deep, list: [i] };
    const shared = { owner: 'Sue' };
    const given = { deep, a: shared, b: shared };
    const [event] = prepareAppendBatch('plan-1', [{ eventId: uuid(1), type: 'T', data: given, metadata: {} }]);
    expect(event!.data).toEqual(given);
    expect(event!.data.a).not.toBe(shared);
    expect(event!.canonicalData).toBe(canonicalJson(given));
  });

  it('refuses a cycle wherever it closes, naming where it first comes round', () => {
    const shallow: Record<string, unknown> = { name: 'loop' };
    shallow.self = shallow;
    let deep: Record<string, unknown> = { name: 'bottom' };
    const bottom = deep;
    for (let i = 0; i < 40; i++) deep = { next: deep };
    bottom.back = [deep];
    for (const [data, path] of [[shallow, 'data.self'], [{ wrapper: deep }, `data.wrapper${'.next'.repeat(40)}.back[0]`]] as const) {
      expect(() => prepareAppendBatch('plan-1', [{ eventId: uuid(1), type: 'T', data, metadata: {} }])).toThrow(new InvalidEventError(`event 0 of the batch for plan-1: ${path} refers back to itself (a cycle)`));
    }
  });

  it('refuses a lone surrogate, in a value or a key, as bad input with its path, and a sparse array', () => {
    const attempts: Array<[Record<string, unknown>, string]> = [
      [{ note: ['fine', 'Audit \uD800 booked'] }, 'data.note[1] holds a lone surrogate'],
      [{ nested: { 'key \uDC00': 1 } }, 'data.nested.key \uDC00 holds a lone surrogate'],
      // eslint-disable-next-line no-sparse-arrays
      [{ owners: ['Ann', , 'Bo'] }, 'data.owners[1] is undefined'],
    ];
    for (const [data, message] of attempts) {
      const error = (() => {
        try {
          prepareAppendBatch('plan-1', [{ eventId: uuid(1), type: 'T', data, metadata: {} }]);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as Error).message).toContain(message);
    }
  });

  // Issue 21, round 5: the store writes the walk's stored forms instead of calling JSON.stringify again; where
  // every object is sorted that is the canonical form's very string, elsewhere a string of its own.
  it("makes JSON.stringify's stored JSON as it copies: the canonical string where everything is sorted, its own where anything is not", () => {
    const sortedAll = { a: 1, b: [true, null, { c: 'x', d: -0 }], e: { f: 'é', g: {} } };
    const unsortedDeep = { a: 1, b: [true, null, { d: -0, c: 'x' }], e: { f: 'é', g: {} } };
    const unsortedTop = { z: 1, a: { b: 2, c: [3, { y: 1, x: 2 }] }, skipped: undefined, '10': 'integer-like keys come first', '9': 'in number order' };
    const arrays = [[1, { b: 1, a: 2 }, 'after'], [{ a: 1 }, [{ d: 1, c: 2 }], { a: [{ b: 1 }, { z: 1, y: 2 }] }]];
    const prepared = prepareAppendBatch('plan-1', [
      { eventId: uuid(1), type: 'T', data: sortedAll, metadata: unsortedTop },
      { eventId: uuid(2), type: 'T', data: unsortedDeep, metadata: { list: arrays } },
      { eventId: uuid(3), type: 'T', data: { ...(JSON.parse('{"__proto__":[{"b":1,"a":0}],"x":1}') as Record<string, unknown>), a: undefined }, metadata: {} },
    ]);
    prepared.forEach((event) => {
      expect(event.storedData).toBe(JSON.stringify(event.data));
      expect(event.storedMetadata).toBe(JSON.stringify(event.metadata));
      expect(event.canonicalData).toBe(canonicalJson(event.data));
      expect(event.canonicalMetadata).toBe(canonicalJson(event.metadata));
    });
    expect(prepared[0]!.storedData).toBe(prepared[0]!.canonicalData);
    expect(prepared[0]!.storedMetadata).not.toBe(prepared[0]!.canonicalMetadata);
    expect(prepared[0]!.storedMetadata).toBe('{"9":"in number order","10":"integer-like keys come first","z":1,"a":{"b":2,"c":[3,{"y":1,"x":2}]}}');
    expect(prepared[1]!.storedData).toBe('{"a":1,"b":[true,null,{"d":0,"c":"x"}],"e":{"f":"é","g":{}}}');
    // The chain carries them to the insert, and hashes the canonical forms as before.
    const [link] = chainAppendBatch('plan-1', null, prepared, '2026-12-01T22:00:00.000Z');
    expect([link!.storedData, link!.storedMetadata]).toEqual([prepared[0]!.storedData, prepared[0]!.storedMetadata]);
    expect(link!.hash).toBe(chainHash(GENESIS_HASH, { ...link!, revision: 0 }));
  });

  // Issue 21, round 7: a key's quoted member start ('"key":', ',"key":') is made once per key and kept, up to a
  // bound on how many keys and how long a key. Kept or not, and first or later in an object, sorted or not, every
  // form must stay canonicalJson's and JSON.stringify's bytes.
  it('gives the same bytes for keys whose member start is kept, made afresh past the bound, or too long to keep', () => {
    const awkwardKeys = ['"', '\\', '\u0000', '\u001f', 'a"b', 'line\nbreak', 'é', '\uFF01', '😀', '', '10', '9', ...Object.getOwnPropertyNames(Object.prototype)];
    const longKeys = ['k'.repeat(64), 'k"'.repeat(40), `é\n${'x'.repeat(300)}`];
    // More distinct keys than are ever kept, so that later ones (some needing escapes) are made afresh every time.
    const manyKeys = [...Array.from({ length: 3000 }, (_, i) => `field${(i * 7919) % 3000}`), ...awkwardKeys.map((key) => `late ${key}"\\`)];
    const objectOf = (keys: readonly string[], value: (i: number) => unknown) => {
      const object: Record<string, unknown> = {};
      keys.forEach((key, i) => Object.defineProperty(object, key, { value: value(i), enumerable: true, writable: true, configurable: true }));
      return object;
    };
    const bodies = [
      objectOf(awkwardKeys, (i) => ({ nested: i, [awkwardKeys[i]!]: [i, 'x'] })),
      objectOf([...awkwardKeys].sort(), (i) => i % 2 === 0 ? i : { b: i, a: 'é' }),
      objectOf(longKeys, (i) => objectOf([...longKeys].reverse(), () => i)),
      objectOf(manyKeys, (i) => (i % 3 === 0 ? { [manyKeys[i]!]: i } : i)),
      objectOf([...manyKeys].sort(), (i) => i),
    ];
    // Twice: the first pass keeps what it may, the second finds it kept (or not, past the bound).
    for (let pass = 0; pass < 2; pass++) {
      const prepared = prepareAppendBatch('plan-1', bodies.map((data, i) => ({ eventId: uuid(i + 1), type: 'T', data, metadata: bodies[(i + 1) % bodies.length]! })));
      prepared.forEach((event, i) => {
        expect(event.canonicalData).toBe(canonicalJson(bodies[i]!));
        expect(event.storedData).toBe(JSON.stringify(bodies[i]));
        expect(event.canonicalMetadata).toBe(canonicalJson(bodies[(i + 1) % bodies.length]!));
        expect(event.storedMetadata).toBe(JSON.stringify(bodies[(i + 1) % bodies.length]));
      });
    }
    // A key with a lone surrogate is still refused with its path, however often the keys around it were seen.
    expect(() => prepareAppendBatch('plan-1', [{ eventId: uuid(1), type: 'T', data: { '"': 1, 'x\uD800': 2 }, metadata: {} }])).toThrow('data.x\uD800 holds a lone surrogate');
  });

  // Issue 21, round 7: one walk per batch, its ancestors and path reused from event to event. What an earlier event
  // left deeper in them must neither make a shared object look like a cycle nor show in a later event's error.
  it('walks each event of a batch afresh: no cycle seen in what an earlier event shared, errors at the right event and path', () => {
    let deep: Record<string, unknown> = { leaf: 'bottom' };
    for (let i = 0; i < 45; i++) deep = { level: i, next: deep };
    const wrap = (levels: number, inner: unknown) => {
      let value = inner;
      for (let i = 0; i < levels; i++) value = { down: value };
      return value as Record<string, unknown>;
    };
    // The same deep object in every event, at the same depth and at others, and twice in one event side by side.
    const given = [wrap(3, deep), { a: wrap(3, deep), b: wrap(3, deep) }, wrap(1, deep), { shallow: true }, wrap(5, { x: deep, y: [deep] })];
    const prepared = prepareAppendBatch('plan-1', given.map((data, i) => ({ eventId: uuid(i + 1), type: 'T', data, metadata: { deep: wrap(2, deep) } })));
    prepared.forEach((event, i) => {
      expect(event.canonicalData).toBe(canonicalJson(given[i]!));
      expect(event.storedData).toBe(JSON.stringify(given[i]));
      expect(event.data).toEqual(given[i]);
    });
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = { again: cycle };
    const attempts: Array<[Array<Record<string, unknown>>, string]> = [
      [[wrap(3, deep), wrap(40, { loop: cycle })], `event 1 of the batch for plan-1: data${'.down'.repeat(40)}.loop.self.again refers back to itself (a cycle)`],
      [[wrap(50, { fine: 1 }), { note: 'x', list: ['ok', 'bad \uD800'] }], 'event 1 of the batch for plan-1: data.list[1] holds a lone surrogate'],
      [[wrap(50, { fine: 1 }), { n: 1 }, { top: { at: NaN } }], 'event 2 of the batch for plan-1: data.top.at is NaN'],
    ];
    for (const [datas, message] of attempts) {
      expect(() => prepareAppendBatch('plan-1', datas.map((data, i) => ({ eventId: uuid(i + 1), type: 'T', data, metadata: {} })))).toThrow(message);
    }
  });

  it('canonicalises an event that was not prepared here (no canonical forms) when it is chained', () => {
    const bare = { eventId: uuid(1), type: 'T', data: { b: 1, a: [2, { d: 3, c: 4 }] }, metadata: { z: 'x' } };
    const [prepared] = prepareAppendBatch('plan-1', [bare]);
    const [fromBare] = chainAppendBatch('plan-1', null, [bare], '2026-12-01T19:00:00.000Z');
    const [fromPrepared] = chainAppendBatch('plan-1', null, [prepared!], '2026-12-01T19:00:00.000Z');
    expect(fromBare!.hash).toBe(fromPrepared!.hash);
    expect(fromBare!.hash).toBe(chainHash(GENESIS_HASH, { ...fromBare!, revision: 0 }));
  });
});
