import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { upcastPlanEvent } from '#domain';
import { bytesToHex, canonicalJson, chainHash } from '#integrity';
import type { BundleEventLine } from './bundle-format.js';
import { bundleEventLine, lineObject, parseBundleEvents, parseBundleEventsByLine, parseWellFormedText, planEventsOfLines, type StoredEventRecord } from './bundle-events.js';
import { testPlanEvents } from './testing/bundle-test-plan.js';

const LINES = testPlanEvents().map(bundleEventLine);
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const file = (lines: readonly string[]) => utf8(`${lines.join('\n')}\n`);
const withLine = (i: number, line: string) => file(LINES.map((l, j) => (j === i ? line : l)));
const bytesWithLine = (i: number, bytes: Uint8Array) => Buffer.concat([utf8(LINES.slice(0, i).map((l) => `${l}\n`).join('')), bytes, utf8(`\n${LINES.slice(i + 1).map((l) => `${l}\n`).join('')}`)]);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** The first line holding `text` (the tests edit a line with a known string in it). */
const lineWith = (text: string) => {
  const i = LINES.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`No line holds ${text}`);
  return i;
};
const AUDIT = lineWith('Audit Manager');
const NOTE = lineWith('Draft guidance circulated');

// Each is refused, and must be refused with the same words whichever way the file is read.
const HOSTILE: [string, Uint8Array][] = [
  ['an empty file', new Uint8Array(0)],
  ['no final newline', utf8(LINES.join('\n'))],
  ['a blank line', file([LINES[0]!, '', ...LINES.slice(1)])],
  ['a byte-order mark before the first line', Buffer.concat([BOM, file(LINES)])],
  ['a byte-order mark before the third line', bytesWithLine(2, Buffer.concat([BOM, utf8(LINES[2]!)]))],
  ['a line that is not JSON', withLine(1, '{"revision":1,')],
  ['a line with keys out of order', withLine(1, JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(LINES[1]!) as object).reverse())))],
  ['a line with a space after a colon', withLine(1, LINES[1]!.replace('":', '": '))],
  ['a line with an escaped character canonical JSON writes as itself', withLine(AUDIT, LINES[AUDIT]!.replace('Audit Manager', 'Audit Man\\u0061ger'))],
  ['invalid UTF-8 inside a string', bytesWithLine(3, Buffer.concat([utf8(LINES[3]!.slice(0, 40)), Buffer.from([0xc3, 0x28]), utf8(LINES[3]!.slice(40))]))],
  ['an overlong UTF-8 encoding', bytesWithLine(3, Buffer.concat([utf8(LINES[3]!.slice(0, 40)), Buffer.from([0xc1, 0xa1]), utf8(LINES[3]!.slice(42))]))],
  ['a lone surrogate escape', withLine(2, LINES[2]!.replace('"type":"', '"type":"\\ud800'))],
  ['a line that is not an event line', withLine(0, '{"revision":0}')],
  ['effectiveAt that disagrees with the metadata', withLine(4, canonicalJson({ ...(JSON.parse(LINES[4]!) as object), effectiveAt: '1999-01-01T00:00:00.000Z' }))],
  ['an actor the metadata does not name', withLine(6, canonicalJson({ ...(JSON.parse(LINES[6]!) as object), actor: { name: 'Someone else' } }))],
  ['a carriage return before the newline', utf8(`${LINES.join('\r\n')}\r\n`)],
  ['a space after the closing brace (JSON.parse takes it)', withLine(1, `${LINES[1]!} `)],
  ['a space before the opening brace', withLine(1, ` ${LINES[1]!}`)],
  ['a number written as canonical JSON does not (1.0 for 1)', withLine(1, LINES[1]!.replace(/"revision":1,/, '"revision":1.0,'))],
  ['a number written with an exponent', withLine(1, LINES[1]!.replace(/"revision":1,/, '"revision":1e0,'))],
  ['a member written twice (JSON.parse keeps the last)', withLine(1, LINES[1]!.replace('"type":', '"type":"Duplicate","type":'))],
];

describe('bundleEventLine', () => {
  it('writes each line as canonicalJson writes the line as an object, whatever the metadata holds', () => {
    const events = testPlanEvents() as StoredEventRecord[];
    const odd: Record<string, unknown>[] = [
      {},
      { actor: null },
      { actor: ['not', 'an', 'object'] },
      { actor: { id: 'x', displayName: 'Café – “quoted” \\ \u0001 \ud83d\ude00' }, effectiveAt: 42 },
      { effectiveAt: '2010-01-01T00:00:00.000Z', zeta: 1, alpha: { b: [1, 2.5, -0, 1e21], a: 'x' } },
    ];
    const variants = [
      ...events,
      ...odd.map((metadata, i) => ({ ...events[i % events.length]!, metadata })),
      { ...events[1]!, revision: 7n },
      { ...events[2]!, data: { '10': 1, '9': 2, b: { d: true, c: null } } },
    ];
    for (const event of variants) expect(bundleEventLine(event)).toBe(canonicalJson(lineObject(event)));
  });
});

