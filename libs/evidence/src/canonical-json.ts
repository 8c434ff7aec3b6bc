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
      if (Array.isArray(value)) {
        // Array.from visits holes (map skips them and would emit "[1,,3]"); like JSON.stringify,
        // members that JSON cannot hold become null.
        return `[${Array.from(value, (item: unknown) => (item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : canonicalJson(item))).join(',')}]`;
      }
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${canonicalString(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`Cannot canonicalise a value of type ${typeof value}`);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function canonicalString(text: string): string {
  if (LONE_SURROGATE.test(text)) throw new TypeError(`Cannot canonicalise a string with a lone surrogate: ${JSON.stringify(text)}`);
  return JSON.stringify(text);
}

/** The canonical form as UTF-8 bytes, ready to hash. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
