/**
 * SHA-256 (FIPS 180-4) in plain JavaScript, synchronous, over bytes. The hash chain and the Merkle tree hash
 * thousands of short inputs one after another, inside the store's write transaction and in the verifier:
 * WebCrypto's digest is asynchronous and node:crypto exists only in Node, so this one function serves the
 * store, `ledger verify` and a browser alike, and all three compute the same bytes by the same code.
 */

// Int32Array, not Uint32Array: every value stays a small integer to the engine, and the rounds stay in int32 arithmetic.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const W = new Int32Array(64);

/** The SHA-256 digest (32 bytes) of the concatenation of the parts, as if they were one byte string. */
export function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  // One padded message: the parts, 0x80, zeros, and the length in bits as a 64-bit big-endian number.
  const blocks = Math.ceil((total + 9) / 64);
  const message = new Uint8Array(blocks * 64);
  let at = 0;
  for (const part of parts) {
    message.set(part, at);
    at += part.length;
  }
  message[total] = 0x80;
  const view = new DataView(message.buffer);
  view.setUint32(message.length - 8, Math.floor(total / 0x20000000), false);
  view.setUint32(message.length - 4, (total * 8) >>> 0, false);

  let h0 = 0x6a09e667 | 0, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372 | 0, h3 = 0xa54ff53a | 0, h4 = 0x510e527f | 0, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab | 0, h7 = 0x5be0cd19 | 0;
  for (let block = 0; block < message.length; block += 64) {
    for (let i = 0, j = block; i < 16; i++, j += 4) W[i] = (message[j]! << 24) | (message[j + 1]! << 16) | (message[j + 2]! << 8) | message[j + 3]!;
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15]!, w2 = W[i - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  const digest = new Uint8Array(32);
  const out = new DataView(digest.buffer);
  [h0, h1, h2, h3, h4, h5, h6, h7].forEach((word, i) => out.setUint32(i * 4, word, false));
  return digest;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

const LOWER_HEX_DIGIT = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));

/** Whether `hex` is exactly bytesToHex(bytes), lowercase, without writing it: the verifier asks it of every event's hash. */
export function isHexOf(hex: string, bytes: Uint8Array): boolean {
  if (hex.length !== bytes.length * 2) return false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (hex.charCodeAt(2 * i) !== LOWER_HEX_DIGIT[byte >> 4] || hex.charCodeAt(2 * i + 1) !== LOWER_HEX_DIGIT[byte & 15]) return false;
  }
  return true;
}

/** The value of each hex digit by character code; -1 for every other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Bytes of an even-length hex string; throws on anything else (Buffer.from(…, 'hex') would silently stop at the first bad pair). */
export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  let bad = hex.length % 2 !== 0;
  for (let i = 0; i < bytes.length && !bad; i++) {
    const high = HEX_VALUE[hex.charCodeAt(i * 2)] ?? -1;
    const low = HEX_VALUE[hex.charCodeAt(i * 2 + 1)] ?? -1;
    if (high < 0 || low < 0) bad = true;
    bytes[i] = (high << 4) | low;
  }
  if (bad) throw new TypeError(`not a hex string: ${JSON.stringify(hex.length > 80 ? `${hex.slice(0, 80)}…` : hex)}`);
  return bytes;
}

const encoder = new TextEncoder();

export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Hex SHA-256 of bytes, or of a string's UTF-8 bytes. */
export function sha256Hex(input: Uint8Array | string): string {
  return bytesToHex(sha256(typeof input === 'string' ? utf8Bytes(input) : input));
}
