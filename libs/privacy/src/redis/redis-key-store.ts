import Redis from 'ioredis';
import { CreateWrappedKey, DestroyedKeys, ErasureRecord, KeyRef, KeyStore, WrappedKeyRecord, keyRefId } from '../key-store.port';
import { RedisKeyStoreKeys, redisKeyStoreKeys } from './redis-key-store.keys';
import { DESTROY_SCRIPT, GET_OR_CREATE_SCRIPT } from './redis-key-store.scripts';

export interface RedisKeyStoreOptions {
  /**
   * The connection to use; `close()` leaves it open (its owner closes it). It must not have
   * ioredis's own `keyPrefix` set (the scripts build keys themselves).
   */
  client: Redis;
  /**
   * Prepended to every key, so the key store can share a server with other data. End it with ':'
   * and give it a prefix no other store's keys start with.
   * @defaultValue 'crm:keys:'
   */
  keyPrefix?: string;
}

const GET_OR_CREATE_COMMAND = 'crmKeyStoreGetOrCreate';
const DESTROY_COMMAND = 'crmKeyStoreDestroy';
/**
 * Rounds of offer-and-read-back before getOrCreate gives up: a round is lost only when an erasure
 * of the same customer lands between its read and its script, so a second round almost always settles.
 */
const MAX_CREATE_ROUNDS = 5;

type GetOrCreateCommand = (...args: (string | number)[]) => Promise<(string | number)[]>;
type DestroyCommand = (...args: string[]) => Promise<number[][]>;

/** A record as stored in its customer's hash (customer id and version are the key and field). */
interface StoredKey {
  masterKeyId: string;
  wrapped: string;
  createdAt: string;
}

/**
 * The distributed key store on Redis (standalone server, not Cluster). Layout in
 * redis-key-store.keys.ts. getOrCreate reads every customer in one pipeline, then offers the
 * missing keys in one Lua script that inserts only where no live key exists and returns the
 * winner; destroy is one Lua script for the batch (it reads the versions it deletes, which
 * MULTI/EXEC cannot do without WATCH and retries). Reads are one pipeline per batch.
 *
 * Redis frees a deleted value but does not scrub memory, and an AOF or RDB file keeps the wrapped
 * key until it is rewritten: a copy without the master key is useless, which is why keys are wrapped.
 */
export class RedisKeyStore extends KeyStore {
  private readonly client: Redis;
  private readonly keys: RedisKeyStoreKeys;

  constructor(options: RedisKeyStoreOptions) {
    super();
    if (!options?.client) throw new TypeError('RedisKeyStore: options.client is required');
    if (options.client.options.keyPrefix) {
      throw new Error('RedisKeyStore: the given client has an ioredis keyPrefix; use the keyPrefix option instead');
    }
    this.client = options.client;
    this.keys = redisKeyStoreKeys(options.keyPrefix ?? 'crm:keys:');
    // ioredis sends EVALSHA and falls back to EVAL once per connection when the script is not cached.
    this.client.defineCommand(GET_OR_CREATE_COMMAND, { numberOfKeys: 0, lua: GET_OR_CREATE_SCRIPT });
    this.client.defineCommand(DESTROY_COMMAND, { numberOfKeys: 0, lua: DESTROY_SCRIPT });
  }

