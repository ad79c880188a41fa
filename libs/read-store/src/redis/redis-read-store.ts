import type { ConnectionOptions } from 'node:tls';
import Redis from 'ioredis';
import {
  DocumentNamePage,
  DocumentVersionConflictError,
  DocumentWrite,
  ListDocumentNamesOptions,
  ListViewsQuery,
  ReadStore,
  StoredDocument,
  ViewCommit,
  ViewPage,
  ViewRecord,
} from '../read-store.port';
import { COMMIT_SCRIPT, PUT_DOCUMENTS_SCRIPT } from './redis-commit.script';
import { RedisReadStoreKeys, redisReadStoreKeys } from './redis-read-store.keys';

export interface RedisReadStoreOptions {
  /**
   * Server to connect to; ignored when `client` is given.
   * @defaultValue 'redis://127.0.0.1:6379'
   */
  url?: string;
  /**
   * TLS options (`ca` for a private CA, `servername`…); a `rediss://` url alone uses TLS with the
   * system CAs. Ignored when `client` is given.
   */
  tls?: ConnectionOptions;
  /** ACL user; ignored when `client` is given or the url carries one. @defaultValue the default user */
  username?: string;
  /** `requirepass` or the ACL user's password; ignored when `client` is given or the url carries one. */
  password?: string;
  /**
   * Prepended to every key, so several stores (tests, tenants) can share one server. End it with
   * ':' and never use a prefix that starts with another store's prefix followed by `view:`, `idx:` or `doc:`.
   * @defaultValue 'crm:'
   */
  keyPrefix?: string;
  /**
   * An existing connection to use instead of opening one; `close()` leaves it open. It must not
   * have ioredis's own `keyPrefix` set (the commit script builds keys itself).
   */
  client?: Redis;
}

/** Number of ids read per round trip while intersecting index sets. */
const INTERSECT_CHUNK = 500;
/** Keys per UNLINK in clear(). */
const CLEAR_BATCH = 500;
const COMMIT_COMMAND = 'crmReadStoreCommit';
const PUT_DOCUMENTS_COMMAND = 'crmReadStorePutDocuments';

type CommitCommand = (...args: (string | number)[]) => Promise<number>;
type PutDocumentsCommand = (...args: (string | number)[]) => Promise<string[]>;

/**
 * The distributed read store on Redis (standalone server, 7.0 or later for ZINTERCARD; not
 * Cluster). Layout in redis-read-store.keys.ts. `commit` runs one Lua script: atomic, one round
 * trip for any number of views, and it never moves a view back to a lower position (a late
 * duplicate from Kafka is skipped, see redis-commit.script.ts). `putDocuments` is another script:
 * it compares every version before it writes anything.
 */
export class RedisReadStore extends ReadStore {
  private closed = false;

  private constructor(
    /** The connection (shared by the stores of several generations, see openReadStoreGenerations). */
    readonly client: Redis,
    private readonly keys: RedisReadStoreKeys,
    private readonly ownsClient: boolean,
  ) {
    super();
  }

