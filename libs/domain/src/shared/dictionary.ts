/**
 * Records keyed by ids that come from outside (actions, recommendations, workstreams, users, tokens, grants).
 * A plain `{}` answers for `constructor`, `toString` or `__proto__` through Object.prototype, so an attacker's id
 * would find "something": every such record is made here without a prototype, and read with `own`, which only
 * ever answers for the record's own keys (so it is safe on a record that came back from JSON.parse too).
 * Copy with `copyDictionary`, never `{ ...record }`: a spread brings Object.prototype back.
 */
export type Dictionary<T> = Record<string, T>;

export function dictionary<T>(entries?: Iterable<readonly [string, T]>): Dictionary<T> {
  const record = Object.create(null) as Dictionary<T>;
  if (entries) for (const [key, value] of entries) record[key] = value;
  return record;
}

export function copyDictionary<T>(record: Dictionary<T>): Dictionary<T> {
  return dictionary(Object.entries(record));
}

/** The record's own entry for `key`, or undefined: never an inherited property. */
export function own<T>(record: Dictionary<T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}


/**
 * Sets the record's own entry for `key`: defined, not assigned, so no key (`__proto__` included) reaches a
 * setter or the prototype, even on a record that came back from JSON.parse with Object.prototype.
 */
export function setOwn<T>(record: Dictionary<T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}
