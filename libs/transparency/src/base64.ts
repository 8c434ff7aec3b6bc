/**
 * Standard base64 (RFC 4648 section 4) without Buffer, so the same code runs in a browser. Decoding is strict:
 * padding required, no whitespace, and the text must be the one canonical encoding of its bytes, so that one
 * signature line or proof hash can be written only one way.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!, b = bytes[i + 1], c = bytes[i + 2];
    out += ALPHABET[a >> 2]! + ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '==' : ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)]! + (c === undefined ? '=' : ALPHABET[c & 63]!);
  }
  return out;
}

/** The bytes of canonical base64 text, or undefined for anything else. */
export function base64Decode(text: string): Uint8Array | undefined {
  if (!CANONICAL.test(text)) return undefined;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  // atob ignores non-zero trailing bits; re-encoding refuses a second spelling of the same bytes.
  return base64Encode(bytes) === text ? bytes : undefined;
}