describe('parseBundleEvents', () => {
  it('reads a well-formed file exactly as the line-by-line reading does', () => {
    const bytes = file(LINES);
    const parsed = parseBundleEvents(bytes);
    expect(parsed.ok).toBe(true);
    expect(parsed).toEqual(parseBundleEventsByLine(bytes));
    if (parsed.ok) expect(parsed.lines.map((l) => canonicalJson(l))).toEqual(LINES);
  });

  it('reads lines holding every kind of character canonical JSON writes as itself, or escapes', () => {
    const awkward = 'Café – “quoted” \\ back\tslash\u0001 \u2028 \ud83d\ude00 <script>';
    const lines = LINES.map((l, i) => (i === NOTE ? l.replace('Draft guidance circulated', canonicalJson(awkward).slice(1, -1)) : l));
    expect(lines[NOTE]).not.toBe(LINES[NOTE]);
    const bytes = file(lines);
    // The line's hash no longer holds (the chain check says so), but it is still a canonical event line.
    expect(parseBundleEvents(bytes)).toEqual(parseBundleEventsByLine(bytes));
    expect(parseBundleEvents(bytes).ok).toBe(true);
  });

  for (const [what, bytes] of HOSTILE) {
    it(`refuses ${what}, naming the line as the line-by-line reading does`, () => {
      const parsed = parseBundleEvents(bytes);
      expect(parsed.ok).toBe(false);
      expect(parsed).toEqual(parseBundleEventsByLine(bytes));
    });
  }

  it('reads a good file in one pass, giving each line the hash the chain formula gives its content', () => {
    const bytes = file(LINES);
    const fast = parseWellFormedText(bytes);
    expect(fast).toBeDefined();
    expect(fast).toEqual(parseBundleEventsByLine(bytes));
    if (fast?.ok) {
      expect(fast.recomputedHashes.map(bytesToHex)).toEqual(fast.lines.map((l) => chainHash(l.previousHash, l)));
      // Untampered lines: what each line's content gives is the hash it carries.
      expect(fast.recomputedHashes.map(bytesToHex)).toEqual(fast.lines.map((l) => l.hash));
    }
  });

  it('finds the chain body in lines whose data holds the names of the members it leaves out', () => {
    // Strings and keys inside data that look like the line's own members must not move where the body is cut.
    const tricky = { note: ',"effectiveAt":"x","eventId":"y","hash":"z","metadata":{}', '"previousHash"': { hash: 'a'.repeat(64), actor: null }, eventId: 'inner' };
    const lines = LINES.map((l, i) => (i === NOTE ? canonicalJson({ ...(JSON.parse(l) as Record<string, unknown>), data: { ...(JSON.parse(l) as { data: object }).data, ...tricky } }) : l));
    const nonAscii = LINES.map((l, i) => (i === AUDIT ? l.replace('Audit Manager', 'Audit Manager – ☃ \u{1F600}') : l));
    for (const edited of [lines, nonAscii]) {
      const bytes = file(edited);
      const fast = parseWellFormedText(bytes);
      expect(fast).toBeDefined();
      expect(fast).toEqual(parseBundleEventsByLine(bytes));
    }
  });

  const REFUSED_IN_ONE_PASS: [string, Uint8Array][] = [
    ['a record with an own "__proto__" member', withLine(1, LINES[1]!.replace('"data":{', '"data":{"__proto__":{"x":1},'))],
    ['a line with a member too many', withLine(1, LINES[1]!.replace('"type":', '"typo":1,"type":'))],
    ['a revision that is not a safe integer', withLine(1, LINES[1]!.replace(/"revision":\d+/, '"revision":9007199254740993'))],
  ];
  for (const [what, bytes] of REFUSED_IN_ONE_PASS) {
    it(`leaves ${what} to the line-by-line reading, which decides`, () => {
      expect(parseWellFormedText(bytes)).toBeUndefined();
      expect(parseBundleEvents(bytes)).toEqual(parseBundleEventsByLine(bytes));
    });
  }

  for (const [what, bytes] of HOSTILE) {
    it(`does not read ${what} in one pass`, () => {
      expect(parseWellFormedText(bytes)).toBeUndefined();
    });
  }

  it('reads any data as the line-by-line reading does, and never accepts in one pass what that reading refuses', () => {
    const base = JSON.parse(LINES[NOTE]!) as Record<string, unknown> & { data: Record<string, unknown> };
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.string({ minLength: 1, maxLength: 3, unit: 'binary' }), (value, at, inserted) => {
        const line = canonicalJson({ ...base, data: { ...base.data, note: value } });
        const good = withLine(NOTE, line);
        const fast = parseWellFormedText(good);
        expect(fast).toEqual(parseBundleEventsByLine(good));
        // The same line with a few characters put in anywhere: whatever the one pass says, it is what the other says.
        const cut = at % (line.length + 1);
        const edited = withLine(NOTE, `${line.slice(0, cut)}${inserted}${line.slice(cut)}`);
        const once = parseWellFormedText(edited);
        const byLine = parseBundleEventsByLine(edited);
        if (once !== undefined) expect(once).toEqual(byLine);
        expect(parseBundleEvents(edited)).toEqual(byLine);
      }),
      { numRuns: 300 },
    );
  });
});