  static async connect(options: RedisReadStoreOptions = {}): Promise<RedisReadStore> {
    const keys = redisReadStoreKeys(options.keyPrefix ?? 'crm:');
    if (options.client) {
      if (options.client.options.keyPrefix) {
        throw new Error('RedisReadStore: the given client has an ioredis keyPrefix; use the keyPrefix option instead');
      }
      defineCommands(options.client);
      return new RedisReadStore(options.client, keys, false);
    }
    // lazyConnect + connect(): an unreachable server fails here rather than on the first query.
    // The url's own user and password win over the options (ioredis's precedence).
    const client = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
      lazyConnect: true,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.username ? { username: options.username } : {}),
      ...(options.password ? { password: options.password } : {}),
    });
    // connect() itself only says "Connection is closed."; keep the socket error for the message.
    let cause: unknown;
    const remember = (error: unknown) => (cause = error);
    client.on('error', remember);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      cause ??= error;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`RedisReadStore: cannot connect to ${client.options.host}:${client.options.port}: ${reason}`, { cause });
    } finally {
      client.off('error', remember);
    }
    defineCommands(client);
    return new RedisReadStore(client, keys, true);
  }

  async getView<V>(customerId: string): Promise<ViewRecord<V> | null> {
    return toRecord<V>(customerId, await this.client.get(this.keys.view(customerId)));
  }

  async getViews<V>(customerIds: readonly string[]): Promise<Map<string, ViewRecord<V>>> {
    const ids = [...new Set(customerIds)];
    const records = await this.fetch<V>(ids);
    const result = new Map<string, ViewRecord<V>>();
    for (const record of records) if (record) result.set(record.customerId, record);
    return result;
  }

  async commit<V>(commit: ViewCommit<V>): Promise<void> {
    if (commit.views.length === 0 && !commit.checkpoint) return;
    const args: (string | number)[] = [
      this.keys.prefix,
      commit.checkpoint ? '1' : '0',
      commit.checkpoint?.name ?? '',
      commit.checkpoint ? checkPosition(commit.checkpoint.position, `checkpoint ${commit.checkpoint.name}`) : 0,
      commit.views.length,
    ];
    for (const record of commit.views) {
      const position = checkPosition(record.position, `view ${record.customerId}`);
      const indexes = indexesJson(record);
      args.push(record.customerId, position, indexes, `${position}\n${indexes}\n${viewJson(record)}`);
    }
    await this.commitCommand(...args);
  }

  async getCheckpoint(name: string): Promise<number> {
    const position = await this.client.hget(this.keys.checkpoints, name);
    return position === null ? -1 : Number(position);
  }

  async listViews<V>(query: ListViewsQuery = {}): Promise<ViewPage<V>> {
    const limit = query.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const filter = query.filter ?? {};
    // One more than the page: if it exists there is a next page.
    const ids = await this.matchingIds(this.filterKeys(filter), query.after, limit + 1);
    const pageIds = ids.slice(0, limit);
    const records = await this.fetch<V>(pageIds);
    // A view can move or vanish between reading the ids and the views; drop what no longer matches.
    const items = records.filter(
      (record): record is ViewRecord<V> => record !== null && Object.entries(filter).every(([name, value]) => record.indexes[name] === value),
    );
    return { items, nextCursor: ids.length > limit ? pageIds[pageIds.length - 1] : null };
  }

  async *scanViews<V>(options: { batchSize?: number } = {}): AsyncIterable<ViewRecord<V>> {
    const batchSize = options.batchSize ?? 1000;
    let after: string | undefined;
    for (;;) {
      const ids = await this.client.zrangebylex(this.keys.ids, lexAfter(after), '+', 'LIMIT', 0, batchSize);
      for (const record of await this.fetch<V>(ids)) if (record) yield record;
      if (ids.length < batchSize) return;
      after = ids[ids.length - 1];
    }
  }

  async countViews(filter: Record<string, string> = {}): Promise<number> {
    const keys = this.filterKeys(filter);
    if (keys.length === 1) return this.client.zcard(keys[0]);
    return this.client.zintercard(keys.length, ...keys);
  }

  async getDocuments<T>(names: readonly string[]): Promise<Map<string, StoredDocument<T>>> {
    const unique = [...new Set(names)];
    const result = new Map<string, StoredDocument<T>>();
    if (unique.length === 0) return result;
    const values = await this.client.mget(unique.map((name) => this.keys.document(name)));
    values.forEach((value, i) => {
      if (value !== null) result.set(unique[i], toDocument<T>(unique[i], value, this.keys.document(unique[i])));
    });
    return result;
  }

  async putDocuments(documents: readonly DocumentWrite[]): Promise<void> {
    const writes = this.serialiseDocumentWrites(documents);
    if (writes.length === 0) return;
    const args: (string | number)[] = [this.keys.prefix, writes.length];
    for (const write of writes) args.push(write.name, write.expectedVersion, `${write.expectedVersion + 1}\n${write.json}`);
    const conflicts = await this.putDocumentsCommand(...args);
    if (conflicts.length > 0) throw new DocumentVersionConflictError(conflicts);
  }

  async listDocumentNames(prefix: string, options: ListDocumentNamesOptions = {}): Promise<DocumentNamePage> {
    const limit = this.documentPageLimit(options.limit);
    const { after } = options;
    let start = `[${prefix}`;
    if (after !== undefined && !after.startsWith(prefix)) {
      // A cursor outside the prefix: every name with the prefix is after it, or none is (byte order, as ZRANGEBYLEX).
      if (Buffer.compare(Buffer.from(after), Buffer.from(prefix)) > 0) return { names: [], nextCursor: null };
    } else if (after !== undefined) {
      start = `(${after}`;
    }
    const candidates = await this.client.zrangebylex(this.keys.documents, start, '+', 'LIMIT', 0, limit + 1);
    return this.documentNamePage(candidates, prefix, limit);
  }

  /**
   * Deletes this store's keys only (SCAN + UNLINK; never FLUSHDB, the server is shared). Not
   * atomic: run it with the projector stopped. Checkpoints go first, so if it fails half-way the
   * store restarts from the beginning; run it again to remove the rest.
   */
  async clear(): Promise<void> {
    await this.client.unlink(this.keys.checkpoints, this.keys.ids, this.keys.documents);
    for (const pattern of this.keys.patterns) {
      let cursor = '0';
      do {
        const [next, found] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', CLEAR_BATCH);
        if (found.length > 0) await this.client.unlink(...found);
        cursor = next;
      } while (cursor !== '0');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.quit();
  }

  private get commitCommand(): CommitCommand {
    return (this.client as unknown as Record<typeof COMMIT_COMMAND, CommitCommand>)[COMMIT_COMMAND].bind(this.client);
  }

  private get putDocumentsCommand(): PutDocumentsCommand {
    return (this.client as unknown as Record<typeof PUT_DOCUMENTS_COMMAND, PutDocumentsCommand>)[PUT_DOCUMENTS_COMMAND].bind(this.client);
  }

  /** The sorted sets whose intersection is the filter's result: every view when unfiltered. */
  private filterKeys(filter: Record<string, string>): string[] {
    const entries = Object.entries(filter);
    return entries.length === 0 ? [this.keys.ids] : entries.map(([name, value]) => this.keys.index(name, value));
  }

  /**
   * Up to `wanted` ids after `after`, ascending, present in every set of `keys`: walks the
   * smallest set by lex range in chunks and checks each chunk against the others with ZMSCORE,
   * so a page costs a few round trips however large the sets are.
   */
  private async matchingIds(keys: string[], after: string | undefined, wanted: number): Promise<string[]> {
    let ordered = keys;
    if (keys.length > 1) {
      const sizes = await this.exec<number>(keys.map((key) => ['zcard', key]));
      if (sizes.some((size) => size === 0)) return [];
      ordered = keys.map((key, i) => ({ key, size: sizes[i] })).sort((a, b) => a.size - b.size).map((k) => k.key);
    }
    const [driver, ...others] = ordered;
    const chunk = others.length === 0 ? wanted : Math.max(wanted, INTERSECT_CHUNK);
    const result: string[] = [];
    let cursor = after;
    for (;;) {
      const ids = await this.client.zrangebylex(driver, lexAfter(cursor), '+', 'LIMIT', 0, chunk);
      if (ids.length === 0) return result;
      const scores = others.length === 0 ? [] : await this.exec<(string | null)[]>(others.map((key) => ['zmscore', key, ...ids]));
      for (let i = 0; i < ids.length; i++) {
        if (scores.every((memberScores) => memberScores[i] !== null)) {
          result.push(ids[i]);
          if (result.length === wanted) return result;
        }
      }
      if (ids.length < chunk) return result;
      cursor = ids[ids.length - 1];
    }
  }

  /** The stored views of `ids`, in the same order (null where missing), in one MGET. */
  private async fetch<V>(ids: readonly string[]): Promise<(ViewRecord<V> | null)[]> {
    if (ids.length === 0) return [];
    const values = await this.client.mget(ids.map((id) => this.keys.view(id)));
    return values.map((value, i) => toRecord<V>(ids[i], value));
  }

  private async exec<T>(commands: (string | number)[][]): Promise<T[]> {
    const results = (await this.client.pipeline(commands).exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return value as T;
    });
  }
}

