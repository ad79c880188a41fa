/**
 * Key layout of the Redis key store (every key starts with the store's prefix, default 'crm:keys:'):
 *
 *   {prefix}customer:{customerId}   hash   '{version}'  -> JSON { masterKeyId, wrapped, createdAt } (a live key)
 *                                          'lastVersion' -> highest version ever created (erasure tombstone)
 *                                          'erasedAt'    -> ISO instant of that erasure
 *
 * One hash per customer: every read of a customer is one HGET / HGETALL, and the scripts touch
 * one key per customer. Version fields are digits only, so they never clash with the tombstone's
 * fields. A customer id may hold any character: it is only ever the tail of its own key (the
 * SCAN pattern below escapes the glob characters of the prefix, ids never appear in a pattern).
 */
export interface RedisKeyStoreKeys {
  readonly prefix: string;
  customer(customerId: string): string;
  /** SCAN MATCH pattern covering every key of the store (globs in the prefix escaped). */
  readonly pattern: string;
}

export function redisKeyStoreKeys(prefix: string): RedisKeyStoreKeys {
  const glob = prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
  return {
    prefix,
    customer: (customerId) => `${prefix}customer:${customerId}`,
    pattern: `${glob}customer:*`,
  };
}
