/**
 * A seeded random source (sfc32: 128 bits of state, fast, good enough for test data) so that every run of
 * the benchmark builds byte-for-byte the same data sets from the same seed.
 */
export class Random {
  constructor(seed) {
    // Spread a 32-bit seed over the 128-bit state with splitmix32, then discard a few outputs.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32() {
    let { a, b, c, d } = this;
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d;
    return t >>> 0;
  }

  /** [0, 1) */
  next() {
    return this.uint32() / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min, max) {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p) {
    return this.next() < p;
  }

  pick(items) {
    return items[Math.floor(this.next() * items.length)];
  }

  /** k distinct items. */
  sample(items, k) {
    const copy = [...items];
    const out = [];
    for (let i = 0; i < k && copy.length > 0; i++) out.push(copy.splice(Math.floor(this.next() * copy.length), 1)[0]);
    return out;
  }

  hex(length) {
    let out = '';
    while (out.length < length) out += this.uint32().toString(16).padStart(8, '0');
    return out.slice(0, length);
  }
}

/**
 * Deterministic, unique UUIDv7-shaped ids: the simulated millisecond, then a counter (unique within a data
 * set) and random bits. Real v7 ids are time-ordered the same way, so index locality is realistic.
 */
export class IdSource {
  constructor(random) {
    this.random = random;
    this.counter = 0;
  }

  next(ms) {
    const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
    const count = (this.counter++).toString(16).padStart(12, '0').slice(-12);
    const variant = (8 + (this.random.uint32() & 3)).toString(16);
    return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${this.random.hex(3)}-${variant}${this.random.hex(3)}-${count}`;
  }
}
