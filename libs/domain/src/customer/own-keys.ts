/**
 * Dictionaries keyed by publisher input (product categories, currencies, agent, team, customer
 * and complaint ids). Any string must be an ordinary key: `constructor`, `toString` and
 * `hasOwnProperty` are inherited by a plain object, and assigning `obj['__proto__']` sets its
 * prototype instead of a key. The views and measures are JSON documents parsed back with a
 * prototype, so reads check own keys and writes define own properties.
 */

/** The value stored under `key` itself, never one inherited from Object.prototype. */
export function getOwn<T>(dict: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(dict, key) ? dict[key] : undefined;
}

/** Stores `value` under `key` as an own, enumerable (so JSON-serialised) property, `__proto__` included. */
export function setOwn<T>(dict: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(dict, key, { value, writable: true, enumerable: true, configurable: true });
  else dict[key] = value;
}

/** A copy with the same own keys, in the same order, `__proto__` included. */
export function copyOwn<T>(dict: Readonly<Record<string, T>>, copyValue: (value: T) => T = (value) => value): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(dict)) setOwn(out, key, copyValue(dict[key]));
  return out;
}
