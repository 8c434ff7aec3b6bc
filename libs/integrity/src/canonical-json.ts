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
 * writing the canonical form of `value` when `text` is already canonical JSON. The verifier asks this of the replayed
 * state and state.json (3.4 MB for a 10,000-event plan), where making the text was most of the comparison's cost.
 * Text that parses (to plain data: JSON.parse makes nothing else) with every object's keys in RFC 8785's order, that JSON.stringify writes back
 * exactly, and that holds no "\\ud" (which JSON.stringify writes for a lone surrogate, which canonicalJson refuses)
 * is the canonical form of what it parses to. Then canonicalJson writes `value` as that text exactly when `value` has
 * the same members with the same values (sameCanonicalForm, which follows canonicalJson's own rules). Anything else,
 * including every difference, is decided by comparing canonicalJson(value) with the text, as before.
 */
export function isCanonicalJsonOf(value: unknown, text: string): boolean {
  const parsed = parsedIfCanonical(text);
  if (parsed !== NOT_CANONICAL && sameCanonicalForm(value, parsed)) return true;
  return canonicalJson(value) === text;
}

const NOT_CANONICAL = Symbol('not canonical');

function parsedIfCanonical(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return NOT_CANONICAL;
  }
  return keysInCanonicalOrder(parsed) && !text.includes('\\ud') && JSON.stringify(parsed) === text ? parsed : NOT_CANONICAL;
}

/**
 * canonicalJson writes `value` as it writes `parsed`, plain data in canonical order (parsedIfCanonical), or false when
 * that is not certain (canonicalJson then decides): the same members, left out and written as null where canonicalJson
 * leaves them out or writes null, and equal strings, numbers (0 and -0 are both "0"), booleans and nulls.
 */
function sameCanonicalForm(value: unknown, parsed: unknown): boolean {
  if (parsed === null || typeof parsed !== 'object') return value === parsed;
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(parsed)) {
    if (!Array.isArray(value) || value.length !== parsed.length) return false;
    for (let i = 0; i < parsed.length; i++) {
      const item: unknown = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol' ? parsed[i] !== null : !sameCanonicalForm(item, parsed[i])) return false;
    }
    return true;
  }
  if (Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const target = parsed as Record<string, unknown>;
  let members = 0;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    members += 1;
    if (!Object.prototype.hasOwnProperty.call(target, key) || !sameCanonicalForm(item, target[key])) return false;
  }
  return members === Object.keys(target).length;
}

/** Every object's own keys in a value JSON.parse gave, as Object.keys lists them, strictly ascending by UTF-16 code units. */
function keysInCanonicalOrder(parsed: unknown): boolean {
  if (parsed === null || typeof parsed !== 'object') return true;
  if (Array.isArray(parsed)) {
    for (let i = 0; i < parsed.length; i++) if (!keysInCanonicalOrder(parsed[i])) return false;
    return true;
  }
  const record = parsed as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1]! < keys[i]!)) return false;
    if (!keysInCanonicalOrder(record[keys[i]!])) return false;
  }
  return true;
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
