/**
 * A least-recently-used map with a bound on its entries and, optionally, on the sum of their weights (bytes,
 * say): the read paths cache what they computed by what it depends on, and a busy ledger must not grow without
 * end. An entry heavier than the weight bound is kept alone, until the next one is set. A Map keeps insertion
 * order, so re-inserting on a hit makes the first key the least recently used.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private weight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
    private readonly weigh: (value: V) => number = () => 0,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalWeight(): number {
    return this.weight;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.weight -= old.weight;
    }
    const weight = this.weigh(value);
    this.entries.set(key, { value, weight });
    this.weight += weight;
    // The newest entry is never evicted: one heavier than the whole bound is kept alone (everything else goes), so a
    // caller asking for it again still shares it, and the next entry set evicts it. The cache then holds at most
    // its bound or that one entry, which its caller held anyway.
    while (this.entries.size > this.maxEntries || (this.weight > this.maxWeight && this.entries.size > 1)) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.weight -= entry.weight;
    }
  }

  /** The cached value, or `make()`'s, kept. */
  getOrSet(key: K, make: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    this.set(key, value);
    return value;
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.weight -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }
}