/** Every name Object.prototype holds: ids an attacker will send. */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** Edits of one value of a line (a string, a number, an object), each as a label and the edited value. */
function* hostileEdits(value: unknown, where: string): Generator<[string, unknown]> {
  if (typeof value === 'string') {
    for (const name of PROTOTYPE_NAMES) yield [`${where} = ${name}`, name];
    yield [`${where} padded`, ` ${value} `];
    yield [`${where} empty`, ''];
    yield [`${where} NUL`, `${value}\u0000`];
    yield [`${where} lone surrogate`, `${value}\uD800`];
    yield [`${where} long`, value.padEnd(20_001, 'x')];
    yield [`${where} not a date`, '2012-02-30'];
    yield [`${where} a number`, 7];
    yield [`${where} null`, null];
    return;
  }
  if (typeof value === 'number') {
    for (const other of [-1, 0, 1.5, 1e300, '1', null]) yield [`${where} = ${String(other)}`, other];
    return;
  }
  if (Array.isArray(value)) {
    yield [`${where} emptied`, []];
    yield [`${where} + a number`, [...value, 3]];
    for (const [i, element] of value.entries()) for (const [label, edited] of hostileEdits(element, `${where}[${i}]`)) yield [label, value.map((e, j) => (j === i ? edited : e))];
    return;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    yield [`${where} reversed`, Object.fromEntries([...keys].reverse().map((key) => [key, record[key]]))];
    yield [`${where} + __proto__`, JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(record).slice(1)}`.replace(/,}$/, '}'))];
    for (const name of ['constructor', 'toString', 'unknown']) yield [`${where} + ${name}`, { ...record, [name]: 'x' }];
    for (const key of keys) {
      const { [key]: _dropped, ...rest } = record;
      yield [`${where}.${key} missing`, rest];
      for (const [label, edited] of hostileEdits(record[key], `${where}.${key}`)) yield [label, { ...record, [key]: edited }];
    }
  }
}

/** What reading the lines gives: the events as JSON, or the words the verifier's replay check prints. */
function readingOf(lines: BundleEventLine[], upcast?: typeof upcastPlanEvent): { json: string } | { error: string } {
  try {
    return { json: JSON.stringify(upcast ? planEventsOfLines(lines, upcast) : planEventsOfLines(lines)) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('planEventsOfLines', () => {
  const lines = () => LINES.map((line) => JSON.parse(line) as BundleEventLine);

  it('reads the test plan\'s lines without zod as zod reads them', () => {
    const events = planEventsOfLines(lines());
    expect(events).toStrictEqual(planEventsOfLines(lines(), upcastPlanEvent));
    expect(JSON.stringify(events)).toBe(JSON.stringify(planEventsOfLines(lines(), upcastPlanEvent)));
  });

  it('refuses exactly the lines zod refuses, naming the same revision and field, for every hostile edit of every line\'s data and metadata', () => {
    const differ: string[] = [];
    let refused = 0;
    let tried = 0;
    for (const [i, line] of LINES.entries()) {
      const original = JSON.parse(line) as BundleEventLine;
      const edits: [string, unknown][] = [...hostileEdits(original.data, 'data')].map(([label, data]) => [label, { ...original, data }]);
      edits.push(...[...hostileEdits(original.metadata, 'metadata')].map(([label, metadata]): [string, unknown] => [label, { ...original, metadata }]));
      edits.push(['type = constructor', { ...original, type: 'constructor' }], ['type unknown', { ...original, type: 'PlanDeleted' }]);
      for (const [label, edited] of edits) {
        // Each reading gets its own parse of the lines, as the verifier's is: neither sees what the other made.
        const withEdit = () => lines().map((l, j) => (j === i ? (JSON.parse(JSON.stringify(edited)) as BundleEventLine) : l));
        const fast = readingOf(withEdit());
        const zod = readingOf(withEdit(), upcastPlanEvent);
        tried++;
        if ('error' in zod) refused++;
        if (JSON.stringify(fast) !== JSON.stringify(zod)) differ.push(`line ${i} ${label}: ${JSON.stringify(fast).slice(0, 200)} ≠ ${JSON.stringify(zod).slice(0, 200)}`);
      }
    }
    expect(differ).toEqual([]);
    // Both ways were exercised: many edits are refused (with a field path), some are still events zod takes.
    expect(refused).toBeGreaterThan(1_000);
    expect(tried - refused).toBeGreaterThan(100);
  });
});
