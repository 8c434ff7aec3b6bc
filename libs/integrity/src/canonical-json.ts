/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the byte-exact form we hash and sign.
 * Object keys are sorted by UTF-16 code units, numbers use ECMAScript's shortest round-trip
 * form (which is what JSON.stringify gives for finite numbers), strings use JSON.stringify's escaping.
 * Lone surrogates are refused (RFC 8785 §3.2.2.2): other languages cannot read them back, so a
 * verifier elsewhere would compute different bytes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot canonicalise a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'string':
      return canonicalString(value);
    case 'bigint':
      throw new TypeError('Cannot canonicalise a bigint: convert it to a number or string first');
    case 'object': {
      // Plain loops and string building rather than entries/filter/sort/map/join: this runs for every event
      // appended (the hash chain) and every line of a bundle, and the intermediate arrays were most of its cost.
      if (Array.isArray(value)) {
        // An index loop visits holes (map skips them and would emit "[1,,3]"); like JSON.stringify,
        // members that JSON cannot hold become null.
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (i > 0) out += ',';
          out += item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : canonicalJson(item);
        }
        return `${out}]`;
      }
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
      const record = value as Record<string, unknown>;
      // sort() without a comparator orders strings by UTF-16 code units: exactly RFC 8785's order for keys.
      let out = '{';
      for (const key of Object.keys(record).sort()) {
        const item = record[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        if (out.length > 1) out += ',';
        out += `${canonicalString(key)}:${canonicalJson(item)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`Cannot canonicalise a value of type ${typeof value}`);
  }
}

/**
 * Whether canonicalJson(value) is exactly `text`: the same answer, or the same error, as comparing them, without
 * writing the canonical form of `value` when it is there. The verifier asks this of the replayed state and state.json
 * (3.4 MB for a 10,000-event plan), where making the text (or parsing state.json to compare with) was most of the
 * comparison's cost. endOfCanonicalJson reads the text along the value and proves equality; anything it cannot prove,
 * every difference included, is decided by comparing canonicalJson(value) with the text, as before.
 */
export function isCanonicalJsonOf(value: unknown, text: string): boolean {
  if (endOfCanonicalJson(value, text, 0) === text.length) return true;
  return canonicalJson(value) === text;
}

/**
 * Where canonicalJson(value) ends in `text` when `text` holds exactly it from `start` (text.startsWith(canonicalJson(value),
 * start), so the end is start plus its length), or -1: when it does not, and whenever canonicalJson(value) would throw.
 * Nothing is written: the value is walked as canonicalJson walks it (the same keys in the same order, the same
 * members left out or written as null, toJSON, the same number and string forms), and each piece canonicalJson would
 * write is compared in place with the text that should hold it. The bundle verifier reads each event line and
 * state.json with it: -1 sends it the way that writes the text and names the fault.
 */
export function endOfCanonicalJson(value: unknown, text: string, start: number): number {
  if (value === null) return text.startsWith('null', start) ? start + 4 : -1;
  switch (typeof value) {
    case 'boolean':
      return value ? (text.startsWith('true', start) ? start + 4 : -1) : text.startsWith('false', start) ? start + 5 : -1;
    case 'number': {
      if (!Number.isFinite(value)) return -1;
      const written = JSON.stringify(value);
      return text.startsWith(written, start) ? start + written.length : -1;
    }
    case 'string':
      return endOfCanonicalString(value, text, start);
    case 'object':
      if (Array.isArray(value)) {
        if (text.charCodeAt(start) !== OPEN_BRACKET) return -1;
        let at = start + 1;
        for (let i = 0; i < value.length; i++) {
          if (i > 0) {
            if (text.charCodeAt(at) !== COMMA) return -1;
            at += 1;
          }
          const item: unknown = value[i];
          at = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? (text.startsWith('null', at) ? at + 4 : -1) : endOfCanonicalJson(item, text, at);
          if (at < 0) return -1;
        }
        return text.charCodeAt(at) === CLOSE_BRACKET ? at + 1 : -1;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return endOfCanonicalJson((value as { toJSON: () => unknown }).toJSON(), text, start);
      return endOfCanonicalRecord(value as Record<string, unknown>, text, start);
    default:
      return -1;
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function endOfCanonicalRecord(record: Record<string, unknown>, text: string, start: number): number {
  if (text.charCodeAt(start) !== OPEN_BRACE) return -1;
  const keys = Object.keys(record);
  // canonicalJson's order (sort() without a comparator: UTF-16 code units); the keys are often in it already.
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1]! < keys[i]!)) {
      keys.sort();
      break;
    }
  }
  let at = start + 1;
  let members = 0;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    if (members++ > 0) {
      if (text.charCodeAt(at) !== COMMA) return -1;
      at += 1;
    }
    at = endOfCanonicalString(key, text, at);
    if (at < 0 || text.charCodeAt(at) !== COLON) return -1;
    at = endOfCanonicalJson(item, text, at + 1);
    if (at < 0) return -1;
  }
  return text.charCodeAt(at) === CLOSE_BRACE ? at + 1 : -1;
}

function endOfCanonicalString(value: string, text: string, start: number): number {
  if (!NEEDS_CARE.test(value)) {
    const end = start + 1 + value.length;
    return text.charCodeAt(start) === QUOTE && text.startsWith(value, start + 1) && text.charCodeAt(end) === QUOTE ? end + 1 : -1;
  }
  const written = canonicalStringOrUndefined(value);
  return written !== undefined && text.startsWith(written, start) ? start + written.length : -1;
}

function canonicalStringOrUndefined(text: string): string | undefined {
  try {
    return canonicalString(text);
  } catch {
    return undefined;
  }
}

/** What JSON.stringify escapes (a quote, a backslash, a control character) and surrogates, which need the check below. */
const NEEDS_CARE = /["\\\u0000-\u001F\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function canonicalString(text: string): string {
  // Most text needs no escape and holds no surrogate: quoting it is then all JSON.stringify would do, and
  // one plain character class is far cheaper than the look-arounds and the serialiser (it runs per string).
  if (!NEEDS_CARE.test(text)) return `"${text}"`;
  if (LONE_SURROGATE.test(text)) throw new TypeError(`Cannot canonicalise a string with a lone surrogate: ${JSON.stringify(text)}`);
  return JSON.stringify(text);
}

const utf8 = new TextEncoder();

/** The canonical form as UTF-8 bytes, ready to hash (a Uint8Array, not a Buffer: this runs in browsers too). */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalJson(value));
}
