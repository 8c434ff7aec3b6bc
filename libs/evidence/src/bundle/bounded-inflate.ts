/**
 * Raw DEFLATE (RFC 1951) decoded straight into a buffer the caller sized, stopping the moment the stream would write
 * past its end. The zip reader sizes the buffer to the size an entry declares (already counted against the budget),
 * so a header that understates the size cannot make it hold or decode more bytes than it declared. fflate's
 * streaming Inflate gave nearly that bound by being fed small slices, at the cost of a new buffer and several copies
 * per slice; its one-shot inflateSync(data, { out }) drops the bytes past `out` but goes on decoding to the end of
 * the input. Plain JavaScript over Uint8Array: it runs in browsers too. Malformed streams are refused with fflate's
 * words for the same faults ("unexpected EOF", "invalid block type", "invalid length/literal", "invalid distance").
 */

export type BoundedInflate = { ok: true; written: number } | { ok: false; overflow: boolean; problem: string };

/** Decode `input` into `out` from its start; `written` is how many bytes the stream holds (at most out.length). */
export function inflateInto(input: Uint8Array, out: Uint8Array): BoundedInflate {
  try {
    return { ok: true, written: decode(input, out) };
  } catch (error) {
    if (error instanceof InflateProblem) return { ok: false, overflow: error.overflow, problem: error.message };
    throw error;
  }
}

class InflateProblem extends Error {
  constructor(
    message: string,
    readonly overflow = false,
  ) {
    super(message);
  }
}

const EOF = 'unexpected EOF';

function fail(message: string): never {
  throw new InflateProblem(message);
}

function overflow(): never {
  throw new InflateProblem('the stream holds more bytes than the buffer given for it', true);
}

// RFC 1951 §3.2.5: the base and extra bits of each length code (257–285) and each distance code (0–29).
const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DISTANCE_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const DISTANCE_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
/** The order the code-length code's lengths are sent in (§3.2.7). */
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/**
 * A decoding table for one Huffman code: indexed by the next `bits` bits of the stream (least significant first, as
 * DEFLATE packs codes bit-reversed), each entry is symbol << 4 | code length, or 0 where no code of the set begins.
 */
interface Table {
  entries: Uint16Array;
  bits: number;
}

function tableOf(lengths: Uint8Array): Table {
  let bits = 0;
  const count = new Uint16Array(16);
  for (const length of lengths) {
    count[length]! += 1;
    if (length > bits) bits = length;
  }
  count[0] = 0;
  // The first code of each length (§3.2.2); a set with more codes than its lengths allow is not a prefix code.
  const next = new Uint16Array(16);
  let code = 0;
  for (let length = 1; length <= 15; length++) {
    code = (code + count[length - 1]!) << 1;
    next[length] = code;
    if (count[length]! > 1 << length || next[length]! + count[length]! > 1 << length) fail('invalid length/literal');
  }
  const entries = new Uint16Array(1 << bits);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const length = lengths[symbol]!;
    if (length === 0) continue;
    const reversed = reverseBits(next[length]!++, length);
    const entry = (symbol << 4) | length;
    for (let index = reversed; index < entries.length; index += 1 << length) entries[index] = entry;
  }
  return { entries, bits };
}

function reverseBits(code: number, length: number): number {
  let reversed = 0;
  for (let i = 0; i < length; i++) {
    reversed = (reversed << 1) | (code & 1);
    code >>>= 1;
  }
  return reversed;
}

/** The fixed codes of block type 1 (§3.2.6). */
const FIXED_LITERALS = tableOf(Uint8Array.from({ length: 288 }, (_, symbol) => (symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8)));
const FIXED_DISTANCES = tableOf(new Uint8Array(30).fill(5));

