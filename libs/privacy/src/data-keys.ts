import { DataKey, generateKeyMaterial, masterKeyId, unwrapDataKey, wrapDataKey } from './field-cipher';
import { DestroyedKeys, ErasureRecord, KeyRef, KeyStore, WrappedKeyRecord, keyRefId } from './key-store.port';
import { MasterKeyMismatchError } from './privacy.errors';

export interface DataKeysOptions {
  store: KeyStore;
  /** 32 bytes (`parseMasterKey`); it wraps every data key and never reaches the store. */
  masterKey: Buffer;
  /**
   * How long an unwrapped key is used without asking the store again: the longest a key
   * destroyed by ANOTHER process is still used here (this process's own destroy evicts at once).
   * 0 turns the cache off.
   * @defaultValue 5000
   */
  cacheTtlMs?: number;
  /** The clock the cache expires by, in ms. @defaultValue Date.now */
  now?: () => number;
}

/** The AAD a data key is wrapped under: binds the wrapped key to its customer and version. */
export function dataKeyAad(customerId: string, version: number): string {
  return `data-key:${customerId}#${version}`;
}

interface CacheEntry {
  key: DataKey;
  expiresAt: number;
}

/**
 * The data keys the app seals and opens personal data with: the key store's wrapped records,
 * unwrapped with the master key and cached for a short while (`cacheTtlMs`). A stored key wrapped
 * with another master key fails with MasterKeyMismatchError naming both master key ids.
 */
export class DataKeys {
  /** Public name of the configured master key (safe to log). */
  readonly masterKeyId: string;
  private readonly store: KeyStore;
  private readonly masterKey: Buffer;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** customer id -> version -> unwrapped key; the highest cached version is not necessarily current. */
  private readonly cache = new Map<string, Map<number, CacheEntry>>();
  /** customer id -> the version forSealing last got from the store. */
  private readonly current = new Map<string, CacheEntry>();
  /** Bumped by each destroy: a read that straddles one does not fill the cache. */
  private evictions = 0;
  private nextSweepAt: number;

  constructor(options: DataKeysOptions) {
    this.store = options.store;
    this.masterKey = options.masterKey;
    this.masterKeyId = masterKeyId(options.masterKey);
    this.ttlMs = options.cacheTtlMs ?? 5000;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs < 0) throw new RangeError(`cacheTtlMs must be a non-negative number, got ${this.ttlMs}`);
    this.now = options.now ?? Date.now;
    this.nextSweepAt = this.now() + this.ttlMs;
  }

  /** The current key of each customer, created where there is none; keyed by customer id. */
  async forSealing(customerIds: readonly string[]): Promise<Map<string, DataKey>> {
    const now = this.sweep();
    const result = new Map<string, DataKey>();
    const missing: string[] = [];
    for (const customerId of new Set(customerIds)) {
      const entry = this.current.get(customerId);
      if (entry && entry.expiresAt > now) result.set(customerId, entry.key);
      else missing.push(customerId);
    }
    if (missing.length === 0) return result;
    const evictions = this.evictions;
    const records = await this.store.getOrCreate(missing, (customerId, version) => this.newRecord(customerId, version));
    const keys = [...records.values()].map((record) => this.unwrap(record));
    const fill = evictions === this.evictions;
    for (const key of keys) {
      result.set(key.customerId, key);
      if (fill) this.remember(key, true);
    }
    return new Map(customerIds.map((customerId) => [customerId, result.get(customerId)!]));
  }

  /** The keys tokens were sealed with, keyed by `keyRefId` (`${customerId}#${version}`); null: erased or never created. */
  async forOpening(refs: readonly KeyRef[]): Promise<Map<string, DataKey | null>> {
    const now = this.sweep();
    const result = new Map<string, DataKey | null>();
    const missing: KeyRef[] = [];
    for (const ref of refs) {
      const id = keyRefId(ref);
      if (result.has(id)) continue;
      const entry = this.cache.get(ref.customerId)?.get(ref.version);
      if (entry && entry.expiresAt > now) result.set(id, entry.key);
      else {
        result.set(id, null);
        missing.push({ customerId: ref.customerId, version: ref.version });
      }
    }
    if (missing.length === 0) return result;
    const evictions = this.evictions;
    const records = await this.store.getMany(missing);
    const keys = [...records.values()].map((record) => this.unwrap(record));
    const fill = evictions === this.evictions;
    for (const key of keys) {
      result.set(keyRefId(key), key);
      if (fill) this.remember(key, false);
    }
    return result;
  }

  /** Destroys every version of the customers' keys (see KeyStore.destroy) and forgets them here at once. */
  async destroy(customerIds: readonly string[], at: string): Promise<DestroyedKeys[]> {
    this.evict(customerIds);
    try {
      return await this.store.destroy(customerIds, at);
    } finally {
      // Again: a read that started before the destroy may have filled the cache meanwhile.
      this.evict(customerIds);
    }
  }

  erasure(customerId: string): Promise<ErasureRecord | null> {
    return this.store.erasure(customerId);
  }

  private newRecord(customerId: string, version: number): WrappedKeyRecord {
    const material = generateKeyMaterial();
    try {
      return {
        customerId,
        version,
        masterKeyId: this.masterKeyId,
        wrapped: wrapDataKey(material, this.masterKey, dataKeyAad(customerId, version)),
        createdAt: new Date(this.now()).toISOString(),
      };
    } finally {
      material.fill(0); // the stored record (ours or a racer's) is unwrapped again
    }
  }

  private unwrap(record: WrappedKeyRecord): DataKey {
    if (record.masterKeyId !== this.masterKeyId) {
      throw new MasterKeyMismatchError(record.customerId, record.version, record.masterKeyId, this.masterKeyId);
    }
    const material = unwrapDataKey(record.wrapped, this.masterKey, dataKeyAad(record.customerId, record.version));
    return { customerId: record.customerId, version: record.version, material };
  }

  private remember(key: DataKey, isCurrent: boolean): void {
    if (this.ttlMs === 0) return;
    const entry = { key, expiresAt: this.now() + this.ttlMs };
    const versions = this.cache.get(key.customerId) ?? new Map<number, CacheEntry>();
    versions.set(key.version, entry);
    this.cache.set(key.customerId, versions);
    if (isCurrent) this.current.set(key.customerId, entry);
  }

  private evict(customerIds: readonly string[]): void {
    this.evictions++;
    for (const customerId of customerIds) {
      this.cache.delete(customerId);
      this.current.delete(customerId);
    }
  }

  /** The time now; expired entries are dropped at most once per TTL, so the cache holds only recent customers. */
  private sweep(): number {
    const now = this.now();
    if (now < this.nextSweepAt) return now;
    this.nextSweepAt = now + this.ttlMs;
    for (const [customerId, versions] of this.cache) {
      for (const [version, entry] of versions) if (entry.expiresAt <= now) versions.delete(version);
      if (versions.size === 0) this.cache.delete(customerId);
    }
    for (const [customerId, entry] of this.current) if (entry.expiresAt <= now) this.current.delete(customerId);
    return now;
  }
}