  async getOrCreate(customerIds: readonly string[], create: CreateWrappedKey): Promise<Map<string, WrappedKeyRecord>> {
    const ids = this.distinctCustomerIds(customerIds);
    const found = new Map<string, WrappedKeyRecord>();
    let offers = new Map<string, number>();
    const hashes = await this.pipeline<Record<string, string>>(ids.map((id) => ['hgetall', this.keys.customer(id)]));
    ids.forEach((customerId, i) => {
      const current = currentOf(customerId, hashes[i]);
      if (current) found.set(customerId, current);
      else offers.set(customerId, Number(hashes[i].lastVersion ?? 0) + 1);
    });
    for (let round = 1; offers.size > 0; round++) {
      if (round > MAX_CREATE_ROUNDS) {
        throw new Error(`RedisKeyStore: the keys of ${[...offers.keys()].join(', ')} were erased again in each of ${MAX_CREATE_ROUNDS} creation rounds`);
      }
      const args: (string | number)[] = [this.keys.prefix, offers.size];
      for (const [customerId, version] of offers) {
        const { masterKeyId, wrapped, createdAt } = this.created(create, customerId, version);
        args.push(customerId, version, JSON.stringify({ masterKeyId, wrapped, createdAt } satisfies StoredKey));
      }
      const answers = await this.command<GetOrCreateCommand>(GET_OR_CREATE_COMMAND)(...args);
      const retry = new Map<string, number>();
      [...offers.keys()].forEach((customerId, i) => {
        const version = Number(answers[2 * i]);
        if (version > 0) found.set(customerId, toRecord(customerId, version, String(answers[2 * i + 1])));
        else retry.set(customerId, Number(answers[2 * i + 1]));
      });
      offers = retry;
    }
    return new Map(ids.map((customerId) => [customerId, found.get(customerId)!]));
  }

  async get(customerId: string, version: number): Promise<WrappedKeyRecord | null> {
    this.checkRef({ customerId, version });
    const stored = await this.client.hget(this.keys.customer(customerId), String(version));
    return stored === null ? null : toRecord(customerId, version, stored);
  }

  async getMany(refs: readonly KeyRef[]): Promise<Map<string, WrappedKeyRecord>> {
    refs.forEach((ref) => this.checkRef(ref));
    const stored = await this.pipeline<string | null>(refs.map((ref) => ['hget', this.keys.customer(ref.customerId), String(ref.version)]));
    const result = new Map<string, WrappedKeyRecord>();
    refs.forEach((ref, i) => {
      const value = stored[i];
      if (value !== null) result.set(keyRefId(ref), toRecord(ref.customerId, ref.version, value));
    });
    return result;
  }

  async destroy(customerIds: readonly string[], at: string): Promise<DestroyedKeys[]> {
    this.checkInstant(at);
    const ids = this.distinctCustomerIds(customerIds);
    if (ids.length === 0) return [];
    const destroyed = await this.command<DestroyCommand>(DESTROY_COMMAND)(this.keys.prefix, at, ...ids);
    return ids.map((customerId, i) => ({ customerId, versionsDestroyed: destroyed[i].map(Number) }));
  }

  async erasure(customerId: string): Promise<ErasureRecord | null> {
    const [erasedAt, lastVersion] = await this.client.hmget(this.keys.customer(customerId), 'erasedAt', 'lastVersion');
    return erasedAt === null || lastVersion === null ? null : { erasedAt, lastVersion: Number(lastVersion) };
  }

  /** The client belongs to the caller: nothing to release here. */
  async close(): Promise<void> {}

  private command<C>(name: string): C {
    const command = (this.client as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
    return command.bind(this.client) as C;
  }

  /** One round trip for the batch; the first failed command's error is thrown. */
  private async pipeline<T>(commands: string[][]): Promise<T[]> {
    if (commands.length === 0) return [];
    const results = (await this.client.pipeline(commands).exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return value as T;
    });
  }
}

/** The highest live version in a customer's hash (HGETALL answer), if any. */
function currentOf(customerId: string, hash: Record<string, string>): WrappedKeyRecord | null {
  let highest = 0;
  for (const field of Object.keys(hash)) if (/^\d+$/.test(field) && Number(field) > highest) highest = Number(field);
  return highest > 0 ? toRecord(customerId, highest, hash[String(highest)]) : null;
}

function toRecord(customerId: string, version: number, stored: string): WrappedKeyRecord {
  const { masterKeyId, wrapped, createdAt } = JSON.parse(stored) as StoredKey;
  return { customerId, version, masterKeyId, wrapped, createdAt };
}