function decode(input: Uint8Array, out: Uint8Array): number {
  // fflate reads no input as an empty stream; so does this (a zip entry of no bytes).
  if (input.length === 0) return 0;
  const totalBits = input.length * 8;
  // Up to 24 bits from bit `at` (bytes past the end read as zero; every read is checked against totalBits after).
  const peek = (at: number): number => {
    const byte = at >>> 3;
    return ((input[byte]! | 0) | ((input[byte + 1]! | 0) << 8) | ((input[byte + 2]! | 0) << 16)) >>> (at & 7);
  };
  let pos = 0;
  let written = 0;
  let final = 0;
  do {
    if (pos + 3 > totalBits) fail(EOF);
    const header = peek(pos);
    final = header & 1;
    const type = (header >>> 1) & 3;
    pos += 3;
    if (type === 0) {
      // Stored: from the next byte boundary, a length, its complement (not checked, as fflate does not), the bytes.
      const start = ((pos + 7) >>> 3) + 4;
      if (start > input.length) fail(EOF);
      const length = input[start - 4]! | (input[start - 3]! << 8);
      if (start + length > input.length) fail(EOF);
      if (written + length > out.length) overflow();
      out.set(input.subarray(start, start + length), written);
      written += length;
      pos = (start + length) * 8;
      continue;
    }
    let literals: Table;
    let distances: Table;
    if (type === 1) {
      literals = FIXED_LITERALS;
      distances = FIXED_DISTANCES;
    } else if (type === 2) {
      if (pos + 14 > totalBits) fail(EOF);
      const counts = peek(pos);
      const literalCount = (counts & 31) + 257;
      const distanceCount = ((counts >>> 5) & 31) + 1;
      const codeLengthCount = ((counts >>> 10) & 15) + 4;
      pos += 14;
      if (pos + codeLengthCount * 3 > totalBits) fail(EOF);
      const codeLengthLengths = new Uint8Array(19);
      for (let i = 0; i < codeLengthCount; i++) codeLengthLengths[CODE_LENGTH_ORDER[i]!] = (peek(pos + i * 3) & 7);
      pos += codeLengthCount * 3;
      const codeLengths = tableOf(codeLengthLengths);
      const mask = (1 << codeLengths.bits) - 1;
      const lengths = new Uint8Array(literalCount + distanceCount);
      for (let i = 0; i < lengths.length; ) {
        const entry = codeLengths.entries[peek(pos) & mask]!;
        if (entry === 0) fail('invalid length/literal');
        pos += entry & 15;
        const symbol = entry >>> 4;
        if (symbol < 16) {
          lengths[i++] = symbol;
          continue;
        }
        let repeat: number;
        let value = 0;
        if (symbol === 16) {
          if (i === 0) fail('invalid length/literal');
          repeat = 3 + (peek(pos) & 3);
          pos += 2;
          value = lengths[i - 1]!;
        } else if (symbol === 17) {
          repeat = 3 + (peek(pos) & 7);
          pos += 3;
        } else {
          repeat = 11 + (peek(pos) & 127);
          pos += 7;
        }
        if (i + repeat > lengths.length) fail('invalid length/literal');
        lengths.fill(value, i, i + repeat);
        i += repeat;
      }
      if (pos > totalBits) fail(EOF);
      if (lengths[256] === 0) fail('invalid length/literal');
      literals = tableOf(lengths.subarray(0, literalCount));
      distances = tableOf(lengths.subarray(literalCount));
    } else {
      fail('invalid block type');
    }
    const literalEntries = literals.entries;
    const literalMask = (1 << literals.bits) - 1;
    const distanceEntries = distances.entries;
    const distanceMask = (1 << distances.bits) - 1;
    for (;;) {
      const entry = literalEntries[peek(pos) & literalMask]!;
      if (entry === 0) fail('invalid length/literal');
      pos += entry & 15;
      if (pos > totalBits) fail(EOF);
      const symbol = entry >>> 4;
      if (symbol < 256) {
        if (written >= out.length) overflow();
        out[written++] = symbol;
        continue;
      }
      if (symbol === 256) break;
      const lengthCode = symbol - 257;
      if (lengthCode >= 29) fail('invalid length/literal');
      const lengthExtra = LENGTH_EXTRA[lengthCode]!;
      const length = LENGTH_BASE[lengthCode]! + (peek(pos) & ((1 << lengthExtra) - 1));
      pos += lengthExtra;
      const distanceEntry = distanceEntries[peek(pos) & distanceMask]!;
      if (distanceEntry === 0) fail('invalid distance');
      pos += distanceEntry & 15;
      const distanceCode = distanceEntry >>> 4;
      if (distanceCode >= 30) fail('invalid distance');
      const distanceExtra = DISTANCE_EXTRA[distanceCode]!;
      const distance = DISTANCE_BASE[distanceCode]! + (peek(pos) & ((1 << distanceExtra) - 1));
      pos += distanceExtra;
      if (pos > totalBits) fail(EOF);
      if (distance > written) fail('invalid distance');
      const end = written + length;
      if (end > out.length) overflow();
      if (distance >= length) {
        out.copyWithin(written, written - distance, end - distance);
        written = end;
      } else {
        for (; written < end; written++) out[written] = out[written - distance]!;
      }
    }
  } while (!final);
  return written;
}
