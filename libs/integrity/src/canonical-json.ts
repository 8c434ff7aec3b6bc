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
