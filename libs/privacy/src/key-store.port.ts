/**
 * The key-store port: where the per-customer data keys live, WRAPPED under the master key (the
 * store never sees a usable key). Erasure deletes every version of a customer's key and leaves a
 * tombstone, so a customer who comes back gets a new version and the old tokens stay unreadable.
 *
 * Versions are never reused: a customer's versions run 1, 2, … across erasures, and a token names
 * the version it was sealed with, so a token of an erased version can never meet a key again.
 */

export interface WrappedKeyRecord {
  customerId: string;
  version: number;
  /** `masterKeyId` of the master key `wrapped` is wrapped with. */
  masterKeyId: string;
  /** base64 of iv | ciphertext | tag (see `wrapDataKey`). */
  wrapped: string;
  /** ISO instant. */
  createdAt: string;
}

/** One version of one customer's key. */
export interface KeyRef {
  customerId: string;
  version: number;
}

/** What is left of a customer's keys after erasure. */
export interface ErasureRecord {
  /** ISO instant of the erasure that destroyed the last version (or of the first request, if none did). */
  erasedAt: string;
  /** The highest version ever created (0 if none was): the next key is lastVersion + 1. */
  lastVersion: number;
}

export interface DestroyedKeys {
  customerId: string;
  /** Ascending; empty when nothing was left to destroy (destroy is idempotent). */
  versionsDestroyed: number[];
}

/** Makes the record of a new key; the store calls it only for customers without a live key. */
export type CreateWrappedKey = (customerId: string, version: number) => WrappedKeyRecord;

/** The key of a `getMany` / `DataKeys.forOpening` result: unambiguous, the version is digits after the last '#'. */
export function keyRefId(ref: KeyRef): string {
  return `${ref.customerId}#${ref.version}`;
}

export abstract class KeyStore {
  /**
   * The current (highest live) version of each customer's key, keyed by customer id; for a
   * customer without one, `create(customerId, lastVersion + 1)` is stored first (version 1 for a
   * customer never erased). Insert-if-absent, then read back: when two processes race, both get
   * the winner's record (a loser's `create` result is discarded). One transaction / round trip for
   * the batch, not one per customer. A customer id must be a non-empty string (TypeError).
   */
  abstract getOrCreate(customerIds: readonly string[], create: CreateWrappedKey): Promise<Map<string, WrappedKeyRecord>>;

  /** null when that version was never created or has been destroyed. */
  abstract get(customerId: string, version: number): Promise<WrappedKeyRecord | null>;

  /** The records that exist, keyed by `keyRefId`; one transaction / round trip for the batch. */
  abstract getMany(refs: readonly KeyRef[]): Promise<Map<string, WrappedKeyRecord>>;

  /**
   * Deletes every version of each customer's key and records the erasure (`at`, an ISO instant,
   * is kept only when a version was destroyed or none was ever recorded). One entry per distinct
   * customer, in the order given. Atomic for the batch.
   */
  abstract destroy(customerIds: readonly string[], at: string): Promise<DestroyedKeys[]>;

  /** The customer's erasure tombstone; null when never erased. */
  abstract erasure(customerId: string): Promise<ErasureRecord | null>;

  abstract close(): Promise<void>;

  /** For adapters: the distinct ids, in first-seen order, each checked (same rule for every adapter). */
  protected distinctCustomerIds(customerIds: readonly string[]): string[] {
    const ids = [...new Set(customerIds)];
    for (const id of ids) checkCustomerId(id);
    return ids;
  }

  /** For adapters: a ref checked (non-empty id, positive safe-integer version). */
  protected checkRef(ref: KeyRef): KeyRef {
    checkCustomerId(ref.customerId);
    if (!Number.isSafeInteger(ref.version) || ref.version < 1) {
      throw new TypeError(`key version of ${ref.customerId} must be a positive integer, got ${ref.version}`);
    }
    return ref;
  }

  /** For adapters: `destroy`'s instant checked (an ISO string Date can parse). */
  protected checkInstant(at: string): string {
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) throw new TypeError(`erasure instant must be an ISO date-time, got ${String(at)}`);
    return at;
  }

  /** For adapters: `create`'s answer checked to be the record asked for. */
  protected created(create: CreateWrappedKey, customerId: string, version: number): WrappedKeyRecord {
    const record = create(customerId, version);
    if (record.customerId !== customerId || record.version !== version) {
      throw new TypeError(
        `create(${customerId}, ${version}) returned the record of ${record.customerId} version ${record.version}`,
      );
    }
    for (const field of ['masterKeyId', 'wrapped', 'createdAt'] as const) {
      if (typeof record[field] !== 'string' || record[field] === '') {
        throw new TypeError(`create(${customerId}, ${version}) returned a record without ${field}`);
      }
    }
    return {
      customerId,
      version,
      masterKeyId: record.masterKeyId,
      wrapped: record.wrapped,
      createdAt: record.createdAt,
    };
  }
}

function checkCustomerId(id: string): void {
  if (typeof id !== 'string' || id === '') throw new TypeError('customer id must be a non-empty string');
}