function defineCommands(client: Redis): void {
  // ioredis sends EVALSHA and falls back to EVAL once per connection when the script is not cached.
  client.defineCommand(COMMIT_COMMAND, { numberOfKeys: 0, lua: COMMIT_SCRIPT });
  client.defineCommand(PUT_DOCUMENTS_COMMAND, { numberOfKeys: 0, lua: PUT_DOCUMENTS_SCRIPT });
}

/** ZRANGEBYLEX lower bound: exclusive of the cursor, or the start of the set. */
function lexAfter(after: string | undefined): string {
  return after === undefined ? '-' : `(${after}`;
}

function checkPosition(position: number, what: string): number {
  if (!Number.isSafeInteger(position)) throw new TypeError(`position of ${what} must be a safe integer, got ${position}`);
  return position;
}

// Validated here so the script never sees a value it must reject half-way through a batch.
function indexesJson(record: ViewRecord<unknown>): string {
  for (const [name, value] of Object.entries(record.indexes)) {
    if (typeof value !== 'string') throw new TypeError(`index ${name} of view ${record.customerId} must be a string`);
  }
  return JSON.stringify(record.indexes);
}

function viewJson(record: ViewRecord<unknown>): string {
  const json = JSON.stringify(record.view) as string | undefined;
  if (json === undefined) throw new TypeError(`view ${record.customerId} is not JSON-serialisable`);
  return json;
}

/** Parses the stored `position\nindexes\nview` string (see redis-read-store.keys.ts). */
function toRecord<V>(customerId: string, value: string | null): ViewRecord<V> | null {
  if (value === null) return null;
  const first = value.indexOf('\n');
  const second = value.indexOf('\n', first + 1);
  return {
    customerId,
    position: Number(value.slice(0, first)),
    indexes: JSON.parse(value.slice(first + 1, second)) as Record<string, string>,
    view: JSON.parse(value.slice(second + 1)) as V,
  };
}

/** Parses the stored `version\nvalue` string (see redis-read-store.keys.ts). */
function toDocument<T>(name: string, stored: string, key: string): StoredDocument<T> {
  const newline = stored.indexOf('\n');
  const version = Number(stored.slice(0, newline));
  if (newline < 1 || !Number.isSafeInteger(version) || version < 1) throw new Error(`RedisReadStore: stored document ${key} is corrupt`);
  return { name, version, value: JSON.parse(stored.slice(newline + 1)) as T };
}
