import { CreateWrappedKey, DestroyedKeys, ErasureRecord, KeyRef, KeyStore, WrappedKeyRecord, keyRefId } from '../key-store.port';

/** What in-memory stores share: give the same one to two stores to play two processes. */
export interface InMemoryKeyStoreData {
  /** customer id -> version -> record */
  keys: Map<string, Map<number, WrappedKeyRecord>>;
  erasures: Map<string, ErasureRecord>;
}

export function inMemoryKeyStoreData(): InMemoryKeyStoreData {
  return { keys: new Map(), erasures: new Map() };
}

/**
 * The key store for unit tests: Maps, every call atomic (nothing awaits inside), records copied
 * in and out so a caller cannot change what is stored.
 */
export class InMemoryKeyStore extends KeyStore {
  constructor(private readonly data: InMemoryKeyStoreData = inMemoryKeyStoreData()) {
    super();
  }

  async getOrCreate(customerIds: readonly string[], create: CreateWrappedKey): Promise<Map<string, WrappedKeyRecord>> {
    const ids = this.distinctCustomerIds(customerIds);
    // Every new record is made before any is stored: a create that throws stores nothing of the batch.
    const made = ids
      .filter((customerId) => !this.current(customerId))
      .map((customerId) => this.created(create, customerId, (this.data.erasures.get(customerId)?.lastVersion ?? 0) + 1));
    for (const record of made) {
      const versions = this.data.keys.get(record.customerId) ?? new Map<number, WrappedKeyRecord>();
      versions.set(record.version, record);
      this.data.keys.set(record.customerId, versions);
    }
    return new Map(ids.map((customerId) => [customerId, { ...this.current(customerId)! }]));
  }

  async get(customerId: string, version: number): Promise<WrappedKeyRecord | null> {
    this.checkRef({ customerId, version });
    const record = this.data.keys.get(customerId)?.get(version);
    return record ? { ...record } : null;
  }

  async getMany(refs: readonly KeyRef[]): Promise<Map<string, WrappedKeyRecord>> {
    const result = new Map<string, WrappedKeyRecord>();
    for (const ref of refs) {
      const record = this.data.keys.get(this.checkRef(ref).customerId)?.get(ref.version);
      if (record) result.set(keyRefId(ref), { ...record });
    }
    return result;
  }

  async destroy(customerIds: readonly string[], at: string): Promise<DestroyedKeys[]> {
    this.checkInstant(at);
    return this.distinctCustomerIds(customerIds).map((customerId) => {
      const versionsDestroyed = [...(this.data.keys.get(customerId)?.keys() ?? [])].sort((a, b) => a - b);
      this.data.keys.delete(customerId);
      const previous = this.data.erasures.get(customerId);
      if (versionsDestroyed.length > 0 || !previous) {
        const lastVersion = Math.max(previous?.lastVersion ?? 0, ...versionsDestroyed);
        this.data.erasures.set(customerId, { erasedAt: at, lastVersion });
      }
      return { customerId, versionsDestroyed };
    });
  }

  async erasure(customerId: string): Promise<ErasureRecord | null> {
    const erasure = this.data.erasures.get(customerId);
    return erasure ? { ...erasure } : null;
  }

  async close(): Promise<void> {}

  private current(customerId: string): WrappedKeyRecord | undefined {
    const versions = this.data.keys.get(customerId);
    if (!versions || versions.size === 0) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }
}
