/**
 * Key layout of the Redis read store (every key starts with the store's prefix, default 'crm:'):
 *
 *   {prefix}view:{customerId}             string  `{position}\n{indexes JSON}\n{view JSON}`
 *   {prefix}ids                           zset    every customer id, score 0 (lex order, paging)
 *   {prefix}idx:{len}:{name}:{value}      zset    ids whose index `name` equals `value`, score 0
 *   {prefix}checkpoints                   hash    checkpoint name -> position
 *   {prefix}doc:{name}                    string  `{version}\n{value JSON}` (versioned document, version ≥ 1)
 *   {prefix}docs                          zset    every document name, score 0 (lex order, prefix listing)
 *
 * A view is one string so reads are a single GET / MGET; JSON.stringify never emits a raw newline,
 * so the first two newlines split it, and the commit script reads old indexes without decoding the
 * view. `len` is the UTF-8 byte length of the index name, so a name or value holding ':' cannot make
 * two (name, value) pairs share a key. The commit script builds the same keys in Lua.
 * A document is one string for the same reasons: one GET / MGET per read, and the put-documents
 * script compares versions by reading only the head before the first newline. `docs` cannot clash
 * with a `doc:` key (the fourth character differs).
 */
export interface RedisReadStoreKeys {
  readonly prefix: string;
  readonly ids: string;
  readonly checkpoints: string;
  readonly documents: string;
  view(customerId: string): string;
  document(name: string): string;
  index(name: string, value: string): string;
  /** SCAN MATCH patterns covering every key family above (globs in the prefix escaped). */
  readonly patterns: readonly string[];
}

export function redisReadStoreKeys(prefix: string): RedisReadStoreKeys {
  const glob = prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
  return {
    prefix,
    ids: `${prefix}ids`,
    checkpoints: `${prefix}checkpoints`,
    documents: `${prefix}docs`,
    view: (customerId) => `${prefix}view:${customerId}`,
    document: (name) => `${prefix}doc:${name}`,
    index: (name, value) => `${prefix}idx:${Buffer.byteLength(name, 'utf8')}:${name}:${value}`,
    patterns: [`${glob}view:*`, `${glob}idx:*`, `${glob}doc:*`],
  };
}
