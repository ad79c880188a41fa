/**
 * Dictionaries keyed by data (customer ids, churn reasons, stages) that reports carry as JSON.
 *
 * A plain `{}` keyed by a customer id breaks on ids such as `__proto__` (the assignment sets
 * the prototype instead of a key: the customer vanishes from the report) or `constructor` /
 * `toString` (a lookup of a missing id returns an inherited function). So computation uses
 * Maps, reports get objects without a prototype (they serialise as usual, and `__proto__` is an
 * ordinary key there), and lookups go through `ownValue`, which also stays correct for a report
 * that came back from JSON.parse as a normal object.
 */

/** An empty dictionary without a prototype. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A prototype-free dictionary of the entries, in their order (later duplicates win). */
export function recordOf<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = emptyRecord<T>();
  for (const [key, value] of entries) out[key] = value;
  return out;
}

/** The record's own value for key, or undefined (never an inherited member such as toString). */
export function ownValue<T>(record: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return record != null && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
